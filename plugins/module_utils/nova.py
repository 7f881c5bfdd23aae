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
  ``server``), and server names from their IDs (``server_name``);
- ``wait_for()``, the polling loop of every module that waits for a status, bounded by a
  timeout; ``sleep`` and ``clock`` are module-level so that tests make waits instant;
- ``DetailedError``: a failure that carries fields for the task's result (a volume's
  ``status``, say) besides its message.

Runs on the managed host with the distribution's python3-keystoneauth1 (no SDK).
"""

from __future__ import annotations

import re
import time
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

from ansible_collections.lab.openstack.plugins.module_utils.openstack import OpenStackError, OpenStackModule

# 2.79 (Train): flavor description (2.55), extra_specs in flavor views (2.61), swap 0 instead
# of "" (2.75), keypair type and 201/204 codes (2.2), volume attachments with
# delete_on_termination (2.79). Nova 26 (Zed) accepts up to 2.93.
COMPUTE_MICROVERSION = "2.79"
POLL = 2.0


def sleep(seconds):
    """Replaced in tests."""
    time.sleep(seconds)


def clock():
    """Replaced in tests."""
    return time.monotonic()


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
        self._server_names = {}

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
            response = self.request("GET", "servers/%s" % quote(name), ok=(200, 404), service_type="compute")
            if response.status_code == 200:
                found = response.json()["server"]
        if found is None and required:
            raise OpenStackError("%s %r does not exist in the project of the credentials" % (parameter, name))
        if found is not None:
            self._server_names[found["id"]] = found.get("name")
        return found

    def server_name(self, server_id):
        """The name of a server from its ID (cached); None when it cannot be seen."""
        if server_id not in self._server_names:
            response = self.request("GET", "servers/%s" % quote(server_id), ok=(200, 403, 404),
                                    service_type="compute")
            self._server_names[server_id] = (response.json()["server"].get("name")
                                             if response.status_code == 200 else None)
        return self._server_names[server_id]

    # --- waiting -------------------------------------------------------------------------
    def wait_for(self, fetch, ready, timeout, what, *, failed=None, details=None):
        """Poll fetch() until ready(item); returns that item.

        failed(item) returns a message when the wait cannot succeed any more; it and the
        timeout raise DetailedError with details(item) as the result's fields."""
        deadline = clock() + timeout
        while True:
            item = fetch()
            if ready(item):
                return item
            extra = details(item) if details else {}
            problem = failed(item) if failed else None
            if problem:
                raise DetailedError(problem, **extra)
            if clock() >= deadline:
                raise DetailedError("timed out after %s s waiting for %s" % (timeout, what(item) if callable(what)
                                                                             else what), **extra)
            sleep(POLL)

    # --- results -------------------------------------------------------------------------
    def resource_result(self, key, before, after, **extra):
        """The result of a one-resource module: changed from the comparison, diff when asked."""
        result = {"changed": before != after, key: after}
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
