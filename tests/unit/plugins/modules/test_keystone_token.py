# -*- coding: utf-8 -*-
# Copyright: lab.openstack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""lab.openstack.keystone_token against the in-memory Keystone of fake_keystone."""

from __future__ import annotations

import pytest

from ansible_collections.lab.openstack.plugins.modules import keystone_token
from ansible_collections.lab.openstack.plugins.modules.keystone_token import token_request
from ansible_collections.lab.openstack.tests.unit.plugins.modules.fake_keystone import (
    ADMIN_PASSWORD, AUTH, AUTH_URL, FakeKeystone, FakeResponse, assert_not_shown, install_session, keystone_error,
    run_module)


@pytest.fixture
def keystone(monkeypatch):
    api = FakeKeystone()
    admin_project = api.project("admin")
    admin = api.user("admin", password=ADMIN_PASSWORD)
    api.grant(api.role("admin"), user=admin, project=admin_project)
    api.project("demo")
    install_session(monkeypatch, api)
    return api


def run(monkeypatch, check_mode=False, **auth):
    return run_module(monkeypatch, keystone_token, {"auth": dict(AUTH, **auth)}, check_mode=check_mode)


@pytest.mark.parametrize("check_mode", [False, True])
def test_a_working_password_gives_a_project_token(monkeypatch, keystone, check_mode):
    before = keystone.state()
    result = run(monkeypatch, check_mode=check_mode)

    admin_id = keystone.named("users", "admin")["id"]
    assert result == {"changed": False, "authenticated": True, "token": "token-of-%s" % admin_id,
                      "expires_at": "2026-12-03T20:00:00.000000Z"}
    assert keystone.password_checks == [("admin", ADMIN_PASSWORD)]
    # By name, scoped to the admin project, and nothing written.
    assert keystone.calls[0].json["auth"]["scope"] == {"project": {"name": "admin", "domain": {"name": "Default"}}}
    assert keystone.state() == before and keystone.writes == [] and keystone.unexpected == []
    assert_not_shown(result, ADMIN_PASSWORD)


def test_a_refused_password_is_a_result_not_a_failure(monkeypatch, keystone):
    result = run(monkeypatch, password="not-the-password")

    assert result == {"changed": False, "authenticated": False, "token": None, "expires_at": None}
    assert_not_shown(result, "not-the-password")


def test_a_user_without_a_role_on_the_project_is_refused(monkeypatch, keystone):
    assert run(monkeypatch, project_name="demo")["authenticated"] is False


def test_system_scope(monkeypatch, keystone):
    result = run(monkeypatch, project_name=None, system_scope="all")

    assert result["authenticated"] is True
    assert keystone.calls[0].json["auth"]["scope"] == {"system": {"all": True}}


def test_the_request_body():
    assert token_request({"username": "u", "password": "p", "user_domain_name": "Lab"}) == {
        "auth": {"identity": {"methods": ["password"], "password": {"user": {
            "name": "u", "domain": {"name": "Lab"}, "password": "p"}}}}}


@pytest.mark.parametrize(("auth", "msg"), [
    ({"token": "gAAAA"}, "keystone_token asks for a token with a password: auth.token is not taken"),
    ({"password": None}, "auth.password is missing"),
    ({"username": None}, "auth.username is missing"),
])
def test_bad_credentials_fail_before_any_request(monkeypatch, keystone, auth, msg):
    result = run(monkeypatch, **auth)

    assert result["failed"] and result["msg"] == msg
    assert keystone.calls == []


def test_another_answer_fails_with_keystones_words(monkeypatch, keystone):
    keystone.answers[("POST", "auth/tokens")] = keystone_error(400, "Bad Request", "Invalid input for field 'identity'")
    result = run(monkeypatch)

    assert result["failed"]
    assert result["msg"] == ("asking %s for a token as admin answered HTTP 400: Invalid input for field 'identity'"
                             % AUTH_URL)
    assert_not_shown(result, ADMIN_PASSWORD)


def test_a_token_without_its_header_fails(monkeypatch, keystone):
    keystone.answers[("POST", "auth/tokens")] = FakeResponse(201, {"token": {}})
    result = run(monkeypatch)

    assert result["failed"]
    assert result["msg"] == "%s answered 201 without an X-Subject-Token header" % AUTH_URL


def test_an_unreachable_keystone_fails_naming_it(monkeypatch, keystone):
    ksa_exc = pytest.importorskip("keystoneauth1.exceptions")
    monkeypatch.setattr(keystone_token.OpenStackModule, "retrying", staticmethod(lambda send, retries=True: send()))
    keystone.fail_with = ksa_exc.ConnectFailure("Connection refused")
    result = run(monkeypatch)

    assert result["failed"]
    assert result["msg"] == "cannot reach %s: Connection refused" % AUTH_URL
