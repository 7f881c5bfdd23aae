# -*- coding: utf-8 -*-
# Copyright: lab.openstack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""lab.openstack.keystone_role_grant: its pure functions, then main() on a fake Keystone."""

from __future__ import annotations

import pytest

from ansible_collections.lab.openstack.plugins.modules import keystone_role_grant
from ansible_collections.lab.openstack.plugins.modules.keystone_role_grant import assignment_matches, validate_grant
from ansible_collections.lab.openstack.tests.unit.plugins.modules.fake_keystone import (
    ADMIN_PASSWORD, assert_not_shown, keystone_error)


# --- validate_grant ------------------------------------------------------------------------------

@pytest.mark.parametrize("item", [
    {"role": "member", "user": "demo", "project": "demo"},
    {"role": "member", "group": "ops", "domain": "Default"},
    {"role": "admin", "user": "admin", "system": "all"},
    {"role": "member", "user": "demo", "group": "", "project": "demo", "domain": None},
], ids=["user-project", "group-domain", "user-system", "empty-values-are-unset"])
def test_validate_grant_accepts(item):
    assert validate_grant(item) is None


@pytest.mark.parametrize(("item", "msg"), [
    ({"user": "demo", "project": "demo"}, "role must not be empty"),
    ({"role": "", "user": "demo", "project": "demo"}, "role must not be empty"),
    ({"role": "member", "user": "demo", "group": "ops", "project": "demo"},
     "grant of member: give exactly one of user and group (got user and group)"),
    ({"role": "member", "project": "demo"}, "grant of member: give exactly one of user and group (got neither)"),
    ({"role": "member", "user": "demo"},
     "grant of member: give exactly one of project, domain and system (got none)"),
    ({"role": "member", "user": "demo", "project": "demo", "system": "all"},
     "grant of member: give exactly one of project, domain and system (got project and system)"),
    ({"role": "member", "user": "demo", "domain": "Default", "system": "all"},
     "grant of member: give exactly one of project, domain and system (got domain and system)"),
    ({"role": "admin", "user": "admin", "system": "yes"}, "grant of admin: system must be 'all' (got 'yes')"),
    ({"role": "admin", "user": "admin", "system": "All"}, "grant of admin: system must be 'all' (got 'All')"),
])
def test_validate_grant_refuses(item, msg):
    assert validate_grant(item) == msg


@pytest.mark.parametrize("item", [
    {"role": "member", "user": "demo", "project": "demo", "domain": "Default"},
    {"role": "member", "user": "demo", "project": "demo", "domain": "Default", "system": "all"},
])
def test_validate_grant_explains_project_and_domain_together(item):
    msg = validate_grant(item)

    assert msg.startswith("grant of member: project and domain together;")
    assert "project_domain" in msg


# --- assignment_matches --------------------------------------------------------------------------

def assignment(scope, actor="user", actor_id="u1", role_id="r1"):
    return {"role": {"id": role_id}, actor: {"id": actor_id}, "scope": scope,
            "links": {"assignment": "http://keystone/v3/..."}}


@pytest.mark.parametrize(("entry", "query", "expected"), [
    (assignment({"project": {"id": "p1"}}), ("user", "u1", "project", "p1"), True),
    (assignment({"project": {"id": "p1"}}), ("user", "u2", "project", "p1"), False),
    (assignment({"project": {"id": "p1"}}), ("user", "u1", "project", "p2"), False),
    (assignment({"project": {"id": "p1"}}), ("group", "u1", "project", "p1"), False),
    (assignment({"project": {"id": "p1"}}, actor="group"), ("group", "u1", "project", "p1"), True),
    (assignment({"project": {"id": "p1"}}), ("user", "u1", "domain", "p1"), False),
    (assignment({"domain": {"id": "default"}}), ("user", "u1", "domain", "default"), True),
    (assignment({"domain": {"id": "default"}}), ("user", "u1", "project", "default"), False),
    (assignment({"system": {"all": True}}), ("user", "u1", "system", None), True),
    (assignment({"project": {"id": "p1"}}), ("user", "u1", "system", None), False),
    (assignment({"system": {"all": True}}), ("user", "u1", "project", "p1"), False),
    (assignment({"system": {"all": True}}, actor_id="u2"), ("user", "u1", "system", None), False),
    ({"role": {"id": "r1"}, "user": {"id": "u1"}}, ("user", "u1", "project", "p1"), False),
    ({"role": {"id": "r1"}}, ("user", "u1", "project", "p1"), False),
], ids=["project", "other-user", "other-project", "user-is-not-group", "group", "project-is-not-domain",
        "domain", "domain-is-not-project", "system", "project-is-not-system", "system-is-not-project",
        "system-other-user", "no-scope", "no-actor"])
def test_assignment_matches(entry, query, expected):
    assert assignment_matches(entry, *query) is expected


def test_an_inherited_assignment_is_not_the_direct_grant():
    inherited = assignment({"domain": {"id": "default"}, "OS-INHERIT:inherited_to": "projects"})

    assert assignment_matches(inherited, "user", "u1", "domain", "default") is False


# --- end to end ----------------------------------------------------------------------------------

@pytest.fixture
def lab(keystone):
    """The tutorial's identities: roles, users, a group, projects and a second domain."""
    lab = {"domain": keystone.domain("lab", id="dom-lab")}
    for name in ("admin", "member", "KeystoneAdmin", "KeystoneServiceAdmin"):
        lab[name] = keystone.role(name)
    for name in ("admin", "demo"):
        lab["user_" + name] = keystone.user(name)
        lab["project_" + name] = keystone.project(name)
    lab["ops"] = keystone.group("ops")
    lab["lab_user"] = keystone.user("demo", domain_id="dom-lab")
    lab["lab_project"] = keystone.project("demo", domain_id="dom-lab")
    return lab


def urls(keystone):
    return [(w.method, w.path) for w in keystone.writes]


@pytest.mark.parametrize(("params", "url", "label"), [
    ({"role": "member", "user": "demo", "project": "demo"},
     "projects/{project_demo}/users/{user_demo}/roles/{member}", {"user": "demo", "project": "demo"}),
    ({"role": "member", "group": "ops", "project": "demo"},
     "projects/{project_demo}/groups/{ops}/roles/{member}", {"group": "ops", "project": "demo"}),
    ({"role": "admin", "user": "admin", "domain": "Default"},
     "domains/default/users/{user_admin}/roles/{admin}", {"user": "admin", "domain": "Default"}),
    ({"role": "admin", "group": "ops", "domain": "lab"},
     "domains/dom-lab/groups/{ops}/roles/{admin}", {"group": "ops", "domain": "lab"}),
    ({"role": "admin", "user": "admin", "system": "all"},
     "system/users/{user_admin}/roles/{admin}", {"user": "admin", "system": "all"}),
    ({"role": "member", "user": "demo", "user_domain": "lab", "project": "demo", "project_domain": "lab"},
     "projects/{lab_project}/users/{lab_user}/roles/{member}", {"user": "demo", "project": "demo"}),
], ids=["user-project", "group-project", "user-domain", "group-domain-by-name", "user-system", "other-domains"])
@pytest.mark.usefixtures("lab")
def test_grant(keystone, run, params, url, label):
    ids = {role: keystone.named("roles", role)["id"] for role in ("admin", "member")}
    ids.update(user_admin=keystone.named("users", "admin")["id"], user_demo=keystone.named("users", "demo")["id"],
               project_demo=keystone.named("projects", "demo")["id"], ops=keystone.named("groups", "ops")["id"],
               lab_user=keystone.named("users", "demo", "dom-lab")["id"],
               lab_project=keystone.named("projects", "demo", "dom-lab")["id"])

    result = run(keystone_role_grant, params)

    assert not result.get("failed"), result.get("msg")
    assert result == {"changed": True, "grants": [dict(label, role=params["role"], changed=True, action="granted")]}
    assert urls(keystone) == [("PUT", url.format(**ids))]
    assert keystone.writes[0].json is None
    # Applied: the same grant again changes nothing.
    assert run(keystone_role_grant, params)["changed"] is False
    assert len(keystone.writes) == 1


def test_existing_grant_is_a_no_op(keystone, run, lab):
    keystone.grant(lab["member"], user=lab["user_demo"], project=lab["project_demo"])

    result = run(keystone_role_grant, {"role": "member", "user": "demo", "project": "demo"}, diff=True)

    assert result["changed"] is False
    assert result["grants"] == [{"role": "member", "user": "demo", "project": "demo", "changed": False,
                                 "action": "none"}]
    assert result["diff"]["before"] == result["diff"]["after"] == {
        "grants": [{"role": "member", "user": "demo", "project": "demo"}]}
    assert keystone.writes == []


def test_a_grant_on_another_project_or_by_another_role_does_not_count(keystone, run, lab):
    keystone.grant(lab["member"], user=lab["user_demo"], project=lab["project_admin"])
    keystone.grant(lab["admin"], user=lab["user_demo"], project=lab["project_demo"])
    keystone.grant(lab["member"], user=lab["lab_user"], project=lab["project_demo"])

    result = run(keystone_role_grant, {"role": "member", "user": "demo", "project": "demo"})

    assert result["changed"] is True
    assert keystone.has_grant(lab["member"], user=lab["user_demo"], project=lab["project_demo"])


def test_revoke(keystone, run, lab):
    keystone.grant(lab["admin"], user=lab["user_admin"], system=True)

    result = run(keystone_role_grant, {"role": "admin", "user": "admin", "system": "all", "state": "absent"},
                 diff=True)

    assert result["changed"] is True
    assert result["grants"][0]["action"] == "revoked"
    assert urls(keystone) == [("DELETE", "system/users/%s/roles/%s" % (lab["user_admin"]["id"], lab["admin"]["id"]))]
    assert keystone.assignments == []
    assert result["diff"] == {"before": {"grants": [{"role": "admin", "user": "admin", "system": "all"}]},
                              "after": {"grants": []}}


def test_revoke_missing_is_a_no_op(keystone, run, lab):
    result = run(keystone_role_grant, {"role": "admin", "user": "demo", "project": "demo", "state": "absent"})

    assert result["changed"] is False
    assert result["grants"][0]["action"] == "none"
    assert keystone.writes == []


@pytest.mark.parametrize(("state", "existing", "changed"), [
    ("present", False, True),
    ("absent", True, True),
    ("present", True, False),
], ids=["grant", "revoke", "no-op"])
@pytest.mark.usefixtures("lab")
def test_check_mode_predicts_and_writes_nothing(keystone, run, state, existing, changed):
    params = {"role": "member", "user": "demo", "project": "demo", "state": state}
    if existing:
        keystone.grant(keystone.named("roles", "member"), user=keystone.named("users", "demo"),
                       project=keystone.named("projects", "demo"))
    state = keystone.state()

    result = run(keystone_role_grant, params, check_mode=True, diff=True)

    assert result["changed"] is changed
    assert keystone.writes == []
    assert keystone.state() == state


@pytest.mark.parametrize(("params", "missing"), [
    ({"role": "member", "user": "robust", "project": "demo"}, "user 'robust'"),
    ({"role": "auditor", "user": "demo", "project": "demo"}, "role 'auditor'"),
    ({"role": "member", "user": "demo", "project": "newproj"}, "project 'newproj'"),
], ids=["user", "role", "project"])
@pytest.mark.usefixtures("lab")
def test_check_mode_reports_a_grant_on_what_an_earlier_task_creates(monkeypatch, keystone, run, params, missing):
    from ansible.module_utils import basic

    warnings = []
    monkeypatch.setattr(basic.AnsibleModule, "warn", lambda self, warning: warnings.append(warning))
    result = run(keystone_role_grant, params, check_mode=True, diff=True)

    assert result.get("failed") is not True
    assert result["changed"] is True
    assert result["grants"][0]["action"] == "granted"
    assert result["diff"]["after"]["grants"] == [{k: params[k] for k in ("role", "user", "project")}]
    assert any(missing in warning for warning in warnings)
    assert keystone.writes == []


def test_check_mode_revoking_from_a_missing_user_is_a_no_op(keystone, run, lab):
    result = run(keystone_role_grant, {"role": "member", "user": "robust", "project": "demo", "state": "absent"},
                 check_mode=True)

    assert result["changed"] is False
    assert keystone.writes == []


def test_diff_of_a_grant(keystone, run, lab):
    result = run(keystone_role_grant, {"role": "member", "group": "ops", "domain": "lab"}, diff=True)

    assert result["diff"] == {"before": {"grants": []},
                              "after": {"grants": [{"role": "member", "group": "ops", "domain": "lab"}]}}
    assert_not_shown(result, ADMIN_PASSWORD)


@pytest.mark.parametrize(("params", "msg"), [
    ({"role": "nope", "user": "demo", "project": "demo"}, "role 'nope' does not exist"),
    ({"role": "member", "user": "nope", "project": "demo"}, "user 'nope' does not exist in domain default"),
    ({"role": "member", "group": "nope", "project": "demo"}, "group 'nope' does not exist in domain default"),
    ({"role": "member", "user": "demo", "project": "nope"}, "project 'nope' does not exist in domain default"),
    ({"role": "member", "user": "demo", "domain": "Nope"}, "domain 'Nope' does not exist"),
    ({"role": "member", "user": "demo", "user_domain": "Nope", "project": "demo"},
     "user_domain 'Nope' does not exist"),
    ({"role": "member", "group": "ops", "group_domain": "Nope", "project": "demo"},
     "group_domain 'Nope' does not exist"),
    ({"role": "member", "user": "demo", "project": "demo", "project_domain": "Nope"},
     "project_domain 'Nope' does not exist"),
    ({"role": "member", "group": "ops", "group_domain": "lab", "project": "demo"},
     "group 'ops' does not exist in domain dom-lab"),
], ids=["role", "user", "group", "project", "domain", "user_domain", "group_domain", "project_domain",
        "group-in-other-domain"])
def test_unknown_names_fail_and_write_nothing(keystone, run, lab, params, msg):
    result = run(keystone_role_grant, params)

    assert result["failed"] is True
    assert result["msg"] == msg
    assert keystone.writes == []


def test_a_domain_role_is_not_a_global_role(keystone, run, lab):
    keystone.role("reader", domain_id="dom-lab")

    result = run(keystone_role_grant, {"role": "reader", "user": "demo", "project": "demo"})

    assert result["msg"] == "role 'reader' does not exist"


@pytest.mark.parametrize(("params", "msg"), [
    ({"role": "member", "user": "demo", "project": "demo", "domain": "Default"}, "project and domain together"),
    ({"role": "member", "user": "demo", "group": "ops", "project": "demo"},
     "give exactly one of user and group (got user and group)"),
    ({"role": "admin", "user": "admin", "system": "project"}, "system must be 'all' (got 'project')"),
    ({"role": "member", "user": "demo"}, "give exactly one of project, domain and system (got none)"),
    ({"role": " ", "user": "demo", "project": "demo"}, "role must not be empty"),
    ({"user": "demo", "project": "demo"}, "one of the following is required: role, grants"),
], ids=["project-and-domain", "user-and-group", "system-not-all", "no-scope", "blank-role", "no-role"])
def test_malformed_grants_fail_before_any_request(keystone, run, lab, params, msg):
    result = run(keystone_role_grant, params)

    assert result["failed"] is True
    assert msg in result["msg"]
    assert keystone.calls == []


# --- the grants: list --------------------------------------------------------------------------

def test_list_with_module_level_defaults(keystone, run, lab):
    keystone.grant(lab["admin"], user=lab["user_admin"], project=lab["project_admin"])

    result = run(keystone_role_grant, {"user": "admin", "project": "admin", "grants": [
        {"role": "admin"}, {"role": "KeystoneAdmin"}, {"role": "KeystoneServiceAdmin"},
        {"role": "member", "user": "demo", "project": "demo"},
    ]}, diff=True)

    assert not result.get("failed"), result.get("msg")
    ids = {k: v["id"] for k, v in lab.items()}
    assert urls(keystone) == [
        ("PUT", "projects/{project_admin}/users/{user_admin}/roles/{KeystoneAdmin}".format(**ids)),
        ("PUT", "projects/{project_admin}/users/{user_admin}/roles/{KeystoneServiceAdmin}".format(**ids)),
        ("PUT", "projects/{project_demo}/users/{user_demo}/roles/{member}".format(**ids)),
    ]
    assert [(g["role"], g["user"], g["project"], g["action"]) for g in result["grants"]] == [
        ("admin", "admin", "admin", "none"), ("KeystoneAdmin", "admin", "admin", "granted"),
        ("KeystoneServiceAdmin", "admin", "admin", "granted"), ("member", "demo", "demo", "granted")]
    assert len(result["diff"]["before"]["grants"]) == 1
    assert len(result["diff"]["after"]["grants"]) == 4


def test_list_item_state_overrides_the_module_state(keystone, run, lab):
    keystone.grant(lab["member"], user=lab["user_demo"], project=lab["project_demo"])

    result = run(keystone_role_grant, {"user": "demo", "project": "demo", "state": "present", "grants": [
        {"role": "member", "state": "absent"}, {"role": "admin"}]}, diff=True)

    assert [g["action"] for g in result["grants"]] == ["revoked", "granted"]
    assert result["diff"]["after"]["grants"] == [{"role": "admin", "user": "demo", "project": "demo"}]
    assert keystone.has_grant(lab["admin"], user=lab["user_demo"], project=lab["project_demo"])
    assert not keystone.has_grant(lab["member"], user=lab["user_demo"], project=lab["project_demo"])


def test_assignments_are_read_once_per_role(keystone, run, lab):
    result = run(keystone_role_grant, {"project": "demo", "grants": [
        {"role": "member", "user": "demo"}, {"role": "member", "user": "admin"},
        {"role": "admin", "user": "admin"}, {"role": "member", "group": "ops"}, {"role": "admin", "group": "ops"}]})

    assert result["changed"] is True
    assignment_reads = sorted(c.path for c in keystone.gets if c.path.startswith("role_assignments"))
    assert assignment_reads == ["role_assignments?role.id=%s" % lab["admin"]["id"],
                                "role_assignments?role.id=%s" % lab["member"]["id"]]
    assert len(keystone.writes) == 5


@pytest.fixture
def fifty_members(keystone, lab):
    for index in range(50):
        user = keystone.user("user%02d" % index)
        keystone.grant(lab["member"], user=user, project=lab["project_demo"])
    return [{"user": "user%02d" % index} for index in range(50)]


def test_fifty_grants_no_op_make_a_constant_number_of_listings(keystone, run, lab, fifty_members):
    result = run(keystone_role_grant, {"role": "member", "project": "demo", "grants": fifty_members})

    assert not result.get("failed"), result.get("msg")
    assert result["changed"] is False
    assert keystone.writes == []
    # domains, roles, users of Default, projects of Default, assignments of member: once each.
    assert len(keystone.calls) <= 5
    assert sorted(c.path for c in keystone.gets) == sorted([
        "domains", "roles", "users?domain_id=default", "projects?domain_id=default",
        "role_assignments?role.id=%s" % lab["member"]["id"]])


def test_one_bad_name_among_many_writes_nothing(keystone, run, lab, fifty_members):
    grants = [dict(g, project="admin") for g in fifty_members]  # fifty grants to make...
    grants.insert(40, {"user": "nobody"})  # ...and one unknown user
    state = keystone.state()

    result = run(keystone_role_grant, {"role": "member", "project": "demo", "grants": grants})

    assert result["failed"] is True
    assert result["msg"] == "user 'nobody' does not exist in domain default"
    assert keystone.writes == []
    assert keystone.state() == state


def test_one_malformed_grant_among_many_writes_nothing(keystone, run, lab, fifty_members):
    grants = fifty_members + [{"user": "demo", "domain": "Default"}]  # project (module level) and domain

    result = run(keystone_role_grant, {"role": "admin", "project": "demo", "grants": grants})

    assert result["failed"] is True
    assert "project and domain together" in result["msg"]
    assert keystone.writes == []


def test_list_check_mode(keystone, run, lab, fifty_members):
    grants = [dict(g, role="admin") for g in fifty_members[:10]] + fifty_members[10:]

    result = run(keystone_role_grant, {"role": "member", "project": "demo", "grants": grants}, check_mode=True)

    assert result["changed"] is True
    assert [g["action"] for g in result["grants"]].count("granted") == 10
    assert keystone.writes == []


def test_a_refused_write_reports_the_api_message(keystone, run, lab):
    path = "projects/%s/users/%s/roles/%s" % (lab["project_demo"]["id"], lab["user_demo"]["id"], lab["member"]["id"])
    keystone.answers[("PUT", path)] = keystone_error(403, "Forbidden", "You are not authorized.")

    result = run(keystone_role_grant, {"role": "member", "user": "demo", "project": "demo"})

    assert result["failed"] is True
    assert result["msg"] == "identity PUT %s answered HTTP 403: You are not authorized." % path
