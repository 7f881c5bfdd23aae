# -*- coding: utf-8 -*-
# Copyright: lab.openstack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fake Keystone the keystone_* tests rely on behaves like Keystone where it matters."""

from __future__ import annotations

import pytest

from ansible_collections.lab.openstack.tests.unit.plugins.modules.fake_keystone import AUTH_URL, FakeKeystone

FILTER = {"service_type": "identity", "interface": "public"}


@pytest.fixture
def api():
    return FakeKeystone()


def call(api, method, path, body=None):
    return api.request(path, method, json=body, raise_exc=False, endpoint_filter=FILTER)


def test_listings_filter_by_domain(api):
    api.domain("lab", id="dom-lab")
    api.user("demo")
    api.user("demo", domain_id="dom-lab")

    users = call(api, "GET", "users?domain_id=dom-lab").json()["users"]

    assert [(u["name"], u["domain_id"]) for u in users] == [("demo", "dom-lab")]
    assert api.unexpected == []


def test_create_update_delete_apply(api):
    created = call(api, "POST", "users", {"user": {"name": "nova", "password": "pw"}})
    user_id = created.json()["user"]["id"]
    patched = call(api, "PATCH", "users/%s" % user_id, {"user": {"email": "n@lab.test", "password": "pw2"}})
    deleted = call(api, "DELETE", "users/%s" % user_id)

    assert (created.status_code, patched.status_code, deleted.status_code) == (201, 200, 204)
    assert "password" not in created.json()["user"]
    assert patched.json()["user"]["email"] == "n@lab.test"
    assert deleted.text == ""
    with pytest.raises(ValueError):
        deleted.json()
    assert api.data["users"] == []
    assert [w.method for w in api.writes] == ["POST", "PATCH", "DELETE"]


def test_duplicates_and_missing_references_are_refused(api):
    api.project("demo")
    service = api.service("nova", "compute")

    assert call(api, "POST", "projects", {"project": {"name": "demo", "domain_id": "default"}}).status_code == 409
    assert call(api, "POST", "projects", {"project": {"name": "x", "domain_id": "nope"}}).status_code == 404
    refused = call(api, "POST", "endpoints", {"endpoint": {"service_id": service["id"], "interface": "public",
                                                           "url": "http://x", "region_id": "RegionOne"}})
    assert refused.status_code == 404
    assert refused.json()["error"]["message"] == "Could not find region: RegionOne."


def test_grants_are_put_and_deleted(api):
    role, user, project = api.role("member"), api.user("demo"), api.project("demo")
    path = "projects/%s/users/%s/roles/%s" % (project["id"], user["id"], role["id"])

    assert call(api, "PUT", path).status_code == 204
    assert api.has_grant(role, user=user, project=project)
    listed = call(api, "GET", "role_assignments?role.id=%s" % role["id"]).json()["role_assignments"]
    assert listed == [{"role": {"id": role["id"]}, "user": {"id": user["id"]},
                       "scope": {"project": {"id": project["id"]}}}]
    assert call(api, "DELETE", path).status_code == 204
    assert call(api, "DELETE", path).status_code == 404
    assert call(api, "PUT", "system/users/%s/roles/nope" % user["id"]).status_code == 404


def test_deleting_a_service_deletes_its_endpoints(api):
    api.region("RegionOne")
    service = api.service("nova", "compute")
    api.endpoint(service, "public", "http://x")

    call(api, "DELETE", "services/%s" % service["id"])

    assert api.data["endpoints"] == []


def test_passwords_are_checked_unscoped_and_unlogged(api):
    user = api.user("demo", password="right")
    disabled = api.user("off", password="right", enabled=False)

    def check(user_id, password, **kwargs):
        body = {"auth": {"identity": {"methods": ["password"], "password": {
            "user": {"id": user_id, "password": password}}}}}
        options = {"authenticated": False, "raise_exc": False, "log": False}
        options.update(kwargs)
        return api.request(AUTH_URL + "/auth/tokens", "POST", json=body, **options).status_code

    assert (check(user["id"], "right"), check(user["id"], "wrong"), check(disabled["id"], "right")) == (201, 401, 401)
    assert api.writes == []
    assert api.password_checks == [(user["id"], "right"), (user["id"], "wrong"), (disabled["id"], "right")]
    assert api.unexpected == []
    check(user["id"], "right", log=True)
    assert api.unexpected  # a password in the request log is refused


def test_unknown_requests_are_recorded(api):
    assert call(api, "GET", "users?name=demo").status_code == 404
    assert call(api, "POST", "credentials", {}).status_code == 404
    api.request("users", "GET", raise_exc=True, endpoint_filter={"service_type": "compute"})

    assert len(api.unexpected) == 4
