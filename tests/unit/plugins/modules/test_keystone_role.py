# -*- coding: utf-8 -*-
# Copyright: lab.openstack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""lab.openstack.keystone_role end to end through main(), on a fake Keystone."""

from __future__ import annotations

import pytest

from ansible_collections.lab.openstack.plugins.modules import keystone_role
from ansible_collections.lab.openstack.tests.unit.plugins.modules.fake_keystone import (
    ADMIN_PASSWORD, assert_not_shown, keystone_error)


@pytest.fixture
def member(keystone):
    return keystone.role("member")


def test_create(keystone, run):
    result = run(keystone_role, {"name": "KeystoneAdmin"})

    assert not result.get("failed"), result.get("msg")
    assert result["changed"] is True
    assert keystone.writes == [("POST", "roles", {"role": {"name": "KeystoneAdmin"}})]
    assert result["role"] == {"id": keystone.named("roles", "KeystoneAdmin")["id"], "name": "KeystoneAdmin"}


def test_a_domain_role_of_the_same_name_is_not_the_global_role(keystone, run):
    keystone.domain("lab", id="dom-lab")
    keystone.role("member", domain_id="dom-lab")

    result = run(keystone_role, {"name": "member"})

    assert result["changed"] is True
    assert keystone.writes == [("POST", "roles", {"role": {"name": "member"}})]


def test_no_op(keystone, run, member):
    result = run(keystone_role, {"name": "member"})

    assert result == {"changed": False, "role": {"id": member["id"], "name": "member"}}
    assert keystone.writes == []
    assert len(keystone.gets) == 1


def test_absent_deletes(keystone, run, member):
    result = run(keystone_role, {"name": "member", "state": "absent"})

    assert result == {"changed": True, "role": None}
    assert keystone.writes == [("DELETE", "roles/%s" % member["id"], None)]
    assert keystone.named("roles", "member") is None


def test_absent_and_missing_is_a_no_op(keystone, run):
    result = run(keystone_role, {"name": "member", "state": "absent"})

    assert result == {"changed": False, "role": None}
    assert keystone.writes == []


@pytest.mark.parametrize(("params", "changed", "role"), [
    ({"name": "new"}, True, {"id": None, "name": "new"}),
    ({"name": "member", "state": "absent"}, True, None),
    ({"name": "member"}, False, {"id": "member-id", "name": "member"}),
    ({"name": "ghost", "state": "absent"}, False, None),
], ids=["create", "delete", "no-op", "absent-missing"])
def test_check_mode_predicts_and_writes_nothing(keystone, run, params, changed, role):
    keystone.role("member", id="member-id")
    state = keystone.state()

    result = run(keystone_role, params, check_mode=True)

    assert result["changed"] is changed
    assert result["role"] == role
    assert keystone.writes == []
    assert keystone.state() == state


def test_diff(keystone, run, member):
    created = run(keystone_role, {"name": "reader"}, diff=True)
    deleted = run(keystone_role, {"name": "member", "state": "absent"}, diff=True)
    kept = run(keystone_role, {"name": "reader"}, diff=True)

    assert created["diff"] == {"before": {}, "after": created["role"]}
    assert deleted["diff"] == {"before": {"id": member["id"], "name": "member"}, "after": {}}
    assert kept["diff"]["before"] == kept["diff"]["after"] == created["role"]
    for result in (created, deleted, kept):
        assert_not_shown(result, ADMIN_PASSWORD)


@pytest.mark.parametrize("name", ["", " "])
def test_empty_name_fails_before_any_request(keystone, run, name):
    result = run(keystone_role, {"name": name})

    assert result == {"failed": True, "msg": "name must not be empty"}
    assert keystone.calls == []


def test_a_conflict_reports_the_api_message(keystone, run):
    keystone.answers[("POST", "roles")] = keystone_error(
        409, "Conflict", "Conflict occurred attempting to store role - Duplicate entry.")

    result = run(keystone_role, {"name": "member"})

    assert result["failed"] is True
    assert result["msg"] == ("identity POST roles answered HTTP 409: "
                             "Conflict occurred attempting to store role - Duplicate entry.")


# --- the list form: roles ------------------------------------------------------------------

def test_list_creates_deletes_and_keeps_in_one_listing(keystone, run, member):
    keystone.role("KeystoneAdmin")

    result = run(keystone_role, {"roles": [{"name": "member"}, {"name": "reader"},
                                           {"name": "KeystoneAdmin", "state": "absent"}]}, diff=True)

    assert not result.get("failed"), result.get("msg")
    assert result["changed"] is True
    assert "role" not in result
    reader = keystone.named("roles", "reader")
    assert result["roles"] == [{"id": member["id"], "name": "member"}, {"id": reader["id"], "name": "reader"}, None]
    assert keystone.named("roles", "KeystoneAdmin") is None
    assert [c.path for c in keystone.gets] == ["roles"]  # one listing for every item
    assert result["diff"]["before"]["roles"][0] == result["diff"]["after"]["roles"][0]
    assert result["diff"]["before"]["roles"][1] == {}
    assert result["diff"]["after"]["roles"][2] == {}


def test_list_no_op(keystone, run, member):
    keystone.role("admin")

    result = run(keystone_role, {"roles": [{"name": "admin"}, {"name": "member"}]})

    assert result["changed"] is False
    assert [r["name"] for r in result["roles"]] == ["admin", "member"]
    assert keystone.writes == []


def test_list_items_take_the_module_level_state(keystone, run, member):
    result = run(keystone_role, {"state": "absent", "roles": [{"name": "member"}, {"name": "ghost"}]})

    assert result == {"changed": True, "roles": [None, None]}
    assert keystone.writes == [("DELETE", "roles/%s" % member["id"], None)]


def test_list_check_mode_writes_nothing(keystone, run, member):
    state = keystone.state()

    result = run(keystone_role, {"roles": [{"name": "new"}, {"name": "member", "state": "absent"}]},
                 check_mode=True)

    assert result == {"changed": True, "roles": [{"id": None, "name": "new"}, None]}
    assert keystone.writes == []
    assert keystone.state() == state


@pytest.mark.parametrize("roles", [
    [{"name": "reader"}, {"name": " "}],
    [{"name": "reader"}, {"name": "admin"}, {"name": "reader", "state": "absent"}],
], ids=["empty-name", "listed-twice"])
def test_a_bad_item_among_many_writes_nothing(keystone, run, roles):
    result = run(keystone_role, {"roles": roles})

    assert result["failed"] is True
    assert result["msg"] in ("name must not be empty", "roles: reader is listed twice")
    assert keystone.writes == []


def test_name_and_roles_are_mutually_exclusive(keystone, run):
    result = run(keystone_role, {"name": "a", "roles": [{"name": "b"}]})

    assert result["failed"] is True
    assert "mutually exclusive" in result["msg"]
    assert keystone.calls == []


def test_an_empty_list_does_nothing(keystone, run):
    result = run(keystone_role, {"roles": []})

    assert result == {"changed": False, "roles": []}
    assert keystone.calls == []
