#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: lab.openstack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: keystone_project
short_description: Manage Keystone projects (the tutorial's tenants), one or many in one run
version_added: "0.1.0"
description:
  - Creates, updates or deletes an Identity v3 project, found by name in its domain.
  - Give one project with O(name) and its options, or many with O(projects), in one run with one
    token for all of them.
  - C(changed) comes from comparing the project with the parameters; only what differs is written.
author:
  - lab.openstack developers (@lab-openstack)
extends_documentation_fragment:
  - lab.openstack.openstack
options:
  name:
    description: Name of the project (one project). Mutually exclusive with O(projects).
    type: str
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
  projects:
    description:
      - Many projects in one run. Each item takes the options above (O(name) required); an
        option an item does not set takes the module-level value.
      - Every name and domain is checked before anything is written.
    type: list
    elements: dict
    suboptions:
      name:
        description: Name of the project.
        type: str
        required: true
      domain:
        description: Name (or ID) of the project's domain.
        type: str
      description:
        description: Description.
        type: str
      enabled:
        description: Whether the project is enabled.
        type: bool
      state:
        description: Whether the project must exist.
        type: str
        choices: [present, absent]
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

- name: The same in one run, with one token
  lab.openstack.keystone_project:
    auth: "{{ admin_auth }}"
    projects:
      - {name: admin, description: Administration}
      - {name: service, description: OpenStack services}
      - {name: demo}
  no_log: true
"""

RETURN = r"""
project:
  description: The project after the change (null when absent).
  returned: when O(name) is given
  type: dict
  sample: {"id": "5e1c...", "name": "demo", "domain_id": "default", "description": "", "enabled": true}
projects:
  description: Each project of O(projects) after the change (null when absent), in its order.
  returned: when O(projects) is given
  type: list
  elements: dict
  sample: [{"id": "5e1c...", "name": "demo", "domain_id": "default", "description": "", "enabled": true}]
"""

from urllib.parse import quote

from ansible_collections.lab.openstack.plugins.module_utils.keystone import (
    KeystoneModule, changes, list_form_spec, project_view, require_name, unique_items)

KEYS = ("id", "name", "domain_id", "description", "enabled")
PROJECT_OPTIONS = dict(
    name=dict(type="str"),
    domain=dict(type="str", default="Default"),
    description=dict(type="str"),
    enabled=dict(type="bool"),
    state=dict(type="str", default="present", choices=["present", "absent"]),
)


class ProjectModule(KeystoneModule):
    argument_spec = list_form_spec(PROJECT_OPTIONS, "projects", required_in_items=("name",))
    module_kwargs = dict(mutually_exclusive=[("name", "projects")], required_one_of=[("name", "projects")])

    def run(self):
        items = self.items("projects", PROJECT_OPTIONS)
        currents = []
        for item in items:  # every name and domain resolved before the first write
            require_name(item["name"], "name")
            currents.append(self.project(item["name"], item["domain"], required=False, parameter="name",
                                         domain_parameter="domain"))
        unique_items(items, "projects", lambda item: (self.domain_id(item["domain"]), item["name"]))
        return self.resources_result("project", "projects",
                                     [self.ensure(item, current) for item, current in zip(items, currents)])

    def ensure(self, p, current):
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
        return before, after


def main():
    ProjectModule()()


if __name__ == "__main__":
    main()
