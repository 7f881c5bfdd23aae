#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: lab.openstack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: keystone_service
short_description: Declare a service of the Keystone catalog and its endpoints in a region
version_added: "0.1.0"
description:
  - One task per service, declaring the service (found by type and name) and its public,
    internal and admin URLs in a region; the tutorial's C(keystone service-create) and
    C(keystone endpoint-create) without an ID to copy.
  - Endpoints of an interface not listed in O(endpoints) are left as they are; with
    O(state=absent) the service and all its endpoints are deleted.
  - The region is created when it does not exist yet.
author:
  - lab.openstack developers (@lab-openstack)
extends_documentation_fragment:
  - lab.openstack.openstack
options:
  name:
    description: Name of the service, such as C(keystone) or C(nova).
    type: str
    required: true
  type:
    description: Type of the service, such as C(identity) or C(compute).
    type: str
    required: true
  description:
    description: Description; left as it is when not given.
    type: str
  enabled:
    description: Whether the service is enabled; left as it is when not given (true on creation).
    type: bool
  region:
    description: Region of the endpoints.
    type: str
    default: RegionOne
  endpoints:
    description: URL of each interface; each must be an http(s) URL.
    type: dict
    default: {}
    suboptions:
      public:
        description: Public URL.
        type: str
      internal:
        description: Internal URL.
        type: str
      admin:
        description: Admin URL.
        type: str
  state:
    description: Whether the service must exist.
    type: str
    choices: [present, absent]
    default: present
attributes:
  check_mode:
    support: full
    description: Reads the catalog and reports what would change, writing nothing.
  diff_mode:
    support: full
    description: Shows the service and its endpoints before and after.
"""

EXAMPLES = r"""
- name: The identity service, as bootstrap made it
  lab.openstack.keystone_service:
    auth: "{{ admin_auth }}"
    name: keystone
    type: identity
    endpoints:
      public: http://192.168.1.250:5000/v3
      internal: http://192.168.1.250:5000/v3
      admin: http://192.168.1.250:5000/v3
  no_log: true
"""

RETURN = r"""
service:
  description: The service and its endpoints after the change (null when absent).
  returned: always
  type: dict
  sample: {"id": "7a1c...", "name": "keystone", "type": "identity", "enabled": true, "description": "",
           "endpoints": {"public": "http://192.168.1.250:5000/v3"}}
"""

from urllib.parse import quote, urlparse

from ansible_collections.lab.openstack.plugins.module_utils.keystone import KeystoneModule, changes, require_name
from ansible_collections.lab.openstack.plugins.module_utils.openstack import OpenStackError

INTERFACES = ("public", "internal", "admin")


def url_error(interface, url):
    """Why url is not an endpoint URL, or None (pure)."""
    parsed = urlparse(url or "")
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        return "endpoints.%s: %r is not an http(s) URL such as http://192.168.1.250:5000/v3" % (interface, url)
    return None


class ServiceModule(KeystoneModule):
    argument_spec = dict(
        name=dict(type="str", required=True),
        type=dict(type="str", required=True),
        description=dict(type="str"),
        enabled=dict(type="bool"),
        region=dict(type="str", default="RegionOne"),
        endpoints=dict(type="dict", default={}, options=dict(
            public=dict(type="str"), internal=dict(type="str"), admin=dict(type="str"))),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    )

    def find_service(self):
        services = self.get("services?type=%s" % quote(self.params["type"]))["services"]
        return next((s for s in services if s.get("name") == self.params["name"]), None)

    def endpoints_of(self, service_id):
        listed = self.get("endpoints?service_id=%s" % quote(service_id))["endpoints"]
        return {e["interface"]: e for e in listed if e.get("region_id") == self.params["region"]}

    def view(self, service, endpoints):
        if service is None:
            return None
        return {"id": service.get("id"), "name": service.get("name"), "type": service.get("type"),
                "enabled": service.get("enabled"), "description": service.get("description"),
                "endpoints": {i: e["url"] for i, e in sorted(endpoints.items())}}

    def run(self):
        p = self.params
        require_name(p["name"], "name")
        require_name(p["type"], "type")
        require_name(p["region"], "region")
        wanted = {i: u for i, u in (p["endpoints"] or {}).items() if u is not None}
        for interface, url in wanted.items():
            error = url_error(interface, url)
            if error:
                raise OpenStackError(error)

        service = self.find_service()
        endpoints = self.endpoints_of(service["id"]) if service else {}
        before = self.view(service, endpoints)
        if p["state"] == "absent":
            if service and not self.check_mode:
                self.request("DELETE", "services/%s" % quote(service["id"]))
            return self.result(before, None)

        if service is None:
            body = {"name": p["name"], "type": p["type"], "description": p["description"] or "",
                    "enabled": True if p["enabled"] is None else p["enabled"]}
            service = dict(body, id=None)
            if not self.check_mode:
                service = self.request("POST", "services", json={"service": body}).json()["service"]
        else:
            update = changes(service, {"description": p["description"], "enabled": p["enabled"]})
            if update:
                service = dict(service, **update)
                if not self.check_mode:
                    service = self.request("PATCH", "services/%s" % quote(service["id"]),
                                           json={"service": update}).json()["service"]

        return self.result(before, self.view(service, self.reconcile_endpoints(service, endpoints, wanted)))

    def reconcile_endpoints(self, service, endpoints, wanted):
        """Create or update the endpoint of each wanted interface; return them all."""
        p = self.params
        if wanted and self.region_missing() and not self.check_mode:
            self.request("POST", "regions", json={"region": {"id": p["region"]}})
        new_endpoints = dict(endpoints)
        for interface in INTERFACES:
            url = wanted.get(interface)
            if url is None:
                continue
            existing = endpoints.get(interface)
            if existing is None:
                new_endpoints[interface] = {"url": url}
                if not self.check_mode:
                    new_endpoints[interface] = self.request("POST", "endpoints", json={"endpoint": {
                        "service_id": service["id"], "interface": interface, "url": url,
                        "region_id": p["region"], "enabled": True}}).json()["endpoint"]
            elif existing["url"] != url:
                new_endpoints[interface] = dict(existing, url=url)
                if not self.check_mode:
                    new_endpoints[interface] = self.request(
                        "PATCH", "endpoints/%s" % quote(existing["id"]), json={"endpoint": {"url": url}}
                    ).json()["endpoint"]
        return new_endpoints

    def region_missing(self):
        regions = self.get("regions")["regions"]
        return not any(r["id"] == self.params["region"] for r in regions)

    def result(self, before, after):
        return self.resource_result("service", before, after)


def main():
    ServiceModule()()


if __name__ == "__main__":
    main()
