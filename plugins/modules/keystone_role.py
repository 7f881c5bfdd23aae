#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: lab.openstack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: keystone_role
short_description: Manage a global Keystone role
version_added: "0.1.0"
description:
  - Creates or deletes an Identity v3 role without a domain (the kind C(admin) and C(member) are),
    found by name.
author:
  - lab.openstack developers (@lab-openstack)
extends_documentation_fragment:
  - lab.openstack.openstack
options:
  name:
    description: Name of the role.
    type: str
    required: true
  state:
    description: Whether the role must exist.
    type: str
    choices: [present, absent]
    default: present
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
"""

RETURN = r"""
role:
  description: The role after the change (null when absent).
  returned: always
  type: dict
  sample: {"id": "9fe2...", "name": "member"}
"""

from urllib.parse import quote

from ansible_collections.lab.openstack.plugins.module_utils.keystone import KeystoneModule, project_view, require_name

KEYS = ("id", "name")


class RoleModule(KeystoneModule):
    argument_spec = dict(
        name=dict(type="str", required=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    )

    def run(self):
        p = self.params
        require_name(p["name"], "name")
        current = self.role(p["name"], required=False)
        before = project_view(current, KEYS) if current else None
        after = before
        if p["state"] == "absent" and current:
            after = None
            if not self.check_mode:
                self.request("DELETE", "roles/%s" % quote(current["id"]))
        elif p["state"] == "present" and current is None:
            after = {"id": None, "name": p["name"]}
            if not self.check_mode:
                created = self.request("POST", "roles", json={"role": {"name": p["name"]}}).json()["role"]
                after = project_view(created, KEYS)
        return self.resource_result("role", before, after)


def main():
    RoleModule()()


if __name__ == "__main__":
    main()
