#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: lab.openstack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: nova_flavor
short_description: Manage a Nova flavor, found by name, with its extra specs
version_added: "0.1.0"
description:
  - Creates, updates, replaces or deletes a Compute flavor, found by its name among all flavors,
    public and private (which needs an admin, as creating flavors does).
  - The tutorial's C(nova-manage instance_type create) (m1.tiny to m1.xlarge, IDs 1 to 5) as one task
    per flavor.
  - Nova's flavors cannot be changed, except for their description and extra specs. A flavor of that
    name with another O(id), O(ram), O(vcpus), O(disk), O(ephemeral), O(swap) or O(is_public) is handled
    as O(on_change) says.
  - The description is updated in place (compute API microversion 2.55, the module sends 2.79).
    Extra specs are updated key by key. Keys that change or are new are set, keys no longer listed are
    unset, and the others are not touched.
  - Bad input fails before anything is written. That covers a negative size, an ID held by a flavor of
    another name, and an invalid extra spec key or value.
author:
  - lab.openstack developers (@lab-openstack)
extends_documentation_fragment:
  - lab.openstack.openstack
options:
  name:
    description: Name of the flavor (unique in Nova).
    type: str
    required: true
  id:
    description:
      - ID of the flavor, a string (the tutorial's C(m1.tiny) to C(m1.xlarge) are C(1) to C(5)).
      - C(auto) lets Nova choose a UUID when it creates the flavor, and does not compare the ID of a
        flavor that already exists.
      - An ID held by a flavor of another name fails the task before anything is written.
    type: str
    default: auto
  ram:
    description: Memory in MiB, 1 or more. Required to create the flavor; not compared when not given.
    type: int
  vcpus:
    description: Number of virtual CPUs, 1 or more. Required to create the flavor; not compared when not given.
    type: int
  disk:
    description:
      - Size of the root disk in GiB, 0 or more (0 means the size of the image). Required to create the
        flavor; not compared when not given.
    type: int
  ephemeral:
    description: Size of the ephemeral disk in GiB, 0 or more.
    type: int
    default: 0
  swap:
    description: Size of the swap disk in MiB, 0 or more (0 means none).
    type: int
    default: 0
  is_public:
    description:
      - Whether every project may use the flavor.
      - Which projects may use a private flavor is not managed by this module.
    type: bool
    default: true
  description:
    description: Description of the flavor; left as it is when not given, removed when empty.
    type: str
  extra_specs:
    description:
      - The flavor's extra specs (such as C(hw:cpu_policy) or C(hw_rng:allowed)), exactly. Keys not listed
        are unset. Left as they are when not given; C({}) unsets them all.
      - Values are stored as strings. Booleans become C(true) and C(false), and numbers their decimal
        form.
    type: dict
  on_change:
    description:
      - What to do when the flavor of that name differs in something Nova cannot change (O(id), O(ram),
        O(vcpus), O(disk), O(ephemeral), O(swap), O(is_public)).
      - C(fail) stops with a message naming each difference, before anything is written.
      - C(replace) deletes the flavor and creates it again with the new values. It keeps the same ID
        unless O(id) names another one. Its description and extra specs are kept unless given. Since
        compute API 2.47, servers keep their own copy of the flavor they were booted with, so running
        servers are not affected. Resizing them later uses the new flavor.
    type: str
    choices: [fail, replace]
    default: fail
  state:
    description: Whether the flavor must exist.
    type: str
    choices: [present, absent]
    default: present
attributes:
  check_mode:
    support: full
    description: Reads the flavors and reports what would be created, replaced, updated or deleted, writing nothing.
  diff_mode:
    support: full
    description: Shows the flavor (sizes, visibility, description, extra specs) before and after.
notes:
  - Needs an admin's credentials (Nova's default policy for flavor management).
  - When a new flavor's extra specs are refused, the new flavor is deleted and the task fails.
"""

EXAMPLES = r"""
- name: The tutorial's flavors, with their historic IDs
  lab.openstack.nova_flavor:
    cloud: lab-admin
    name: "{{ item.name }}"
    id: "{{ item.id }}"
    ram: "{{ item.ram }}"
    vcpus: "{{ item.vcpus }}"
    disk: "{{ item.disk }}"
  loop:
    - {name: m1.tiny, id: "1", ram: 512, vcpus: 1, disk: 1}
    - {name: m1.small, id: "2", ram: 2048, vcpus: 1, disk: 20}
    - {name: m1.medium, id: "3", ram: 4096, vcpus: 2, disk: 40}
    - {name: m1.large, id: "4", ram: 8192, vcpus: 4, disk: 80}
    - {name: m1.xlarge, id: "5", ram: 16384, vcpus: 8, disk: 160}

- name: A flavor with a random number generator and a description
  lab.openstack.nova_flavor:
    cloud: lab-admin
    name: lab.rng
    ram: 256
    vcpus: 1
    disk: 1
    description: Small flavor of the lab, with virtio-rng
    extra_specs:
      hw_rng:allowed: true

- name: Give m1.tiny more memory (the flavor is deleted and created again with ID 1)
  lab.openstack.nova_flavor:
    cloud: lab-admin
    name: m1.tiny
    id: "1"
    ram: 1024
    vcpus: 1
    disk: 1
    on_change: replace

- name: No m1.xlarge on this small lab
  lab.openstack.nova_flavor:
    cloud: lab-admin
    name: m1.xlarge
    state: absent
"""

RETURN = r"""
flavor:
  description: The flavor after the change (null when absent). C(ephemeral), C(swap) and C(is_public) are
    Nova's C(OS-FLV-EXT-DATA:ephemeral), C(swap) and C(os-flavor-access:is_public).
  returned: always
  type: dict
  sample:
    id: "1"
    name: m1.tiny
    ram: 512
    vcpus: 1
    disk: 1
    ephemeral: 0
    swap: 0
    is_public: true
    description: null
    extra_specs: {}
replaced:
  description: ID of the flavor deleted to create it again (O(on_change=replace)).
  returned: when the flavor was replaced
  type: str
"""

import re
from urllib.parse import quote

from ansible_collections.lab.openstack.plugins.module_utils.nova import NovaModule
from ansible_collections.lab.openstack.plugins.module_utils.openstack import OpenStackError

# Nova cannot change these: a difference means another flavor.
FIXED = ("id", "ram", "vcpus", "disk", "ephemeral", "swap", "is_public")
VIEW = ("id", "name", "ram", "vcpus", "disk", "ephemeral", "swap", "is_public", "description", "extra_specs")
FLAVOR_ID = re.compile(r"^(?! )[a-zA-Z0-9. _-]+(?<! )$")  # Nova's custom flavor ID pattern
SPEC_KEY = re.compile(r"^[a-zA-Z0-9_:. -]+$")  # Nova's extra spec key pattern
MAX_LENGTH = 255


def spec_value(key, value):
    """An extra spec's value as the string Nova stores."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, str)):
        return str(value)
    raise OpenStackError("extra_specs: the value of %s must be a string, a number or a boolean, not %s" % (
        key, "null" if value is None else type(value).__name__))


def check_specs(specs):
    """The extra specs as strings; raises on an invalid key or value."""
    result = {}
    for key, value in (specs or {}).items():
        if not SPEC_KEY.match(key) or len(key) > MAX_LENGTH:
            raise OpenStackError("extra_specs: key %r is not 1 to 255 letters, digits or _ : . - and spaces" % key)
        text = spec_value(key, value)
        if len(text) > MAX_LENGTH:
            raise OpenStackError("extra_specs: the value of %s is longer than 255 characters" % key)
        result[key] = text
    return result


def flavor_view(flavor, extra_specs=None):
    """Nova's flavor as the module shows it."""
    if flavor is None:
        return None
    swap = flavor.get("swap")
    return {
        "id": flavor["id"], "name": flavor.get("name"), "ram": flavor.get("ram"), "vcpus": flavor.get("vcpus"),
        "disk": flavor.get("disk"), "ephemeral": flavor.get("OS-FLV-EXT-DATA:ephemeral", 0),
        "swap": swap if isinstance(swap, int) else 0,  # "" before microversion 2.75
        "is_public": flavor.get("os-flavor-access:is_public", True),
        "description": flavor.get("description"),
        "extra_specs": dict(extra_specs if extra_specs is not None else flavor.get("extra_specs") or {}),
    }


def differences(current, desired):
    """'ram 512, not 1024' for each fixed attribute desired sets otherwise than current."""
    return ["%s %s, not %s" % (k, current[k], desired[k]) for k in FIXED
            if desired.get(k) is not None and current.get(k) != desired[k]]


def creation_body(desired):
    body = {"name": desired["name"], "ram": desired["ram"], "vcpus": desired["vcpus"], "disk": desired["disk"],
            "OS-FLV-EXT-DATA:ephemeral": desired["ephemeral"], "swap": desired["swap"],
            "os-flavor-access:is_public": desired["is_public"]}
    if desired.get("id") is not None:
        body["id"] = desired["id"]
    if desired.get("description") is not None:
        body["description"] = desired["description"]
    return body


class FlavorModule(NovaModule):
    argument_spec = dict(
        name=dict(type="str", required=True),
        id=dict(type="str", default="auto"),
        ram=dict(type="int"),
        vcpus=dict(type="int"),
        disk=dict(type="int"),
        ephemeral=dict(type="int", default=0),
        swap=dict(type="int", default=0),
        is_public=dict(type="bool", default=True),
        description=dict(type="str"),
        extra_specs=dict(type="dict"),
        on_change=dict(type="str", default="fail", choices=["fail", "replace"]),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    )

    # --- input ----------------------------------------------------------------------------
    def validate(self):
        p = self.params
        name = p["name"]
        if not name or not name.strip():
            raise OpenStackError("name must not be empty")
        if name != name.strip() or len(name) > MAX_LENGTH:
            raise OpenStackError("name %r must be at most 255 characters, without leading or trailing spaces" % name)
        if p["id"] != "auto" and (not FLAVOR_ID.match(p["id"] or "") or len(p["id"]) > MAX_LENGTH):
            raise OpenStackError("id %r must be auto or 1 to 255 letters, digits, '.', '_', '-' and inner spaces"
                                 % p["id"])
        for option, least in (("ram", 1), ("vcpus", 1), ("disk", 0), ("ephemeral", 0), ("swap", 0)):
            if p[option] is not None and p[option] < least:
                raise OpenStackError("%s must be %s, not %s" % (
                    option, "1 or more" if least else "0 or more", p[option]))
        return check_specs(p["extra_specs"]) if p["extra_specs"] is not None else None

    def desired(self, specs):
        p = self.params
        return {
            "id": None if p["id"] == "auto" else p["id"], "name": p["name"], "ram": p["ram"], "vcpus": p["vcpus"],
            "disk": p["disk"], "ephemeral": p["ephemeral"], "swap": p["swap"], "is_public": p["is_public"],
            "description": p["description"] or None,  # "" removes it: Nova stores null
            "extra_specs": specs,
        }

    # --- reading ----------------------------------------------------------------------------
    def specs_of(self, flavor):
        if "extra_specs" in flavor:  # microversion 2.61 and later, when policy shows them
            return flavor["extra_specs"]
        return self.get("flavors/%s/os-extra_specs" % quote(flavor["id"], safe=""))["extra_specs"]

    # --- writing ----------------------------------------------------------------------------
    def delete(self, flavor_id):
        if not self.check_mode:
            self.request("DELETE", "flavors/%s" % quote(flavor_id, safe=""), ok=(202, 204))

    def create(self, desired):
        body = creation_body(desired)
        specs = desired["extra_specs"] or {}
        if self.check_mode:
            return flavor_view(dict(body, id=desired.get("id")), specs)
        created = self.request("POST", "flavors", json={"flavor": body}, ok=(200,)).json()["flavor"]
        if specs:
            try:
                specs = self.request("POST", "flavors/%s/os-extra_specs" % quote(created["id"], safe=""),
                                     json={"extra_specs": specs}, ok=(200,)).json()["extra_specs"]
            except OpenStackError as exc:
                try:
                    self.request("DELETE", "flavors/%s" % quote(created["id"], safe=""), ok=(202, 204, 404))
                except OpenStackError:
                    pass
                raise OpenStackError("setting the extra specs of the new flavor %s failed and the flavor was "
                                     "deleted: %s" % (desired["name"], exc)) from exc
        return flavor_view(created, specs)

    def update(self, current, desired):
        """Description and extra specs in place; the flavor view after."""
        after = dict(current)
        path = "flavors/%s" % quote(current["id"], safe="")
        if self.params["description"] is not None and current["description"] != desired["description"]:
            after["description"] = desired["description"]
            if not self.check_mode:
                self.request("PUT", path, json={"flavor": {"description": desired["description"]}}, ok=(200,))
        specs = desired["extra_specs"]
        if specs is not None and specs != current["extra_specs"]:
            setting = {k: v for k, v in specs.items() if current["extra_specs"].get(k) != v}
            unsetting = [k for k in current["extra_specs"] if k not in specs]
            after["extra_specs"] = dict(specs)
            if not self.check_mode:
                if setting:
                    self.request("POST", path + "/os-extra_specs", json={"extra_specs": setting}, ok=(200,))
                for key in unsetting:
                    self.request("DELETE", "%s/os-extra_specs/%s" % (path, quote(key, safe="")), ok=(200, 204))
        return after

    # --- running ----------------------------------------------------------------------------
    def run(self):
        p = self.params
        specs = self.validate()
        flavors = self.flavors()
        found = self.find_named(flavors, p["name"], "flavor", "name", required=False)
        current = flavor_view(found, self.specs_of(found)) if found else None
        if p["state"] == "absent":
            if current:
                self.delete(current["id"])
            return self.resource_result("flavor", current, None)

        desired = self.desired(specs)
        if desired["id"] is not None:
            holder = next((f for f in flavors if f["id"] == desired["id"]), None)
            if holder is not None and holder.get("name") != p["name"]:
                raise OpenStackError("id %s is held by flavor %s; choose another id, or delete or rename %s first"
                                     % (desired["id"], holder.get("name"), holder.get("name")))
        if current is None:
            missing = [k for k in ("ram", "vcpus", "disk") if desired[k] is None]
            if missing:
                raise OpenStackError("flavor %s does not exist; %s %s needed to create it" % (
                    p["name"], " and ".join(missing), "is" if len(missing) == 1 else "are"))
            return self.resource_result("flavor", None, self.create(desired))

        changed = differences(current, desired)
        if not changed:
            return self.resource_result("flavor", current, self.update(current, desired))
        if p["on_change"] == "fail":
            raise OpenStackError(
                "flavor %s (ID %s) has %s; Nova cannot change a flavor: set on_change: replace to delete it and "
                "create it again (running servers keep their own copy of the flavor)" % (
                    p["name"], current["id"], "; ".join(changed)))
        replacement = {k: current[k] if desired[k] is None else desired[k] for k in VIEW}
        if p["description"] is not None:
            replacement["description"] = desired["description"]
        self.delete(current["id"])
        return self.resource_result("flavor", current, self.create(replacement), replaced=current["id"])


def main():
    FlavorModule()()


if __name__ == "__main__":
    main()
