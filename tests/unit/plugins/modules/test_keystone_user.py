# -*- coding: utf-8 -*-
# Copyright: lab.openstack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""lab.openstack.keystone_user end to end through main(), on a fake Keystone.

Passwords are checked by authenticating as the user (an unscoped POST to
<auth_url>/auth/tokens): the fake answers 201 for the right password of an enabled user,
401 otherwise, and records each check apart from the writes.
"""

from __future__ import annotations

import threading

import pytest

from ansible_collections.lab.openstack.plugins.modules import keystone_user
from ansible_collections.lab.openstack.tests.unit.plugins.modules.fake_keystone import (
    ADMIN_PASSWORD, AUTH_URL, FakeResponse, assert_not_shown, keystone_error)

DEMO_PASSWORD = "d3mo-Old-pw"
NEW_PASSWORD = "n3w-Secret-pw"


@pytest.fixture
def projects(keystone):
    return {name: keystone.project(name) for name in ("admin", "service", "demo")}


@pytest.fixture
def demo(keystone, projects):
    return keystone.user("demo", password=DEMO_PASSWORD, email="demo@lab.test",
                         default_project_id=projects["demo"]["id"])


def view(user):
    return {k: user.get(k) for k in keystone_user.KEYS}


# --- create ------------------------------------------------------------------------------------

def test_create_with_password_and_default_project(keystone, run, projects):
    result = run(keystone_user, {"name": "nova", "password": NEW_PASSWORD, "email": "nova@lab.test",
                                 "default_project": "service"})

    assert not result.get("failed"), result.get("msg")
    assert result["changed"] is True
    assert keystone.writes == [("POST", "users", {"user": {
        "name": "nova", "domain_id": "default", "enabled": True, "email": "nova@lab.test",
        "default_project_id": projects["service"]["id"], "password": NEW_PASSWORD}})]
    created = keystone.named("users", "nova")
    assert keystone.passwords[created["id"]] == NEW_PASSWORD
    assert result["user"] == view(created)
    assert keystone.password_checks == []  # a new user has no password to test
    assert_not_shown(result, NEW_PASSWORD, ADMIN_PASSWORD)


def test_create_without_password(keystone, run):
    result = run(keystone_user, {"name": "nopw", "enabled": False})

    assert result["changed"] is True
    assert keystone.writes == [("POST", "users", {"user": {"name": "nopw", "domain_id": "default",
                                                           "enabled": False}})]


def test_create_with_on_create_sets_the_password(keystone, run):
    result = run(keystone_user, {"name": "glance", "password": NEW_PASSWORD, "update_password": "on_create"})

    assert result["changed"] is True
    assert keystone.writes[0].json["user"]["password"] == NEW_PASSWORD
    assert keystone.passwords[keystone.named("users", "glance")["id"]] == NEW_PASSWORD


def test_create_in_another_domain(keystone, run):
    keystone.domain("lab", id="dom-lab")

    result = run(keystone_user, {"name": "demo", "domain": "lab"})

    assert result["changed"] is True
    assert keystone.writes[0].json["user"]["domain_id"] == "dom-lab"
    assert keystone.gets[1].path == "users?domain_id=dom-lab"


# --- update --------------------------------------------------------------------------------------

def test_update_writes_only_what_differs(keystone, run, projects, demo):
    result = run(keystone_user, {"name": "demo", "password": DEMO_PASSWORD, "email": "new@lab.test",
                                 "default_project": "demo", "enabled": True, "description": "Demo user"})

    assert result["changed"] is True
    assert keystone.writes == [("PATCH", "users/%s" % demo["id"], {"user": {
        "email": "new@lab.test", "description": "Demo user"}})]
    assert keystone.password_checks == [(demo["id"], DEMO_PASSWORD)]
    assert result["user"]["email"] == "new@lab.test"


def test_update_default_project(keystone, run, projects, demo):
    result = run(keystone_user, {"name": "demo", "default_project": "admin"})

    assert keystone.writes == [("PATCH", "users/%s" % demo["id"], {"user": {
        "default_project_id": projects["admin"]["id"]}})]
    assert result["user"]["default_project_id"] == projects["admin"]["id"]


def test_disable_writes_enabled_only_and_tests_no_password(keystone, run, demo):
    result = run(keystone_user, {"name": "demo", "password": NEW_PASSWORD, "enabled": False})

    assert result["changed"] is True
    assert keystone.writes == [("PATCH", "users/%s" % demo["id"], {"user": {"enabled": False}})]
    assert keystone.password_checks == []


# --- passwords -----------------------------------------------------------------------------------

def test_always_with_the_right_password_writes_nothing(keystone, run, demo):
    result = run(keystone_user, {"name": "demo", "password": DEMO_PASSWORD})

    assert result["changed"] is False
    assert keystone.writes == []
    assert keystone.password_checks == [(demo["id"], DEMO_PASSWORD)]
    assert result["user"] == view(demo)


def test_always_with_a_wrong_password_writes_it_once(keystone, run, demo):
    result = run(keystone_user, {"name": "demo", "password": NEW_PASSWORD, "update_password": "always"},
                 diff=True)

    assert result["changed"] is True
    assert keystone.writes == [("PATCH", "users/%s" % demo["id"], {"user": {"password": NEW_PASSWORD}})]
    assert keystone.passwords[demo["id"]] == NEW_PASSWORD
    assert result["diff"]["after"]["password"] == "password changed"
    assert "password" not in result["diff"]["before"]
    assert "password" not in result["user"]
    assert_not_shown(result, NEW_PASSWORD, DEMO_PASSWORD, ADMIN_PASSWORD)


def test_always_then_again_is_idempotent(keystone, run, demo):
    first = run(keystone_user, {"name": "demo", "password": NEW_PASSWORD})
    writes = list(keystone.writes)
    second = run(keystone_user, {"name": "demo", "password": NEW_PASSWORD})

    assert first["changed"] is True
    assert second["changed"] is False
    assert keystone.writes == writes


def test_on_create_does_not_test_the_password(keystone, run, demo):
    result = run(keystone_user, {"name": "demo", "password": NEW_PASSWORD, "update_password": "on_create"})

    assert result["changed"] is False
    assert keystone.writes == []
    assert keystone.password_checks == []
    assert keystone.passwords[demo["id"]] == DEMO_PASSWORD


def test_a_disabled_user_is_not_password_tested(keystone, run):
    old = keystone.user("old", password=DEMO_PASSWORD, enabled=False)

    result = run(keystone_user, {"name": "old", "password": NEW_PASSWORD})

    assert result["changed"] is False
    assert keystone.writes == []
    assert keystone.password_checks == []
    assert keystone.passwords[old["id"]] == DEMO_PASSWORD


def test_enabling_a_disabled_user_also_sets_its_password(keystone, run):
    old = keystone.user("old", password=DEMO_PASSWORD, enabled=False)

    first = run(keystone_user, {"name": "old", "password": NEW_PASSWORD, "enabled": True})

    assert first["changed"] is True
    expected = {"user": {"enabled": True, "password": NEW_PASSWORD}}
    assert keystone.writes == [("PATCH", "users/%s" % old["id"], expected)]
    assert keystone.passwords[old["id"]] == NEW_PASSWORD
    assert run(keystone_user, {"name": "old", "password": NEW_PASSWORD, "enabled": True})["changed"] is False


def test_a_password_check_error_fails_with_the_auth_url(keystone, run, demo):
    keystone.answers[("POST", "auth/tokens")] = FakeResponse(500, text="<html>Internal Server Error</html>")

    result = run(keystone_user, {"name": "demo", "password": NEW_PASSWORD})

    assert result["failed"] is True
    assert result["msg"] == ("checking a password at %s answered HTTP 500: <html>Internal Server Error</html>"
                             % AUTH_URL)
    assert keystone.writes == []
    assert_not_shown(result, NEW_PASSWORD)


# --- no-op and delete ----------------------------------------------------------------------------

def test_no_op(keystone, run, demo):
    result = run(keystone_user, {"name": "demo", "email": "demo@lab.test", "default_project": "demo",
                                 "enabled": True, "password": DEMO_PASSWORD}, diff=True)

    assert result["changed"] is False
    assert keystone.writes == []
    assert result["diff"]["before"] == result["diff"]["after"] == view(demo)


def test_absent_deletes(keystone, run, demo):
    result = run(keystone_user, {"name": "demo", "state": "absent", "password": DEMO_PASSWORD})

    assert result == {"changed": True, "user": None}
    assert keystone.writes == [("DELETE", "users/%s" % demo["id"], None)]
    assert keystone.password_checks == []


def test_absent_and_missing_is_a_no_op(keystone, run):
    result = run(keystone_user, {"name": "ghost", "state": "absent"})

    assert result == {"changed": False, "user": None}
    assert keystone.writes == []


# --- check mode ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("params", "changed"), [
    ({"name": "nova", "password": NEW_PASSWORD}, True),
    ({"name": "demo", "password": NEW_PASSWORD}, True),
    ({"name": "demo", "email": "x@lab.test"}, True),
    ({"name": "demo", "state": "absent"}, True),
    ({"name": "demo", "password": DEMO_PASSWORD}, False),
    ({"name": "ghost", "state": "absent"}, False),
], ids=["create", "password", "email", "delete", "no-op", "absent-missing"])
def test_check_mode_predicts_and_writes_nothing(keystone, run, demo, params, changed):
    state = keystone.state()

    result = run(keystone_user, params, check_mode=True, diff=True)

    assert not result.get("failed"), result.get("msg")
    assert result["changed"] is changed
    assert keystone.writes == []
    assert keystone.state() == state
    assert_not_shown(result, NEW_PASSWORD, DEMO_PASSWORD)


def test_check_mode_shows_the_user_it_would_make(keystone, run, projects):
    result = run(keystone_user, {"name": "nova", "password": NEW_PASSWORD, "default_project": "service"},
                 check_mode=True, diff=True)

    assert result["user"] == {"id": None, "name": "nova", "domain_id": "default", "enabled": True,
                              "default_project_id": projects["service"]["id"], "email": None, "description": None}
    assert result["diff"]["after"]["password"] == "password set"


@pytest.mark.parametrize("name", ["newuser", "demo"], ids=["new-user", "existing-user"])
def test_check_mode_predicts_a_default_project_an_earlier_task_creates(monkeypatch, keystone, run, demo, name):
    from ansible.module_utils import basic

    warnings = []
    monkeypatch.setattr(basic.AnsibleModule, "warn", lambda self, warning: warnings.append(warning))
    state = keystone.state()

    result = run(keystone_user, {"name": name, "default_project": "newproj"}, check_mode=True, diff=True)

    assert result.get("failed") is not True, result.get("msg")
    assert result["changed"] is True
    assert result["user"]["default_project_id"] == "(newproj, not created yet)"
    assert result["diff"]["after"]["default_project_id"] == "(newproj, not created yet)"
    assert any("default_project 'newproj' not found" in w for w in warnings)
    assert keystone.writes == []
    assert keystone.state() == state


def test_a_missing_default_project_fails_a_real_run(keystone, run, demo):
    result = run(keystone_user, {"name": "newuser", "default_project": "newproj"})

    assert result["failed"] is True
    assert "default_project 'newproj' does not exist" in result["msg"]
    assert keystone.writes == []


def test_check_mode_tests_the_password_to_predict(keystone, run, demo):
    result = run(keystone_user, {"name": "demo", "password": NEW_PASSWORD}, check_mode=True, diff=True)

    assert result["changed"] is True
    assert keystone.password_checks == [(demo["id"], NEW_PASSWORD)]
    assert result["diff"]["after"]["password"] == "password changed"


# --- diff ----------------------------------------------------------------------------------------

def test_diff_of_a_creation_never_shows_the_password(keystone, run):
    result = run(keystone_user, {"name": "nova", "password": NEW_PASSWORD}, diff=True)

    assert result["diff"]["before"] == {}
    assert result["diff"]["after"]["name"] == "nova"
    assert result["diff"]["after"]["password"] == "password set"
    assert_not_shown(result, NEW_PASSWORD, ADMIN_PASSWORD)


# --- names that do not exist, bad input ----------------------------------------------------------

@pytest.mark.parametrize(("params", "msg"), [
    ({"name": "demo", "domain": "Nope"}, "domain 'Nope' does not exist"),
    ({"name": "demo", "default_project": "nope"}, "default_project 'nope' does not exist in domain default"),
    ({"name": "demo", "default_project": "demo", "default_project_domain": "Nope"},
     "default_project_domain 'Nope' does not exist"),
    ({"name": "nova", "default_project": "nope", "password": NEW_PASSWORD},
     "default_project 'nope' does not exist in domain default"),
    ({"name": ""}, "name must not be empty"),
], ids=["domain", "default_project", "default_project_domain", "on-create", "empty-name"])
def test_unknown_names_fail_and_write_nothing(keystone, run, demo, params, msg):
    result = run(keystone_user, params)

    assert result["failed"] is True
    assert result["msg"] == msg
    assert keystone.writes == []


@pytest.mark.parametrize(("params", "msg"), [
    ({}, "one of the following is required: name, users"),
    ({"name": "demo", "users": [{"name": "demo"}]}, "parameters are mutually exclusive: name|users"),
    ({"users": [{"password": "x"}]}, "missing required arguments: name"),
])
def test_bad_arguments_fail_before_any_request(keystone, run, params, msg):
    result = run(keystone_user, params)

    assert result["failed"] is True
    assert msg in result["msg"]
    assert keystone.calls == []


# --- the users: list ---------------------------------------------------------------------------

def test_list_creates_updates_and_keeps_with_module_level_defaults(keystone, run, projects, demo):
    glance = keystone.user("glance", password="glance-pw", default_project_id=projects["service"]["id"])

    result = run(keystone_user, {"default_project": "service", "users": [
        {"name": "glance", "password": "glance-pw"},
        {"name": "nova", "password": "nova-pw"},
        {"name": "demo", "password": "demo-new-pw", "default_project": "demo"},
    ]}, diff=True)

    assert not result.get("failed"), result.get("msg")
    assert result["changed"] is True
    nova = keystone.named("users", "nova")
    assert keystone.writes == [
        ("POST", "users", {"user": {"name": "nova", "domain_id": "default", "enabled": True,
                                    "default_project_id": projects["service"]["id"], "password": "nova-pw"}}),
        ("PATCH", "users/%s" % demo["id"], {"user": {"password": "demo-new-pw"}}),
    ]
    assert [(u["name"], u["changed"], u["action"]) for u in result["users"]] == [
        ("glance", False, "none"), ("nova", True, "created"), ("demo", True, "updated")]
    assert result["users"][1]["id"] == nova["id"]
    assert keystone.password_checks == [(glance["id"], "glance-pw"), (demo["id"], "demo-new-pw")]
    assert [a.get("password") for a in result["diff"]["after"]["users"]] == [
        None, "password set", "password changed"]
    assert result["diff"]["before"]["users"][1] == {}
    assert "user" not in result
    assert_not_shown(result, "glance-pw", "nova-pw", "demo-new-pw", DEMO_PASSWORD, ADMIN_PASSWORD)


def test_list_tests_every_password_before_writing(keystone, run, demo):
    keystone.user("a", password="a-old")
    keystone.user("b", password="b-old")

    run(keystone_user, {"users": [{"name": "a", "password": "a-new"}, {"name": "b", "password": "b-new"}]})

    kinds = ["check" if c.path == "auth/tokens" else c.method for c in keystone.calls if c.method != "GET"]
    assert kinds == ["check", "check", "PATCH", "PATCH"]


def test_list_item_state_absent_and_update_password_override(keystone, run, demo):
    keystone.user("gone")

    result = run(keystone_user, {"update_password": "on_create", "users": [
        {"name": "gone", "state": "absent"},
        {"name": "demo", "password": NEW_PASSWORD, "update_password": "always"},
    ]})

    assert [u["action"] for u in result["users"]] == ["deleted", "updated"]
    assert result["users"][0] == {"name": "gone", "changed": True, "action": "deleted"}
    assert keystone.named("users", "gone") is None
    assert keystone.passwords[demo["id"]] == NEW_PASSWORD


def test_an_empty_list_does_nothing(keystone, run):
    result = run(keystone_user, {"users": []})

    assert result == {"changed": False, "users": []}
    assert keystone.calls == []


def fifty(keystone, projects):
    for index in range(50):
        keystone.user("svc%02d" % index, password="pw-%02d" % index,
                      default_project_id=projects["service"]["id"])
    return [{"name": "svc%02d" % index, "password": "pw-%02d" % index} for index in range(50)]


def test_fifty_users_no_op_make_a_constant_number_of_listings(keystone, run, projects):
    users = fifty(keystone, projects)

    result = run(keystone_user, {"default_project": "service", "users": users})

    assert not result.get("failed"), result.get("msg")
    assert result["changed"] is False
    assert keystone.writes == []
    # domains, users of Default, projects of Default: once each, whatever the length of the list.
    assert len(keystone.gets) <= 5
    assert sorted(c.path for c in keystone.gets) == ["domains", "projects?domain_id=default",
                                                     "users?domain_id=default"]
    assert len(keystone.password_checks) == 50  # one authentication per user: the only per-item request


def test_fifty_users_on_create_make_no_per_item_request(keystone, run, projects):
    users = fifty(keystone, projects)

    result = run(keystone_user, {"default_project": "service", "update_password": "on_create", "users": users})

    assert result["changed"] is False
    assert len(keystone.calls) == 3


def test_one_bad_name_among_many_writes_nothing(keystone, run, projects):
    users = fifty(keystone, projects)
    for item in users[:30]:
        item["password"] = "changed-" + item["password"]  # 30 updates due...
    users += [{"name": "new%02d" % index} for index in range(10)]  # ...10 creations...
    users.insert(45, {"name": "broken", "default_project": "nope"})  # ...and one unknown project
    state = keystone.state()

    result = run(keystone_user, {"default_project": "service", "users": users})

    assert result["failed"] is True
    assert result["msg"] == "default_project 'nope' does not exist in domain default"
    assert keystone.writes == []
    assert keystone.state() == state


def test_one_unknown_domain_among_many_writes_nothing(keystone, run, projects):
    users = [{"name": "new%02d" % index} for index in range(20)] + [{"name": "x", "domain": "Nope"}]

    result = run(keystone_user, {"users": users})

    assert result["failed"] is True
    assert result["msg"] == "domain 'Nope' does not exist"
    assert keystone.writes == []


def test_list_check_mode(keystone, run, projects, demo):
    state = keystone.state()

    result = run(keystone_user, {"users": [{"name": "nova", "password": "nova-pw"},
                                           {"name": "demo", "password": NEW_PASSWORD},
                                           {"name": "demo2", "state": "absent"}]},
                 check_mode=True, diff=True)

    assert result["changed"] is True
    assert [u["action"] for u in result["users"]] == ["created", "updated", "none"]
    assert result["users"][0]["id"] is None
    assert keystone.writes == []
    assert keystone.state() == state
    assert_not_shown(result, "nova-pw", NEW_PASSWORD, DEMO_PASSWORD)


def test_a_user_listed_twice_fails_before_any_write(keystone, run):
    result = run(keystone_user, {"users": [{"name": "nova", "password": "a"}, {"name": "glance"},
                                           {"name": "nova", "password": "b"}]})

    assert result["failed"] is True
    assert "nova" in result["msg"]
    assert keystone.writes == []


# --- the password tests, side by side ----------------------------------------------------------

def test_password_tests_run_side_by_side(keystone, run, projects, monkeypatch):
    users = fifty(keystone, projects)[:8]
    # Each test waits until a second one is in flight: tested one after the other, the first
    # would wait alone and the barrier break.
    barrier = threading.Barrier(2, timeout=5)
    answer = keystone._token

    def token(*args):
        barrier.wait()
        return answer(*args)

    monkeypatch.setattr(keystone, "_token", token)

    result = run(keystone_user, {"default_project": "service", "users": users})

    assert not result.get("failed"), result.get("msg")
    assert result["changed"] is False
    assert sorted(keystone.password_checks) == sorted(
        (keystone.named("users", u["name"])["id"], u["password"]) for u in users)


def test_each_user_and_password_is_tested_once(keystone, run, projects, demo):
    result = run(keystone_user, {"users": [{"name": "demo", "password": DEMO_PASSWORD},
                                           {"name": "demo", "password": DEMO_PASSWORD, "domain": "default"}]})

    assert not result.get("failed"), result.get("msg")
    assert result["changed"] is False
    # The same user twice (its domain by name, then by ID): its password is tested once.
    assert keystone.password_checks == [(demo["id"], DEMO_PASSWORD)]


def test_a_failing_password_test_among_many_writes_nothing(keystone, run, projects):
    users = fifty(keystone, projects)[:6]
    users[0]["password"] = "changed"  # an update due
    keystone.answers[("POST", "auth/tokens")] = keystone_error(503, "Service Unavailable", "try later")

    result = run(keystone_user, {"default_project": "service", "users": users})

    assert result["failed"] is True
    assert "503" in result["msg"]
    assert keystone.writes == []


# --- the writes, side by side ------------------------------------------------------------------

def test_new_users_are_created_side_by_side_and_reported_in_order(keystone, run, projects, monkeypatch):
    users = [{"name": "new%02d" % index, "password": "pw-%02d" % index} for index in range(8)]
    # Each creation waits until a second one is in flight: created one after the other, the
    # first would wait alone and the barrier break.
    barrier = threading.Barrier(2, timeout=5)
    create = keystone._create

    def side_by_side(parts, query, body):
        if parts == ["users"]:
            barrier.wait()
        return create(parts, query, body)

    monkeypatch.setattr(keystone, "_create", side_by_side)

    result = run(keystone_user, {"default_project": "service", "users": users})

    assert not result.get("failed"), result.get("msg")
    assert [entry["name"] for entry in result["users"]] == [u["name"] for u in users]
    assert all(entry["action"] == "created" for entry in result["users"])
    for user in users:
        created = keystone.named("users", user["name"])
        assert keystone.passwords[created["id"]] == user["password"]
        assert created["id"] == next(e["id"] for e in result["users"] if e["name"] == user["name"])


def test_a_failed_write_among_many_fails_the_run(keystone, run, projects, monkeypatch):
    users = [{"name": "new%02d" % index, "password": "pw-%02d" % index} for index in range(6)]
    create = keystone._create

    def refuse_new03(parts, query, body):
        if parts == ["users"] and body["user"]["name"] == "new03":
            return keystone_error(400, "Bad Request", "Password does not meet the requirements")
        return create(parts, query, body)

    monkeypatch.setattr(keystone, "_create", refuse_new03)

    result = run(keystone_user, {"default_project": "service", "users": users})

    assert result["failed"] is True
    assert "Password does not meet the requirements" in result["msg"]
    assert keystone.named("users", "new03") is None
    assert_not_shown(result, *(u["password"] for u in users))


def test_check_mode_writes_nothing_even_for_many(keystone, run, projects):
    users = [{"name": "new%02d" % index, "password": "pw-%02d" % index} for index in range(6)]
    state = keystone.state()

    result = run(keystone_user, {"default_project": "service", "users": users}, check_mode=True)

    assert result["changed"] is True
    assert [entry["action"] for entry in result["users"]] == ["created"] * 6
    assert keystone.writes == [] and keystone.state() == state
