# -*- coding: utf-8 -*-
# Copyright: lab.openstack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""An in-memory Neutron (Networking v2.0) next to the fake Keystone, behind one fake session.

Requests whose endpoint filter names the ``network`` service go to a small Networking API
that really stores what is written, with Neutron's own checks and answers. Those include
flat networks on a physical network listed in ``flat_networks``, one network per flat
physical network (409 FlatNetworkInUse), subnets whose gateway must stay out of their
allocation pools, and a DHCP port while DHCP is on. Routers have gateway ports and
add/remove_router_interface, which make and remove interface ports. Deleting a network,
subnet or router still in use answers 409. Security groups behave as in Neutron too: a
project's ``default`` group is created when its groups are listed, and rules are
normalised and refused as duplicates (409 SecurityGroupRuleExists) the way
securitygroups_db does it. Agents carry ``configurations.bridge_mappings``.
Identity requests still go to FakeKeystone.

``hooks[(method, path)]`` runs a function before a request is answered (another client
acting meanwhile); ``answers[(method, path)]`` replaces the answer.
"""

from __future__ import annotations

import copy
import ipaddress
import itertools
from urllib.parse import parse_qsl

from ansible_collections.lab.openstack.tests.unit.plugins.modules.fake_keystone import (
    Call, FakeKeystone, FakeResponse)

CALLER_PROJECT = "prj-caller"
COLLECTIONS = ("networks", "subnets", "routers", "ports", "security-groups", "security-group-rules", "agents")
LIST_FILTERS = {
    "networks": {"name"},
    "subnets": {"network_id", "name"},
    "routers": {"name"},
    "ports": {"network_id", "device_id", "device_owner"},
    "security-groups": {"name", "project_id"},
    "security-group-rules": {"security_group_id"},
    "agents": {"agent_type"},
}
NETWORK_ATTRS = {"name", "shared", "router:external", "provider:network_type", "provider:physical_network",
                 "provider:segmentation_id", "admin_state_up", "description", "mtu"}
NETWORK_MUTABLE = {"name", "shared", "router:external", "admin_state_up", "description"}
SUBNET_ATTRS = {"name", "network_id", "ip_version", "cidr", "gateway_ip", "allocation_pools", "enable_dhcp",
                "dns_nameservers", "description"}
SUBNET_MUTABLE = {"name", "gateway_ip", "allocation_pools", "enable_dhcp", "dns_nameservers", "description"}
ROUTER_ATTRS = {"name", "external_gateway_info", "admin_state_up", "description"}
RULE_ATTRS = {"security_group_id", "direction", "ethertype", "protocol", "port_range_min", "port_range_max",
              "remote_ip_prefix", "remote_group_id", "description"}
PROTOCOL_NUMBERS = {"icmp": "1", "tcp": "6", "udp": "17", "ipv6-icmp": "58", "sctp": "132", "dccp": "33",
                    "udplite": "136"}
PORT_PROTOCOLS = {"6", "17", "132", "33", "136"}
INTERFACE = "network:router_interface"
GATEWAY = "network:router_gateway"
DHCP = "network:dhcp"


def neutron_error(code, kind, message):
    """An error in Neutron's format."""
    return FakeResponse(code, {"NeutronError": {"type": kind, "message": message, "detail": ""}})


def bad_request(message):
    return neutron_error(400, "HTTPBadRequest", message)


class FakeNeutron(FakeKeystone):
    """FakeKeystone plus Networking v2.0; ``net_calls`` are its calls, ``net_writes`` the writes."""

    def __init__(self):
        super().__init__()
        self.project_id = CALLER_PROJECT
        self.flat_networks = ["external", "private"]
        self.store = {name: [] for name in COLLECTIONS}
        self.net_calls = []
        self.hooks = {}
        self._ids = itertools.count(1)
        self._segments = itertools.count(100)

    # --- building the state ------------------------------------------------------------------
    def _id(self, prefix):
        return "%s-%04d" % (prefix, next(self._ids))

    def network(self, name, **attrs):
        attrs = dict({"name": name}, **attrs)
        answer = self._network_create(attrs)
        assert answer.status_code == 201, answer.text
        return self.lookup("networks", answer.json()["network"]["id"])

    def subnet(self, network, cidr, name=None, **attrs):
        net = ipaddress.ip_network(cidr)
        attrs = dict({"network_id": network["id"], "cidr": cidr, "ip_version": net.version,
                      "name": name if name is not None else "%s-subnet" % network["name"]}, **attrs)
        answer = self._subnet_create(attrs)
        assert answer.status_code == 201, answer.text
        return self.lookup("subnets", answer.json()["subnet"]["id"])

    def router(self, name, gateway=None, **attrs):
        attrs = dict({"name": name}, **attrs)
        if gateway is not None:
            attrs["external_gateway_info"] = {"network_id": gateway["id"]}
        answer = self._router_create(attrs)
        assert answer.status_code == 201, answer.text
        return self.lookup("routers", answer.json()["router"]["id"])

    def link(self, router, subnet):
        answer = self._router_interface(router, "add_router_interface", {"subnet_id": subnet["id"]})
        assert answer.status_code == 200, answer.text
        return self.lookup("ports", answer.json()["port_id"])

    def port(self, network, device_owner="compute:nova", device_id="srv-0001", ip=None, subnet=None):
        """A port of a server (or a floating IP...) with an address from the network's subnet."""
        subnet = subnet or next(s for s in self.store["subnets"] if s["network_id"] == network["id"])
        address = ip or self._free_address(subnet)
        return self._add_port(network["id"], device_owner, device_id, [(subnet["id"], address)])

    def agent(self, host, bridge_mappings, agent_type="Linux bridge agent", alive=True, interface_mappings=None):
        item = {"id": self._id("agt"), "host": host, "agent_type": agent_type, "binary": "neutron-linuxbridge-agent",
                "alive": alive, "admin_state_up": True,
                "configurations": {"bridge_mappings": dict(bridge_mappings),
                                   "interface_mappings": dict(interface_mappings or {})}}
        self.store["agents"].append(item)
        return item

    def security_group(self, name, project_id=None, rules=True):
        project_id = project_id or self.project_id
        item = {"id": self._id("sg"), "name": name, "project_id": project_id, "tenant_id": project_id,
                "description": "", "stateful": True}
        self.store["security-groups"].append(item)
        if rules:
            for ethertype in ("IPv4", "IPv6"):
                self._add_rule({"security_group_id": item["id"], "direction": "egress", "ethertype": ethertype})
                if name == "default":
                    self._add_rule({"security_group_id": item["id"], "direction": "ingress",
                                    "ethertype": ethertype, "remote_group_id": item["id"]})
        return item

    def rule(self, group, **attrs):
        answer = self._rule_create(dict({"security_group_id": group["id"], "direction": "ingress",
                                         "ethertype": "IPv4"}, **attrs))
        assert answer.status_code == 201, answer.text
        return self.lookup("security-group-rules", answer.json()["security_group_rule"]["id"])

    # --- reading the state ----------------------------------------------------------------------
    def lookup(self, collection, ident):
        return next((i for i in self.store[collection] if i["id"] == ident), None)

    def named_items(self, collection, name):
        return [i for i in self.store[collection] if i.get("name") == name]

    def the(self, collection, name):
        found = self.named_items(collection, name)
        assert len(found) == 1, "%d %s named %s" % (len(found), collection, name)
        return found[0]

    def ports_of(self, **filters):
        return [p for p in self.store["ports"] if all(p.get(k) == v for k, v in filters.items())]

    def rules_of(self, group):
        return [r for r in self.store["security-group-rules"] if r["security_group_id"] == group["id"]]

    def snapshot(self):
        return copy.deepcopy(self.store)

    @property
    def net_writes(self):
        return [c for c in self.net_calls if c.method != "GET"]

    def get_project_id(self):
        return self.project_id

    # --- the session ----------------------------------------------------------------------------------
    def request(self, url, method, json=None, *, raise_exc=True, endpoint_filter=None, authenticated=None,
                **kwargs):
        if not endpoint_filter or endpoint_filter.get("service_type") != "network":
            return super().request(url, method, json=json, raise_exc=raise_exc, endpoint_filter=endpoint_filter,
                                   authenticated=authenticated, **kwargs)
        if raise_exc is not False:
            self.unexpected.append(("raise_exc is not False", method, url))
        self.net_calls.append(Call(method, url, copy.deepcopy(json)))
        if self.fail_with is not None:
            raise self.fail_with
        hook = self.hooks.get((method, url))
        if hook is not None:
            hook(self)
        if (method, url) in self.answers:
            return self.answers[(method, url)]
        return self._net_route(method, url, copy.deepcopy(json))

    def _net_unknown(self, method, url):
        self.unexpected.append((method, url))
        return neutron_error(404, "HTTPNotFound", "The resource could not be found.")

    def _net_route(self, method, url, body):  # noqa: PLR0911, PLR0912 - one answer per route
        path, sep, query = url.partition("?")
        parts = path.split("/")
        if parts[0] != "v2.0" or len(parts) < 2 or parts[1] not in COLLECTIONS or (sep and method != "GET"):
            return self._net_unknown(method, url)
        collection = parts[1]
        if len(parts) == 2 and method == "GET":
            return self._net_list(collection, query)
        if len(parts) == 2 and method == "POST" and collection != "agents":
            key = collection.replace("-", "_")[:-1]
            if not isinstance(body, dict) or not isinstance(body.get(key), dict):
                return bad_request("Resource body required")
            creator = {"networks": self._network_create, "subnets": self._subnet_create,
                       "routers": self._router_create, "security-group-rules": self._rule_create}.get(collection)
            return creator(body[key]) if creator else self._net_unknown(method, url)
        if len(parts) < 3:
            return self._net_unknown(method, url)
        item = self.lookup(collection, parts[2])
        if item is None:
            return neutron_error(404, "%sNotFound" % collection.title().replace("-", "")[:-1],
                                 "%s %s could not be found." % (collection[:-1].replace("-", " ").capitalize(),
                                                                parts[2]))
        if len(parts) == 4 and collection == "routers" and method == "PUT":
            if parts[3] not in ("add_router_interface", "remove_router_interface"):
                return self._net_unknown(method, url)
            return self._router_interface(item, parts[3], body or {})
        if len(parts) != 3:
            return self._net_unknown(method, url)
        key = collection.replace("-", "_")[:-1]
        if method == "GET":
            return FakeResponse(200, {key: self._view(collection, item)})
        if method == "PUT" and collection in ("networks", "subnets", "routers"):
            if not isinstance(body, dict) or not isinstance(body.get(key), dict):
                return bad_request("Resource body required")
            return getattr(self, "_%s_update" % key)(item, body[key])
        if method == "DELETE" and collection in ("networks", "subnets", "routers", "security-group-rules"):
            return getattr(self, "_%s_delete" % key)(item)
        return self._net_unknown(method, url)

    def _view(self, collection, item):
        shown = copy.deepcopy(item)
        if collection == "security-groups":
            shown["security_group_rules"] = copy.deepcopy(self.rules_of(item))
        return shown

    def _net_list(self, collection, query):
        filters = dict(parse_qsl(query, keep_blank_values=True))
        if set(filters) - LIST_FILTERS[collection]:
            self.unexpected.append(("filters", collection, sorted(set(filters) - LIST_FILTERS[collection])))
        if collection in ("security-groups", "security-group-rules"):
            self._ensure_default(filters.get("project_id") or self.project_id)
        items = [self._view(collection, i) for i in self.store[collection]
                 if all(str(i.get(k)) == v for k, v in filters.items())]
        return FakeResponse(200, {collection.replace("-", "_"): items})

    # --- addresses ----------------------------------------------------------------------------------
    def _used(self, subnet_id):
        return {f["ip_address"] for p in self.store["ports"] for f in p["fixed_ips"] if f["subnet_id"] == subnet_id}

    def _free_address(self, subnet):
        used = self._used(subnet["id"])
        for pool in subnet["allocation_pools"]:
            address = ipaddress.ip_address(pool["start"])
            while address <= ipaddress.ip_address(pool["end"]):
                if str(address) not in used:
                    return str(address)
                address += 1
        return None

    def _add_port(self, network_id, owner, device_id, fixed):
        project = self.lookup("networks", network_id)["project_id"]
        port = {"id": self._id("port"), "network_id": network_id, "device_owner": owner, "device_id": device_id,
                "fixed_ips": [{"subnet_id": s, "ip_address": a} for s, a in fixed], "status": "ACTIVE",
                "project_id": project, "tenant_id": project, "admin_state_up": True, "name": ""}
        self.store["ports"].append(port)
        return port

    def _remove_ports(self, ports):
        ids = {p["id"] for p in ports}
        self.store["ports"] = [p for p in self.store["ports"] if p["id"] not in ids]

    # --- networks ----------------------------------------------------------------------------------
    def _network_create(self, attrs):
        unknown = set(attrs) - NETWORK_ATTRS
        if unknown:
            return bad_request("Unrecognized attribute(s) '%s'" % ", ".join(sorted(unknown)))
        kind = attrs.get("provider:network_type") or "vxlan"
        physnet = attrs.get("provider:physical_network")
        if kind == "flat":
            if physnet not in self.flat_networks:
                return bad_request("Invalid input for operation: physical_network '%s' unknown for flat provider "
                                   "network." % physnet)
            if any(n["provider:network_type"] == "flat" and n["provider:physical_network"] == physnet
                   for n in self.store["networks"]):
                return neutron_error(409, "FlatNetworkInUse", "Unable to create the flat network. Physical network "
                                     "%s is in use." % physnet)
        item = {"id": self._id("net"), "name": attrs.get("name", ""), "project_id": self.project_id,
                "tenant_id": self.project_id, "admin_state_up": attrs.get("admin_state_up", True), "status": "ACTIVE",
                "shared": bool(attrs.get("shared", False)),
                "router:external": bool(attrs.get("router:external", False)),
                "provider:network_type": kind, "provider:physical_network": physnet if kind == "flat" else None,
                "provider:segmentation_id": None if kind == "flat" else next(self._segments), "subnets": [],
                "mtu": 1500, "description": attrs.get("description", "")}
        self.store["networks"].append(item)
        return FakeResponse(201, {"network": copy.deepcopy(item)})

    def _network_update(self, item, attrs):
        if set(attrs) & {"provider:network_type", "provider:physical_network", "provider:segmentation_id"}:
            return bad_request("Invalid input for operation: Plugin does not support updating the following "
                               "provider network attributes: %s." % ", ".join(sorted(attrs)))
        unknown = set(attrs) - NETWORK_MUTABLE
        if unknown:
            return bad_request("Cannot update read-only attribute %s" % ", ".join(sorted(unknown)))
        item.update(attrs)
        return FakeResponse(200, {"network": copy.deepcopy(item)})

    def _network_delete(self, item):
        used = [p for p in self.ports_of(network_id=item["id"]) if p["device_owner"] != DHCP]
        if used:
            return neutron_error(409, "NetworkInUse", "Unable to complete operation on network %s. There are one "
                                 "or more ports still in use on the network." % item["id"])
        self._remove_ports(self.ports_of(network_id=item["id"]))
        self.store["subnets"] = [s for s in self.store["subnets"] if s["network_id"] != item["id"]]
        self.store["networks"].remove(item)
        return FakeResponse(204)

    # --- subnets -------------------------------------------------------------------------------------
    def _check_subnet(self, subnet, network):
        """Neutron's answer to an invalid subnet, or None."""
        net = ipaddress.ip_network(subnet["cidr"])
        gateway = subnet.get("gateway_ip")
        if gateway is not None and ipaddress.ip_address(gateway) not in net:
            return bad_request("Invalid input for operation: Gateway IP %s is not in subnet %s." % (gateway, net))
        for pool in subnet["allocation_pools"]:
            start, end = ipaddress.ip_address(pool["start"]), ipaddress.ip_address(pool["end"])
            if start not in net or end not in net or end < start or start == net.network_address or \
                    end == net.broadcast_address:
                return bad_request("The allocation pool %s-%s spans beyond the subnet cidr %s." % (
                    pool["start"], pool["end"], net))
            if gateway is not None and start <= ipaddress.ip_address(gateway) <= end:
                return neutron_error(409, "GatewayConflictWithAllocationPools", "Gateway ip %s conflicts with "
                                     "allocation pool %s-%s." % (gateway, pool["start"], pool["end"]))
        for other in self.store["subnets"]:
            if (other["network_id"] == network["id"] and other["id"] != subnet.get("id")
                    and ipaddress.ip_network(other["cidr"]).overlaps(net)):
                return bad_request("Invalid input for operation: Requested subnet with cidr: %s for network: %s "
                                   "overlaps with another subnet." % (net, network["id"]))
        return None

    def _sync_dhcp(self, subnet):
        ports = [p for p in self.ports_of(network_id=subnet["network_id"], device_owner=DHCP)
                 if any(f["subnet_id"] == subnet["id"] for f in p["fixed_ips"])]
        if subnet["enable_dhcp"] and not ports:
            self._add_port(subnet["network_id"], DHCP, "dhcp-agent", [(subnet["id"], self._free_address(subnet))])
        elif not subnet["enable_dhcp"]:
            self._remove_ports(ports)

    def _subnet_create(self, attrs):
        unknown = set(attrs) - SUBNET_ATTRS
        if unknown:
            return bad_request("Unrecognized attribute(s) '%s'" % ", ".join(sorted(unknown)))
        network = self.lookup("networks", attrs.get("network_id"))
        if network is None:
            return neutron_error(404, "NetworkNotFound", "Network %s could not be found." % attrs.get("network_id"))
        try:
            net = ipaddress.ip_network(attrs.get("cidr"))
        except (TypeError, ValueError):
            return bad_request("Invalid input for cidr. Reason: '%s' is not a valid IP subnet." % attrs.get("cidr"))
        if attrs.get("ip_version") != net.version:
            return bad_request("Invalid input for operation: Cidr %s does not match ip_version." % net)
        hosts = list(itertools.islice(net.hosts(), 1))
        gateway = attrs.get("gateway_ip", str(hosts[0]) if hosts else None)
        item = {"id": self._id("sub"), "name": attrs.get("name", ""), "network_id": network["id"],
                "project_id": network["project_id"], "tenant_id": network["project_id"], "ip_version": net.version,
                "cidr": str(net), "gateway_ip": gateway,
                "allocation_pools": copy.deepcopy(attrs.get("allocation_pools") or [
                    {"start": str(net.network_address + 2), "end": str(net.broadcast_address - 1)}]),
                "enable_dhcp": attrs.get("enable_dhcp", True),
                "dns_nameservers": list(attrs.get("dns_nameservers", [])),
                "host_routes": [], "description": attrs.get("description", "")}
        error = self._check_subnet(item, network)
        if error is not None:
            return error
        self.store["subnets"].append(item)
        network["subnets"].append(item["id"])
        self._sync_dhcp(item)
        return FakeResponse(201, {"subnet": copy.deepcopy(item)})

    def _subnet_update(self, item, attrs):
        readonly = set(attrs) - SUBNET_MUTABLE
        if readonly:
            return bad_request("Cannot update read-only attribute %s" % ", ".join(sorted(readonly)))
        updated = dict(copy.deepcopy(item), **copy.deepcopy(attrs))
        error = self._check_subnet(updated, self.lookup("networks", item["network_id"]))
        if error is not None:
            return error
        if updated["gateway_ip"] != item["gateway_ip"]:
            holder = next((p for p in self.store["ports"] if p["device_owner"] == INTERFACE and {
                "subnet_id": item["id"], "ip_address": item["gateway_ip"]} in p["fixed_ips"]), None)
            if holder is not None:
                return neutron_error(409, "GatewayIpInUse", "Gateway ip %s is in use by port %s. Unable to update."
                                     % (item["gateway_ip"], holder["id"]))
        item.clear()
        item.update(updated)
        self._sync_dhcp(item)
        return FakeResponse(200, {"subnet": copy.deepcopy(item)})

    def _subnet_delete(self, item):
        users = [p for p in self.store["ports"] if p["device_owner"] != DHCP
                 and any(f["subnet_id"] == item["id"] for f in p["fixed_ips"])]
        if users:
            return neutron_error(409, "SubnetInUse", "Unable to complete operation on subnet %s: One or more ports "
                                 "have an IP allocation from this subnet." % item["id"])
        self._remove_ports([p for p in self.store["ports"] if any(f["subnet_id"] == item["id"]
                                                                  for f in p["fixed_ips"])])
        self.store["subnets"].remove(item)
        self.lookup("networks", item["network_id"])["subnets"].remove(item["id"])
        return FakeResponse(204)

    # --- routers ---------------------------------------------------------------------------------
    def _set_gateway(self, router, info):
        """Router gateway to info ({network_id} or None/{}); an error answer or None."""
        old = self.ports_of(device_id=router["id"], device_owner=GATEWAY)
        if not info:
            self._remove_ports(old)
            router["external_gateway_info"] = None
            return None
        network = self.lookup("networks", info.get("network_id"))
        if network is None:
            return neutron_error(404, "NetworkNotFound", "Network %s could not be found." % info.get("network_id"))
        if not network["router:external"]:
            return bad_request("Bad router request: Network %s is not an external network." % network["id"])
        subnet = next((s for s in self.store["subnets"] if s["network_id"] == network["id"]), None)
        if subnet is None:
            return bad_request("Bad router request: No subnet on external network %s." % network["id"])
        self._remove_ports(old)
        port = self._add_port(network["id"], GATEWAY, router["id"], [(subnet["id"], self._free_address(subnet))])
        router["external_gateway_info"] = {"network_id": network["id"], "enable_snat": True,
                                           "external_fixed_ips": copy.deepcopy(port["fixed_ips"])}
        return None

    def _router_create(self, attrs):
        unknown = set(attrs) - ROUTER_ATTRS
        if unknown:
            return bad_request("Unrecognized attribute(s) '%s'" % ", ".join(sorted(unknown)))
        item = {"id": self._id("rtr"), "name": attrs.get("name", ""), "project_id": self.project_id,
                "tenant_id": self.project_id, "status": "ACTIVE", "admin_state_up": True,
                "external_gateway_info": None, "routes": [], "description": attrs.get("description", "")}
        error = self._set_gateway(item, attrs.get("external_gateway_info"))
        if error is not None:
            return error
        self.store["routers"].append(item)
        return FakeResponse(201, {"router": copy.deepcopy(item)})

    def _router_update(self, item, attrs):
        unknown = set(attrs) - ROUTER_ATTRS
        if unknown:
            return bad_request("Cannot update read-only attribute %s" % ", ".join(sorted(unknown)))
        if "external_gateway_info" in attrs:
            error = self._set_gateway(item, attrs["external_gateway_info"])
            if error is not None:
                return error
        item.update({k: v for k, v in attrs.items() if k != "external_gateway_info"})
        return FakeResponse(200, {"router": copy.deepcopy(item)})

    def _router_delete(self, item):
        if self.ports_of(device_id=item["id"], device_owner=INTERFACE):
            return neutron_error(409, "RouterInUse", "Router %s still has ports" % item["id"])
        self._remove_ports(self.ports_of(device_id=item["id"], device_owner=GATEWAY))
        self.store["routers"].remove(item)
        return FakeResponse(204)

    def _router_interface(self, router, action, body):  # noqa: PLR0911 - one answer per refusal
        interfaces = self.ports_of(device_id=router["id"], device_owner=INTERFACE)
        if set(body) - {"subnet_id", "port_id"} or len(body) != 1:
            return bad_request("Bad router request: Either subnet_id or port_id must be specified.")
        subnet = self.lookup("subnets", body.get("subnet_id")) if "subnet_id" in body else None
        if "subnet_id" in body and subnet is None:
            return neutron_error(404, "SubnetNotFound", "Subnet %s could not be found." % body["subnet_id"])
        on_subnet = [p for p in interfaces if subnet and any(f["subnet_id"] == subnet["id"] for f in p["fixed_ips"])]
        if action == "remove_router_interface":
            port = on_subnet[0] if subnet else next((p for p in interfaces if p["id"] == body["port_id"]), None)
            if port is None:
                return neutron_error(404, "RouterInterfaceNotFound", "Router %s does not have an interface with "
                                     "%s" % (router["id"], body))
            self._remove_ports([port])
        else:
            if subnet is None:
                self.unexpected.append(("add_router_interface by port", body))
                return bad_request("not supported by the fake")
            if on_subnet:
                return bad_request("Bad router request: Router already has a port on subnet %s." % subnet["id"])
            if not subnet["gateway_ip"]:
                return bad_request("Bad router request: Subnet for router interface must have a gateway IP.")
            if subnet["gateway_ip"] in self._used(subnet["id"]):
                return neutron_error(409, "IpAddressAlreadyAllocated", "IP address %s already allocated in subnet "
                                     "%s" % (subnet["gateway_ip"], subnet["id"]))
            port = self._add_port(subnet["network_id"], INTERFACE, router["id"],
                                  [(subnet["id"], subnet["gateway_ip"])])
        return FakeResponse(200, {"id": router["id"], "tenant_id": router["project_id"],
                                  "project_id": router["project_id"], "port_id": port["id"],
                                  "network_id": port["network_id"],
                                  "subnet_id": port["fixed_ips"][0]["subnet_id"],
                                  "subnet_ids": [f["subnet_id"] for f in port["fixed_ips"]]})

    # --- security groups -------------------------------------------------------------------------
    def _ensure_default(self, project_id):
        if not any(g["name"] == "default" and g["project_id"] == project_id for g in self.store["security-groups"]):
            self.security_group("default", project_id=project_id)

    @staticmethod
    def _protocol_key(protocol, ethertype):
        if protocol is None:
            return "+"
        text = str(protocol)
        if ethertype == "IPv6":
            if text in ("icmp", "icmpv6"):
                text = "ipv6-icmp"
            elif text == "1":
                text = "58"
        return PROTOCOL_NUMBERS.get(text, text)

    def _rule_key(self, rule):
        """securitygroups_db._rule_to_key."""
        def value(key):
            item = rule.get(key)
            if key == "remote_ip_prefix" and item in ("0.0.0.0/0", "::/0", None):
                return "+"
            if item is None:
                return "+"
            if key == "protocol":
                return self._protocol_key(item, rule.get("ethertype"))
            return str(item)
        keys = ("direction", "ethertype", "port_range_max", "port_range_min", "protocol", "remote_group_id",
                "remote_ip_prefix", "security_group_id")
        return "_".join(value(k) for k in keys)

    def _add_rule(self, attrs):
        group = self.lookup("security-groups", attrs["security_group_id"])
        item = {"id": self._id("sgr"), "security_group_id": group["id"], "project_id": group["project_id"],
                "tenant_id": group["project_id"], "direction": attrs["direction"], "ethertype": attrs["ethertype"],
                "protocol": attrs.get("protocol"), "port_range_min": attrs.get("port_range_min"),
                "port_range_max": attrs.get("port_range_max"), "remote_ip_prefix": attrs.get("remote_ip_prefix"),
                "remote_group_id": attrs.get("remote_group_id"), "description": attrs.get("description", "")}
        self.store["security-group-rules"].append(item)
        return item

    def _rule_create(self, attrs):  # noqa: PLR0911, PLR0912 - Neutron's checks, in its order
        unknown = set(attrs) - RULE_ATTRS
        if unknown:
            return bad_request("Unrecognized attribute(s) '%s'" % ", ".join(sorted(unknown)))
        rule = {k: attrs.get(k) for k in RULE_ATTRS}
        if self.lookup("security-groups", rule["security_group_id"]) is None:
            return neutron_error(404, "SecurityGroupNotFound", "Security group %s does not exist"
                                 % rule["security_group_id"])
        if rule["direction"] not in ("ingress", "egress") or rule["ethertype"] not in ("IPv4", "IPv6"):
            return bad_request("Invalid input for direction or ethertype")
        protocol = rule["protocol"]
        if protocol is not None:
            protocol = str(protocol)
            if protocol not in PROTOCOL_NUMBERS and not (protocol.isdigit() and int(protocol) <= 255):
                return bad_request("Security group rule protocol %s not supported." % protocol)
            if rule["ethertype"] == "IPv6" and protocol in ("icmp", "icmpv6"):
                protocol = "ipv6-icmp"
            elif rule["ethertype"] == "IPv6" and protocol == "1":
                protocol = "58"
            rule["protocol"] = protocol
        number = PROTOCOL_NUMBERS.get(protocol, protocol)
        low, high = rule["port_range_min"], rule["port_range_max"]
        if low is not None or high is not None:
            if protocol is None:
                return bad_request("Must also specify protocol if port range is given.")
            if number in PORT_PROTOCOLS:
                if low == 0 or high == 0:
                    return bad_request("Invalid value for port 0.")
                if low is None or high is None or low > high:
                    return bad_request("For TCP/UDP protocols, port_range_min must be <= port_range_max")
            elif number in ("1", "58"):
                for attr, value in (("port_range_min", low), ("port_range_max", high)):
                    if value is not None and not 0 <= value <= 255:
                        return bad_request("Invalid value for ICMP %s: %s" % (attr, value))
                if low is None:
                    return bad_request("ICMP code (port-range-max) %s is provided but ICMP type (port-range-min) "
                                       "is missing." % high)
            else:
                return bad_request("Invalid protocol %s for port range, only supported for TCP, UDP, UDPLITE, SCTP "
                                   "and DCCP." % number)
        if rule["remote_ip_prefix"]:
            net = ipaddress.ip_interface(rule["remote_ip_prefix"])  # keeps host bits, like netaddr
            rule["remote_ip_prefix"] = str(net)
            if rule["ethertype"] != "IPv%d" % net.version:
                return bad_request("Conflicting value ethertype %s for CIDR %s" % (
                    rule["ethertype"], rule["remote_ip_prefix"]))
        if rule["remote_ip_prefix"] and rule["remote_group_id"]:
            return bad_request("Only remote_ip_prefix or remote_group_id may be provided.")
        if rule["remote_group_id"] and self.lookup("security-groups", rule["remote_group_id"]) is None:
            return neutron_error(404, "SecurityGroupNotFound", "Security group %s does not exist"
                                 % rule["remote_group_id"])
        key = self._rule_key(rule)
        for other in self.store["security-group-rules"]:
            if self._rule_key(other) == key:
                return neutron_error(409, "SecurityGroupRuleExists", "Security group rule already exists. Rule id "
                                     "is %s." % other["id"])
        item = self._add_rule(rule)
        return FakeResponse(201, {"security_group_rule": copy.deepcopy(item)})

    def _security_group_rule_delete(self, item):
        self.store["security-group-rules"].remove(item)
        return FakeResponse(204)
