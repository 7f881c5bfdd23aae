#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: lab.openstack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: keystone_role
short_description: Manage global Keystone roles, one or many in one run
version_added: "0.1.0"
description:
  - Creates or deletes an Identity v3 role without a domain (the kind C(admin) and C(member) are),
    found by name.
  - Give one role with O(name), or many with O(roles), in one run with one token for all of them.
author:
  - lab.openstack developers (@lab-openstack)
extends_documentation_fragment:
  - lab.openstack.openstack
options:
  name:
    description: Name of the role (one role). Mutually exclusive with O(roles).
    type: str
  state:
    description: Whether the role must exist.
    type: str
    choices: [present, absent]
    default: present
  roles:
    description:
      - Many roles in one run. Each item takes the options above (O(name) required); an item
        without O(state) takes the module-level value.
      - Every name is checked before anything is written.
    type: list
    elements: dict
    suboptions:
      name:
        description: Name of the role.
        type: str
        required: true
      state:
        description: Whether the role must exist.
        type: str
        choices: [present, absent]
attributes:
  check_mode:
    support: full
    description: Reads the role and reports what would change, writing nothing.
  diff_mode:
    support: full
    description: Shows the role before and after.
"""

EXAMPLES = r"""
- name: The tutorial's legacy roles, kept for compatibility
  lab.openstack.keystone_role:
    auth: "{{ admin_auth }}"
    name: "{{ item }}"
  loop: [KeystoneAdmin, KeystoneServiceAdmin]
  no_log: true

- name: The same in one run, with one token
  lab.openstack.keystone_role:
    auth: "{{ admin_auth }}"
    roles:
      - name: KeystoneAdmin
      - name: KeystoneServiceAdmin
  no_log: true
"""

RETURN = r"""
role:
  description: The role after the change (null when absent).
  returned: when O(name) is given
  type: dict
  sample: {"id": "9fe2...", "name": "member"}
roles:
  description: Each role of O(roles) after the change (null when absent), in its order.
  returned: when O(roles) is given
  type: list
  elements: dict
  sample: [{"id": "9fe2...", "name": "member"}, null]
"""

from urllib.parse import quote

from ansible_collections.lab.openstack.plugins.module_utils.keystone import (
    KeystoneModule, list_form_spec, project_view, require_name, unique_items)

KEYS = ("id", "name")
ROLE_OPTIONS = dict(
    name=dict(type="str"),
    state=dict(type="str", default="present", choices=["present", "absent"]),
)


class RoleModule(KeystoneModule):
    argument_spec = list_form_spec(ROLE_OPTIONS, "roles", required_in_items=("name",))
    module_kwargs = dict(mutually_exclusive=[("name", "roles")], required_one_of=[("name", "roles")])

    def run(self):
        items = self.items("roles", ROLE_OPTIONS)
        for item in items:  # every name checked before the first write
            require_name(item["name"], "name")
        unique_items(items, "roles", lambda item: item["name"])
        return self.resources_result("role", "roles", [self.ensure(item) for item in items])

    def ensure(self, item):
        current = self.role(item["name"], required=False)
        before = project_view(current, KEYS) if current else None
        after = before
        if item["state"] == "absent" and current:
            after = None
            if not self.check_mode:
                self.request("DELETE", "roles/%s" % quote(current["id"]))
        elif item["state"] == "present" and current is None:
            after = {"id": None, "name": item["name"]}
            if not self.check_mode:
                created = self.request("POST", "roles", json={"role": {"name": item["name"]}}).json()["role"]
                after = project_view(created, KEYS)
        return before, after


def main():
    RoleModule()()


if __name__ == "__main__":
    main()
