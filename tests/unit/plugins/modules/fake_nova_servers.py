# -*- coding: utf-8 -*-
# Copyright: lab.openstack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""An in-memory Nova and Neutron next to the fake Glance and Keystone, behind one fake session.

Requests whose endpoint filter names ``compute`` go to a small Compute v2.1 API (servers,
their metadata and security-group actions, flavors, keypairs). Those naming ``network`` go
to a small Networking v2.0 API (networks, subnets, ports, security groups, floating IPs,
routers). Images stay with FakeGlance, identity with FakeKeystone.

The APIs really store what they are told. A server boots in BUILD and, after
``build_polls`` GETs of it, is ACTIVE, or ERROR with a fault when ``build_fault`` is set.
Booting creates one Neutron port per network (device_id = the server's ID, fixed IPs
allocated from the network's subnet, or the one asked). A deleted server is gone after
``delete_polls`` GETs, and its ports with it, which disassociates their floating IPs.
Nova shows a floating IP in the server's ``addresses`` only ``cache_lag`` GETs after
Neutron associated it, as its network info cache does (None: never). Associating a
floating IP needs a router with its gateway on the floating IP's network and an interface
on the port's subnet; without one, Neutron's ExternalGatewayForFloatingIPNotFound is the
answer. Every compute request must carry the microversion header.
"""

from __future__ import annotations

import base64
import copy
import ipaddress
import itertools
import math
from urllib.parse import parse_qsl, unquote

from ansible_collections.lab.openstack.tests.unit.plugins.modules.fake_glance import CALLER_PROJECT, FakeGlance
from ansible_collections.lab.openstack.tests.unit.plugins.modules.fake_keystone import Call, FakeResponse

MICROVERSION = "compute 2.47"
OTHER_PROJECT = "prj-other"
HOST = "compute1"
ADMIN_ONLY = ("OS-EXT-SRV-ATTR:host", "OS-EXT-SRV-ATTR:hypervisor_hostname", "OS-EXT-SRV-ATTR:instance_name",
              "OS-EXT-SRV-ATTR:user_data")
NEUTRON_FILTERS = {
    "networks": {"name", "id", "router:external", "shared", "project_id"},
    "subnets": {"network_id", "id"},
    "ports": {"device_id", "network_id", "id"},
    "security-groups": {"project_id", "name"},
    "floatingips": {"port_id", "floating_network_id", "project_id", "floating_ip_address", "id"},
    "routers": set(),
}
NOVA_ERRORS = {400: "badRequest", 403: "forbidden", 404: "itemNotFound", 409: "conflictingRequest"}


def nova_error(code, message):
    return FakeResponse(code, {NOVA_ERRORS.get(code, "computeFault"): {"code": code, "message": message}})


def neutron_error(code, kind, message):
    return FakeResponse(code, {"NeutronError": {"type": kind, "message": message, "detail": ""}})


def ips_of(port):
    return [f["ip_address"] for f in port["fixed_ips"]]


class FakeNova(FakeGlance):
    """FakeGlance plus Nova and Neutron; each collection is a list of dicts."""

    def __init__(self):
        super().__init__()
        self.flavors = []
        self.keypairs = []
        self.servers = []
        self.networks = []
        self.subnets = []
        self.ports = []
        self.security_groups = []
        self.floatingips = []
        self.routers = []
        self.compute_calls = []
        self.network_calls = []
        self.overrides = {}  # (method, path) -> FakeResponse, answered instead of the API
        self.build_polls = 1
        self.build_fault = None
        self.delete_polls = 1
        self.cache_lag = 1
        self.admin = True
        self.page_size = None
        self._nova_ids = itertools.count(1)
        self.security_group("default")
        self.security_group("default", project_id=OTHER_PROJECT)

    def _id(self, prefix):
        return "%s-%04d" % (prefix, next(self._nova_ids))

    # --- building the state --------------------------------------------------------------------
    def flavor(self, name, vcpus=1, ram=512, disk=1, public=True, **attrs):
        item = {"id": self._id("flv"), "name": name, "vcpus": vcpus, "ram": ram, "disk": disk,
                "OS-FLV-EXT-DATA:ephemeral": 0, "swap": 0, "os-flavor-access:is_public": public,
                "OS-FLV-DISABLED:disabled": False, "rxtx_factor": 1.0, "extra_specs": {}}
        item.update(attrs)
        self.flavors.append(item)
        return item

    def keypair(self, name, **attrs):
        item = {"name": name, "type": "ssh", "public_key": "ssh-ed25519 AAAAC3Nza lab@%s" % name,
                "fingerprint": "aa:bb:%02d" % len(self.keypairs), "user_id": "usr-admin"}
        item.update(attrs)
        self.keypairs.append(item)
        return item

    def network(self, name, cidr=None, project_id=CALLER_PROJECT, shared=False, external=False, **attrs):
        item = {"id": self._id("net"), "name": name, "project_id": project_id, "tenant_id": project_id,
                "shared": shared, "router:external": external, "status": "ACTIVE", "admin_state_up": True,
                "subnets": []}
        item.update(attrs)
        self.networks.append(item)
        if cidr:
            self.subnet(item, cidr)
        return item

    def subnet(self, network, cidr, name=None):
        net = ipaddress.ip_network(cidr)
        hosts = list(itertools.islice(net.hosts(), 256))
        item = {"id": self._id("sub"), "name": name or "%s-subnet" % network["name"], "network_id": network["id"],
                "cidr": str(net), "ip_version": net.version, "gateway_ip": str(hosts[0]),
                "allocation_pools": [{"start": str(hosts[1]), "end": str(hosts[-1])}],
                "project_id": network["project_id"]}
        self.subnets.append(item)
        network["subnets"].append(item["id"])
        return item

    def security_group(self, name, project_id=CALLER_PROJECT):
        item = {"id": self._id("sg"), "name": name, "project_id": project_id, "tenant_id": project_id,
                "description": "", "security_group_rules": []}
        self.security_groups.append(item)
        return item

    def router(self, name, external=None, subnets=(), project_id=CALLER_PROJECT):
        """A router with its gateway on external and an interface on each of subnets."""
        item = {"id": self._id("rtr"), "name": name, "project_id": project_id, "status": "ACTIVE",
                "external_gateway_info": {"network_id": external["id"]} if external else None}
        self.routers.append(item)
        if external is not None:
            self.port(external, device_id=item["id"], device_owner="network:router_gateway", project_id="")
        used = {ip for p in self.ports for ip in ips_of(p)}
        for subnet in subnets:
            # The subnet's gateway address, or another one when a router already has it.
            self.port(self._network(subnet["network_id"]), device_id=item["id"],
                      device_owner="network:router_interface",
                      ip=subnet["gateway_ip"] if subnet["gateway_ip"] not in used else None)
        return item

    def port(self, network, device_id="", device_owner="", ip=None, project_id=CALLER_PROJECT):
        allocated = self._allocate(network, ip)
        if isinstance(allocated, FakeResponse):
            raise AssertionError("cannot allocate %s on %s" % (ip, network["name"]))
        subnet, address = allocated
        item = {"id": self._id("prt"), "name": "", "network_id": network["id"], "device_id": device_id,
                "device_owner": device_owner, "fixed_ips": [{"subnet_id": subnet["id"], "ip_address": address}],
                "mac_address": "fa:16:3e:00:00:%02x" % (len(self.ports) % 256), "project_id": project_id,
                "status": "ACTIVE", "security_groups": []}
        self.ports.append(item)
        return item

    def server(self, name, image, flavor, networks=(), *, status="ACTIVE", project_id=CALLER_PROJECT, **attrs):
        """A server already there (ACTIVE unless told), with a port on each of networks
        (a network, or (network, fixed_ip))."""
        body = {"name": name, "imageRef": image["id"], "flavorRef": flavor["id"],
                "networks": [{"uuid": n[0]["id"], "fixed_ip": n[1]} if isinstance(n, tuple) else {"uuid": n["id"]}
                             for n in networks] or "none"}
        body.update({k: v for k, v in attrs.items() if k in ("key_name", "metadata", "availability_zone")})
        body["security_groups"] = [{"name": g} for g in attrs.get("security_groups", ["default"])]
        if "user_data" in attrs:
            body["user_data"] = base64.b64encode(attrs["user_data"].encode()).decode()
        answer = self._boot(body, project_id)
        if answer.status_code != 202:
            raise AssertionError(answer.text)
        item = self.find_server(answer.json()["server"]["id"])
        if status == "BUILD":
            return item
        if item["status"] == "BUILD":
            self._finish(item, error=attrs.get("fault", "No valid host was found. ") if status == "ERROR" else None)
        item["status"] = status
        return item

    def floatingip(self, network, address=None, port=None, project_id=CALLER_PROJECT):
        allocated = self._allocate(network, address)
        if isinstance(allocated, FakeResponse):
            raise AssertionError("cannot allocate %s on %s" % (address, network["name"]))
        item = {"id": self._id("fip"), "floating_ip_address": allocated[1], "floating_network_id": network["id"],
                "port_id": None, "fixed_ip_address": None, "router_id": None, "project_id": project_id,
                "tenant_id": project_id, "status": "DOWN", "description": ""}
        self.floatingips.append(item)
        if port is not None:
            error = self._associate(item, port["id"], None)
            if error is not None:
                raise AssertionError(error.text)
            self._refresh(self._owner(port["id"]))
        return item

    # --- reading the state -----------------------------------------------------------------------
    def find_server(self, server_id):
        return next((s for s in self.servers if s["id"] == server_id), None)

    def named_servers(self, name):
        return [s for s in self.servers if s["name"] == name]

    def ports_of(self, server):
        return [p for p in self.ports if p["device_id"] == server["id"]]

    def fips_of(self, port):
        return [f for f in self.floatingips if f["port_id"] == port["id"]]

    @property
    def compute_writes(self):
        return [c for c in self.compute_calls if c.method != "GET"]

    @property
    def network_writes(self):
        return [c for c in self.network_calls if c.method != "GET"]

    @property
    def all_writes(self):
        return self.writes + self.image_writes + self.compute_writes + self.network_writes

    def _network(self, network_id):
        return next((n for n in self.networks if n["id"] == network_id), None)

    # --- the session ---------------------------------------------------------------------------------
    def request(self, url, method, json=None, *, raise_exc=True, endpoint_filter=None, authenticated=None,
                **kwargs):
        service = (endpoint_filter or {}).get("service_type")
        if service not in ("compute", "network"):
            return super().request(url, method, json=json, raise_exc=raise_exc, endpoint_filter=endpoint_filter,
                                   authenticated=authenticated, **kwargs)
        if raise_exc is not False:
            self.unexpected.append(("raise_exc is not False", method, url))
        call = Call(method, url, copy.deepcopy(json))
        if service == "compute":
            self.compute_calls.append(call)
            if (kwargs.get("headers") or {}).get("OpenStack-API-Version") != MICROVERSION:
                self.unexpected.append(("no microversion", method, url, kwargs.get("headers")))
        else:
            self.network_calls.append(call)
        if (method, url) in self.overrides:
            return self.overrides[(method, url)]
        path, _sep, query = url.partition("?")
        parts = [unquote(p) for p in path.split("/")]
        query = dict(parse_qsl(query, keep_blank_values=True))
        if service == "compute":
            return self._compute(method, parts, query, json, url)
        return self._neutron(method, parts, query, json, url)

    def _unknown(self, method, url):
        self.unexpected.append((method, url))
        return nova_error(404, "The resource could not be found.")

    # --- Nova ------------------------------------------------------------------------------------------
    def _compute(self, method, parts, query, body, url):  # noqa: PLR0911 - one answer per route
        if parts[0] == "servers":
            return self._servers(method, parts, query, body, url)
        if parts == ["flavors", "detail"] and method == "GET":
            if set(query) - {"is_public"}:
                return self._unknown(method, url)
            public_only = query.get("is_public") != "None" or not self.admin
            flavors = [f for f in self.flavors if f["os-flavor-access:is_public"] or not public_only]
            return FakeResponse(200, {"flavors": copy.deepcopy(flavors)})
        if parts == ["os-keypairs"] and method == "GET" and not query:
            return FakeResponse(200, {"keypairs": [{"keypair": copy.deepcopy(k)} for k in self.keypairs]})
        if len(parts) == 2 and parts[0] == "os-keypairs" and method == "GET" and not query:
            found = next((k for k in self.keypairs if k["name"] == parts[1]), None)
            if found is None:
                return nova_error(404, "Keypair %s not found for user usr-admin" % parts[1])
            return FakeResponse(200, {"keypair": copy.deepcopy(found)})
        return self._unknown(method, url)

    def _servers(self, method, parts, query, body, url):  # noqa: PLR0911 - one answer per route
        if parts == ["servers", "detail"] and method == "GET":
            return self._server_list(query, url)
        if parts == ["servers"] and method == "POST" and not query:
            return self._boot((body or {}).get("server") or {}, self.project_id)
        server = self.find_server(parts[1]) if len(parts) > 1 else None
        if server is None or server["tenant_id"] != self.project_id or query:
            if query:
                return self._unknown(method, url)
            return nova_error(404, "Instance %s could not be found." % (parts[1] if len(parts) > 1 else "?"))
        if len(parts) == 2 and method == "GET":
            server = self._advance(server)
            if server is None:
                return nova_error(404, "Instance %s could not be found." % parts[1])
            return FakeResponse(200, {"server": self._server_view(server)})
        if len(parts) == 2 and method == "DELETE":
            if server["_deleting"] is None:
                server["OS-EXT-STS:task_state"] = "deleting"
                server["_deleting"] = math.inf if self.delete_polls is None else self.delete_polls
                if server["_deleting"] <= 0:
                    self._remove(server)
            return FakeResponse(204)
        if parts[2:] == ["metadata"] and method == "POST":
            return self._metadata(server, body)
        if parts[2:] == ["action"] and method == "POST":
            return self._action(server, body or {})
        return self._unknown(method, url)

    def _server_list(self, query, url):
        if set(query) - {"marker"}:
            return self._unknown("GET", url)
        mine = [s for s in self.servers if s["tenant_id"] == self.project_id]
        if "marker" in query:
            index = next((i for i, s in enumerate(mine) if s["id"] == query["marker"]), None)
            if index is None:
                return nova_error(400, "marker [%s] not found" % query["marker"])
            mine = mine[index + 1:]
        page = {"servers": None}
        if self.page_size is not None and len(mine) > self.page_size:
            mine = mine[:self.page_size]
            page["servers_links"] = [{"rel": "next", "href": "/v2.1/servers/detail?marker=%s" % mine[-1]["id"]}]
        page["servers"] = [self._server_view(s) for s in mine]
        return FakeResponse(200, page)

    def _boot(self, attrs, project_id):  # noqa: PLR0911, PLR0912 - Nova's checks, one by one
        for key in ("name", "imageRef", "flavorRef", "networks"):
            if not attrs.get(key):
                return nova_error(400, "Invalid input for field/attribute server. '%s' is a required property" % key)
        image = next((i for i in self.images if i["id"] == attrs["imageRef"]), None)
        if image is None or image["status"] != "active":
            return nova_error(400, "Image %s could not be found." % attrs["imageRef"])
        flavor = next((f for f in self.flavors if f["id"] == attrs["flavorRef"]), None)
        if flavor is None:
            return nova_error(400, "Flavor %s could not be found." % attrs["flavorRef"])
        if attrs.get("key_name") and not any(k["name"] == attrs["key_name"] for k in self.keypairs):
            return nova_error(400, "Invalid key_name provided.")
        groups = [g["name"] for g in attrs.get("security_groups") or [{"name": "default"}]]
        for name in groups:
            if not any(g["name"] == name and g["project_id"] == project_id for g in self.security_groups):
                return nova_error(400, "Unable to find security_group with name or id '%s'." % name)
        user_data = attrs.get("user_data")
        if user_data is not None:
            if len(user_data) > 65535:
                return nova_error(400, "Invalid input for field/attribute user_data. Value too long")
            base64.b64decode(user_data, validate=True)
        if any(not isinstance(v, str) for v in (attrs.get("metadata") or {}).values()):
            return nova_error(400, "Invalid input for field/attribute metadata.")
        requested = [] if attrs["networks"] == "none" else attrs["networks"]
        if not isinstance(requested, list):
            return nova_error(400, "networks %r is not supported here" % attrs["networks"])
        for entry in requested:
            network = self._network(entry.get("uuid"))
            if network is None:
                return nova_error(400, "Network %s could not be found." % entry.get("uuid"))
            fixed_ip = entry.get("fixed_ip")
            if fixed_ip and any(fixed_ip in ips_of(p) for p in self.ports if p["network_id"] == network["id"]):
                return nova_error(409, "Fixed IP address %s is already in use on instance" % fixed_ip)
        server = {
            "id": self._id("srv"), "name": attrs["name"], "tenant_id": project_id, "user_id": "usr-admin",
            "status": "BUILD", "OS-EXT-STS:task_state": "scheduling", "OS-EXT-STS:vm_state": "building",
            "OS-EXT-STS:power_state": 0, "image": {"id": image["id"], "links": []},
            "flavor": {"original_name": flavor["name"], "vcpus": flavor["vcpus"], "ram": flavor["ram"],
                       "disk": flavor["disk"], "ephemeral": 0, "swap": 0, "extra_specs": {}},
            "key_name": attrs.get("key_name"), "metadata": dict(attrs.get("metadata") or {}),
            "security_groups": [{"name": g} for g in groups],
            "OS-EXT-AZ:availability_zone": "", "OS-EXT-SRV-ATTR:host": None,
            "OS-EXT-SRV-ATTR:hypervisor_hostname": None, "OS-EXT-SRV-ATTR:instance_name": "instance-%08x" % (
                len(self.servers) + 1), "OS-EXT-SRV-ATTR:user_data": user_data,
            "created": "2026-11-25T00:00:00Z", "updated": "2026-11-25T00:00:00Z", "accessIPv4": "",
            "_zone": attrs.get("availability_zone") or "nova", "_build": None, "_deleting": None,
            "_fips": {}, "_lag": None,
        }
        server["_build"] = math.inf if self.build_polls is None else self.build_polls
        self.servers.append(server)
        for entry in requested:
            port = self.port(self._network(entry["uuid"]), device_id=server["id"], device_owner="compute:nova",
                             ip=entry.get("fixed_ip"), project_id=project_id)
            port["security_groups"] = list(groups)
        if server["_build"] <= 0:
            self._finish(server, error=self.build_fault)
        return FakeResponse(202, {"server": {"id": server["id"], "links": [], "OS-DCF:diskConfig": "MANUAL",
                                             "security_groups": [{"name": g} for g in groups],
                                             "adminPass": "Fake-Admin-Pass"}})

    def _finish(self, server, error=None):
        server["_build"] = None
        server["OS-EXT-STS:task_state"] = None
        if error:
            server.update({"status": "ERROR", "OS-EXT-STS:vm_state": "error",
                           "fault": {"code": 500, "created": "2026-11-25T00:00:01Z", "message": error}})
            for port in self.ports_of(server):  # Nova deallocates the network of a failed build
                self._delete_port(port)
            return
        server.update({"status": "ACTIVE", "OS-EXT-STS:vm_state": "active", "OS-EXT-STS:power_state": 1,
                       "OS-EXT-SRV-ATTR:host": HOST, "OS-EXT-SRV-ATTR:hypervisor_hostname": HOST,
                       "OS-EXT-AZ:availability_zone": server["_zone"]})

    def _advance(self, server):
        """One GET's worth of time for a server: None once it is gone."""
        if server["_deleting"] is not None:
            server["_deleting"] -= 1
            if server["_deleting"] <= 0:
                self._remove(server)
                return None
        if server["status"] == "BUILD" and server["_build"] is not None:
            server["_build"] -= 1
            if server["_build"] <= 0:
                self._finish(server, error=self.build_fault)
        if server["_lag"] is not None:
            server["_lag"] -= 1
            if server["_lag"] <= 0:
                self._refresh(server)
        return server

    def _remove(self, server):
        self.servers.remove(server)
        for port in self.ports_of(server):
            self._delete_port(port)

    def _delete_port(self, port):
        self.ports.remove(port)
        for fip in self.fips_of(port):  # Neutron disassociates the floating IPs of a deleted port
            fip.update(port_id=None, fixed_ip_address=None, router_id=None, status="DOWN")

    def _server_view(self, server):
        view = {k: copy.deepcopy(v) for k, v in server.items() if not k.startswith("_")}
        if server["status"] != "ERROR":
            view.pop("fault", None)
        if not self.admin:
            for key in ADMIN_ONLY:
                view.pop(key, None)
        addresses = {}
        for port in self.ports_of(server):
            name = self._network(port["network_id"])["name"]
            entries = addresses.setdefault(name, [])
            for ip in ips_of(port):
                entries.append({"version": ipaddress.ip_address(ip).version, "addr": ip,
                                "OS-EXT-IPS:type": "fixed", "OS-EXT-IPS-MAC:mac_addr": port["mac_address"]})
            for address in server["_fips"].get(port["id"], []):
                entries.append({"version": 4, "addr": address, "OS-EXT-IPS:type": "floating",
                                "OS-EXT-IPS-MAC:mac_addr": port["mac_address"]})
        view["addresses"] = addresses
        if not self.ports_of(server):  # Nova reads a server's security groups from its ports
            view["security_groups"] = []
        return view

    def _metadata(self, server, body):
        metadata = (body or {}).get("metadata")
        if not isinstance(metadata, dict) or any(not isinstance(v, str) for v in metadata.values()):
            return nova_error(400, "Invalid input for field/attribute metadata.")
        server["metadata"].update(metadata)
        return FakeResponse(200, {"metadata": copy.deepcopy(server["metadata"])})

    def _action(self, server, body):
        if len(body) != 1 or next(iter(body)) not in ("addSecurityGroup", "removeSecurityGroup"):
            self.unexpected.append(("server action", body))
            return nova_error(400, "unsupported action")
        action, args = next(iter(body.items()))
        if server["status"] == "BUILD":
            return nova_error(409, "Cannot '%s' instance %s while it is in vm_state building" % (action, server["id"]))
        name = (args or {}).get("name")
        names = [g["name"] for g in server["security_groups"]]
        if not any(g["name"] == name and g["project_id"] == server["tenant_id"] for g in self.security_groups):
            return nova_error(404, "Security group %s not found for project %s." % (name, server["tenant_id"]))
        if action == "addSecurityGroup":
            if name in names:
                return nova_error(400, "Security group %s is already associated with the instance %s" % (
                    name, server["id"]))
            server["security_groups"].append({"name": name})
        else:
            if name not in names:
                return nova_error(400, "Security group %s not associated with the instance %s" % (
                    name, server["id"]))
            server["security_groups"] = [g for g in server["security_groups"] if g["name"] != name]
        for port in self.ports_of(server):
            port["security_groups"] = [g["name"] for g in server["security_groups"]]
        return FakeResponse(202)

    # --- Neutron ---------------------------------------------------------------------------------------
    def _neutron(self, method, parts, query, body, url):  # noqa: PLR0911 - one answer per route
        if parts[0] != "v2.0" or len(parts) < 2 or parts[1] not in NEUTRON_FILTERS:
            self.unexpected.append((method, url))
            return neutron_error(404, "HTTPNotFound", "The resource could not be found.")
        collection = parts[1]
        if len(parts) == 2 and method == "GET":
            if set(query) - NEUTRON_FILTERS[collection]:
                self.unexpected.append(("neutron filters", url))
            items = getattr(self, collection.replace("-", "_"))
            found = [i for i in items if all(self._matches(i.get(k), v) for k, v in query.items())]
            return FakeResponse(200, {collection.replace("-", "_"): copy.deepcopy(found)})
        if collection != "floatingips" or query:
            self.unexpected.append((method, url))
            return neutron_error(404, "HTTPNotFound", "The resource could not be found.")
        if len(parts) == 2 and method == "POST":
            return self._fip_create((body or {}).get("floatingip") or {})
        fip = next((f for f in self.floatingips if f["id"] == parts[2]), None) if len(parts) == 3 else None
        if fip is None:
            return neutron_error(404, "FloatingIPNotFound", "Floating IP %s could not be found" % parts[-1])
        if method == "PUT":
            return self._fip_update(fip, (body or {}).get("floatingip") or {})
        if method == "DELETE":
            port_id = fip["port_id"]
            self.floatingips.remove(fip)
            self._touch(port_id)
            return FakeResponse(204)
        self.unexpected.append((method, url))
        return neutron_error(404, "HTTPNotFound", "The resource could not be found.")

    @staticmethod
    def _matches(value, wanted):
        if isinstance(value, bool):
            return str(value).lower() == wanted.lower()
        return ("" if value is None else str(value)) == wanted

    def _allocate(self, network, wanted=None):
        """(subnet, address) for a new port or floating IP on network, or Neutron's error."""
        subnets = [s for s in self.subnets if s["network_id"] == network["id"]]
        used = {ip for p in self.ports for ip in ips_of(p)} | {f["floating_ip_address"] for f in self.floatingips}
        if wanted is not None:
            subnet = next((s for s in subnets if ipaddress.ip_address(wanted) in ipaddress.ip_network(s["cidr"])),
                          None)
            if subnet is None:
                return neutron_error(400, "InvalidIpForNetwork",
                                     "IP address %s is not a valid IP for any of the subnets on the specified "
                                     "network." % wanted)
            if wanted in used:
                return neutron_error(409, "IpAddressAlreadyAllocated", "IP address %s already allocated in "
                                     "subnet %s" % (wanted, subnet["id"]))
            return subnet, wanted
        for subnet in subnets:
            pool = subnet["allocation_pools"][0]
            start, end = ipaddress.ip_address(pool["start"]), ipaddress.ip_address(pool["end"])
            address = start
            while address <= end:
                if str(address) not in used:
                    return subnet, str(address)
                address += 1
        return neutron_error(409, "IpAddressGenerationFailure",
                             "No more IP addresses available on network %s." % network["id"])

    def _owner(self, port_id):
        port = next((p for p in self.ports if p["id"] == port_id), None)
        return self.find_server(port["device_id"]) if port else None

    def _touch(self, port_id):
        """Nova learns of a floating IP change of its server's port, after cache_lag GETs."""
        server = self._owner(port_id)
        if server is None:
            return
        if self.cache_lag == 0:
            self._refresh(server)
        else:
            server["_lag"] = math.inf if self.cache_lag is None else self.cache_lag

    def _refresh(self, server):
        if server is None:
            return
        server["_lag"] = None
        server["_fips"] = {p["id"]: [f["floating_ip_address"] for f in self.fips_of(p)] for p in self.ports_of(server)}

    def _associate(self, fip, port_id, fixed_ip):
        """Neutron's checks of an association, then the association; the error response or None."""
        port = next((p for p in self.ports if p["id"] == port_id), None)
        if port is None:
            return neutron_error(404, "PortNotFound", "Port %s could not be found." % port_id)
        v4 = [f for f in port["fixed_ips"] if ipaddress.ip_address(f["ip_address"]).version == 4]
        if fixed_ip is None:
            if len(v4) != 1:
                return neutron_error(400, "BadRequest", "Port %s has multiple fixed IPv4 addresses. Must provide a "
                                     "specific IPv4 address when assigning a floating IP" % port_id)
            fixed = v4[0]
        else:
            fixed = next((f for f in v4 if f["ip_address"] == fixed_ip), None)
            if fixed is None:
                return neutron_error(400, "BadRequest", "Port %s does not have fixed ip %s" % (port_id, fixed_ip))
        other = next((f for f in self.floatingips if f is not fip and f["port_id"] == port_id
                      and f["fixed_ip_address"] == fixed["ip_address"]), None)
        if other is not None:
            return neutron_error(409, "FloatingIPPortAlreadyAssociated",
                                 "Cannot associate floating IP %s (%s) with port %s using fixed IP %s, as that fixed "
                                 "IP already has a floating IP on external network %s." % (
                                     fip["floating_ip_address"], fip["id"], port_id, fixed["ip_address"],
                                     other["floating_network_id"]))
        router = next((r for r in self.routers
                       if (r["external_gateway_info"] or {}).get("network_id") == fip["floating_network_id"]
                       and any(p["device_id"] == r["id"] and p["device_owner"] == "network:router_interface"
                               and any(f["subnet_id"] == fixed["subnet_id"] for f in p["fixed_ips"])
                               for p in self.ports)), None)
        if router is None:
            return neutron_error(404, "ExternalGatewayForFloatingIPNotFound",
                                 "External network %s is not reachable from subnet %s.  Therefore, cannot associate "
                                 "Port %s with a Floating IP." % (fip["floating_network_id"], fixed["subnet_id"],
                                                                  port_id))
        fip.update(port_id=port_id, fixed_ip_address=fixed["ip_address"], router_id=router["id"], status="ACTIVE")
        return None

    def _fip_create(self, attrs):
        network = self._network(attrs.get("floating_network_id"))
        if network is None:
            return neutron_error(404, "NetworkNotFound", "Network %s could not be found." % (
                attrs.get("floating_network_id")))
        if not network["router:external"]:
            return neutron_error(400, "BadRequest", "Bad floatingip request: Network %s is not a valid external "
                                 "network." % network["id"])
        allocated = self._allocate(network, attrs.get("floating_ip_address"))
        if isinstance(allocated, FakeResponse):
            return allocated
        fip = {"id": self._id("fip"), "floating_ip_address": allocated[1], "floating_network_id": network["id"],
               "port_id": None, "fixed_ip_address": None, "router_id": None, "project_id": self.project_id,
               "tenant_id": self.project_id, "status": "DOWN", "description": ""}
        if attrs.get("port_id"):
            error = self._associate(fip, attrs["port_id"], attrs.get("fixed_ip_address"))
            if error is not None:
                return error  # nothing is created
        self.floatingips.append(fip)
        self._touch(fip["port_id"])
        return FakeResponse(201, {"floatingip": copy.deepcopy(fip)})

    def _fip_update(self, fip, attrs):
        if set(attrs) - {"port_id", "fixed_ip_address", "description"}:
            return neutron_error(400, "BadRequest", "Cannot update %s" % sorted(attrs))
        previous = fip["port_id"]
        if attrs.get("port_id"):
            error = self._associate(fip, attrs["port_id"], attrs.get("fixed_ip_address"))
            if error is not None:
                return error
        elif "port_id" in attrs:
            fip.update(port_id=None, fixed_ip_address=None, router_id=None, status="DOWN")
        self._touch(previous)
        self._touch(fip["port_id"])
        return FakeResponse(200, {"floatingip": copy.deepcopy(fip)})
