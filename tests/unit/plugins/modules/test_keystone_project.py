# -*- coding: utf-8 -*-
# Copyright: lab.openstack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""lab.openstack.keystone_project end to end through main(), on a fake Keystone."""

from __future__ import annotations

import pytest

from ansible_collections.lab.openstack.plugins.modules import keystone_project
from ansible_collections.lab.openstack.tests.unit.plugins.modules.fake_keystone import (
    ADMIN_PASSWORD, assert_not_shown, keystone_error)


@pytest.fixture
def demo(keystone):
    return keystone.project("demo", description="Demo Tenant")


# --- create ------------------------------------------------------------------------------------

def test_create(keystone, run):
    result = run(keystone_project, {"name": "demo", "description": "Demo Tenant"})

    assert not result.get("failed"), result.get("msg")
    assert result["changed"] is True
    assert keystone.writes == [("POST", "projects", {"project": {
        "name": "demo", "domain_id": "default", "description": "Demo Tenant", "enabled": True}})]
    created = keystone.named("projects", "demo")
    assert result["project"] == {"id": created["id"], "name": "demo", "domain_id": "default",
                                 "description": "Demo Tenant", "enabled": True}


def test_create_defaults_description_to_empty_and_honours_enabled_false(keystone, run):
    result = run(keystone_project, {"name": "service", "enabled": False})

    assert result["changed"] is True
    assert keystone.writes[0].json == {"project": {
        "name": "service", "domain_id": "default", "description": "", "enabled": False}}


@pytest.mark.parametrize("domain", ["lab", "dom-lab"], ids=["by-name", "by-id"])
def test_create_in_another_domain_by_name_or_id(keystone, run, domain):
    keystone.domain("lab", id="dom-lab")

    result = run(keystone_project, {"name": "demo", "domain": domain})

    assert result["changed"] is True
    assert keystone.writes[0].json["project"]["domain_id"] == "dom-lab"
    assert keystone.named("projects", "demo", domain_id="dom-lab") is not None


def test_same_name_in_another_domain_is_another_project(keystone, run):
    keystone.domain("lab", id="dom-lab")
    keystone.project("demo", domain_id="dom-lab")

    result = run(keystone_project, {"name": "demo"})

    assert result["changed"] is True
    assert [w.method for w in keystone.writes] == ["POST"]


# --- update --------------------------------------------------------------------------------------

def test_update_writes_only_the_description(keystone, run, demo):
    result = run(keystone_project, {"name": "demo", "description": "New", "enabled": True})

    assert result["changed"] is True
    assert keystone.writes == [("PATCH", "projects/%s" % demo["id"], {"project": {"description": "New"}})]
    assert demo["description"] == "New"
    assert result["project"]["description"] == "New"


def test_update_writes_only_enabled(keystone, run, demo):
    result = run(keystone_project, {"name": "demo", "description": "Demo Tenant", "enabled": False})

    assert result["changed"] is True
    assert keystone.writes == [("PATCH", "projects/%s" % demo["id"], {"project": {"enabled": False}})]
    assert demo["enabled"] is False


def test_update_errors_report_the_api_message(keystone, run, demo):
    keystone.answers[("PATCH", "projects/%s" % demo["id"])] = keystone_error(
        403, "Forbidden", "You are not authorized to perform the requested action: identity:update_project.")

    result = run(keystone_project, {"name": "demo", "description": "New"})

    assert result["failed"] is True
    assert result["msg"] == ("identity PATCH projects/%s answered HTTP 403: You are not authorized to perform "
                             "the requested action: identity:update_project." % demo["id"])


# --- no-op ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("params", [
    {"name": "demo"},
    {"name": "demo", "description": "Demo Tenant"},
    {"name": "demo", "description": "Demo Tenant", "enabled": True},
    {"name": "demo", "domain": "default"},
], ids=["name-only", "same-description", "same-everything", "domain-by-id"])
def test_no_op(keystone, run, demo, params):
    result = run(keystone_project, params)

    assert not result.get("failed"), result.get("msg")
    assert result["changed"] is False
    assert keystone.writes == []
    assert result["project"]["id"] == demo["id"]


def test_absent_and_missing_is_a_no_op(keystone, run):
    result = run(keystone_project, {"name": "ghost", "state": "absent"})

    assert result == {"changed": False, "project": None}
    assert keystone.writes == []


# --- delete --------------------------------------------------------------------------------------

def test_absent_deletes(keystone, run, demo):
    result = run(keystone_project, {"name": "demo", "state": "absent"})

    assert result["changed"] is True
    assert result["project"] is None
    assert keystone.writes == [("DELETE", "projects/%s" % demo["id"], None)]
    assert keystone.named("projects", "demo") is None


# --- check mode ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("params", "changed"), [
    ({"name": "new"}, True),
    ({"name": "demo", "description": "New"}, True),
    ({"name": "demo", "enabled": False}, True),
    ({"name": "demo", "state": "absent"}, True),
    ({"name": "demo", "description": "Demo Tenant"}, False),
    ({"name": "ghost", "state": "absent"}, False),
], ids=["create", "update-description", "disable", "delete", "no-op", "absent-missing"])
def test_check_mode_predicts_and_writes_nothing(keystone, run, demo, params, changed):
    state = keystone.state()

    result = run(keystone_project, params, check_mode=True)

    assert not result.get("failed"), result.get("msg")
    assert result["changed"] is changed
    assert keystone.writes == []
    assert keystone.state() == state


def test_check_mode_shows_the_project_it_would_make(keystone, run, demo):
    created = run(keystone_project, {"name": "new", "description": "d"}, check_mode=True)
    updated = run(keystone_project, {"name": "demo", "description": "New"}, check_mode=True)

    assert created["project"] == {"id": None, "name": "new", "domain_id": "default", "description": "d",
                                  "enabled": True}
    assert updated["project"] == {"id": demo["id"], "name": "demo", "domain_id": "default",
                                  "description": "New", "enabled": True}


# --- diff ----------------------------------------------------------------------------------------

def test_diff_of_a_creation(keystone, run):
    result = run(keystone_project, {"name": "demo", "description": "Demo Tenant"}, diff=True)

    assert result["diff"]["before"] == {}
    assert result["diff"]["after"]["name"] == "demo"
    assert result["diff"]["after"]["description"] == "Demo Tenant"
    assert_not_shown(result, ADMIN_PASSWORD)


def test_diff_of_an_update_and_of_a_deletion(keystone, run, demo):
    updated = run(keystone_project, {"name": "demo", "description": "New"}, diff=True)
    deleted = run(keystone_project, {"name": "demo", "state": "absent"}, diff=True)

    assert updated["diff"]["before"]["description"] == "Demo Tenant"
    assert updated["diff"]["after"]["description"] == "New"
    assert deleted["diff"] == {"before": dict(updated["diff"]["after"]), "after": {}}
    assert_not_shown(updated, ADMIN_PASSWORD)


def test_no_diff_unless_asked(keystone, run, demo):
    assert "diff" not in run(keystone_project, {"name": "demo", "description": "New"})


# --- names that do not exist, bad input ----------------------------------------------------------

def test_unknown_domain_fails_and_writes_nothing(keystone, run):
    result = run(keystone_project, {"name": "demo", "domain": "Nope"})

    assert result["failed"] is True
    assert "'Nope' does not exist" in result["msg"]
    assert keystone.writes == []


def test_unknown_domain_names_the_domain_option(keystone, run):
    result = run(keystone_project, {"name": "demo", "domain": "Nope"})

    assert result["msg"] == "domain 'Nope' does not exist"


@pytest.mark.parametrize("name", ["", "   "])
def test_empty_name_fails_before_any_request(keystone, run, name):
    result = run(keystone_project, {"name": name})

    assert result["failed"] is True
    assert result["msg"] == "name must not be empty"
    assert keystone.calls == []


# --- the list form: projects -------------------------------------------------------------------

def test_list_creates_updates_and_keeps_with_module_level_defaults(keystone, run, demo):
    keystone.project("admin", description="Administration")

    result = run(keystone_project, {"enabled": True, "projects": [
        {"name": "admin", "description": "Administration"},
        {"name": "service", "description": "OpenStack services"},
        {"name": "demo", "description": "Demonstration"},
    ]}, diff=True)

    assert not result.get("failed"), result.get("msg")
    assert result["changed"] is True
    assert "project" not in result
    assert [w.method for w in keystone.writes] == ["POST", "PATCH"]
    assert keystone.writes[0].json["project"]["enabled"] is True  # the module-level value
    assert keystone.writes[1].json == {"project": {"description": "Demonstration"}}
    assert [p["description"] for p in result["projects"]] == ["Administration", "OpenStack services",
                                                              "Demonstration"]
    assert result["diff"]["before"]["projects"][1] == {}
    assert result["diff"]["before"]["projects"][2]["description"] == "Demo Tenant"
    assert result["diff"]["after"]["projects"][2]["description"] == "Demonstration"
    # one listing of the domains and one of the projects, for every item
    assert sorted(c.path for c in keystone.gets) == ["domains", "projects?domain_id=default"]
    assert_not_shown(result, ADMIN_PASSWORD)


def test_list_no_op_and_item_state(keystone, run, demo):
    result = run(keystone_project, {"projects": [{"name": "demo"}, {"name": "ghost", "state": "absent"}]})

    assert result["changed"] is False
    assert result["projects"][0]["id"] == demo["id"]
    assert result["projects"][1] is None
    assert keystone.writes == []


def test_list_check_mode_writes_nothing(keystone, run, demo):
    state = keystone.state()

    result = run(keystone_project, {"projects": [{"name": "new"}, {"name": "demo", "state": "absent"}]},
                 check_mode=True)

    assert result["changed"] is True
    assert result["projects"][0]["id"] is None
    assert result["projects"][1] is None
    assert keystone.writes == []
    assert keystone.state() == state


@pytest.mark.parametrize(("projects", "msg"), [
    ([{"name": "a"}, {"name": ""}], "name must not be empty"),
    ([{"name": "a"}, {"name": "b", "domain": "Nope"}], "domain 'Nope' does not exist"),
    ([{"name": "a"}, {"name": "b"}, {"name": "a", "description": "again"}], "projects: a is listed twice"),
], ids=["empty-name", "unknown-domain", "listed-twice"])
def test_a_bad_item_among_many_writes_nothing(keystone, run, projects, msg):
    result = run(keystone_project, {"projects": projects})

    assert result["failed"] is True
    assert result["msg"] == msg
    assert keystone.writes == []


def test_name_and_projects_are_mutually_exclusive(keystone, run):
    result = run(keystone_project, {"name": "a", "projects": [{"name": "b"}]})

    assert result["failed"] is True
    assert "mutually exclusive" in result["msg"]
    assert keystone.calls == []
