#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: lab.openstack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: keystone_role_grant
short_description: Grant Keystone roles to users or groups, one or many in one run
version_added: "0.1.0"
description:
  - Grants (or revokes) a role to a user or a group on a project, a domain or the system, the
    tutorial's C(keystone user-role-add) by names.
  - Give one grant with O(role) and its options, or many with O(grants). The existing
    assignments are read once per role, so a grant that exists is neither re-written nor
    looked up one by one.
  - Every name is resolved before anything is written; an unknown role, user, group, project or
    domain fails the task with nothing changed.
author:
  - lab.openstack developers (@lab-openstack)
extends_documentation_fragment:
  - lab.openstack.openstack
options:
  role:
    description: Name of the role (one grant, or the default role of the items of O(grants)).
    type: str
  user:
    description: Name of the user to grant the role to. Exactly one of O(user) and O(group).
    type: str
  group:
    description: Name of the group to grant the role to.
    type: str
  project:
    description: Name of the project the role applies to. Exactly one of O(project), O(domain), O(system).
    type: str
  domain:
    description: Name of the domain the role applies to (a domain-scoped grant).
    type: str
  system:
    description: C(all) for a system-scoped grant.
    type: str
  user_domain:
    description: Domain of O(user).
    type: str
    default: Default
  group_domain:
    description: Domain of O(group).
    type: str
    default: Default
  project_domain:
    description: Domain of O(project).
    type: str
    default: Default
  state:
    description: Whether the grant must exist.
    type: str
    choices: [present, absent]
    default: present
  grants:
    description:
      - Many grants in one run. Each item takes the options above; an option an item does not set
        takes the module-level value.
    type: list
    elements: dict
    suboptions:
      role:
        description: Name of the role.
        type: str
      user:
        description: User name.
        type: str
      group:
        description: Group name.
        type: str
      project:
        description: Project name.
        type: str
      domain:
        description: Domain name (domain-scoped grant).
        type: str
      system:
        description: C(all) for a system-scoped grant.
        type: str
      user_domain:
        description: Domain of the user.
        type: str
      group_domain:
        description: Domain of the group.
        type: str
      project_domain:
        description: Domain of the project.
        type: str
      state:
        description: Whether the grant must exist.
        type: str
        choices: [present, absent]
attributes:
  check_mode:
    support: full
    description: Reads the assignments and reports what would change, writing nothing.
  diff_mode:
    support: full
    description: Shows the grants before and after.
"""

EXAMPLES = r"""
- name: The tutorial's grants of the admin user
  lab.openstack.keystone_role_grant:
    auth: "{{ admin_auth }}"
    user: admin
    project: admin
    grants:
      - role: admin
      - role: KeystoneAdmin
      - role: KeystoneServiceAdmin
  no_log: true

- name: Demo is member of demo
  lab.openstack.keystone_role_grant:
    auth: "{{ admin_auth }}"
    role: member
    user: demo
    project: demo
  no_log: true
"""

RETURN = r"""
grants:
  description: Each grant, by names, with C(changed) and C(action) (granted, revoked, none).
  returned: always
  type: list
  elements: dict
  sample: [{"role": "member", "user": "demo", "project": "demo", "changed": true, "action": "granted"}]
"""

from urllib.parse import quote

from ansible_collections.lab.openstack.plugins.module_utils.keystone import KeystoneModule, list_form_spec, require_name
from ansible_collections.lab.openstack.plugins.module_utils.openstack import OpenStackError

GRANT_OPTIONS = dict(
    role=dict(type="str"),
    user=dict(type="str"),
    group=dict(type="str"),
    project=dict(type="str"),
    domain=dict(type="str"),
    system=dict(type="str"),
    user_domain=dict(type="str", default="Default"),
    group_domain=dict(type="str", default="Default"),
    project_domain=dict(type="str", default="Default"),
    state=dict(type="str", default="present", choices=["present", "absent"]),
)


def validate_grant(item):
    """Why a grant is malformed, or None (pure: unit-tested on its own)."""
    actors = [k for k in ("user", "group") if item.get(k)]
    scopes = [k for k in ("project", "domain", "system") if item.get(k)]
    if not item.get("role"):
        return "role must not be empty"
    if len(actors) != 1:
        return "grant of %s: give exactly one of user and group (got %s)" % (
            item.get("role"), " and ".join(actors) or "neither")
    if len(scopes) != 1:
        if set(scopes) >= {"project", "domain"}:
            return ("grant of %s: project and domain together; a grant is on a project (its domain "
                    "goes in project_domain) or on a domain, not both" % item["role"])
        return "grant of %s: give exactly one of project, domain and system (got %s)" % (
            item["role"], " and ".join(scopes) or "none")
    if item.get("system") and item["system"] != "all":
        return "grant of %s: system must be 'all' (got %r)" % (item["role"], item["system"])
    return None


def assignment_matches(assignment, actor_kind, actor_id, scope_kind, scope_id):
    """Whether one /v3/role_assignments entry is the grant described (pure)."""
    if assignment.get(actor_kind, {}).get("id") != actor_id:
        return False
    scope = assignment.get("scope", {})
    if "OS-INHERIT:inherited_to" in scope:
        return False  # an inherited assignment is not the direct grant
    if scope_kind == "system":
        return bool(scope.get("system", {}).get("all"))
    return scope.get(scope_kind, {}).get("id") == scope_id


def label(item):
    actor = "user" if item.get("user") else "group"
    scope = next(k for k in ("project", "domain", "system") if item.get(k))
    return {"role": item["role"], actor: item[actor], scope: item[scope]}


class GrantModule(KeystoneModule):
    argument_spec = list_form_spec(GRANT_OPTIONS, "grants")
    module_kwargs = dict(required_one_of=[("role", "grants")])

    def assignments(self, role_id):
        key = ("role_assignments", role_id)
        return self._listing(key, "role_assignments?role.id=%s" % quote(role_id), "role_assignments")

    def plan(self, item):
        error = validate_grant(item)
        if error:
            raise OpenStackError(error)
        require_name(item["role"], "role")
        # In check mode a role, user, group or project that does not exist may be one an
        # earlier task of the same run creates (a new user and its grant): the grant is then
        # reported as to be made, with a warning, instead of failing the dry run.
        required = not self.check_mode
        role = self.role(item["role"], required=required)
        if item.get("user"):
            actor_kind, actor = "user", self.user(item["user"], item["user_domain"], required=required)
        else:
            actor_kind, actor = "group", self.group(item["group"], item["group_domain"], required=required)
        if item.get("project"):
            scope_kind, path = "project", "projects/%s/%ss/%s/roles/%s"
            scope = self.project(item["project"], item["project_domain"], required=required)
            scope_id = scope and scope["id"]
        elif item.get("domain"):
            scope_kind, scope, path = "domain", True, "domains/%s/%ss/%s/roles/%s"
            scope_id = self.domain_id(item["domain"])
        else:
            scope_kind, scope, scope_id, path = "system", True, None, "system/%ss/%s/roles/%s"
        missing = [kind for kind, found in (("role", role), (actor_kind, actor), (scope_kind, scope)) if not found]
        if missing:
            self.ansible.warn("check mode: %s not found; the grant of %s is reported as to be made, as it "
                              "will be if an earlier task creates %s" % (
                                  " and ".join("%s %r" % (k, item[k]) for k in missing), item["role"],
                                  "them" if len(missing) > 1 else "it"))
            want = item["state"] == "present"
            return {"item": item, "url": None, "exists": False, "action": "granted" if want else "none"}
        role_id, actor_id = role["id"], actor["id"]
        exists = any(assignment_matches(a, actor_kind, actor_id, scope_kind, scope_id)
                     for a in self.assignments(role_id))
        if scope_kind == "system":
            url = path % (actor_kind, quote(actor_id), quote(role_id))
        else:
            url = path % (quote(scope_id), actor_kind, quote(actor_id), quote(role_id))
        want = item["state"] == "present"
        action = "none" if exists == want else ("granted" if want else "revoked")
        return {"item": item, "url": url, "exists": exists, "action": action}

    def run(self):
        plans = [self.plan(item) for item in self.items("grants", GRANT_OPTIONS)]  # every name resolved first
        results, before, after = [], [], []
        for plan in plans:
            if plan["action"] != "none" and not self.check_mode:
                self.request("PUT" if plan["action"] == "granted" else "DELETE", plan["url"])
            grant = label(plan["item"])
            results.append(dict(grant, changed=plan["action"] != "none", action=plan["action"]))
            if plan["exists"]:
                before.append(grant)
            if (plan["exists"] and plan["action"] == "none") or plan["action"] == "granted":
                after.append(grant)
        result = {"changed": any(r["changed"] for r in results), "grants": results}
        if self.ansible._diff:
            result["diff"] = {"before": {"grants": before}, "after": {"grants": after}}
        return result


def main():
    GrantModule()()


if __name__ == "__main__":
    main()
