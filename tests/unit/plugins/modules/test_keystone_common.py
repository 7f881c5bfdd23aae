# -*- coding: utf-8 -*-
# Copyright: lab.openstack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What every keystone_* module does the same way: failures of auth and connection, credentials.

Auth and connection failures are keystoneauth1's exceptions raised by the fake session:
these tests need keystoneauth1 (skipped without it). The credential checks run the real
OpenStackModule.session property up to the point where it would build the keystoneauth1
objects, so they need no library.
"""

from __future__ import annotations

import pytest

from ansible_collections.lab.openstack.plugins.module_utils import openstack
from ansible_collections.lab.openstack.plugins.modules import (
    keystone_project, keystone_role, keystone_role_grant, keystone_service, keystone_user)
from ansible_collections.lab.openstack.tests.unit.plugins.modules.fake_keystone import (
    ADMIN_PASSWORD, AUTH, AUTH_URL, assert_not_shown, run_module)

USER_PASSWORD = "u5er-Secret-pw"
MODULES = [
    pytest.param(keystone_project, {"name": "demo", "description": "Demo"}, id="keystone_project"),
    pytest.param(keystone_role, {"name": "member"}, id="keystone_role"),
    pytest.param(keystone_user, {"name": "demo", "password": USER_PASSWORD}, id="keystone_user"),
    pytest.param(keystone_user, {"users": [{"name": "demo", "password": USER_PASSWORD}]}, id="keystone_user-list"),
    pytest.param(keystone_role_grant, {"role": "member", "user": "demo", "project": "demo"},
                 id="keystone_role_grant"),
    pytest.param(keystone_role_grant, {"project": "demo", "grants": [{"role": "member", "user": "demo"}]},
                 id="keystone_role_grant-list"),
    pytest.param(keystone_service, {"name": "nova", "type": "compute",
                                    "endpoints": {"public": "http://192.168.1.250:8774/v2.1"}},
                 id="keystone_service"),
]


@pytest.fixture
def ksa_exc():
    return pytest.importorskip("keystoneauth1.exceptions")


@pytest.fixture
def no_os_environment(monkeypatch):
    for name in ("OS_AUTH_URL", "OS_USERNAME", "OS_PASSWORD", "OS_PROJECT_NAME", "OS_TENANT_NAME",
                 "OS_CLOUD", "OS_REGION_NAME", "OS_USER_DOMAIN_NAME", "OS_PROJECT_DOMAIN_NAME", "OS_SYSTEM_SCOPE"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize(("module", "params"), MODULES)
def test_unauthorized_fails_with_one_clear_line(keystone, run, ksa_exc, module, params):
    keystone.fail_with = ksa_exc.Unauthorized("The request you have made requires authentication.",
                                              http_status=401)

    result = run(module, params, diff=True)

    assert result == {"failed": True, "msg": "authentication failed for admin at %s: The request you have made "
                                             "requires authentication. (HTTP 401)" % AUTH_URL}
    assert "\n" not in result["msg"]
    assert len(keystone.calls) == 1  # the first request fails, nothing is tried after it
    assert keystone.writes == []
    assert_not_shown(result, ADMIN_PASSWORD, USER_PASSWORD)


@pytest.mark.parametrize(("module", "params"), MODULES)
def test_unreachable_keystone_fails_with_one_clear_line(keystone, run, ksa_exc, module, params):
    keystone.fail_with = ksa_exc.ConnectFailure(
        "Unable to establish connection to %s/auth/tokens: Connection refused" % AUTH_URL)

    result = run(module, params)

    assert result["failed"] is True
    assert result["msg"] == ("cannot reach identity (auth_url %s): Unable to establish connection to "
                             "%s/auth/tokens: Connection refused" % (AUTH_URL, AUTH_URL))
    assert keystone.writes == []


@pytest.mark.parametrize(("module", "params"), MODULES)
def test_no_identity_endpoint_names_interface_and_region(keystone, run, ksa_exc, module, params):
    keystone.fail_with = ksa_exc.EndpointNotFound()

    result = run(module, dict(params, interface="internal", region_name="RegionTwo"))

    assert result["failed"] is True
    assert result["msg"] == "no identity endpoint with interface internal in region RegionTwo in the catalog"


@pytest.mark.parametrize(("module", "params"), MODULES)
def test_requests_use_the_identity_endpoint_of_the_interface_and_region(keystone, run, module, params):
    run(module, dict(params, interface="admin", region_name="RegionOne"))

    assert keystone.filters
    assert all(f == {"service_type": "identity", "interface": "admin", "region_name": "RegionOne"}
               for f in keystone.filters)


# --- credentials, through the real session property ----------------------------------------------

@pytest.fixture
def real_session(monkeypatch, no_os_environment):
    """The real OpenStackModule.session, as far as the credential checks go."""
    monkeypatch.setattr(openstack, "HAS_KEYSTONEAUTH", True)

    def run(module, params):
        return run_module(monkeypatch, module, params)

    return run


@pytest.mark.parametrize(("module", "params"), MODULES)
@pytest.mark.parametrize(("auth", "msg"), [
    (dict(AUTH, auth_url="192.168.1.250:5000/v3"),
     "auth.auth_url '192.168.1.250:5000/v3' is not an http(s) URL"),
    (dict(AUTH, auth_url="ftp://192.168.1.250/v3"), "auth.auth_url 'ftp://192.168.1.250/v3' is not an http(s) URL"),
    ({k: v for k, v in AUTH.items() if k != "username"}, "auth.username is missing"),
    ({k: v for k, v in AUTH.items() if k != "password"}, "auth.password is missing"),
    (dict(AUTH, password=""), "auth.password is missing"),
    ({"username": "admin", "password": ADMIN_PASSWORD},
     "no credentials: set auth.auth_url (and username, password, project_name), "
     "or the OS_* environment, or cloud (a clouds.yaml entry)"),
], ids=["auth_url-no-scheme", "auth_url-ftp", "no-username", "no-password", "empty-password", "no-auth_url"])
def test_bad_credentials_fail_with_one_clear_line(real_session, module, params, auth, msg):
    result = real_session(module, dict(params, auth=auth))

    assert result == {"failed": True, "msg": msg}
    assert_not_shown(result, ADMIN_PASSWORD, USER_PASSWORD)


@pytest.mark.parametrize(("module", "params"), MODULES)
def test_missing_keystoneauth1_names_the_package(monkeypatch, no_os_environment, module, params):
    monkeypatch.setattr(openstack, "HAS_KEYSTONEAUTH", False)
    monkeypatch.setattr(openstack, "KEYSTONEAUTH_ERROR", "Traceback: No module named 'keystoneauth1'")

    result = run_module(monkeypatch, module, params)

    assert result["failed"] is True
    assert "python3-keystoneauth1" in result["msg"]
    assert result["exception"] == "Traceback: No module named 'keystoneauth1'"
