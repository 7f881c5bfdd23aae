# -*- coding: utf-8 -*-
# Copyright: lab.openstack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""An in-memory Keystone (Identity v3) behind a fake keystoneauth1 session.

``FakeKeystone.request`` has the signature of ``keystoneauth1.session.Session.request``
as the lab.openstack modules call it. It routes ``(method, path)`` to a small Identity v3
API that really applies POST/PATCH/PUT/DELETE to its collections. This lets tests check
the state the API ends up in and the exact writes made (``keystone.writes``). Password
checks (an unscoped POST to ``<auth_url>/auth/tokens``) are answered from ``passwords``.
They are recorded apart from the writes.

``install_session`` replaces the ``OpenStackModule.session`` property. The credentials
still go through the module's own ``auth_params()``, and keystoneauth1 is never imported.
``run_module`` runs a module's ``main()`` with patched ``exit_json``/``fail_json``, like
test_lvm_vg.py does.
"""

from __future__ import annotations

import collections
import contextlib
import copy
import itertools
import json
from urllib.parse import parse_qsl

import pytest

from ansible.module_utils import basic
from ansible.module_utils.common.text.converters import to_bytes
from ansible_collections.lab.openstack.plugins.module_utils import openstack

try:
    from ansible.module_utils.testing import patch_module_args
except ImportError:  # ansible-core < 2.19
    from unittest import mock

    @contextlib.contextmanager
    def patch_module_args(args=None):
        serialized = to_bytes(json.dumps({"ANSIBLE_MODULE_ARGS": args or {}}))
        with mock.patch.object(basic, "_ANSIBLE_ARGS", serialized):
            yield


AUTH_URL = "http://192.168.1.250:5000/v3"
ADMIN_PASSWORD = "Adm1n-S3cret-pw"
AUTH = {
    "auth_url": AUTH_URL,
    "username": "admin",
    "password": ADMIN_PASSWORD,
    "project_name": "admin",
    "user_domain_name": "Default",
    "project_domain_name": "Default",
}

SINGULAR = {
    "domains": "domain",
    "projects": "project",
    "users": "user",
    "groups": "group",
    "roles": "role",
    "services": "service",
    "endpoints": "endpoint",
    "regions": "region",
}
ID_PREFIX = {
    "domains": "dom", "projects": "prj", "users": "usr", "groups": "grp",
    "roles": "rol", "services": "svc", "endpoints": "ept", "regions": "reg",
}
DEFAULTS = {
    "domains": {"enabled": True, "description": ""},
    "projects": {"domain_id": "default", "description": "", "enabled": True, "is_domain": False, "tags": []},
    "users": {"domain_id": "default", "enabled": True, "password_expires_at": None, "options": {}},
    "groups": {"domain_id": "default", "description": ""},
    "roles": {"domain_id": None, "description": None, "options": {}},
    "services": {"enabled": True},
    "endpoints": {"enabled": True, "region_id": "RegionOne"},
    "regions": {"description": "", "parent_region_id": None},
}
# The query filters each listing understands; any other is an unexpected request.
LIST_FILTERS = {
    "domains": set(), "projects": {"domain_id"}, "users": {"domain_id"}, "groups": {"domain_id"},
    "roles": set(), "services": {"type"}, "endpoints": {"service_id"}, "regions": set(),
    "role_assignments": {"role.id"},
}
NAMED_IN_DOMAIN = ("projects", "users", "groups")
INTERFACES = ("public", "internal", "admin")
ROUTES = {
    ("GET", 1): "_list",
    ("POST", 1): "_create",
    ("GET", 2): "_show",
    ("PATCH", 2): "_update",
    ("DELETE", 2): "_delete",
}

Call = collections.namedtuple("Call", "method path json")


class FakeResponse:
    """What the modules read of a requests.Response: status_code, json(), text."""

    def __init__(self, status_code, body=None, text=None, headers=None):
        self.status_code = status_code
        self._body = body
        self.headers = dict(headers or {})
        if text is None:
            text = "" if body is None else json.dumps(body)
        self.text = text

    def json(self):
        if self._body is None:
            raise ValueError("Expecting value: line 1 column 1 (char 0)")
        return copy.deepcopy(self._body)


def keystone_error(code, title, message):
    """An error response in Keystone's format."""
    return FakeResponse(code, {"error": {"code": code, "title": title, "message": message}})


def not_found(kind, ident):
    return keystone_error(404, "Not Found", "Could not find %s: %s." % (kind, ident))


class FakeKeystone:
    """Identity v3 in memory; ``request`` is the fake session's only method."""

    def __init__(self):
        self.data = {name: [] for name in SINGULAR}
        self.assignments = []
        self.passwords = {}
        self.calls = []
        self.filters = []
        self.unexpected = []
        self.fail_with = None  # an exception every request raises (keystoneauth1's, in tests)
        self.answers = {}  # (method, path) -> FakeResponse, overriding the API
        self._serial = itertools.count(1)
        self.add("domains", id="default", name="Default", description="The default domain")

    # --- building the state --------------------------------------------------------------
    def add(self, collection, **attrs):
        item = dict(DEFAULTS[collection])
        item.update(attrs)
        item.setdefault("id", "%s%04d" % (ID_PREFIX[collection], next(self._serial)))
        if collection == "projects":
            item.setdefault("parent_id", item["domain_id"])
        if collection == "endpoints":
            item["region"] = item["region_id"]
        self.data[collection].append(item)
        return item

    def domain(self, name, **attrs):
        return self.add("domains", name=name, **attrs)

    def project(self, name, **attrs):
        return self.add("projects", name=name, **attrs)

    def user(self, name, password=None, **attrs):
        item = self.add("users", name=name, **attrs)
        if password is not None:
            self.passwords[item["id"]] = password
        return item

    def group(self, name, **attrs):
        return self.add("groups", name=name, **attrs)

    def role(self, name, **attrs):
        return self.add("roles", name=name, **attrs)

    def service(self, name, type, **attrs):  # pylint: disable=redefined-builtin
        return self.add("services", name=name, type=type, **attrs)

    def endpoint(self, service, interface, url, region="RegionOne", **attrs):
        return self.add("endpoints", service_id=service["id"], interface=interface, url=url,
                        region_id=region, **attrs)

    def region(self, region_id, **attrs):
        return self.add("regions", id=region_id, **attrs)

    def grant(self, role, *, user=None, group=None, project=None, domain=None, system=False, inherited=False):
        target = {
            "role_id": role["id"],
            "actor": "user" if user else "group",
            "actor_id": (user or group)["id"],
            "scope": "project" if project else "domain" if domain else "system",
            "scope_id": (project or domain or {}).get("id"),
        }
        assignment = self._assignment(target)
        if inherited:
            assignment["scope"]["OS-INHERIT:inherited_to"] = "projects"
        self.assignments.append(assignment)
        return assignment

    # --- reading the state ---------------------------------------------------------------
    def find(self, collection, ident):
        return next((i for i in self.data[collection] if i["id"] == ident), None)

    def named(self, collection, name, domain_id="default"):
        for item in self.data[collection]:
            if item.get("name") == name and (collection not in NAMED_IN_DOMAIN or item["domain_id"] == domain_id):
                return item
        return None

    def state(self):
        """Everything the API holds, to compare before and after a run."""
        return copy.deepcopy((self.data, self.assignments, self.passwords))

    def has_grant(self, role, *, user=None, group=None, project=None, domain=None, system=False):
        probe = {
            "role_id": role["id"], "actor": "user" if user else "group", "actor_id": (user or group)["id"],
            "scope": "project" if project else "domain" if domain else "system",
            "scope_id": (project or domain or {}).get("id"),
        }
        return self._assignment(probe) in self.assignments

    @property
    def writes(self):
        """Every call that changes something (password checks are reads)."""
        return [c for c in self.calls if c.method != "GET" and c.path != "auth/tokens"]

    @property
    def gets(self):
        return [c for c in self.calls if c.method == "GET"]

    @property
    def password_checks(self):
        """(user id, password) of each authentication attempted as a user."""
        checks = []
        for call in self.calls:
            if call.path == "auth/tokens":
                user = call.json["auth"]["identity"]["password"]["user"]
                checks.append((user.get("id") or user["name"], user["password"]))
        return checks

    # --- the session -----------------------------------------------------------------------
    def request(self, url, method, json=None, *, raise_exc=True, endpoint_filter=None, authenticated=None,
                **kwargs):
        if raise_exc is not False:
            self.unexpected.append(("raise_exc is not False", method, url))
        if self.fail_with is not None:
            self.calls.append(Call(method, url, copy.deepcopy(json)))
            raise self.fail_with
        if url.startswith(("http://", "https://")):
            return self._token(url, method, json, authenticated, kwargs)
        self.filters.append(endpoint_filter)
        if not endpoint_filter or endpoint_filter.get("service_type") != "identity":
            self.unexpected.append(("endpoint_filter", method, url, endpoint_filter))
        self.calls.append(Call(method, url, copy.deepcopy(json)))
        if (method, url) in self.answers:
            return self.answers[(method, url)]
        return self._route(method, url, json)

    def _unknown(self, method, url):
        self.unexpected.append((method, url))
        return keystone_error(404, "Not Found", "The resource could not be found.")

    def _route(self, method, url, body):
        path, sep, query = url.partition("?")
        parts = path.split("/")
        target = self._grant_target(parts)
        if target is not None:
            if method not in ("PUT", "DELETE"):
                return self._unknown(method, url)
            return self._grant_write(method, target)
        handler = ROUTES.get((method, len(parts)))
        if handler is None or parts[0] not in LIST_FILTERS or (sep and method != "GET"):
            return self._unknown(method, url)
        if parts[0] == "role_assignments" and handler != "_list":
            return self._unknown(method, url)
        return getattr(self, handler)(parts, query, body)

    def view(self, collection, item):
        return dict(item, links={"self": "%s/%s/%s" % (AUTH_URL, collection, item["id"])})

    def _list(self, parts, query, body):
        collection = parts[0]
        filters = dict(parse_qsl(query, keep_blank_values=True))
        if set(filters) - LIST_FILTERS[collection]:
            return self._unknown("GET", "%s?%s" % (collection, query))
        if collection == "role_assignments":
            items = [a for a in self.assignments if a["role"]["id"] == filters.get("role.id", a["role"]["id"])]
        else:
            items = [self.view(collection, i) for i in self.data[collection]
                     if all(i.get(k) == v for k, v in filters.items())]
        return FakeResponse(200, {collection: copy.deepcopy(items),
                                  "links": {"self": "%s/%s" % (AUTH_URL, collection), "next": None}})

    def _show(self, parts, query, body):
        item = self.find(parts[0], parts[1])
        if item is None:
            return not_found(SINGULAR[parts[0]], parts[1])
        return FakeResponse(200, {SINGULAR[parts[0]]: self.view(parts[0], item)})

    def _create_error(self, collection, attrs):
        """Keystone's answer to an invalid creation, or None."""
        if collection == "domains":
            return self._unknown("POST", collection)
        check = getattr(self, "_check_new_" + collection, None)
        if check is None and collection in NAMED_IN_DOMAIN:
            check = self._check_new_named_in_domain
        return check(collection, attrs) if check else None

    def _check_new_named_in_domain(self, collection, attrs):
        if not attrs.get("name"):
            return keystone_error(400, "Bad Request", "'name' is a required property")
        if self.find("domains", attrs.get("domain_id", "default")) is None:
            return not_found("domain", attrs.get("domain_id"))
        if self.named(collection, attrs["name"], attrs.get("domain_id", "default")):
            return keystone_error(409, "Conflict", "Conflict occurred attempting to store %s - Duplicate entry."
                                  % SINGULAR[collection])
        return None

    def _check_new_roles(self, collection, attrs):
        if any(r["name"] == attrs.get("name") and r.get("domain_id") == attrs.get("domain_id")
               for r in self.data[collection]):
            return keystone_error(409, "Conflict", "Conflict occurred attempting to store role - Duplicate entry.")
        return None

    def _check_new_regions(self, collection, attrs):
        if self.find(collection, attrs.get("id")):
            return keystone_error(409, "Conflict", "Conflict occurred attempting to store region - Duplicate ID.")
        return None

    def _check_new_endpoints(self, collection, attrs):
        if self.find("services", attrs.get("service_id")) is None:
            return not_found("service", attrs.get("service_id"))
        if self.find("regions", attrs.get("region_id")) is None:
            return not_found("region", attrs.get("region_id"))
        if attrs.get("interface") not in INTERFACES or not attrs.get("url"):
            return keystone_error(400, "Bad Request", "Invalid input for field 'interface' or 'url'.")
        return None

    def _create(self, parts, query, body):
        collection = parts[0]
        attrs = dict((body or {}).get(SINGULAR[collection]) or {})
        error = self._create_error(collection, attrs)
        if error is not None:
            return error
        password = attrs.pop("password", None) if collection == "users" else None
        item = self.add(collection, **attrs)
        if password is not None:
            self.passwords[item["id"]] = password
        return FakeResponse(201, {SINGULAR[collection]: self.view(collection, item)})

    def _update(self, parts, query, body):
        collection, ident = parts
        item = self.find(collection, ident)
        if item is None:
            return not_found(SINGULAR[collection], ident)
        attrs = dict((body or {}).get(SINGULAR[collection]) or {})
        if "id" in attrs or "domain_id" in attrs:
            return keystone_error(400, "Bad Request", "id and domain_id are immutable")
        if collection == "users" and "password" in attrs:
            self.passwords[ident] = attrs.pop("password")
        item.update(attrs)
        if collection == "endpoints":
            item["region"] = item["region_id"]
        return FakeResponse(200, {SINGULAR[collection]: self.view(collection, item)})

    def _delete(self, parts, query, body):
        collection, ident = parts
        item = self.find(collection, ident)
        if item is None:
            return not_found(SINGULAR[collection], ident)
        self.data[collection].remove(item)
        if collection == "services":  # Keystone deletes the endpoints of a deleted service
            self.data["endpoints"] = [e for e in self.data["endpoints"] if e["service_id"] != ident]
        if collection == "users":
            self.passwords.pop(ident, None)
        self.assignments = [a for a in self.assignments
                            if ident not in (a["role"]["id"], a.get("user", {}).get("id"),
                                             a.get("group", {}).get("id"),
                                             a["scope"].get("project", {}).get("id"))]
        return FakeResponse(204)

    # --- grants ----------------------------------------------------------------------------
    @staticmethod
    def _grant_target(parts):
        if (len(parts) == 6 and parts[0] in ("projects", "domains") and parts[2] in ("users", "groups")
                and parts[4] == "roles"):
            return {"scope": parts[0][:-1], "scope_id": parts[1], "actor": parts[2][:-1],
                    "actor_id": parts[3], "role_id": parts[5]}
        if len(parts) == 5 and parts[0] == "system" and parts[1] in ("users", "groups") and parts[3] == "roles":
            return {"scope": "system", "scope_id": None, "actor": parts[1][:-1],
                    "actor_id": parts[2], "role_id": parts[4]}
        return None

    @staticmethod
    def _assignment(target):
        scope = {"system": {"all": True}} if target["scope"] == "system" else {
            target["scope"]: {"id": target["scope_id"]}}
        return {"role": {"id": target["role_id"]}, target["actor"]: {"id": target["actor_id"]}, "scope": scope}

    def _grant_write(self, method, target):
        if self.find("roles", target["role_id"]) is None:
            return not_found("role", target["role_id"])
        if self.find(target["actor"] + "s", target["actor_id"]) is None:
            return not_found(target["actor"], target["actor_id"])
        if target["scope"] != "system" and self.find(target["scope"] + "s", target["scope_id"]) is None:
            return not_found(target["scope"], target["scope_id"])
        assignment = self._assignment(target)
        if method == "PUT":
            if assignment not in self.assignments:
                self.assignments.append(assignment)
            return FakeResponse(204)
        if assignment not in self.assignments:
            return keystone_error(404, "Not Found", "Could not find role assignment.")
        self.assignments.remove(assignment)
        return FakeResponse(204)

    # --- tokens ----------------------------------------------------------------------------
    def _token(self, url, method, body, authenticated, kwargs):
        self.calls.append(Call(method, "auth/tokens", copy.deepcopy(body)))
        # An unscoped password check: no admin token, and the body (a password) never logged.
        if (url != AUTH_URL + "/auth/tokens" or method != "POST" or authenticated is not False
                or kwargs.get("log") is not False):
            self.unexpected.append(("token request", method, url, authenticated, kwargs.get("log")))
        if (method, "auth/tokens") in self.answers:
            return self.answers[(method, "auth/tokens")]
        try:
            user = body["auth"]["identity"]["password"]["user"]
        except (KeyError, TypeError):
            return keystone_error(400, "Bad Request", "Malformed authentication request")
        if "id" in user:
            item = self.find("users", user["id"])
        else:  # by name, in a domain given by name
            domain = self.named("domains", (user.get("domain") or {}).get("name"), domain_id=None)
            item = domain and self.named("users", user.get("name"), domain["id"])
        refused = keystone_error(401, "Unauthorized", "The request you have made requires authentication.")
        if not (item is not None and item.get("enabled", True) and user.get("password")
                and self.passwords.get(item["id"]) == user.get("password")):
            return refused
        token = {"methods": ["password"], "user": {"id": item["id"]}, "expires_at": "2026-12-03T20:00:00.000000Z"}
        scope = body["auth"].get("scope") or {}
        if "project" in scope:
            # Keystone gives a project token only to a user with a role on the project.
            wanted = scope["project"]
            domain = self.named("domains", wanted["domain"]["name"], domain_id=None)
            project = domain and self.named("projects", wanted["name"], domain["id"])
            if project is None or not any(a.get("user") == {"id": item["id"]}
                                          and a["scope"] == {"project": {"id": project["id"]}}
                                          for a in self.assignments):
                return refused
            token["project"] = {"id": project["id"]}
        elif "system" in scope:
            token["system"] = scope["system"]
        return FakeResponse(201, {"token": token}, headers={"X-Subject-Token": "token-of-%s" % item["id"]})


# --- running modules -------------------------------------------------------------------------

class ExitJson(Exception):
    def __init__(self, result):
        super().__init__("exit_json")
        self.result = result


class FailJson(Exception):
    def __init__(self, result):
        super().__init__(result.get("msg"))
        self.result = result


def install_session(monkeypatch, keystone):
    """Make every OpenStackModule talk to keystone; the credentials still come from auth_params()."""

    def session(self):
        if self._session is None:
            self._auth, self._region = self.auth_params()
            self._session = keystone
        return self._session

    monkeypatch.setattr(openstack.OpenStackModule, "session", property(session))


def patch_exits(monkeypatch):
    def exit_json(self, **kwargs):
        raise ExitJson(kwargs)

    def fail_json(self, msg, **kwargs):
        kwargs["msg"] = msg
        raise FailJson(kwargs)

    monkeypatch.setattr(basic.AnsibleModule, "exit_json", exit_json)
    monkeypatch.setattr(basic.AnsibleModule, "fail_json", fail_json)


def module_args(params, check_mode=False, diff=False):
    args = copy.deepcopy(params)
    args.setdefault("auth", dict(AUTH))
    args["_ansible_check_mode"] = check_mode
    args["_ansible_diff"] = diff
    return args


def run_module(monkeypatch, module, params, check_mode=False, diff=False):
    """Run module.main(); the result dict, with failed=True when it failed."""
    patch_exits(monkeypatch)
    with patch_module_args(module_args(params, check_mode, diff)):
        with pytest.raises((ExitJson, FailJson)) as info:
            module.main()
    result = dict(info.value.result)
    if isinstance(info.value, FailJson):
        result["failed"] = True
    return result


def assert_not_shown(result, *secrets):
    """No secret appears anywhere in the result (diff included)."""
    dumped = json.dumps(result, default=str)
    for secret in secrets:
        assert secret not in dumped, "%r is shown in the result" % secret
