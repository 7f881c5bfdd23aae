#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: lab.openstack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: glance_image
short_description: Upload and manage a Glance image, found by name, idempotent by content
version_added: "0.1.0"
description:
  - Creates, updates or deletes an Image v2 image, found by name among the images of one project
    (O(owner), or the project of the credentials).
  - The tutorial's C(glance add name=... is_public=true disk_format=... < file) and the C(awk) that
    read the new image's ID back, as one task.
  - Idempotent by content. The image's bytes are compared through their checksums (Glance's
    C(os_hash_value), C(sha512) by default, and its C(md5) C(checksum)); the same name and the same
    content do nothing. Other content follows O(on_content_change).
  - Metadata (visibility, protection, minimums, properties, kernel and ramdisk) is updated in place,
    never by uploading again.
  - The upload streams the file (the module's memory does not grow with the image). The module waits
    for the image to be C(active) and checks its size and checksum. When the upload fails, the new
    image is deleted, so no image is left C(queued).
  - Bad input fails before anything is written. That covers a missing file, a URL that does not answer
    200, a checksum that does not match, and a kernel or ramdisk image that cannot be found.
author:
  - lab.openstack developers (@lab-openstack)
extends_documentation_fragment:
  - lab.openstack.openstack
options:
  name:
    description: Name of the image.
    type: str
    required: true
  filename:
    description:
      - Path, on the managed host, of the file to upload.
      - Hashed on every run to compare it with the image.
    type: path
  url:
    description:
      - URL to download the file from, on the managed host, before uploading it.
      - The download is skipped when O(checksum) can be compared with the image's own checksums
        (a C(sha512:) or C(md5:) checksum) and they match.
    type: str
  checksum:
    description:
      - Expected checksum of the file, C(ALGORITHM:HEXDIGEST) (C(sha256:6a8f...)) or a bare digest whose
        length names the algorithm. Required with O(url).
      - A file or download that does not match fails the task before anything is written.
    type: str
  url_timeout:
    description: Seconds to wait for the download server's answers.
    type: int
    default: 60
  disk_format:
    description:
      - Format of the disk image. C(raw) when the image is created without it.
      - Fixed at upload. A different value is other content (see O(on_content_change)).
    type: str
    choices: [ami, ari, aki, vhd, vhdx, vmdk, raw, qcow2, vdi, iso, ploop]
  container_format:
    description:
      - Container format. C(bare) when the image is created without it.
      - Fixed at upload, like O(disk_format).
    type: str
    choices: [ami, ari, aki, bare, ovf, ova, docker, compressed]
  visibility:
    description:
      - Who sees the image. The tutorial's C(is_public=true) is C(public), which only an admin may set.
      - Left as it is when not given (on creation Glance's default, C(shared)).
    type: str
    choices: [public, private, shared, community]
  protected:
    description: Whether the image is protected from deletion; left as it is when not given.
    type: bool
  min_disk:
    description: Minimum disk size in GB to boot the image; left as it is when not given.
    type: int
  min_ram:
    description: Minimum RAM in MB to boot the image; left as it is when not given.
    type: int
  properties:
    description:
      - Custom properties (such as C(hw_disk_bus) or C(os_distro)); values are stored as strings.
      - Only the properties given are managed; others are left alone.
    type: dict
  kernel:
    description:
      - Name of the kernel image (the tutorial's C(aki) image) this image boots with. Stored as its
        C(kernel_id) property.
    type: str
  ramdisk:
    description: Name of the ramdisk image (the tutorial's C(ari) image). Stored as its C(ramdisk_id) property.
    type: str
  owner:
    description:
      - Name of the project owning the image (resolved through Keystone, which needs an admin).
      - When not given, the project of the credentials.
    type: str
  owner_domain:
    description: Domain of O(owner).
    type: str
    default: Default
  on_content_change:
    description:
      - What to do when an image of that name holds other content than O(filename) or O(url).
      - C(fail) stops with a message naming both checksums.
      - C(replace) uploads the new content as a new image with the same name and metadata, then
        deletes the old one. A protected image is not replaced.
      - C(keep) leaves the image's content as it is and only updates its metadata.
    type: str
    choices: [fail, replace, keep]
    default: fail
  wait_timeout:
    description: Seconds to wait for an uploaded image to become C(active).
    type: int
    default: 600
  state:
    description: Whether the image must exist. C(absent) deletes it (a protected image is refused).
    type: str
    choices: [present, absent]
    default: present
attributes:
  check_mode:
    support: full
    description:
      - Hashes the file (or downloads it when the checksums cannot be compared) and reports what would be
        uploaded, replaced or updated, writing nothing.
  diff_mode:
    support: full
    description: Shows the image's checksum and metadata before and after.
notes:
  - Runs on the host that reads the file, with the distribution's python3-keystoneauth1. Nothing
    is installed with pip.
"""

EXAMPLES = r"""
- name: The tutorial's image, public, from a file built on the controller
  lab.openstack.glance_image:
    cloud: lab-admin
    name: debian-12-lab
    filename: /var/lib/lab-openstack/images/debian-12-lab.qcow2
    disk_format: qcow2
    visibility: public
    properties:
      os_distro: debian
      hw_rng_model: virtio
    on_content_change: replace

- name: An official cloud image, downloaded on the host, checked against Debian's SHA512SUMS
  lab.openstack.glance_image:
    cloud: lab-admin
    name: debian-12-genericcloud
    url: https://cloud.debian.org/images/cloud/bookworm/latest/debian-12-genericcloud-amd64.qcow2
    checksum: "sha512:{{ debian_image_sha512 }}"
    disk_format: qcow2
    visibility: public

- name: The tutorial's kernel, ramdisk and machine image (aki, ari, ami)
  lab.openstack.glance_image:
    cloud: lab-admin
    name: "{{ item.name }}"
    filename: "{{ item.file }}"
    disk_format: "{{ item.format }}"
    container_format: "{{ item.format }}"
    kernel: "{{ item.kernel | default(omit) }}"
    ramdisk: "{{ item.ramdisk | default(omit) }}"
    visibility: public
  loop:
    - {name: ttylinux-kernel, file: /srv/ttylinux-vmlinuz, format: aki}
    - {name: ttylinux-ramdisk, file: /srv/ttylinux-initrd, format: ari}
    - {name: ttylinux, file: /srv/ttylinux.img, format: ami, kernel: ttylinux-kernel, ramdisk: ttylinux-ramdisk}

- name: A private image of the demo project
  lab.openstack.glance_image:
    cloud: lab-demo
    name: my-snapshot
    filename: /root/my-snapshot.qcow2
    disk_format: qcow2
    visibility: private
"""

RETURN = r"""
image:
  description: The image after the change (null when absent). Custom properties are under C(properties).
  returned: always
  type: dict
  sample:
    id: 7bd2d5e2-9d2c-4e4b-9a9e-0b0d2a9f6f30
    name: debian-12-lab
    status: active
    disk_format: qcow2
    container_format: bare
    size: 104857600
    checksum: 2b8f...
    os_hash_algo: sha512
    os_hash_value: 6a8f...
    visibility: public
    protected: false
    min_disk: 0
    min_ram: 0
    owner: 5e1c...
    kernel_id: null
    ramdisk_id: null
    properties: {os_distro: debian}
replaced:
  description: ID of the image deleted because its content was replaced.
  returned: when an image was replaced
  type: str
"""

import os
import tempfile
import time
from urllib.parse import quote, urlencode

from ansible.module_utils.urls import fetch_url
from ansible_collections.lab.openstack.plugins.module_utils.glance import (
    CONTAINER_FORMATS, DISK_FORMATS, VISIBILITIES, ChecksumError, HashingReader, apply_patch, bad_property_names,
    creation_body, hash_file, hash_stream, metadata_patch, parse_checksum, same_content, view)
from ansible_collections.lab.openstack.plugins.module_utils.keystone import KeystoneModule, require_name
from ansible_collections.lab.openstack.plugins.module_utils.openstack import OpenStackError

PATCH_TYPE = "application/openstack-images-v2.1-json-patch"
# States of an image that holds no usable content: a failed or abandoned upload.
UNFINISHED = ("queued", "saving", "uploading", "importing", "killed")
POLL = 1.0
UPLOAD_CHUNK = 1024 * 1024


class GlanceImageModule(KeystoneModule):
    service_type = "image"
    argument_spec = dict(
        name=dict(type="str", required=True),
        filename=dict(type="path"),
        url=dict(type="str"),
        checksum=dict(type="str"),
        url_timeout=dict(type="int", default=60),
        disk_format=dict(type="str", choices=DISK_FORMATS),
        container_format=dict(type="str", choices=CONTAINER_FORMATS),
        visibility=dict(type="str", choices=VISIBILITIES),
        protected=dict(type="bool"),
        min_disk=dict(type="int"),
        min_ram=dict(type="int"),
        properties=dict(type="dict"),
        kernel=dict(type="str"),
        ramdisk=dict(type="str"),
        owner=dict(type="str"),
        owner_domain=dict(type="str", default="Default"),
        on_content_change=dict(type="str", default="fail", choices=["fail", "replace", "keep"]),
        wait_timeout=dict(type="int", default=600),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    )
    module_kwargs = dict(
        mutually_exclusive=[("filename", "url")],
        required_by={"url": "checksum"},
    )

    def __init__(self):
        super().__init__()
        self._download = None

    # --- reading ------------------------------------------------------------------------
    def images_named(self, name, owner_id=None):
        query = {"name": name}
        if owner_id:
            query["owner"] = owner_id
        path = "v2/images?" + urlencode(query)
        found = []
        while path:
            page = self.get(path)
            found.extend(page.get("images", []))
            following = page.get("next")
            path = following.lstrip("/") if following else None
        return found

    def image(self, image_id):
        return self.get("v2/images/%s" % quote(image_id))

    def related_image(self, name, owner_id, parameter):
        """The ID of the kernel or ramdisk image called name: the owner's own, else the only one visible."""
        candidates = self.images_named(require_name(name, parameter))
        own = [i for i in candidates if i.get("owner") == owner_id]
        chosen = own or candidates
        if not chosen:
            kind = "aki" if parameter == "kernel" else "ari"
            raise OpenStackError("%s image %r not found among the images visible to the project; upload it "
                                 "first (disk_format %s)" % (parameter, name, kind))
        if len(chosen) > 1:
            raise OpenStackError("%s: %d images are named %r (%s); name one that is unique"
                                 % (parameter, len(chosen), name, ", ".join(i["id"] for i in chosen)))
        if chosen[0].get("status") != "active":
            raise OpenStackError("%s image %r is %s, not active" % (parameter, name, chosen[0].get("status")))
        return chosen[0]["id"]

    # --- the source -----------------------------------------------------------------------
    def expected_checksum(self):
        if self.params["checksum"] is None:
            return None
        try:
            return parse_checksum(self.params["checksum"])
        except ChecksumError as exc:
            raise OpenStackError(str(exc)) from exc

    def check_filename(self):
        path = self.params["filename"]
        if not os.path.exists(path):
            raise OpenStackError("filename %s does not exist on %s" % (path, os.uname()[1]))
        if not os.path.isfile(path):
            raise OpenStackError("filename %s is not a regular file" % path)
        if not os.access(path, os.R_OK):
            raise OpenStackError("filename %s is not readable by %s" % (path, os.getuid()))

    def download(self, algorithms):
        """Download url into a temporary file while hashing it: (path, digests, size)."""
        url = self.params["url"]
        response, info = fetch_url(self.ansible, url, timeout=self.params["url_timeout"])
        if info.get("status") != 200 or response is None:
            raise OpenStackError("url %s answered %s: %s; check the address" % (
                url, "HTTP %s" % info["status"] if info.get("status", -1) > 0 else "no HTTP answer", info.get("msg")))
        handle = tempfile.NamedTemporaryFile(prefix="glance_image.", dir=self.ansible.tmpdir, delete=False)
        self._download = handle.name
        try:
            with handle:
                digests, size = hash_stream(response, algorithms, sink=handle.write)
        except OSError as exc:
            raise OpenStackError("downloading %s failed: %s" % (url, exc)) from exc
        return handle.name, digests, size

    def source(self, current, lazy=False):
        """(path, digests, size) of the content to upload; path is None when the content was
        compared with the image through the checksum alone (a URL needs no download).
        lazy: a file with no checksum to check is not read now (digests None): the upload
        hashes it on its way, one pass instead of two."""
        expected = self.expected_checksum()
        algorithms = {"md5", "sha512"}
        if current and current.get("os_hash_algo"):
            algorithms.add(current["os_hash_algo"])
        if expected:
            algorithms.add(expected[0])
        if self.params["url"]:
            if (current and expected and current.get("status") == "active"
                    and same_content(current, {expected[0]: expected[1]}, None)):
                return None, {expected[0]: expected[1]}, current.get("size")
            path, digests, size = self.download(sorted(algorithms))
            what = "the download of %s" % self.params["url"]
        else:
            self.check_filename()
            path = self.params["filename"]
            if lazy and not expected:
                return path, None, os.path.getsize(path)
            digests, size = hash_file(path, sorted(algorithms))
            what = path
        if expected and digests[expected[0]] != expected[1]:
            raise OpenStackError("checksum mismatch: %s has %s:%s, the checksum option expects %s:%s" % (
                what, expected[0], digests[expected[0]], expected[0], expected[1]))
        return path, digests, size

    # --- writing --------------------------------------------------------------------------
    def upload(self, body, path, digests, size):
        """Create the image, stream the file, wait for active, check it; delete it on any failure.
        The file is hashed while it is sent; Glance's checksums must match that (and digests,
        when the file was hashed before)."""
        created = self.request("POST", "v2/images", json=body, ok=(201,)).json()
        try:
            with open(path, "rb") as handle:
                # sha512 only: Glance's own hash by default, and a second algorithm would
                # cost as much again (1.4 s per GiB here) for nothing more to compare.
                data = HashingReader(handle, ("sha512",), size, UPLOAD_CHUNK)
                # No retry: a retried request would resend a half-read stream.
                self.request("PUT", "v2/images/%s/file" % quote(created["id"]), data=data, ok=(204,),
                             headers={"Content-Type": "application/octet-stream"}, retries=False)
            sent = data.digests()
            if data.size != size or (digests and any(digests.get(a, v) != v for a, v in sent.items())):
                raise OpenStackError("%s changed while it was uploaded" % path)
            digests = dict(digests or {}, **sent)
            image = self.wait_active(created["id"])
            # None: Glance hashes with an algorithm not computed here; the size still must match.
            if same_content(image, digests, size) is False:
                raise OpenStackError("Glance stored %s bytes with %s %s, expected %s bytes with %s" % (
                    image.get("size"), image.get("os_hash_algo"), image.get("os_hash_value"), size,
                    digests.get(image.get("os_hash_algo"), digests.get("md5"))))
            return image
        except (OpenStackError, OSError) as exc:
            self.delete_quietly(created["id"])
            raise OpenStackError("uploading %s as image %s failed and the new image was deleted: %s" % (
                path if path != self._download else self.params["url"], created["id"], exc)) from exc

    def wait_active(self, image_id):
        deadline = time.monotonic() + self.params["wait_timeout"]
        while True:
            image = self.image(image_id)
            status = image.get("status")
            if status == "active":
                return image
            if status in ("killed", "deleted", "pending_delete", "deactivated"):
                raise OpenStackError("image %s became %s" % (image_id, status))
            if time.monotonic() >= deadline:
                raise OpenStackError("image %s still %s after %s s (wait_timeout)" % (
                    image_id, status, self.params["wait_timeout"]))
            time.sleep(POLL)

    def delete_quietly(self, image_id):
        try:
            self.request("DELETE", "v2/images/%s" % quote(image_id), ok=(204, 404))
        except OpenStackError:
            pass

    def delete(self, image):
        if image.get("protected"):
            raise OpenStackError("image %s (%s) is protected; set protected: false before deleting or "
                                 "replacing it" % (image["name"], image["id"]))
        if not self.check_mode:
            self.request("DELETE", "v2/images/%s" % quote(image["id"]), ok=(204,))

    # --- running ----------------------------------------------------------------------------
    def desired(self, owner_id):
        p = self.params
        return {
            "name": p["name"], "visibility": p["visibility"], "protected": p["protected"],
            "min_disk": p["min_disk"], "min_ram": p["min_ram"],
            "owner": owner_id if p["owner"] else None,
            "kernel_id": self.related_image(p["kernel"], owner_id, "kernel") if p["kernel"] else None,
            "ramdisk_id": self.related_image(p["ramdisk"], owner_id, "ramdisk") if p["ramdisk"] else None,
            "properties": p["properties"],
        }

    def run(self):
        try:
            return self._run()
        finally:
            if self._download and os.path.exists(self._download):
                os.unlink(self._download)

    def _run(self):
        p = self.params
        require_name(p["name"], "name")
        for option in ("min_disk", "min_ram", "wait_timeout", "url_timeout"):
            if p[option] is not None and p[option] < 0:
                raise OpenStackError("%s must be 0 or more, not %s" % (option, p[option]))
        bad = bad_property_names(p["properties"])
        if bad:
            raise OpenStackError("properties %s are Glance's own attributes or invalid names; set them through "
                                 "their options (visibility, protected, min_disk, min_ram, kernel, ramdisk...)"
                                 % ", ".join(bad))
        if p["url"] and not p["url"].startswith(("http://", "https://", "ftp://")):
            raise OpenStackError("url %r is not an http(s) or ftp URL" % p["url"])
        self.expected_checksum()

        if p["owner"]:
            owner_id = self.project(p["owner"], p["owner_domain"], parameter="owner",
                                    domain_parameter="owner_domain")["id"]
        else:
            owner_id = self.session.get_project_id()
        found = self.images_named(p["name"], owner_id)
        if len(found) > 1:
            raise OpenStackError("%d images are named %r in project %s (%s); delete the extra ones" % (
                len(found), p["name"], p["owner"] or owner_id, ", ".join(i["id"] for i in found)))
        current = found[0] if found else None

        if p["state"] == "absent":
            if current:
                self.delete(current)
            return self.result(current, None)
        return self.present(current, owner_id)

    def present(self, current, owner_id):
        p = self.params
        desired = self.desired(owner_id)
        has_source = bool(p["filename"] or p["url"])
        if current and current.get("status") in UNFINISHED:
            # A failed or abandoned upload holds nothing to keep: upload again.
            if not has_source:
                raise OpenStackError("image %s (%s) is %s, without content; give filename or url to upload it"
                                     % (p["name"], current["id"], current["status"]))
            return self.create(desired, replacing=current)
        if current is None:
            if not has_source:
                raise OpenStackError("image %r does not exist; give filename or url to upload it" % p["name"])
            return self.create(desired)

        formats = {k: p[k] for k in ("disk_format", "container_format") if p[k] and current.get(k) != p[k]}
        if has_source and p["on_content_change"] != "keep":
            path, digests, size = self.source(current)
            if formats or not same_content(current, digests, size):
                return self.content_changed(current, desired, formats, (path, digests, size))
        elif formats:
            raise OpenStackError("image %s has %s; the formats are fixed at upload: give filename or url with "
                                 "on_content_change: replace to upload it again" % (p["name"], ", ".join(
                                     "%s %s, not %s" % (k, current.get(k), v) for k, v in formats.items())))
        return self.update(current, desired)

    def content_changed(self, current, desired, formats, source):
        p = self.params
        if p["on_content_change"] == "fail":
            _path, digests, size = source
            algo = current.get("os_hash_algo") or "md5"
            theirs = current.get("os_hash_value") if algo != "md5" else current.get("checksum")
            differences = ["%s %s, not %s" % (k, current.get(k), v) for k, v in formats.items()]
            if not formats or digests.get(algo) != theirs:
                mine = ("%s %s" % (algo, digests[algo]) if algo in digests
                        else " ".join("%s %s" % item for item in sorted(digests.items())))
                differences.append("%s bytes with %s %s, not %s bytes with %s" % (
                    current.get("size"), algo, theirs, size if size is not None else "?", mine))
            raise OpenStackError("image %s (%s) holds other content: %s; set on_content_change: replace to upload "
                                 "it as a new image and delete the old one, or keep to leave it"
                                 % (p["name"], current["id"], "; ".join(differences)))
        return self.create(desired, replacing=current, source=source)

    def create(self, desired, replacing=None, source=None):
        p = self.params
        if replacing is not None and replacing.get("protected"):
            raise OpenStackError("image %s (%s) is protected and cannot be replaced; set protected: false first"
                                 % (replacing["name"], replacing["id"]))
        path, digests, size = source or self.source(None, lazy=not self.check_mode)
        if path is None:  # compared by checksum only; the content differs, so fetch it now
            path, digests, size = self.source(None, lazy=not self.check_mode)
        if replacing is not None and replacing.get("status") == "active":
            # The new image keeps what the old one had unless told otherwise.
            kept = ("visibility", "protected", "min_disk", "min_ram", "kernel_id", "ramdisk_id")
            inherited = {k: replacing.get(k) for k in kept}
            desired = dict({k: v for k, v in inherited.items() if v is not None},
                           **{k: v for k, v in desired.items() if v is not None})
        body = creation_body(dict(desired, disk_format=p["disk_format"] or "raw",
                                  container_format=p["container_format"] or "bare"))
        if self.check_mode:
            algo = "sha512"
            after = dict(body, id=None, status="active", size=size, checksum=digests.get("md5"),
                         os_hash_algo=algo, os_hash_value=digests.get(algo))
        else:
            after = self.upload(body, path, digests, size)
        if replacing is not None:
            self.delete(replacing)
        result = self.result(replacing, after)
        if replacing is not None:
            result["replaced"] = replacing["id"]
        return result

    def update(self, current, desired):
        patch = metadata_patch(current, desired)
        after = current
        if patch:
            after = apply_patch(current, patch)
            if not self.check_mode:
                after = self.request("PATCH", "v2/images/%s" % quote(current["id"]), json=patch,
                                     headers={"Content-Type": PATCH_TYPE}).json()
        return self.result(current, after)

    def result(self, before, after):
        return self.resource_result("image", view(before), view(after))


def main():
    GlanceImageModule()()


if __name__ == "__main__":
    main()
