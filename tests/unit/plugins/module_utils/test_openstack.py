# -*- coding: utf-8 -*-
# Copyright: lab.openstack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""lab.openstack's OpenStackModule base: credentials, session, requests, errors.

The keystoneauth1 objects the session property builds are replaced by recorders, so the
credential and session tests need no library; the tests of how request() and
check_password() turn keystoneauth1's exceptions into messages use the real exception
classes (skipped without keystoneauth1).
"""

from __future__ import annotations

from typing import ClassVar

import types

import pytest

from ansible_collections.lab.openstack.plugins.module_utils import openstack
from ansible_collections.lab.openstack.plugins.module_utils.openstack import (
    OpenStackError, OpenStackModule, auth_from_clouds_yaml, auth_from_environment, error_message)
from ansible_collections.lab.openstack.tests.unit.plugins.modules.fake_keystone import (
    ADMIN_PASSWORD, AUTH, AUTH_URL, ExitJson, FailJson, FakeKeystone, FakeResponse, install_session,
    keystone_error, module_args, patch_exits, patch_module_args)

OS_VARIABLES = ("OS_AUTH_URL", "OS_USERNAME", "OS_PASSWORD", "OS_PROJECT_NAME", "OS_TENANT_NAME", "OS_CLOUD",
                "OS_REGION_NAME", "OS_USER_DOMAIN_NAME", "OS_PROJECT_DOMAIN_NAME", "OS_SYSTEM_SCOPE")


class Probe(OpenStackModule):
    """The smallest OpenStack module: lists users."""

    argument_spec: ClassVar[dict] = {"fail_with": {"type": "str"}}

    def run(self):
        if self.params["fail_with"]:
            raise OpenStackError(self.params["fail_with"])
        return {"changed": False, "users": [u["name"] for u in self.get("users")["users"]]}


def make(params=None, cls=Probe):
    params = dict(params or {})
    params.setdefault("auth", dict(AUTH))
    with patch_module_args(module_args(params)):
        return cls()


@pytest.fixture
def no_os_environment(monkeypatch):
    for name in OS_VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def ksa(monkeypatch, no_os_environment):
    """Recorders in place of keystoneauth1's v3.Password and Session."""
    record = types.SimpleNamespace(plugins=[], sessions=[])

    def password(**kwargs):
        record.plugins.append(kwargs)
        return ("password-plugin", len(record.plugins))

    def token(**kwargs):
        record.plugins.append(dict(kwargs, plugin="token"))
        return ("token-plugin", len(record.plugins))

    def session(**kwargs):
        record.sessions.append(kwargs)
        return FakeKeystone()

    monkeypatch.setattr(openstack, "HAS_KEYSTONEAUTH", True)
    monkeypatch.setattr(openstack, "ksa_v3", types.SimpleNamespace(Password=password, Token=token),
                        raising=False)
    monkeypatch.setattr(openstack, "ksa_session", types.SimpleNamespace(Session=session), raising=False)
    return record


@pytest.fixture
def ksa_exc():
    return pytest.importorskip("keystoneauth1.exceptions")


def write_yaml(path, text):
    path.write_text(text)
    return str(path)


LAB_CLOUD = """\
clouds:
  lab:
    region_name: RegionOne
    auth:
      auth_url: http://192.168.1.250:5000/v3
      username: admin
      password: from-clouds-yaml
      project_name: admin
"""


# --- auth_from_environment ---------------------------------------------------------------------

def test_environment_without_auth_url_gives_nothing():
    assert auth_from_environment({"OS_USERNAME": "admin", "OS_PASSWORD": "x"}) is None
    assert auth_from_environment({"OS_AUTH_URL": ""}) is None


def test_environment_gives_every_variable():
    environ = {"OS_AUTH_URL": AUTH_URL, "OS_USERNAME": "admin", "OS_PASSWORD": "pw", "OS_PROJECT_NAME": "admin",
               "OS_TENANT_NAME": "ignored", "OS_PROJECT_DOMAIN_NAME": "Default", "OS_USER_DOMAIN_NAME": "Default",
               "OS_SYSTEM_SCOPE": "all"}

    assert auth_from_environment(environ) == {
        "auth_url": AUTH_URL, "username": "admin", "password": "pw", "project_name": "admin",
        "project_domain_name": "Default", "user_domain_name": "Default", "system_scope": "all"}


def test_environment_falls_back_to_the_tenant_name():
    auth = auth_from_environment({"OS_AUTH_URL": AUTH_URL, "OS_TENANT_NAME": "admin"})

    assert auth["project_name"] == "admin"
    assert auth["username"] is None


# --- auth_from_clouds_yaml -----------------------------------------------------------------------

def test_clouds_yaml_gives_auth_and_region(tmp_path):
    path = write_yaml(tmp_path / "clouds.yaml", LAB_CLOUD)

    auth, region = auth_from_clouds_yaml("lab", paths=[path])

    assert auth == {"auth_url": AUTH_URL, "username": "admin", "password": "from-clouds-yaml",
                    "project_name": "admin"}
    assert region == "RegionOne"


def test_clouds_yaml_skips_missing_files_and_files_without_the_cloud(tmp_path):
    other = write_yaml(tmp_path / "other.yaml", "clouds:\n  prod:\n    auth: {auth_url: http://prod:5000/v3}\n")
    empty = write_yaml(tmp_path / "empty.yaml", "")
    lab = write_yaml(tmp_path / "lab.yaml", LAB_CLOUD)

    auth, region = auth_from_clouds_yaml("lab", paths=[str(tmp_path / "missing.yaml"), other, empty, lab])

    assert auth["password"] == "from-clouds-yaml"
    assert region == "RegionOne"


def test_clouds_yaml_takes_the_first_file_that_has_the_cloud(tmp_path):
    first = write_yaml(tmp_path / "first.yaml", "clouds:\n  lab:\n    auth: {username: first}\n")
    second = write_yaml(tmp_path / "second.yaml", LAB_CLOUD)

    assert auth_from_clouds_yaml("lab", paths=[first, second]) == ({"username": "first"}, None)


@pytest.mark.parametrize("text", ["clouds:\n  lab:\n", "clouds:\n  lab:\n    region_name: RegionTwo\n"])
def test_clouds_yaml_entry_without_auth_gives_empty_auth(tmp_path, text):
    path = write_yaml(tmp_path / "clouds.yaml", text)

    auth, region = auth_from_clouds_yaml("lab", paths=[path])

    assert auth == {}
    assert region in (None, "RegionTwo")


def test_clouds_yaml_without_the_cloud_names_every_path(tmp_path):
    first = write_yaml(tmp_path / "a.yaml", LAB_CLOUD)
    second = str(tmp_path / "b.yaml")

    with pytest.raises(OpenStackError) as info:
        auth_from_clouds_yaml("prod", paths=[first, second])

    assert str(info.value) == "cloud 'prod' is in none of %s, %s" % (first, second)


def test_clouds_yaml_auth_is_a_copy(tmp_path):
    path = write_yaml(tmp_path / "clouds.yaml", LAB_CLOUD)

    auth, region = auth_from_clouds_yaml("lab", paths=[path])
    auth["password"] = "changed"

    assert auth_from_clouds_yaml("lab", paths=[path])[0]["password"] == "from-clouds-yaml"
    assert region == "RegionOne"


def test_a_malformed_clouds_yaml_is_one_clear_line(tmp_path):
    path = write_yaml(tmp_path / "clouds.yaml", "clouds:\n  lab:\n    auth: {username: admin\n")

    with pytest.raises(OpenStackError) as info:
        auth_from_clouds_yaml("lab", paths=[path])

    assert path in str(info.value)


# --- error_message -------------------------------------------------------------------------------

@pytest.mark.parametrize(("response", "msg"), [
    (keystone_error(409, "Conflict", "Conflict occurred attempting to store project - Duplicate entry."),
     "Conflict occurred attempting to store project - Duplicate entry."),
    (FakeResponse(404, {"itemNotFound": {"code": 404, "message": "Flavor m1.tiny could not be found."}}),
     "Flavor m1.tiny could not be found."),
    (FakeResponse(400, {"badRequest": {"code": 400, "message": 42}}), "42"),
    (FakeResponse(400, {"message": "top-level message", "code": 400}), "top-level message"),
    (FakeResponse(400, {"code": 400, "title": "Bad Request"}), "{'code': 400, 'title': 'Bad Request'}"),
    (FakeResponse(400, ["a", "list"]), "['a', 'list']"),
    (FakeResponse(502, text="  <html><body>502 Bad Gateway</body></html>\n"),
     "<html><body>502 Bad Gateway</body></html>"),
    (FakeResponse(404, text=""), ""),
    (FakeResponse(500, text="x" * 1000), "x" * 300),
    (FakeResponse(400, {"detail": "y" * 1000}), ("{'detail': '" + "y" * 1000)[:300]),
], ids=["keystone", "nova", "non-string-message", "top-level", "no-message", "list", "html", "empty",
        "long-text-cut", "long-json-cut"])
def test_error_message(response, msg):
    assert error_message(response) == msg


def test_error_message_of_a_body_without_text():
    response = FakeResponse(500)
    response.text = None

    assert error_message(response) == ""


# --- request -------------------------------------------------------------------------------------

class RecordingSession:
    """Records each request; answers with `response` or raises `error`."""

    def __init__(self, response=None, error=None):
        self.response = response or FakeResponse(200, {"users": []})
        self.error = error
        self.calls = []

    def request(self, url, method, **kwargs):
        self.calls.append((url, method, kwargs))
        if self.error is not None:
            raise self.error
        return self.response


def probe(monkeypatch, session, params=None):
    module = make(params)
    monkeypatch.setattr(module, "_session", session)
    module._auth, module._region = module.auth_params()
    return module


def test_request_passes_retries_and_the_endpoint_filter(monkeypatch):
    session = RecordingSession(FakeResponse(201, {"project": {"id": "p1"}}))
    module = probe(monkeypatch, session)

    response = module.request("POST", "projects", json={"project": {"name": "demo"}})

    assert response is session.response
    assert session.calls == [("projects", "POST", {
        "json": {"project": {"name": "demo"}}, "raise_exc": False,
        "endpoint_filter": {"service_type": "identity", "interface": "public"},
        "status_code_retries": 4,
        "retriable_status_codes": [500, 502, 503, 504], "status_code_retry_delay": 0.5})]


class FlakySession(RecordingSession):
    """Raises the errors of `errors` one per request, then answers."""

    def __init__(self, errors, response=None):
        super().__init__(response)
        self.errors = list(errors)

    def request(self, url, method, **kwargs):
        self.calls.append((url, method, kwargs))
        if self.errors:
            raise self.errors.pop(0)
        return self.response


def test_a_refused_connection_is_tried_again_with_a_doubling_delay(monkeypatch, ksa_exc, sleeps):
    refused = [ksa_exc.ConnectFailure("Connection refused")] * 3
    session = FlakySession(refused, FakeResponse(200, {"users": [{"name": "admin"}]}))
    module = probe(monkeypatch, session)

    assert module.get("users") == {"users": [{"name": "admin"}]}
    assert len(session.calls) == 4
    assert sleeps == [0.5, 1.0, 2.0]


def test_authentication_answering_503_is_tried_again(monkeypatch, ksa_exc, sleeps):
    # keystoneauth raises the token request's 5xx itself, and never retries it.
    starting = ksa_exc.http.ServiceUnavailable(http_status=503)
    session = FlakySession([starting, ksa_exc.ConnectTimeout("timed out")])
    module = probe(monkeypatch, session)

    module.get("users")

    assert len(session.calls) == 3
    assert sleeps == [0.5, 1.0]


def test_a_service_that_stays_down_fails_after_the_budget(monkeypatch, ksa_exc, sleeps):
    session = FlakySession([ksa_exc.ConnectFailure("Connection refused")] * 50)
    module = probe(monkeypatch, session)

    with pytest.raises(OpenStackError) as info:
        module.get("users")

    assert str(info.value) == "cannot reach identity (auth_url %s): Connection refused" % AUTH_URL
    assert sleeps == [0.5, 1.0, 2.0, 4.0, 8.0, 16.0]
    assert sum(sleeps) <= openstack.CONNECT_BUDGET
    assert len(session.calls) == 7


@pytest.mark.parametrize("error", [
    lambda exc: exc.Unauthorized(http_status=401),
    lambda exc: exc.http.Forbidden(http_status=403),
    lambda exc: exc.SSLError("certificate verify failed"),
], ids=["401", "403", "tls"])
def test_answers_and_tls_failures_are_not_tried_again(monkeypatch, ksa_exc, sleeps, error):
    session = FlakySession([error(ksa_exc)])
    module = probe(monkeypatch, session)

    with pytest.raises(OpenStackError):
        module.get("users")

    assert len(session.calls) == 1
    assert sleeps == []


def test_a_stream_is_never_sent_twice(monkeypatch, ksa_exc, sleeps):
    session = FlakySession([ksa_exc.ConnectFailure("Connection reset by peer")])
    module = probe(monkeypatch, session)

    with pytest.raises(OpenStackError):
        module.request("PUT", "v2/images/i1/file", data=iter([b"x"]), service_type="image", retries=False)

    assert len(session.calls) == 1
    assert session.calls[0][2]["status_code_retries"] == 0
    assert sleeps == []


def test_check_password_waits_for_keystone_too(monkeypatch, ksa_exc, sleeps):
    session = FlakySession([ksa_exc.ConnectFailure("Connection refused")], FakeResponse(201, {}))
    module = probe(monkeypatch, session)

    assert module.check_password("u1", "pw") is True
    assert sleeps == [0.5]


def test_endpoint_filter_of_another_service_interface_and_region(monkeypatch):
    session = RecordingSession()
    module = probe(monkeypatch, session, {"interface": "internal", "region_name": "RegionTwo"})

    module.request("GET", "servers", service_type="compute")

    assert session.calls[0][2]["endpoint_filter"] == {"service_type": "compute", "interface": "internal",
                                                      "region_name": "RegionTwo"}


def test_get_returns_the_body(monkeypatch):
    module = probe(monkeypatch, RecordingSession(FakeResponse(200, {"users": [{"name": "admin"}]})))

    assert module.get("users") == {"users": [{"name": "admin"}]}


@pytest.mark.parametrize("status", [200, 201, 202, 204])
def test_ok_statuses(monkeypatch, status):
    module = probe(monkeypatch, RecordingSession(FakeResponse(status)))

    assert module.request("DELETE", "users/u1").status_code == status


def test_a_status_not_ok_is_an_error_with_service_status_and_message(monkeypatch):
    session = RecordingSession(keystone_error(404, "Not Found", "Could not find domain: nope."))
    module = probe(monkeypatch, session)

    with pytest.raises(OpenStackError) as info:
        module.request("GET", "projects?domain_id=nope")

    assert str(info.value) == "identity GET projects answered HTTP 404: Could not find domain: nope."


def test_ok_can_be_widened(monkeypatch):
    module = probe(monkeypatch, RecordingSession(FakeResponse(404, text="")))

    assert module.request("GET", "users/u1", ok=(200, 404)).status_code == 404
    with pytest.raises(OpenStackError):
        module.request("GET", "users/u1", ok=(200,))


def test_a_non_json_error_is_reported_by_its_text(monkeypatch):
    module = probe(monkeypatch, RecordingSession(FakeResponse(503, text="Service Unavailable\n")))

    with pytest.raises(OpenStackError) as info:
        module.request("GET", "servers", service_type="compute")

    assert str(info.value) == "compute GET servers answered HTTP 503: Service Unavailable"


@pytest.mark.parametrize(("error", "msg"), [
    (lambda exc: exc.Unauthorized("The request you have made requires authentication.", http_status=401),
     "authentication failed for admin at %s: The request you have made requires authentication. (HTTP 401)"
     % AUTH_URL),
    (lambda exc: exc.Unauthorized(),
     "authentication failed for admin at %s: Unauthorized (HTTP 401)" % AUTH_URL),
    (lambda exc: exc.ConnectFailure("Unable to establish connection to %s: refused" % AUTH_URL),
     "cannot reach identity (auth_url %s): Unable to establish connection to %s: refused" % (AUTH_URL, AUTH_URL)),
    (lambda exc: exc.ConnectTimeout("Request to %s timed out" % AUTH_URL),
     "cannot reach identity (auth_url %s): Request to %s timed out" % (AUTH_URL, AUTH_URL)),
    (lambda exc: exc.SSLError("certificate verify failed"),
     "cannot reach identity (auth_url %s): certificate verify failed" % AUTH_URL),
    (lambda exc: exc.EndpointNotFound(), "no identity endpoint with interface public in the catalog"),
    (lambda exc: exc.DiscoveryFailure("Could not find versioned identity endpoints"),
     "identity request GET users failed: Could not find versioned identity endpoints"),
], ids=["unauthorized", "unauthorized-default-message", "connect-failure", "connect-timeout", "ssl",
        "endpoint-not-found", "other-client-exception"])
def test_keystoneauth_exceptions_become_one_line(monkeypatch, ksa_exc, error, msg):
    exc = error(ksa_exc)
    module = probe(monkeypatch, RecordingSession(error=exc))

    with pytest.raises(OpenStackError) as info:
        module.get("users")

    assert str(info.value) == msg
    assert info.value.__cause__ is exc
    assert ADMIN_PASSWORD not in str(info.value)


def test_endpoint_not_found_names_service_interface_and_region(monkeypatch, ksa_exc):
    module = probe(monkeypatch, RecordingSession(error=ksa_exc.EndpointNotFound()),
                   {"interface": "admin", "region_name": "RegionTwo"})

    with pytest.raises(OpenStackError) as info:
        module.request("GET", "images", service_type="image")

    assert str(info.value) == "no image endpoint with interface admin in region RegionTwo in the catalog"


# --- check_password ------------------------------------------------------------------------------

@pytest.mark.parametrize(("status", "expected"), [(201, True), (401, False)])
def test_check_password(monkeypatch, status, expected):
    session = RecordingSession(FakeResponse(status, {}))
    module = probe(monkeypatch, session)

    assert module.check_password("u1", "the-password") is expected
    url, method, kwargs = session.calls[0]
    assert (url, method) == (AUTH_URL + "/auth/tokens", "POST")
    assert kwargs["json"] == {"auth": {"identity": {"methods": ["password"], "password": {
        "user": {"id": "u1", "password": "the-password"}}}}}
    assert kwargs["authenticated"] is False  # not with the admin token
    assert kwargs["raise_exc"] is False
    assert kwargs["log"] is False  # the body holds a password
    assert "endpoint_filter" not in kwargs


def test_check_password_strips_a_trailing_slash_of_auth_url(monkeypatch):
    session = RecordingSession(FakeResponse(201, {}))
    module = probe(monkeypatch, session, {"auth": dict(AUTH, auth_url=AUTH_URL + "/")})

    module.check_password("u1", "pw")

    assert session.calls[0][0] == AUTH_URL + "/auth/tokens"


@pytest.mark.parametrize("response", [
    keystone_error(500, "Internal Server Error", "An unexpected error prevented the server from fulfilling "
                                                 "your request."),
    keystone_error(403, "Forbidden", "You are not authorized."),
    keystone_error(400, "Bad Request", "Invalid input for field 'identity/password/user/password'."),
])
def test_check_password_other_answers_are_errors(monkeypatch, response):
    module = probe(monkeypatch, RecordingSession(response))

    with pytest.raises(OpenStackError) as info:
        module.check_password("u1", "the-password")

    assert str(info.value) == "checking a password at %s answered HTTP %s: %s" % (
        AUTH_URL, response.status_code, response.json()["error"]["message"])
    assert "the-password" not in str(info.value)


@pytest.mark.parametrize("name", ["ConnectFailure", "ConnectTimeout"])
def test_check_password_unreachable(monkeypatch, ksa_exc, name):
    module = probe(monkeypatch, RecordingSession(error=getattr(ksa_exc, name)("refused")))

    with pytest.raises(OpenStackError) as info:
        module.check_password("u1", "pw")

    assert str(info.value) == "cannot reach %s: refused" % AUTH_URL


def test_check_password_tls_failure_is_one_line(monkeypatch, ksa_exc):
    module = probe(monkeypatch, RecordingSession(error=ksa_exc.SSLError("certificate verify failed")))

    with pytest.raises(OpenStackError):
        module.check_password("u1", "pw")


# --- __call__ ------------------------------------------------------------------------------------

def test_call_exits_with_the_result_of_run(monkeypatch):
    patch_exits(monkeypatch)
    keystone = FakeKeystone()
    keystone.user("admin")
    install_session(monkeypatch, keystone)
    module = make()

    with pytest.raises(ExitJson) as info:
        module()

    assert info.value.result == {"changed": False, "users": ["admin"]}


def test_call_turns_an_openstack_error_into_fail_json(monkeypatch):
    patch_exits(monkeypatch)
    module = make({"fail_with": "identity GET users answered HTTP 403: You are not authorized."})

    with pytest.raises(FailJson) as info:
        module()

    assert info.value.result == {"msg": "identity GET users answered HTTP 403: You are not authorized."}


def test_the_base_has_no_run():
    with pytest.raises(NotImplementedError):
        make(cls=OpenStackModule).run()


def test_the_module_supports_check_mode_and_the_auth_options():
    module = make({"region_name": "RegionOne"})

    assert module.ansible.supports_check_mode is True
    assert module.check_mode is False
    assert module.params["interface"] == "public"
    assert module.params["validate_certs"] is True
    assert module.params["api_timeout"] == 30
    assert module.params["auth"]["password"] == ADMIN_PASSWORD
    assert ADMIN_PASSWORD in module.ansible.no_log_values


# --- auth_params: where the credentials come from --------------------------------------------------

def test_auth_param_comes_first(monkeypatch, tmp_path, no_os_environment):
    monkeypatch.setenv("OS_AUTH_URL", "http://from-env:5000/v3")
    monkeypatch.setenv("OS_REGION_NAME", "EnvRegion")
    module = make({"auth": {"auth_url": AUTH_URL, "username": "admin", "password": "pw"}, "cloud": "lab"})

    auth, region = module.auth_params()

    assert auth == {"auth_url": AUTH_URL, "username": "admin", "password": "pw"}  # None options dropped
    assert region is None


def test_environment_comes_second(monkeypatch, no_os_environment):
    monkeypatch.setenv("OS_AUTH_URL", AUTH_URL)
    monkeypatch.setenv("OS_USERNAME", "envuser")
    monkeypatch.setenv("OS_PASSWORD", "envpw")
    monkeypatch.setenv("OS_REGION_NAME", "EnvRegion")
    module = make({"auth": {"username": "ignored-without-auth_url"}})

    auth, region = module.auth_params()

    assert auth == {"auth_url": AUTH_URL, "username": "envuser", "password": "envpw"}
    assert region == "EnvRegion"


def test_region_name_param_beats_os_region_name(monkeypatch, no_os_environment):
    monkeypatch.setenv("OS_AUTH_URL", AUTH_URL)
    monkeypatch.setenv("OS_REGION_NAME", "EnvRegion")

    assert make({"auth": None, "region_name": "RegionOne"}).auth_params()[1] == "RegionOne"


@pytest.fixture
def clouds_yaml(monkeypatch, tmp_path):
    """LAB_CLOUD as the only clouds.yaml auth_params() reads."""
    path = write_yaml(tmp_path / "clouds.yaml", LAB_CLOUD)
    monkeypatch.setattr(openstack.auth_from_clouds_yaml, "__defaults__", ((path,),))
    return path


def test_cloud_param_beats_the_environment(monkeypatch, no_os_environment, clouds_yaml):
    monkeypatch.setenv("OS_AUTH_URL", "http://from-env:5000/v3")

    auth, region = make({"auth": None, "cloud": "lab"}).auth_params()

    assert auth["password"] == "from-clouds-yaml"
    assert region == "RegionOne"


def test_os_cloud_is_used_without_other_credentials(monkeypatch, no_os_environment, clouds_yaml):
    monkeypatch.setenv("OS_CLOUD", "lab")

    auth, region = make({"auth": None, "region_name": "RegionTwo"}).auth_params()

    assert auth["auth_url"] == AUTH_URL
    assert region == "RegionTwo"


def test_an_unknown_cloud_is_an_error(no_os_environment, clouds_yaml):
    with pytest.raises(OpenStackError) as info:
        make({"auth": None, "cloud": "prod"}).auth_params()

    assert str(info.value) == "cloud 'prod' is in none of %s" % clouds_yaml


def test_no_credentials_at_all(no_os_environment):
    with pytest.raises(OpenStackError) as info:
        make({"auth": None}).auth_params()

    assert str(info.value).startswith("no credentials: set auth.auth_url")


# --- the session property ------------------------------------------------------------------------

def test_session_from_the_auth_param(ksa):
    module = make()

    session = module.session

    assert isinstance(session, FakeKeystone)
    assert module.session is session  # built once
    assert ksa.plugins == [{"auth_url": AUTH_URL, "username": "admin", "password": ADMIN_PASSWORD,
                            "user_domain_name": "Default", "project_name": "admin",
                            "project_domain_name": "Default", "system_scope": None}]
    assert ksa.sessions == [{"auth": ("password-plugin", 1), "verify": True, "timeout": 30}]
    assert module.auth_url == AUTH_URL


def test_session_defaults_the_domains_to_default(ksa):
    assert make({"auth": {"auth_url": AUTH_URL, "username": "admin", "password": "pw",
                          "project_name": "admin"}}).session is not None

    assert ksa.plugins[0]["user_domain_name"] == "Default"
    assert ksa.plugins[0]["project_domain_name"] == "Default"


def test_session_unscoped_without_project(ksa):
    assert make({"auth": {"auth_url": AUTH_URL, "username": "admin", "password": "pw"}}).session is not None

    assert ksa.plugins[0]["project_name"] is None
    assert ksa.plugins[0]["project_domain_name"] is None


def test_session_system_scoped(ksa):
    assert make({"auth": dict(AUTH, system_scope="all")}).session is not None

    assert ksa.plugins[0]["system_scope"] == "all"
    assert ksa.plugins[0]["project_name"] is None
    assert ksa.plugins[0]["project_domain_name"] is None


@pytest.mark.parametrize(("params", "verify", "timeout"), [
    ({"validate_certs": False}, False, 30),
    ({"ca_cert": "/etc/ssl/lab-ca.pem"}, "/etc/ssl/lab-ca.pem", 30),
    ({"ca_cert": "/etc/ssl/lab-ca.pem", "validate_certs": False}, "/etc/ssl/lab-ca.pem", 30),
    ({"api_timeout": 5}, True, 5),
])
def test_session_tls_and_timeout(ksa, params, verify, timeout):
    assert make(params).session is not None

    assert ksa.sessions[0]["verify"] == verify
    assert ksa.sessions[0]["timeout"] == timeout


def test_session_from_the_environment(monkeypatch, ksa):
    monkeypatch.setenv("OS_AUTH_URL", AUTH_URL)
    monkeypatch.setenv("OS_USERNAME", "envuser")
    monkeypatch.setenv("OS_PASSWORD", "envpw")
    monkeypatch.setenv("OS_PROJECT_NAME", "admin")
    monkeypatch.setenv("OS_USER_DOMAIN_NAME", "lab")
    monkeypatch.setenv("OS_REGION_NAME", "RegionOne")
    module = make({"auth": None})

    module.session  # noqa: B018 - builds it

    assert ksa.plugins[0]["username"] == "envuser"
    assert ksa.plugins[0]["user_domain_name"] == "lab"
    assert module.endpoint_filter() == {"service_type": "identity", "interface": "public",
                                        "region_name": "RegionOne"}


def test_auth_url_builds_the_session(ksa):
    module = make()

    assert module.auth_url == AUTH_URL
    assert len(ksa.sessions) == 1


@pytest.mark.parametrize(("auth", "msg"), [
    (dict(AUTH, auth_url="keystone:5000/v3"), "auth.auth_url 'keystone:5000/v3' is not an http(s) URL"),
    ({"auth_url": AUTH_URL, "password": "pw"}, "auth.username is missing"),
    ({"auth_url": AUTH_URL, "username": "admin"}, "auth.password is missing"),
])
def test_session_refuses_bad_credentials(ksa, auth, msg):
    module = make({"auth": auth})

    with pytest.raises(OpenStackError) as info:
        module.session  # noqa: B018

    assert str(info.value) == msg
    assert ksa.plugins == ksa.sessions == []


def test_session_from_a_token_needs_no_username_nor_password(ksa):
    module = make({"auth": {"auth_url": AUTH_URL, "token": "gAAAA-token", "project_name": "admin"}})

    assert module.session is not None

    assert ksa.plugins == [{"plugin": "token", "auth_url": AUTH_URL, "token": "gAAAA-token",
                            "project_name": "admin", "project_domain_name": "Default", "system_scope": None}]
    assert ksa.sessions[0]["auth"] == ("token-plugin", 1)


def test_a_token_wins_over_a_password(ksa):
    assert make({"auth": dict(AUTH, token="gAAAA-token")}).session is not None

    assert ksa.plugins[0]["plugin"] == "token"
    assert "password" not in ksa.plugins[0]


def test_a_token_is_no_log():
    assert openstack.AUTH_SPEC["auth"]["options"]["token"]["no_log"] is True


def test_session_from_the_environment_missing_a_password(monkeypatch, ksa):
    monkeypatch.setenv("OS_AUTH_URL", AUTH_URL)
    monkeypatch.setenv("OS_USERNAME", "admin")

    with pytest.raises(OpenStackError) as info:
        make({"auth": None}).session  # noqa: B018

    assert str(info.value) == "auth.password is missing"


def test_session_without_keystoneauth1_fails_naming_the_package(monkeypatch, no_os_environment):
    patch_exits(monkeypatch)
    monkeypatch.setattr(openstack, "HAS_KEYSTONEAUTH", False)
    module = make()

    with pytest.raises(FailJson) as info:
        module.session  # noqa: B018

    assert "python3-keystoneauth1" in info.value.result["msg"]


OSPROFILER_PROBE = """
import sys
from ansible_collections.lab.openstack.plugins.module_utils import openstack
from keystoneauth1 import session
assert openstack.HAS_KEYSTONEAUTH
print("traced" if session.osprofiler_web is not None else "untraced")
print("imported" if "osprofiler.web" in sys.modules else "not imported")
import osprofiler  # the hiding is over: the package imports again
print(osprofiler.MARK)
"""


def _run_osprofiler_probe(tmp_path, preload):
    """A fake osprofiler on sys.path, then the module_utils imported in a fresh interpreter."""
    import os
    import subprocess
    import sys

    pytest.importorskip("keystoneauth1")
    fake = tmp_path / "osprofiler"
    fake.mkdir()
    (fake / "__init__.py").write_text("MARK = 'osprofiler importable'\n")
    (fake / "web.py").write_text("def get_trace_id_headers():\n    return {}\n")
    code = ("import osprofiler.web\n" if preload else "") + OSPROFILER_PROBE
    path = os.pathsep.join([str(tmp_path)] + [p for p in sys.path if p])
    result = subprocess.run([sys.executable, "-c", code], env=dict(os.environ, PYTHONPATH=path),
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    return result.stdout.split("\n")[:3]


def test_keystoneauth1_is_imported_without_osprofiler(tmp_path):
    # keystoneauth1 still in sys.modules from another test would skip the import: a fresh process.
    assert _run_osprofiler_probe(tmp_path, preload=False) == ["untraced", "not imported", "osprofiler importable"]


def test_a_process_that_has_osprofiler_keeps_it(tmp_path):
    assert _run_osprofiler_probe(tmp_path, preload=True) == ["traced", "imported", "osprofiler importable"]


def test_a_token_beside_a_cloud_keeps_the_clouds_address_and_project(ksa, tmp_path, monkeypatch,
                                                                     no_os_environment):
    path = write_yaml(tmp_path / "clouds.yaml", LAB_CLOUD)
    monkeypatch.setattr(openstack, "auth_from_clouds_yaml",
                        lambda cloud, paths=(path,): auth_from_clouds_yaml(cloud, paths=paths))
    module = make({"cloud": "lab", "auth": {"token": "gAAAA-token"}})

    assert module.session is not None

    assert ksa.plugins == [{"plugin": "token", "auth_url": "http://192.168.1.250:5000/v3", "token": "gAAAA-token",
                            "project_name": "admin", "project_domain_name": "Default", "system_scope": None}]
    assert module._region == "RegionOne"


@pytest.mark.parametrize("auth", [{}, {"token": None}], ids=["no auth", "a null token"])
def test_a_cloud_alone_still_takes_its_password(ksa, tmp_path, monkeypatch, no_os_environment, auth):
    # A null token: what keystone_token returns for a refused password, as the nova role passes it.
    path = write_yaml(tmp_path / "clouds.yaml", LAB_CLOUD)
    monkeypatch.setattr(openstack, "auth_from_clouds_yaml",
                        lambda cloud, paths=(path,): auth_from_clouds_yaml(cloud, paths=paths))
    module = make({"cloud": "lab", "auth": auth})

    assert module.session is not None

    assert "plugin" not in ksa.plugins[0]  # the password plugin's recorder
    assert ksa.plugins[0]["password"] == "from-clouds-yaml"
