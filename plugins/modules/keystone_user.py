#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: lab.openstack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: keystone_user
short_description: Manage Keystone users, one or many in one run
version_added: "0.1.0"
description:
  - Creates, updates or deletes Identity v3 users, found by name in their domain.
  - Give one user with O(name) and its options, or many with O(users), a list of the same
    options. A list is one module run, one token and one listing per domain, whatever its length.
  - Every name is resolved before anything is written; an unknown domain or default project
    fails the task with nothing changed.
  - The users of a list are then written four at a time (Keystone hashes each new password with
    bcrypt). A write that fails fails the task; the others of the list may have been made.
  - With O(update_password=always) the password is tested by authenticating as the user, and
    written only when that fails, so a re-run changes nothing.
author:
  - lab.openstack developers (@lab-openstack)
extends_documentation_fragment:
  - lab.openstack.openstack
options:
  name:
    description: Name of the user (one user). Mutually exclusive with O(users).
    type: str
  domain:
    description: Name (or ID) of the user's domain.
    type: str
    default: Default
  password:
    description: Password of the user.
    type: str
  update_password:
    description:
      - C(always) makes the user's password O(password) (tested first, written only if different).
        The passwords of a list are tested four at a time, before anything is written.
      - C(on_create) sets it only when the user is created.
    type: str
    choices: [always, on_create]
    default: always
  email:
    description: E-mail address; left as it is when not given.
    type: str
  description:
    description: Description; left as it is when not given.
    type: str
  default_project:
    description: Name of the user's default project; left as it is when not given.
    type: str
  default_project_domain:
    description: Domain of O(default_project).
    type: str
    default: Default
  enabled:
    description: Whether the user is enabled; left as it is when not given (true on creation).
    type: bool
  state:
    description: Whether the user must exist.
    type: str
    choices: [present, absent]
    default: present
  users:
    description:
      - Many users in one run. Each item takes the options above (O(name) required); an option
        an item does not set takes the module-level value.
    type: list
    elements: dict
    suboptions:
      name:
        description: Name of the user.
        type: str
        required: true
      domain:
        description: Domain of the user.
        type: str
      password:
        description: Password of the user.
        type: str
      update_password:
        description: See O(update_password).
        type: str
        choices: [always, on_create]
      email:
        description: E-mail address.
        type: str
      description:
        description: Description.
        type: str
      default_project:
        description: Default project.
        type: str
      default_project_domain:
        description: Domain of the default project.
        type: str
      enabled:
        description: Whether the user is enabled.
        type: bool
      state:
        description: Whether the user must exist.
        type: str
        choices: [present, absent]
attributes:
  check_mode:
    support: full
    description:
      - Reads the users (and tests passwords) and reports what would change, writing nothing.
      - A O(default_project) that does not exist yet (an earlier task of the run creates it) is reported as
        C((NAME, not created yet)) with a warning, instead of failing the dry run.
  diff_mode:
    support: full
    description: Shows each user before and after; a password change shows as C(password changed), never the value.
"""

EXAMPLES = r"""
- name: The admin user of the tutorial
  lab.openstack.keystone_user:
    auth: "{{ admin_auth }}"
    name: admin
    password: "{{ keystone_admin_password }}"
    default_project: admin
  no_log: true

- name: The service users, in one run
  lab.openstack.keystone_user:
    auth: "{{ admin_auth }}"
    default_project: service
    users:
      - name: glance
        password: "{{ glance_password }}"
      - name: nova
        password: "{{ nova_password }}"
  no_log: true
"""

RETURN = r"""
user:
  description: The user after the change (one user given with O(name); null when absent).
  returned: when O(name) is given
  type: dict
  sample: {"id": "1b8e...", "name": "nova", "domain_id": "default", "enabled": true,
           "default_project_id": "4c1a...", "email": null, "description": null}
users:
  description: Each user after the change, with C(changed) and C(action) (created, updated, deleted, none).
  returned: when O(users) is given
  type: list
  elements: dict
"""

from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote

from ansible_collections.lab.openstack.plugins.module_utils.keystone import (
    KeystoneModule, changes, list_form_spec, project_view, require_name, unique_items)

KEYS = ("id", "name", "domain_id", "enabled", "default_project_id", "email", "description")
# Password tests and writes sent side by side (Keystone checks or hashes each password with
# bcrypt, one worker each).
PASSWORD_CHECKS_AT_ONCE = 4
USER_OPTIONS = dict(
    name=dict(type="str"),
    domain=dict(type="str", default="Default"),
    password=dict(type="str", no_log=True),
    update_password=dict(type="str", default="always", choices=["always", "on_create"]),
    email=dict(type="str"),
    description=dict(type="str"),
    default_project=dict(type="str"),
    default_project_domain=dict(type="str", default="Default"),
    enabled=dict(type="bool"),
    state=dict(type="str", default="present", choices=["present", "absent"]),
)


class UserModule(KeystoneModule):
    argument_spec = list_form_spec(USER_OPTIONS, "users", required_in_items=("name",))
    module_kwargs = dict(mutually_exclusive=[("name", "users")], required_one_of=[("name", "users")])

    def __init__(self):
        super().__init__()
        self._password_works = {}

    def plan(self, item):
        """Resolve names and decide what to do; raises before anything is written."""
        require_name(item["name"], "name")
        domain_id = self.domain_id(item["domain"])
        current = self.user(item["name"], item["domain"], required=False)
        plan = {"item": item, "current": current, "domain_id": domain_id, "action": "none", "body": {}}
        if item["state"] == "absent":
            plan["action"] = "deleted" if current else "none"
            return plan
        desired = {"email": item["email"], "description": item["description"], "enabled": item["enabled"]}
        if item["default_project"]:
            # In check mode the project may be one an earlier task of the same run creates (a new
            # project and its user): the user is then predicted with it, with a warning, instead
            # of failing the dry run. A real run still fails on a missing project.
            project = self.project(item["default_project"], item["default_project_domain"],
                                   required=not self.check_mode, parameter="default_project")
            if project is None:
                self.ansible.warn("check mode: default_project %r not found; user %s is reported with it, as it "
                                  "will be if an earlier task creates it" % (item["default_project"], item["name"]))
                project = {"id": "(%s, not created yet)" % item["default_project"]}
            desired["default_project_id"] = project["id"]
        if current is None:
            body = {k: v for k, v in desired.items() if v is not None}
            body.update(name=item["name"], domain_id=domain_id, enabled=body.get("enabled", True))
            if item["password"]:
                body["password"] = item["password"]
            plan.update(action="created", body=body)
            return plan
        body = changes(current, desired)
        if item["password"] and item["update_password"] == "always":  # noqa: S105 - a choice, not a password
            if not current.get("enabled", True):
                # A disabled user cannot authenticate, so its password cannot be tested:
                # it is written when the user is enabled again, else left alone.
                if body.get("enabled"):
                    body["password"] = item["password"]
            elif body.get("enabled", True) and not self.password_works(current["id"], item["password"]):
                body["password"] = item["password"]
        if body:
            plan.update(action="updated", body=body)
        return plan

    def check_passwords(self, items):
        """Test at once the passwords plan() will test: each one is a bcrypt check on Keystone's
        side, and Keystone's workers answer them side by side. Reads only."""
        wanted = []
        for item in items:
            always = item["update_password"] == "always"  # noqa: S105 - a choice, not a password
            if item["state"] == "present" and item["password"] and always and item["enabled"] is not False:
                # (a user being disabled is not tested)
                current = self.user(item["name"], item["domain"], required=False)
                if current is not None and current.get("enabled", True):
                    wanted.append((current["id"], item["password"]))
        wanted = list(dict.fromkeys(wanted))
        if wanted:
            with ThreadPoolExecutor(max_workers=min(PASSWORD_CHECKS_AT_ONCE, len(wanted))) as pool:
                self._password_works.update(zip(wanted, pool.map(lambda pair: self.check_password(*pair), wanted)))

    def password_works(self, user_id, password):
        key = (user_id, password)
        if key not in self._password_works:
            self._password_works[key] = self.check_password(user_id, password)
        return self._password_works[key]

    def apply(self, plan):
        current, body, action = plan["current"], plan["body"], plan["action"]
        view = project_view(current, KEYS) if current else None
        if action == "none":
            return view
        if action == "deleted":
            if not self.check_mode:
                self.request("DELETE", "users/%s" % quote(current["id"]))
            return None
        visible = {k: v for k, v in body.items() if k != "password"}
        if action == "created":
            if self.check_mode:
                return dict(project_view(visible, KEYS), id=None)
            return project_view(self.request("POST", "users", json={"user": body}).json()["user"], KEYS)
        if self.check_mode:
            return dict(view, **{k: v for k, v in visible.items() if k in KEYS})
        return project_view(self.request(
            "PATCH", "users/%s" % quote(current["id"]), json={"user": body}).json()["user"], KEYS)

    def run(self):
        items = unique_items(self.items("users", USER_OPTIONS), "users", lambda item: (item["domain"], item["name"]),
                             lambda item: "%s (domain %s)" % (item["name"], item["domain"]))
        for item in items:
            require_name(item["name"], "name")
        self.check_passwords(items)
        plans = [self.plan(item) for item in items]  # every name resolved first
        # The writes side by side too: Keystone hashes each new password with bcrypt (0.3 s
        # here), and its workers answer them two at a time. Each write is one user's.
        writes = sum(plan["action"] != "none" for plan in plans)
        if writes > 1 and not self.check_mode:
            with ThreadPoolExecutor(max_workers=min(PASSWORD_CHECKS_AT_ONCE, writes)) as pool:
                news = list(pool.map(self.apply, plans))
        else:
            news = [self.apply(plan) for plan in plans]
        results, before, after = [], [], []
        for plan, new in zip(plans, news):
            view = project_view(plan["current"], KEYS) if plan["current"] else None
            entry = dict(new or {"name": plan["item"]["name"]}, changed=plan["action"] != "none",
                         action=plan["action"])
            results.append(entry)
            shown = dict(new) if new else {}
            if "password" in plan["body"]:
                shown["password"] = "password changed" if plan["action"] == "updated" else "password set"
            before.append(view or {})
            after.append(shown)
        changed = any(r["changed"] for r in results)
        result = {"changed": changed}
        if self.params["users"] is None:
            result["user"] = None if plans[0]["action"] == "deleted" or (
                plans[0]["current"] is None and plans[0]["action"] == "none") else {
                k: v for k, v in results[0].items() if k not in ("changed", "action")}
            diff = {"before": before[0], "after": after[0]}
        else:
            result["users"] = results
            diff = {"before": {"users": before}, "after": {"users": after}}
        if self.ansible._diff:
            result["diff"] = diff
        return result


def main():
    UserModule()()


if __name__ == "__main__":
    main()
