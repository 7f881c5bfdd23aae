# -*- coding: utf-8 -*-
# Copyright: lab.openstack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Compute v2.1 base of the nova_* modules (and of cinder_volume, which attaches through Nova).

NovaModule is OpenStackModule with:

- the compute microversion sent on every compute request, in both headers Nova reads
  (``OpenStack-API-Version: compute 2.79`` and ``X-OpenStack-Nova-API-Version: 2.79``);
  a subclass sets ``compute_microversion`` to ask for another;
- ``listing()``, which follows the ``<collection>_links`` pages Nova and Cinder return
  above their ``max_limit`` (1000 by default);
- name lookups that fail clearly on a missing or an ambiguous name (``find_named``,
  ``server``), servers by ID (``fetch_server``, None once gone) and their names
  (``server_name``), the flavors (``flavors``, read once) and the caller's keypairs
  (``keypair_named``);
- ``poll()``, the one polling loop of the modules that wait, bounded by a timeout, and
  ``wait_for()`` on it, which fails with the item's fields; ``sleep`` and ``clock`` are
  module-level so that tests make waits instant;
- ``DetailedError``: a failure that carries fields for the task's result (a volume's
  ``status``, say) besides its message;
- ``resource_result()``: ``changed`` from comparing before and after, and the diff.

nova_server.py builds the server and floating IP modules' lookups (images, networks,
ports) on NovaModule; cinder.py adds Block Storage for cinder_volume.

Runs on the managed host with the distribution's python3-keystoneauth1 (no SDK).
"""

from __future__ import annotations

import re
import time
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

from ansible_collections.lab.openstack.plugins.module_utils.openstack import OpenStackError, OpenStackModule

# 2.79 (Train): keypair type and 201/204 codes (2.2), a server's flavor embedded with its
# original_name (2.47), flavor description (2.55), extra_specs in flavor views (2.61), swap 0
# instead of "" (2.75, which also refuses unknown query parameters and body fields), volume
# attachments with delete_on_termination (2.79). Nova 26 (Zed) accepts up to 2.93.
COMPUTE_MICROVERSION = "2.79"
POLL = 2.0


def sleep(seconds):
    """Replaced in tests."""
    time.sleep(seconds)


def clock():
    """Replaced in tests."""
    return time.monotonic()


def poll(fetch, done, timeout):
    """Call fetch() until done(value) or timeout seconds have passed: (last value, done)."""
    deadline = clock() + timeout
    while True:
        value = fetch()
        if done(value):
            return value, True
        if clock() >= deadline:
            return value, False
        sleep(POLL)


class DetailedError(OpenStackError):
    """An error whose task result carries more than the message: details are passed to fail_json."""

    def __init__(self, msg, **details):
        super().__init__(msg)
        self.details = details


def next_marker(body, key):
    """The marker of the next page from a listing's ``<key>_links``, or None."""
    for link in body.get(key + "_links") or []:
        if link.get("rel") == "next" and link.get("href"):
            return dict(parse_qsl(urlsplit(link["href"]).query)).get("marker")
    return None


def with_query(path, **params):
    """path with params added to (or replacing those of) its query string."""
    base, _sep, query = path.partition("?")
    pairs = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if k not in params]
    pairs += [(k, v) for k, v in params.items() if v is not None]
    return base + ("?" + urlencode(pairs) if pairs else "")


def exact_name_filter(name):
    """Nova's ``name`` filter is a regular expression: this one matches name and nothing else."""
    return "^%s$" % re.escape(name)


class NovaModule(OpenStackModule):
    """OpenStackModule talking to Compute v2.1 with a fixed microversion."""

    service_type = "compute"
    compute_microversion = COMPUTE_MICROVERSION

    def __init__(self):
        super().__init__()
        self._cache = {}

    # --- requests ------------------------------------------------------------------------
    def microversion_headers(self, service_type):
        """The headers pinning the API version of a request to service_type."""
        if service_type == "compute":
            return {"OpenStack-API-Version": "compute %s" % self.compute_microversion,
                    "X-OpenStack-Nova-API-Version": self.compute_microversion}
        return {}

    def request(self, method, path, json=None, ok=(200, 201, 202, 204), service_type=None, **kwargs):
        headers = dict(self.microversion_headers(service_type or self.service_type))
        headers.update(kwargs.pop("headers", None) or {})
        if headers:
            kwargs["headers"] = headers
        return super().request(method, path, json=json, ok=ok, service_type=service_type, **kwargs)

    def listing(self, path, key, service_type=None):
        """Every item of a collection, following its pages."""
        items, seen = [], set()
        url = path
        while True:
            body = self.get(url, service_type=service_type)
            page = body.get(key) or []
            items.extend(page)
            marker = next_marker(body, key)
            if not page or not marker or marker in seen:
                return items
            seen.add(marker)
            url = with_query(path, marker=marker)

    # --- lookups -------------------------------------------------------------------------
    @staticmethod
    def find_named(items, name, what, parameter=None, *, required=True, hint=""):
        """The one item of items named name; None (or an error when required) if none is;
        an error naming their IDs when several are."""
        found = [i for i in items if i.get("name") == name]
        if len(found) > 1:
            raise OpenStackError("%s: %d %ss are named %r (%s); rename or delete the extra ones" % (
                parameter or what, len(found), what, name, ", ".join(str(i.get("id")) for i in found)))
        if found:
            return found[0]
        if required:
            raise OpenStackError("%s %r does not exist%s" % (parameter or what, name, hint))
        return None

    def server(self, name, required=True, parameter="server"):
        """A server of the caller's project, by name (or ID)."""
        if not name or not str(name).strip():
            raise OpenStackError("%s must not be empty" % parameter)
        servers = self.listing(with_query("servers/detail", name=exact_name_filter(name)), "servers",
                               service_type="compute")
        found = self.find_named(servers, name, "server", parameter, required=False)
        if found is None and re.fullmatch(r"[0-9a-fA-F-]{32,36}", name):
            found = self.fetch_server(name)
        if found is None and required:
            raise OpenStackError("%s %r does not exist in the project of the credentials" % (parameter, name))
        if found is not None:
            self._cache[("server", found["id"])] = found.get("name")
        return found

    def fetch_server(self, server_id):
        """A server of the caller's project by ID; None once it is gone (or shown DELETED)."""
        response = self.request("GET", "servers/%s" % quote(server_id, safe=""), ok=(200, 404),
                                service_type="compute")
        if response.status_code == 404:
            return None
        server = response.json()["server"]
        return None if server.get("status") == "DELETED" else server

    def server_name(self, server_id):
        """The name of a server from its ID (cached); None when it cannot be seen."""
        key = ("server", server_id)
        if key not in self._cache:
            response = self.request("GET", "servers/%s" % quote(server_id), ok=(200, 403, 404),
                                    service_type="compute")
            self._cache[key] = response.json()["server"].get("name") if response.status_code == 200 else None
        return self._cache[key]

    def flavors(self):
        """Every flavor the caller sees, read once: is_public=None lists the private ones too for an
        admin, and is ignored for anyone else (the public ones)."""
        if "flavors" not in self._cache:
            self._cache["flavors"] = self.listing("flavors/detail?is_public=None", "flavors",
                                                  service_type="compute")
        return self._cache["flavors"]

    def keypair_named(self, name):
        """The keypair called name of the user of the credentials, or None."""
        response = self.request("GET", "os-keypairs/%s" % quote(name, safe=""), ok=(200, 404),
                                service_type="compute")
        return response.json()["keypair"] if response.status_code == 200 else None

    # --- waiting -------------------------------------------------------------------------
    def wait_for(self, fetch, ready, timeout, what, *, failed=None, details=None):
        """Poll fetch() until ready(item) (see poll); returns that item.

        failed(item) returns a message when the wait cannot succeed any more; it and the
        timeout raise DetailedError with details(item) as the result's fields."""
        problem = None

        def settled(item):
            nonlocal problem
            problem = None
            if ready(item):
                return True
            problem = failed(item) if failed else None
            return bool(problem)

        item, done = poll(fetch, settled, timeout)
        if done and not problem:
            return item
        extra = details(item) if details else {}
        if problem:
            raise DetailedError(problem, **extra)
        raise DetailedError("timed out after %s s waiting for %s" % (timeout, what(item) if callable(what) else what),
                            **extra)

    # --- results -------------------------------------------------------------------------
    def resource_result(self, key, before, after, *, managed=None, **extra):
        """The result of a one-resource module: changed from the comparison (of the managed keys
        of the views only, when given), diff when asked."""
        def compared(view):
            return {k: view[k] for k in managed} if view and managed else view

        result = {"changed": compared(before) != compared(after), key: after}
        result.update(extra)
        if self.ansible._diff:
            result["diff"] = {"before": before or {}, "after": after or {}}
        return result

    def __call__(self):
        try:
            result = self.run()
        except DetailedError as exc:
            self.fail(str(exc), **exc.details)
        except OpenStackError as exc:
            self.fail(str(exc))
        self.ansible.exit_json(**result)
