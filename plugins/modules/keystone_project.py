#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: lab.openstack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: keystone_project
short_description: Manage a Keystone project (the tutorial's tenant)
version_added: "0.1.0"
description:
  - Creates, updates or deletes an Identity v3 project, found by name in its domain.
  - C(changed) comes from comparing the project with the parameters; only what differs is written.
author:
  - lab.openstack developers (@lab-openstack)
extends_documentation_fragment:
  - lab.openstack.openstack
options:
  name:
    description: Name of the project.
    type: str
    required: true
  domain:
    description: Name (or ID) of the project's domain.
    type: str
    default: Default
  description:
    description: Description; left as it is when not given.
    type: str
  enabled:
    description: Whether the project is enabled; left as it is when not given (true on creation).
    type: bool
  state:
    description: Whether the project must exist.
    type: str
    choices: [present, absent]
    default: present
attributes:
  check_mode:
    support: full
    description: Reads the project and reports what would change, writing nothing.
  diff_mode:
    support: full
    description: Shows the project before and after.
"""

EXAMPLES = r"""
- name: The tutorial's tenants are projects today
  lab.openstack.keystone_project:
    auth: "{{ admin_auth }}"
    name: "{{ item }}"
  loop: [admin, service, demo]
  no_log: true
"""

RETURN = r"""
project:
  description: The project after the change (null when absent).
  returned: always
  type: dict
  sample: {"id": "5e1c...", "name": "demo", "domain_id": "default", "description": "", "enabled": true}
"""

from urllib.parse import quote

from ansible_collections.lab.openstack.plugins.module_utils.keystone import (
    KeystoneModule, changes, project_view, require_name)

KEYS = ("id", "name", "domain_id", "description", "enabled")


class ProjectModule(KeystoneModule):
    argument_spec = dict(
        name=dict(type="str", required=True),
        domain=dict(type="str", default="Default"),
        description=dict(type="str"),
        enabled=dict(type="bool"),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    )

    def run(self):
        p = self.params
        require_name(p["name"], "name")
        current = self.project(p["name"], p["domain"], required=False, parameter="name", domain_parameter="domain")
        before = project_view(current, KEYS) if current else None
        after = before
        if p["state"] == "absent":
            if current and not self.check_mode:
                self.request("DELETE", "projects/%s" % quote(current["id"]))
            after = None
        elif current is None:
            body = {"name": p["name"], "domain_id": self.domain_id(p["domain"]),
                    "description": p["description"] or "",
                    "enabled": True if p["enabled"] is None else p["enabled"]}
            after = dict(body, id=None)
            if not self.check_mode:
                created = self.request("POST", "projects", json={"project": body}).json()["project"]
                after = project_view(created, KEYS)
        else:
            update = changes(current, {"description": p["description"], "enabled": p["enabled"]})
            if update:
                after = dict(before, **update)
                if not self.check_mode:
                    updated = self.request("PATCH", "projects/%s" % quote(current["id"]),
                                           json={"project": update}).json()["project"]
                    after = project_view(updated, KEYS)
        return self.resource_result("project", before, after)


def main():
    ProjectModule()()


if __name__ == "__main__":
    main()
