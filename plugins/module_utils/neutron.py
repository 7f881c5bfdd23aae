# -*- coding: utf-8 -*-
# Copyright: lab.openstack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Networking v2.0 (Neutron) helpers shared by nova_network and nova_secgroup_rule.

``NeutronModule`` is a KeystoneModule (project names still resolve through Keystone)
whose requests go to the ``network`` service, under ``v2.0/``. Lookups by name fail with
one clear sentence when nothing or more than one thing answers to the name.

The pure functions at the bottom turn the nova commands' arguments into Neutron's terms
(a security group rule as Neutron stores it, with the same normalisation Neutron applies
when it looks for duplicates) and build the name-only views shown in results and diffs.
Address arithmetic uses the standard library's ipaddress: nothing to install on the host.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import quote, urlencode

from ansible_collections.lab.openstack.plugins.module_utils.keystone import KeystoneModule
from ansible_collections.lab.openstack.plugins.module_utils.openstack import OpenStackError, error_message

API = "v2.0"


def collection_key(collection):
    """The key of a listing's body: security-groups -> security_groups."""
    return collection.replace("-", "_")


def singular_key(collection):
    """The key of one resource's body: security-group-rules -> security_group_rule."""
    return collection_key(collection)[:-1]


class NeutronModule(KeystoneModule):
    """KeystoneModule talking to Neutron: list/show/create/update/delete under v2.0/."""

    service_type = "network"

    # --- REST ----------------------------------------------------------------------------
    @staticmethod
    def path(collection, ident=None, action=None, **filters):
        path = "%s/%s" % (API, collection)
        if ident is not None:
            path += "/" + quote(str(ident), safe="")
        if action is not None:
            path += "/" + action
        query = [(k, v) for k, v in filters.items() if v is not None]
        if query:
            path += "?" + urlencode(query)
        return path

    def list(self, collection, **filters):
        return self.get(self.path(collection, **filters))[collection_key(collection)]

    def show(self, collection, ident):
        return self.get(self.path(collection, ident))[singular_key(collection)]

    def create(self, collection, attrs):
        key = singular_key(collection)
        return self.request("POST", self.path(collection), json={key: attrs}).json()[key]

    def update(self, collection, ident, attrs):
        key = singular_key(collection)
        return self.request("PUT", self.path(collection, ident), json={key: attrs}).json()[key]

    def delete(self, collection, ident, ok=(204,)):
        """DELETE; the response (its status is one of ok)."""
        return self.request("DELETE", self.path(collection, ident), ok=ok)

    def router_action(self, router_id, action, body):
        """add_router_interface / remove_router_interface."""
        return self.request("PUT", self.path("routers", router_id, action), json=body).json()

    # --- lookups ---------------------------------------------------------------------------
    @staticmethod
    def only(items, what, parameter, name, *, required=True, where="", hint=""):
        """The one item of items; a clear failure for none (when required) or several."""
        if len(items) > 1:
            raise OpenStackError("%s: %d %ss are named %r%s (%s); rename or delete the extra ones" % (
                parameter, len(items), what, name, where, ", ".join(
                    "%s of project %s" % (i["id"], i.get("project_id") or i.get("tenant_id") or "?")
                    for i in items)))
        if not items:
            if required:
                raise OpenStackError("%s: no %s is named %r%s%s" % (parameter, what, name, where, hint))
            return None
        return items[0]

    def by_name(self, collection, name, parameter, *, what=None, required=True, where="", hint="", **filters):
        """The one resource of collection called name (with the filters given, which Neutron
        applies and which are checked again here)."""
        found = [i for i in self.list(collection, name=name, **filters)
                 if i.get("name") == name and all(i.get(k) == v for k, v in filters.items())]
        return self.only(found, what or singular_key(collection).replace("_", " "), parameter, name,
                         required=required, where=where, hint=hint)

    def caller_project_id(self):
        """The project of the token (None with a system-scoped token)."""
        return self.session.get_project_id()

    @staticmethod
    def reason(response):
        """Neutron's own words of an error answer (its NeutronError message)."""
        return error_message(response)


# --- security group rules: the nova command's arguments in Neutron's terms ------------------

PROTOCOL_NUMBERS = {"icmp": 1, "tcp": 6, "udp": 17, "ipv6-icmp": 58}
PROTOCOL_NAMES = {str(v): k for k, v in PROTOCOL_NUMBERS.items()}
PORT_PROTOCOLS = ("tcp", "udp")
ALL_ADDRESSES = ("0.0.0.0/0", "::/0")


def parse_protocol(value):
    """None for any protocol, icmp/tcp/udp, or another protocol's number as a string."""
    text = str(value if value is not None else "any").strip().lower()
    if text in ("any", ""):
        return None
    if text in ("icmp", "tcp", "udp"):
        return text
    if text.isdigit() and 0 <= int(text) <= 255:
        number = str(int(text))
        name = PROTOCOL_NAMES.get(number)
        return name if name in ("icmp", "tcp", "udp") else number
    raise OpenStackError("protocol %r is not icmp, tcp, udp, any or a protocol number from 0 to 255" % (value,))


def rule_ports(protocol, from_port, to_port):
    """(port_range_min, port_range_max) of nova's from_port/to_port: -1 means any
    (Neutron's None); for icmp they are the type and the code."""
    low = None if from_port in (None, -1) else from_port
    high = None if to_port in (None, -1) else to_port
    if protocol in PORT_PROTOCOLS:
        if low is None or high is None:
            raise OpenStackError("protocol %s needs from_port and to_port (1 to 65535), such as 22 and 22"
                                 % protocol)
        for option, port in (("from_port", low), ("to_port", high)):
            if not 1 <= port <= 65535:
                raise OpenStackError("%s %s is not a port from 1 to 65535" % (option, port))
        if low > high:
            raise OpenStackError("from_port %s is above to_port %s" % (low, high))
        return low, high
    if protocol == "icmp":
        for option, value, what in (("from_port", low, "type"), ("to_port", high, "code")):
            if value is not None and not 0 <= value <= 255:
                raise OpenStackError("%s %s is not an ICMP %s from 0 to 255 (or -1 for any)" % (option, value, what))
        if low is None and high is not None:
            raise OpenStackError("to_port %s is an ICMP code without a type: give from_port (the type) too"
                                 % high)
        return low, high
    if low is not None or high is not None:
        raise OpenStackError("from_port and to_port apply to tcp, udp and icmp only, not to protocol %s; "
                             "leave them out (or -1)" % (protocol or "any"))
    return None, None


def remote_prefix(cidr):
    """(prefix, ethertype) of a cidr option: an address alone becomes a /32 (/128 for IPv6);
    host bits set are refused, since the rule would not say what was meant."""
    text = str(cidr).strip()
    try:
        if "/" in text:
            net = ipaddress.ip_network(text, strict=False)
        else:
            net = ipaddress.ip_network(ipaddress.ip_address(text))
    except ValueError as exc:
        raise OpenStackError("cidr %r is not an IP address or network (such as 0.0.0.0/0 or 10.0.0.1/32)"
                             % (cidr,)) from exc
    if "/" in text and net.network_address != ipaddress.ip_interface(text).ip:
        raise OpenStackError("cidr %s has host bits set; the network is %s (or give %s/%d for the one address)" % (
            text, net, ipaddress.ip_interface(text).ip, net.max_prefixlen))
    return str(net), "IPv%d" % net.version


def protocol_key(protocol, ethertype):
    """A protocol as Neutron compares it: its number as a string, ICMP over IPv6 being 58."""
    if protocol in (None, "", "any"):
        return None
    text = str(protocol).strip().lower()
    if text in ("icmpv6", "ipv6-icmp"):
        text = "58"
    if ethertype == "IPv6" and text in ("icmp", "1"):
        text = "58"
    return str(PROTOCOL_NUMBERS.get(text, text))


def prefix_key(prefix):
    if prefix in (None, "") or prefix in ALL_ADDRESSES:
        return None
    try:
        return str(ipaddress.ip_interface(prefix).network)
    except ValueError:
        return prefix


def rule_key(rule):
    """What makes two rules the same rule (Neutron's duplicate check, and one more step:
    a prefix with host bits is its network)."""
    return (
        rule.get("direction"),
        rule.get("ethertype"),
        protocol_key(rule.get("protocol"), rule.get("ethertype")),
        rule.get("port_range_min"),
        rule.get("port_range_max"),
        rule.get("remote_group_id"),
        prefix_key(rule.get("remote_ip_prefix")),
    )


def wire_protocol(protocol, ethertype):
    """The protocol to send: ICMP over IPv6 is ipv6-icmp (Neutron's canonical name)."""
    if protocol == "icmp" and ethertype == "IPv6":
        return "ipv6-icmp"
    return protocol


# --- views: names, never IDs ----------------------------------------------------------------

def sorted_pools(pools):
    return sorted(({"start": p["start"], "end": p["end"]} for p in pools or []),
                  key=lambda p: ipaddress.ip_address(p["start"]))


def network_view(network):
    if not network:
        return None
    return {
        "name": network.get("name"),
        "network_type": network.get("provider:network_type"),
        "physical_network": network.get("provider:physical_network"),
        "shared": network.get("shared"),
        "external": network.get("router:external"),
    }


def subnet_view(subnet, network_name):
    if not subnet:
        return None
    return {
        "name": subnet.get("name"),
        "network": network_name,
        "cidr": subnet.get("cidr"),
        "gateway_ip": subnet.get("gateway_ip"),
        "allocation_pools": sorted_pools(subnet.get("allocation_pools")),
        "enable_dhcp": subnet.get("enable_dhcp"),
        "dns_nameservers": list(subnet.get("dns_nameservers") or []),
    }


def router_view(router, external_network, interfaces):
    """interfaces: [{network, subnet, ip_address}] by names."""
    if not router:
        return None
    return {
        "name": router.get("name"),
        "external_network": external_network,
        "interfaces": sorted(interfaces, key=lambda i: (i["network"] or "", i["subnet"] or "")),
    }


def with_id(view, resource):
    """A view with the resource's ID added (results show it; diffs do not)."""
    if view is None:
        return None
    return dict(view, id=(resource or {}).get("id"))
