#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: lab.openstack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: nova_keypair
short_description: Import an SSH public key as a Nova keypair of the calling user
version_added: "0.1.0"
description:
  - Imports, replaces or deletes a Compute keypair. Keypairs belong to the user whose credentials
    the task uses, so the demo user's credentials create the demo user's keypair.
  - The tutorial's C(nova keypair-add --pub-key ~/.ssh/id_ed25519.pub mykey) as one task.
  - The key is checked before anything is written. It must be one line, C(TYPE BASE64 [COMMENT]), of
    type C(ssh-ed25519), C(ssh-rsa) or C(ecdsa-sha2-nistp256/384/521). Its base64 blob must decode into
    the fields of that type, and the type written in the blob must be the one the line names.
  - A keypair of that name with the same key (type and blob; the comment is ignored) is left as it is.
    Another key follows O(on_change).
  - Nova does not generate keys here; make one with C(ssh-keygen) (or the C(community.crypto) modules).
author:
  - lab.openstack developers (@lab-openstack)
extends_documentation_fragment:
  - lab.openstack.openstack
options:
  name:
    description:
      - Name of the keypair, unique per user. 1 to 255 letters, digits, spaces, C(-) and C(_), the
        characters Nova accepts before compute API 2.92.
    type: str
    required: true
  public_key:
    description: The public key, the one line of an OpenSSH C(.pub) file. Mutually exclusive with O(public_key_file).
    type: str
  public_key_file:
    description:
      - Path of an OpenSSH C(.pub) file, read on the managed host.
      - Mutually exclusive with O(public_key); one of them is required with O(state=present).
    type: path
  on_change:
    description:
      - What to do when the keypair of that name holds another key. Nova cannot change a keypair.
      - C(fail) stops with a message showing both fingerprints.
      - C(replace) deletes the keypair and imports the new key under the same name. Servers already
        booted keep the old key in their C(authorized_keys); only servers booted later get the new one.
    type: str
    choices: [fail, replace]
    default: fail
  state:
    description: Whether the keypair must exist.
    type: str
    choices: [present, absent]
    default: present
attributes:
  check_mode:
    support: full
    description: Checks the key, reads the keypair and reports what would be imported, replaced or deleted.
  diff_mode:
    support: full
    description: Shows the keypair (type, fingerprint, public key) before and after.
notes:
  - The fingerprint is Nova's, the MD5 of the key blob in colon-separated hex. C(ssh-keygen -l -E md5 -f key.pub)
    shows the same one.
"""

EXAMPLES = r"""
- name: The demo user's key, from the controller's root key
  lab.openstack.nova_keypair:
    cloud: lab-demo
    name: mykey
    public_key_file: /root/.ssh/id_ed25519.pub

- name: A key given as text, replacing the old one if it changed
  lab.openstack.nova_keypair:
    cloud: lab-demo
    name: laptop
    public_key: "{{ lookup('ansible.builtin.file', '~/.ssh/id_ed25519.pub') }}"
    on_change: replace

- name: No more laptop key
  lab.openstack.nova_keypair:
    cloud: lab-demo
    name: laptop
    state: absent
"""

RETURN = r"""
keypair:
  description: The keypair after the change (null when absent).
  returned: always
  type: dict
  contains:
    name:
      description: Name of the keypair.
      type: str
    fingerprint:
      description: Nova's fingerprint of the key (MD5, colon-separated hex).
      type: str
    type:
      description: Nova's type of the keypair, C(ssh).
      type: str
    public_key:
      description: The public key Nova holds.
      type: str
  sample:
    name: mykey
    fingerprint: "0b:6a:8e:1f:6c:2d:4c:5e:91:7a:3e:c1:5b:a2:77:10"
    type: ssh
    public_key: ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIK0... root@controller
"""

import base64
import binascii
import hashlib
import os
import re
import struct
from urllib.parse import quote

from ansible_collections.lab.openstack.plugins.module_utils.nova import NovaModule
from ansible_collections.lab.openstack.plugins.module_utils.openstack import OpenStackError

# Each key type and the fields of its blob after the type string.
KEY_FIELDS = {
    "ssh-ed25519": ("key",),
    "ssh-rsa": ("e", "n"),
    "ecdsa-sha2-nistp256": ("curve", "point"),
    "ecdsa-sha2-nistp384": ("curve", "point"),
    "ecdsa-sha2-nistp521": ("curve", "point"),
}
NAME = re.compile(r"^[A-Za-z0-9 _-]{1,255}$")  # Nova's safe characters before 2.92
MAX_KEY_FILE = 64 * 1024
VIEW = ("name", "type", "fingerprint", "public_key")


class PublicKeyError(OpenStackError):
    """A public key that cannot be imported."""


def ssh_strings(blob):
    """The length-prefixed strings of an SSH wire-format blob; raises ValueError when truncated."""
    fields, offset = [], 0
    while offset < len(blob):
        if offset + 4 > len(blob):
            raise ValueError("truncated")
        (length,) = struct.unpack(">I", blob[offset:offset + 4])
        offset += 4
        if offset + length > len(blob):
            raise ValueError("truncated")
        fields.append(blob[offset:offset + length])
        offset += length
    return fields


def parse_public_key(text, origin="public_key"):
    """(type, base64 blob, comment) of an OpenSSH public key line; raises PublicKeyError."""
    if "PRIVATE KEY" in text:
        raise PublicKeyError("%s is a private key; give the public key (the .pub file)" % origin)
    lines = [line for line in text.strip().splitlines() if line.strip()]
    if not lines:
        raise PublicKeyError("%s is empty" % origin)
    if len(lines) > 1:
        raise PublicKeyError("%s holds %d lines; give one public key, on one line" % (origin, len(lines)))
    fields = lines[0].split(None, 2)
    if len(fields) < 2:
        raise PublicKeyError("%s is not an OpenSSH public key (TYPE BASE64 [COMMENT])" % origin)
    kind, blob = fields[0], fields[1]
    comment = fields[2].strip() if len(fields) > 2 else ""
    if kind not in KEY_FIELDS:
        raise PublicKeyError("%s: key type %r is not supported (%s)" % (origin, kind[:40], ", ".join(KEY_FIELDS)))
    try:
        raw = base64.b64decode(blob, validate=True)
        strings = ssh_strings(raw)
    except (binascii.Error, ValueError) as exc:
        raise PublicKeyError("%s: the %s key's base64 blob does not decode (%s); was it cut or wrapped?" % (
            origin, kind, exc)) from exc
    embedded = strings[0].decode("ascii", "replace") if strings else ""
    if embedded != kind:
        raise PublicKeyError("%s: the line says %s but its blob holds a %s key" % (origin, kind, embedded or "no"))
    if len(strings) != 1 + len(KEY_FIELDS[kind]) or not all(strings[1:]):
        raise PublicKeyError("%s: the %s key's blob has %d fields instead of %d; was it cut?" % (
            origin, kind, len(strings), 1 + len(KEY_FIELDS[kind])))
    if kind == "ssh-ed25519" and len(strings[1]) != 32:
        raise PublicKeyError("%s: an ssh-ed25519 key is 32 bytes, not %d" % (origin, len(strings[1])))
    curve = strings[1].decode("ascii", "replace")
    if kind.startswith("ecdsa-sha2-") and curve != kind[len("ecdsa-sha2-"):]:
        raise PublicKeyError("%s: the %s key's blob is for curve %s" % (origin, kind, curve))
    return kind, blob, comment


def fingerprint(blob):
    """Nova's fingerprint of a key: the MD5 of its decoded blob, colon-separated."""
    digest = hashlib.md5(base64.b64decode(blob), usedforsecurity=False).hexdigest()
    return ":".join(digest[i:i + 2] for i in range(0, len(digest), 2))


def same_key(public_key, kind, blob):
    """Whether Nova's public_key is the key kind/blob (the comment does not count)."""
    fields = (public_key or "").split()
    return len(fields) >= 2 and fields[0] == kind and fields[1] == blob


def keypair_view(keypair):
    return {k: keypair.get(k) for k in VIEW} if keypair else None


class KeypairModule(NovaModule):
    argument_spec = dict(
        name=dict(type="str", required=True),
        public_key=dict(type="str", no_log=False),
        public_key_file=dict(type="path", no_log=False),
        on_change=dict(type="str", default="fail", choices=["fail", "replace"]),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    )
    module_kwargs = dict(
        mutually_exclusive=[("public_key", "public_key_file")],
        required_if=[("state", "present", ("public_key", "public_key_file"), True)],
    )

    def read_key(self):
        """The key text of public_key or public_key_file, and where it came from."""
        path = self.params["public_key_file"]
        if path is None:
            return self.params["public_key"], "public_key"
        origin = "public_key_file %s" % path
        if not os.path.isfile(path):
            raise OpenStackError("%s does not exist on %s (or is not a file)" % (origin, os.uname()[1]))
        if os.path.getsize(path) > MAX_KEY_FILE:
            raise OpenStackError("%s is %d bytes, too big for a public key" % (origin, os.path.getsize(path)))
        try:
            with open(path, "rb") as handle:
                return handle.read().decode("utf-8"), origin
        except OSError as exc:
            raise OpenStackError("%s cannot be read: %s" % (origin, exc)) from exc
        except UnicodeDecodeError as exc:
            raise OpenStackError("%s is not text: %s" % (origin, exc)) from exc

    def path(self):
        return "os-keypairs/%s" % quote(self.params["name"], safe="")

    def delete(self):
        if not self.check_mode:
            self.request("DELETE", self.path(), ok=(202, 204))

    def create(self, kind, blob, comment):
        line = " ".join(part for part in (kind, blob, comment) if part)  # one space: Nova splits on it
        if self.check_mode:
            return {"name": self.params["name"], "type": "ssh", "fingerprint": fingerprint(blob), "public_key": line}
        body = {"keypair": {"name": self.params["name"], "public_key": line, "type": "ssh"}}
        return keypair_view(self.request("POST", "os-keypairs", json=body, ok=(200, 201)).json()["keypair"])

    def run(self):
        p = self.params
        if not NAME.match(p["name"] or "") or p["name"] != p["name"].strip():
            raise OpenStackError("name %r must be 1 to 255 letters, digits, '-', '_' and inner spaces" % p["name"])
        key = None
        if p["state"] == "present":
            key = parse_public_key(*self.read_key())
        current = self.keypair_named(p["name"])
        before = keypair_view(current)
        if p["state"] == "absent":
            if current:
                self.delete()
            return self.resource_result("keypair", before, None)
        kind, blob, comment = key
        if current is None:
            return self.resource_result("keypair", None, self.create(kind, blob, comment))
        if same_key(current.get("public_key"), kind, blob):
            return self.resource_result("keypair", before, before)
        if p["on_change"] == "fail":
            raise OpenStackError(
                "keypair %s holds another key (fingerprint %s, not %s); Nova cannot change a keypair: set "
                "on_change: replace to delete it and import the new key" % (
                    p["name"], current.get("fingerprint"), fingerprint(blob)))
        self.delete()
        return self.resource_result("keypair", before, self.create(kind, blob, comment))


def main():
    KeypairModule()()


if __name__ == "__main__":
    main()
