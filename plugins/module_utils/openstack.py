# -*- coding: utf-8 -*-
# Copyright: lab.openstack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One base for every OpenStack module of lab.openstack.

A module declares ``argument_spec`` (and ``module_kwargs``) and implements ``run()``
returning its result dict. The base merges the shared auth options, builds one
keystoneauth1 session (from ``auth``, then the ``OS_*`` environment, then a clouds.yaml
cloud), retries connection resets and 5xx with backoff, and turns every API or
connection error into ``fail_json`` with the HTTP status, the service and the server's
message. Check mode is always supported: modules read, compute a diff, then act or predict.

Runs on the managed host with the distribution's python3-keystoneauth1 (no SDK).
"""

from __future__ import annotations

import os
import sys
import time
import traceback

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

try:
    import yaml  # python3-yaml, a dependency of every OpenStack package in Debian
except ImportError:  # pragma: no cover
    yaml = None

# keystoneauth1's session imports osprofiler when it is there, and it is, beside every
# OpenStack service: osprofiler imports eventlet and pkg_resources, 0.5 s of the 0.7 s these
# imports take on a controller here, for request tracing no module turns on. keystoneauth1
# takes that import as optional (session.py: "except ImportError: osprofiler_web = None"):
# it is made to fail while keystoneauth1 is imported, and only then. A process that already
# has osprofiler keeps it.
_HIDE_OSPROFILER = "osprofiler" not in sys.modules
if _HIDE_OSPROFILER:
    sys.modules["osprofiler"] = None  # type: ignore[assignment]
try:
    from keystoneauth1 import exceptions as ksa_exc
    from keystoneauth1 import session as ksa_session
    from keystoneauth1.identity import v3 as ksa_v3
    HAS_KEYSTONEAUTH = True
    KEYSTONEAUTH_ERROR = None
except ImportError:  # pragma: no cover - reported by fail_json below
    HAS_KEYSTONEAUTH = False
    KEYSTONEAUTH_ERROR = traceback.format_exc()
finally:
    if _HIDE_OSPROFILER and "osprofiler" in sys.modules and sys.modules["osprofiler"] is None:
        del sys.modules["osprofiler"]

AUTH_SPEC = dict(
    # Only the password and the token are secret: auth_url and username stay readable in
    # error messages.
    auth=dict(
        type="dict",
        no_log=False,
        options=dict(
            auth_url=dict(type="str"),
            username=dict(type="str"),
            password=dict(type="str", no_log=True),
            token=dict(type="str", no_log=True),
            project_name=dict(type="str"),
            project_domain_name=dict(type="str"),
            user_domain_name=dict(type="str"),
            system_scope=dict(type="str"),
        ),
    ),
    cloud=dict(type="str"),
    region_name=dict(type="str"),
    interface=dict(type="str", default="public", choices=["public", "internal", "admin"]),
    validate_certs=dict(type="bool", default=True),
    ca_cert=dict(type="path"),
    api_timeout=dict(type="int", default=30),
)

# A service that does not take the connection (Keystone's uwsgi restarting, a reset on a
# connection uwsgi closed after a 204) is tried again, authentication included, after 0.5 s,
# then 1, 2, 4, 8 and 16 s: CONNECT_BUDGET seconds of waiting at most, then the module fails
# naming it. 5xx answers are retried by keystoneauth, STATUS_RETRIES times, RETRY_DELAY apart.
CONNECT_BUDGET = 32.0
STATUS_RETRIES = 4
RETRIABLE_STATUS = [500, 502, 503, 504]
RETRY_DELAY = 0.5

CLOUDS_YAML = (
    os.path.join(os.getcwd(), "clouds.yaml"),
    os.path.expanduser("~/.config/openstack/clouds.yaml"),
    "/etc/openstack/clouds.yaml",
)


class OpenStackError(Exception):
    """An error to report to the user as one clear line."""


def auth_from_environment(environ):
    """The auth dict the OS_* variables describe, or None."""
    if not environ.get("OS_AUTH_URL"):
        return None
    return {
        "auth_url": environ.get("OS_AUTH_URL"),
        "username": environ.get("OS_USERNAME"),
        "password": environ.get("OS_PASSWORD"),
        "project_name": environ.get("OS_PROJECT_NAME") or environ.get("OS_TENANT_NAME"),
        "project_domain_name": environ.get("OS_PROJECT_DOMAIN_NAME"),
        "user_domain_name": environ.get("OS_USER_DOMAIN_NAME"),
        "system_scope": environ.get("OS_SYSTEM_SCOPE"),
    }


def auth_from_clouds_yaml(cloud, paths=CLOUDS_YAML):
    """(auth dict, region) of a clouds.yaml cloud; raises OpenStackError when absent."""
    if yaml is None:  # pragma: no cover
        raise OpenStackError("reading clouds.yaml needs python3-yaml")
    for path in paths:
        if not os.path.exists(path):
            continue
        try:
            with open(path) as handle:
                data = yaml.safe_load(handle) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise OpenStackError("%s is not a readable clouds.yaml: %s" % (path, exc)) from exc
        clouds = data.get("clouds") or {}
        if cloud in clouds:
            entry = clouds[cloud] or {}
            return dict(entry.get("auth") or {}), entry.get("region_name")
    raise OpenStackError("cloud %r is in none of %s" % (cloud, ", ".join(paths)))


def error_message(response):
    """The server's own words from an error response (Keystone, Nova, Glance... formats)."""
    try:
        body = response.json()
    except ValueError:
        return (response.text or "").strip()[:300]
    if isinstance(body, dict):
        for value in body.values():
            if isinstance(value, dict) and "message" in value:
                return str(value["message"])
        if "message" in body:
            return str(body["message"])
    return str(body)[:300]


class OpenStackModule:
    """Base of lab.openstack's OpenStack modules: subclass, set argument_spec, write run()."""

    argument_spec = {}
    module_kwargs = {}
    service_type = "identity"

    def __init__(self):
        spec = dict(AUTH_SPEC)
        spec.update(self.argument_spec)
        self.ansible = AnsibleModule(argument_spec=spec, supports_check_mode=True, **self.module_kwargs)
        self.params = self.ansible.params
        self.check_mode = self.ansible.check_mode
        self._session = None
        self._auth = None
        self._region = None

    # --- failing ---------------------------------------------------------------------
    def fail(self, msg, **kwargs):
        self.ansible.fail_json(msg=msg, **kwargs)

    # --- session -----------------------------------------------------------------------
    def auth_params(self):
        """Where the credentials come from: auth, then OS_*, then clouds.yaml."""
        auth = {k: v for k, v in (self.params.get("auth") or {}).items() if v is not None}
        region = self.params.get("region_name")
        if auth.get("auth_url"):
            return auth, region
        env = auth_from_environment(os.environ)
        if env and not self.params.get("cloud"):
            return {k: v for k, v in env.items() if v}, region or os.environ.get("OS_REGION_NAME")
        cloud = self.params.get("cloud") or os.environ.get("OS_CLOUD")
        if cloud:
            cloud_auth, cloud_region = auth_from_clouds_yaml(cloud)
            # What auth gives besides (a token from lab.openstack.keystone_token) wins over the
            # cloud's: its address and project stay, its password is not used.
            cloud_auth.update(auth)
            return cloud_auth, region or cloud_region
        raise OpenStackError(
            "no credentials: set auth.auth_url (and username, password, project_name), "
            "or the OS_* environment, or cloud (a clouds.yaml entry)")

    @property
    def session(self):
        if self._session is None:
            if not HAS_KEYSTONEAUTH:
                self.fail(missing_required_lib("python3-keystoneauth1"), exception=KEYSTONEAUTH_ERROR)
            auth, self._region = self.auth_params()
            for required in ("auth_url",) if auth.get("token") else ("auth_url", "username", "password"):
                if not auth.get(required):
                    raise OpenStackError("auth.%s is missing" % required)
            if not auth["auth_url"].startswith(("http://", "https://")):
                raise OpenStackError("auth.auth_url %r is not an http(s) URL" % auth["auth_url"])
            self._auth = auth
            scope = dict(
                project_name=auth.get("project_name") if not auth.get("system_scope") else None,
                project_domain_name=(auth.get("project_domain_name", "Default")
                                     if auth.get("project_name") and not auth.get("system_scope") else None),
                system_scope=auth.get("system_scope"),
            )
            if auth.get("token"):
                # A token an earlier task obtained: Keystone checks it without bcrypt, where a
                # password costs a bcrypt check per module run.
                plugin = ksa_v3.Token(auth_url=auth["auth_url"], token=auth["token"], **scope)
            else:
                plugin = ksa_v3.Password(
                    auth_url=auth["auth_url"],
                    username=auth["username"],
                    password=auth["password"],
                    user_domain_name=auth.get("user_domain_name", "Default"),
                    **scope,
                )
            verify = self.params["ca_cert"] or self.params["validate_certs"]
            self._session = ksa_session.Session(auth=plugin, verify=verify, timeout=self.params["api_timeout"])
        return self._session

    @property
    def auth_url(self):
        if self._auth is None:
            self.session  # noqa: B018 - builds the session and reads the credentials
        return self._auth["auth_url"]

    def endpoint_filter(self, service_type=None):
        flt = {"service_type": service_type or self.service_type, "interface": self.params["interface"]}
        if self._region:
            flt["region_name"] = self._region
        return flt

    # --- requests ------------------------------------------------------------------------
    def request(self, method, path, json=None, ok=(200, 201, 202, 204), service_type=None, *, retries=True,
                **kwargs):
        """Call the API; returns the response, raises OpenStackError on anything not in ok.
        retries=False for a request whose body is a stream, which cannot be sent twice."""
        session = self.session
        try:
            response = self.retrying(lambda: session.request(
                path, method, json=json, raise_exc=False,
                endpoint_filter=self.endpoint_filter(service_type),
                status_code_retries=STATUS_RETRIES if retries else 0, retriable_status_codes=RETRIABLE_STATUS,
                status_code_retry_delay=RETRY_DELAY, **kwargs), retries)
        except ksa_exc.Unauthorized as exc:
            raise OpenStackError("authentication failed for %s at %s: %s" % (
                self._auth.get("username"), self._auth.get("auth_url"), exc.message or exc)) from exc
        except (ksa_exc.ConnectFailure, ksa_exc.ConnectTimeout, ksa_exc.SSLError) as exc:
            raise OpenStackError("cannot reach %s (auth_url %s): %s" % (
                service_type or self.service_type, self._auth.get("auth_url"), exc)) from exc
        except ksa_exc.EndpointNotFound as exc:
            raise OpenStackError("no %s endpoint with interface %s%s in the catalog" % (
                service_type or self.service_type, self.params["interface"],
                " in region %s" % self._region if self._region else "")) from exc
        except ksa_exc.ClientException as exc:
            raise OpenStackError("%s request %s %s failed: %s" % (
                service_type or self.service_type, method, path, exc)) from exc
        if response.status_code not in ok:
            raise OpenStackError("%s %s %s answered HTTP %s: %s" % (
                service_type or self.service_type, method, path.split("?")[0],
                response.status_code, error_message(response)))
        return response

    @staticmethod
    def retrying(send, retries=True):
        """send(), tried again while the service does not take the connection, or while
        authentication (which keystoneauth never retries) answers 5xx: for CONNECT_BUDGET
        seconds of waiting at most, the delay doubling from RETRY_DELAY. The last error is
        raised as it came."""
        delay, waited = RETRY_DELAY, 0.0
        while True:
            try:
                return send()
            except (ksa_exc.ConnectFailure, ksa_exc.ConnectTimeout):
                if not retries or waited + delay > CONNECT_BUDGET:
                    raise
            except ksa_exc.HttpError as exc:
                if not retries or exc.http_status not in RETRIABLE_STATUS or waited + delay > CONNECT_BUDGET:
                    raise
            time.sleep(delay)
            waited += delay
            delay *= 2

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs).json()

    def token_response(self, body):
        """Keystone's answer to a password authentication (body), whatever its status: sent
        without a token of ours, never logged (the body holds the password)."""
        try:
            return self.retrying(lambda: self.session.request(
                self.auth_url.rstrip("/") + "/auth/tokens", "POST", json=body, authenticated=False,
                raise_exc=False, status_code_retries=STATUS_RETRIES, retriable_status_codes=RETRIABLE_STATUS,
                status_code_retry_delay=RETRY_DELAY, log=False))
        except (ksa_exc.ConnectFailure, ksa_exc.ConnectTimeout, ksa_exc.SSLError) as exc:
            raise OpenStackError("cannot reach %s: %s" % (self.auth_url, exc)) from exc

    def check_password(self, user_id, password):
        """True when password authenticates user_id (an unscoped token request)."""
        response = self.token_response({"auth": {"identity": {"methods": ["password"], "password": {
            "user": {"id": user_id, "password": password}}}}})
        if response.status_code == 201:
            return True
        if response.status_code == 401:
            return False
        raise OpenStackError("checking a password at %s answered HTTP %s: %s" % (
            self.auth_url, response.status_code, error_message(response)))

    # --- running -------------------------------------------------------------------------
    def run(self):
        raise NotImplementedError

    def __call__(self):
        try:
            result = self.run()
        except OpenStackError as exc:
            self.fail(str(exc))
        self.ansible.exit_json(**result)
