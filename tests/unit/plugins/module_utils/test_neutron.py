# -*- coding: utf-8 -*-
# Copyright: lab.openstack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The pure functions of module_utils/neutron.py (and network_plan's additions)."""

from __future__ import annotations

import pytest

from ansible_collections.lab.openstack.plugins.module_utils.network_plan import (
    PlanError, conflicts, floating_plan, nameservers)
from ansible_collections.lab.openstack.plugins.module_utils.neutron import (
    NeutronModule, collection_key, network_view, parse_protocol, prefix_key, protocol_key, remote_prefix,
    router_view, rule_key, rule_ports, singular_key, sorted_pools, subnet_view, wire_protocol, with_id)
from ansible_collections.lab.openstack.plugins.module_utils.openstack import OpenStackError


def test_collection_keys():
    assert collection_key("security-groups") == "security_groups"
    assert singular_key("security-group-rules") == "security_group_rule"
    assert singular_key("networks") == "network"


def test_paths_quote_ids_and_encode_filters():
    assert NeutronModule.path("networks") == "v2.0/networks"
    assert NeutronModule.path("routers", "r 1", "add_router_interface") == "v2.0/routers/r%201/add_router_interface"
    assert NeutronModule.path("agents", agent_type="Linux bridge agent", host=None) == \
        "v2.0/agents?agent_type=Linux+bridge+agent"


def test_only_names_every_duplicate():
    items = [{"id": "a", "project_id": "p1"}, {"id": "b", "tenant_id": "p2"}]
    with pytest.raises(OpenStackError, match=r"name: 2 networks are named 'x' \(a of project p1, b of project p2\)"):
        NeutronModule.only(items, "network", "name", "x")
    with pytest.raises(OpenStackError, match="fixed_networks: no network is named 'x' in here; hint"):
        NeutronModule.only([], "network", "fixed_networks", "x", where=" in here", hint="; hint")
    assert NeutronModule.only([], "network", "name", "x", required=False) is None
    assert NeutronModule.only(items[:1], "network", "name", "x") == items[0]


@pytest.mark.parametrize("value, expected", [
    ("icmp", "icmp"), ("TCP", "tcp"), (" udp ", "udp"), ("any", None), (None, None),
    ("6", "tcp"), ("17", "udp"), ("1", "icmp"), ("47", "47"), ("058", "58"), ("0", "0"),
])
def test_parse_protocol(value, expected):
    assert parse_protocol(value) == expected


@pytest.mark.parametrize("value", ["gre", "256", "-1", "tcp/22"])
def test_parse_protocol_refused(value):
    with pytest.raises(OpenStackError, match="is not icmp, tcp, udp, any or a protocol number"):
        parse_protocol(value)


@pytest.mark.parametrize("protocol, low, high, expected", [
    ("icmp", -1, -1, (None, None)),
    ("icmp", None, None, (None, None)),
    ("icmp", 8, -1, (8, None)),
    ("icmp", 8, 0, (8, 0)),
    ("tcp", 22, 22, (22, 22)),
    ("udp", 1, 65535, (1, 65535)),
    (None, -1, -1, (None, None)),
    ("47", None, None, (None, None)),
])
def test_rule_ports(protocol, low, high, expected):
    assert rule_ports(protocol, low, high) == expected


@pytest.mark.parametrize("protocol, low, high, message", [
    ("tcp", None, 22, "protocol tcp needs from_port and to_port"),
    ("tcp", -1, -1, "protocol tcp needs from_port and to_port"),
    ("udp", 0, 10, "from_port 0 is not a port from 1 to 65535"),
    ("tcp", 1, 70000, "to_port 70000 is not a port"),
    ("tcp", 80, 22, "from_port 80 is above to_port 22"),
    ("icmp", 300, -1, "from_port 300 is not an ICMP type"),
    ("icmp", 8, 256, "to_port 256 is not an ICMP code"),
    ("icmp", -1, 0, "to_port 0 is an ICMP code without a type"),
    (None, 22, 22, "apply to tcp, udp and icmp only, not to protocol any"),
    ("47", 1, None, "not to protocol 47"),
])
def test_rule_ports_refused(protocol, low, high, message):
    with pytest.raises(OpenStackError, match=message):
        rule_ports(protocol, low, high)


@pytest.mark.parametrize("cidr, expected", [
    ("0.0.0.0/0", ("0.0.0.0/0", "IPv4")),
    ("10.0.0.1", ("10.0.0.1/32", "IPv4")),
    (" 10.0.0.0/8 ", ("10.0.0.0/8", "IPv4")),
    ("2001:db8::1", ("2001:db8::1/128", "IPv6")),
    ("::/0", ("::/0", "IPv6")),
    ("2001:DB8::/32", ("2001:db8::/32", "IPv6")),
])
def test_remote_prefix(cidr, expected):
    assert remote_prefix(cidr) == expected


@pytest.mark.parametrize("cidr, message", [
    ("10.0.0.1/8", r"cidr 10.0.0.1/8 has host bits set; the network is 10.0.0.0/8 \(or give 10.0.0.1/32"),
    ("2001:db8::1/64", r"has host bits set; the network is 2001:db8::/64 \(or give 2001:db8::1/128"),
    ("10.0.0.300", "is not an IP address or network"),
    ("any", "is not an IP address or network"),
    ("10.0.0.0/33", "is not an IP address or network"),
])
def test_remote_prefix_refused(cidr, message):
    with pytest.raises(OpenStackError, match=message):
        remote_prefix(cidr)


def test_protocol_key_is_neutrons_comparison():
    assert protocol_key("tcp", "IPv4") == protocol_key("6", "IPv4") == "6"
    assert protocol_key("icmp", "IPv6") == protocol_key("ipv6-icmp", "IPv6") == protocol_key("1", "IPv6") == "58"
    assert protocol_key("icmpv6", "IPv6") == "58"
    assert protocol_key("icmp", "IPv4") == "1"
    assert protocol_key(None, "IPv4") is None
    assert protocol_key("any", "IPv4") is None
    assert protocol_key("47", "IPv4") == "47"


def test_prefix_key():
    assert prefix_key(None) is None
    assert prefix_key("0.0.0.0/0") is None
    assert prefix_key("::/0") is None
    assert prefix_key("10.0.0.1/32") == "10.0.0.1/32"
    assert prefix_key("10.0.0.1/24") == "10.0.0.0/24"  # stored by another client with host bits
    assert prefix_key("junk") == "junk"


def test_rule_key_matches_neutron_s_stored_forms():
    mine = {"direction": "ingress", "ethertype": "IPv4", "protocol": "icmp", "port_range_min": None,
            "port_range_max": None, "remote_group_id": None, "remote_ip_prefix": "0.0.0.0/0"}
    stored = dict(mine, protocol="1", remote_ip_prefix=None, id="x", description="")
    assert rule_key(mine) == rule_key(stored)
    assert rule_key(mine) != rule_key(dict(stored, port_range_min=8))
    assert rule_key(mine) != rule_key(dict(stored, direction="egress"))


def test_wire_protocol():
    assert wire_protocol("icmp", "IPv6") == "ipv6-icmp"
    assert wire_protocol("icmp", "IPv4") == "icmp"
    assert wire_protocol(None, "IPv6") is None


def test_views_use_names():
    network = {"id": "n1", "name": "private", "provider:network_type": "flat", "provider:physical_network": "private",
               "shared": True, "router:external": False, "status": "ACTIVE"}
    assert network_view(network) == {"name": "private", "network_type": "flat", "physical_network": "private",
                                     "shared": True, "external": False}
    assert network_view(None) is None
    subnet = {"id": "s1", "name": "private-subnet", "cidr": "10.0.0.0/24", "gateway_ip": "10.0.0.1",
              "allocation_pools": [{"start": "10.0.0.100", "end": "10.0.0.200"},
                                   {"start": "10.0.0.9", "end": "10.0.0.20"}],
              "enable_dhcp": True, "dns_nameservers": None}
    view = subnet_view(subnet, "private")
    assert view["allocation_pools"] == [{"start": "10.0.0.9", "end": "10.0.0.20"},
                                        {"start": "10.0.0.100", "end": "10.0.0.200"}]
    assert view["dns_nameservers"] == []
    assert view["network"] == "private"
    assert subnet_view(None, "x") is None
    router = router_view({"id": "r", "name": "router1"}, "public", [
        {"network": "b", "subnet": "b-subnet", "ip_address": "10.1.0.1"},
        {"network": "a", "subnet": "a-subnet", "ip_address": "10.0.0.1"}])
    assert [i["network"] for i in router["interfaces"]] == ["a", "b"]
    assert router_view(None, "public", []) is None
    assert with_id(view, subnet)["id"] == "s1"
    assert with_id(None, subnet) is None


def test_sorted_pools_drops_extra_keys():
    assert sorted_pools([{"start": "10.0.0.2", "end": "10.0.0.3", "x": 1}]) == [
        {"start": "10.0.0.2", "end": "10.0.0.3"}]
    assert sorted_pools(None) == []


# --- network_plan additions -------------------------------------------------------------------------

def test_conflicts_compares_the_new_range_only():
    existing = [("a", "10.0.0.0/24"), ("b", "10.0.0.0/24"), ("c", "172.16.0.0/16")]
    assert conflicts("fixed_range_v4", "172.16.5.0/24", existing) == [
        "fixed_range_v4 172.16.5.0/24 and c 172.16.0.0/16 overlap"]
    assert conflicts("fixed_range_v4", "192.168.0.0/24", existing) == []


def test_nameservers():
    assert nameservers(["192.168.1.1", " 2001:DB8::1 "]) == ["192.168.1.1", "2001:db8::1"]
    assert nameservers(None) == []
    with pytest.raises(PlanError, match=r"dns_nameservers: 'dns\.example' is not an IP address"):
        nameservers(["dns.example"])
    with pytest.raises(PlanError, match=r"dns_nameservers: 8\.8\.8\.8 is listed twice"):
        nameservers(["8.8.8.8", "8.8.8.8"])


def test_floating_range_of_only_the_broadcast_address():
    with pytest.raises(PlanError, match="holds only the network or broadcast address of external_cidr"):
        floating_plan("192.168.1.255/32", "192.168.1.0/24", "192.168.1.1")
