# -*- coding: utf-8 -*-
# Copyright: lab.openstack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""lab.openstack.nova_network end to end through main(), on a fake Neutron and Keystone."""

from __future__ import annotations

import os

import pytest

from ansible_collections.lab.openstack.plugins.modules import nova_network
from ansible_collections.lab.openstack.tests.unit.plugins.modules.fake_neutron import FakeNeutron
from ansible_collections.lab.openstack.tests.unit.plugins.modules.fake_keystone import install_session, run_module

FIXED = dict(name="private", fixed_range_v4="172.16.0.0/24", dhcp_start="172.16.0.10", bridge="br1",
             physical_network="private")
FLOATING = dict(name="public", ip_range="192.168.1.224/27", external_cidr="192.168.1.0/24", gateway="192.168.1.1",
                bridge="br0", physical_network="external", router="router1", fixed_networks=["private"])
LOCAL = os.uname()[1]  # the host the module runs on, as the agents name it
REMOTE = "compute-" + LOCAL  # another host
FIX = ("set [linux_bridge] physical_interface_mappings = private:br1-ext in linuxbridge_agent.ini, br1-ext being the "
       "free end of a veth pair whose other end is a port of br1, and restart the agent (bridge_mappings = private:br1 "
       "alone leaves instances on a brq bridge with Zed's nova)")


@pytest.fixture
def sysfs(tmp_path, monkeypatch):
    root = tmp_path / "class-net"
    for bridge in ("br0", "br1"):
        (root / bridge / "bridge").mkdir(parents=True)
    (root / "eth0").mkdir()
    monkeypatch.setattr(nova_network, "SYSFS_NET", str(root))
    return root


@pytest.fixture
def neutron(monkeypatch, sysfs):
    fake = FakeNeutron()
    install_session(monkeypatch, fake)
    fake.agent("ctrl", {"external": "br0", "private": "br1"})
    yield fake
    assert fake.unexpected == [], "requests the fake Neutron does not know"


@pytest.fixture
def run(monkeypatch, neutron):
    def runner(params, check_mode=False, diff=False):
        return run_module(monkeypatch, nova_network, params, check_mode=check_mode, diff=diff)

    return runner


def writes(fake):
    return [(c.method, c.path) for c in fake.net_writes]


def ok(result):
    assert not result.get("failed"), result.get("msg")
    return result


@pytest.fixture
def private(neutron, run):
    """The tutorial's fixed network, made by the module."""
    ok(run(dict(FIXED)))
    neutron.net_calls.clear()
    return neutron.the("networks", "private")


@pytest.fixture
def public(neutron, run, private):
    """The tutorial's floating range with router1 linked to private, made by the module."""
    ok(run(dict(FLOATING)))
    neutron.net_calls.clear()
    return neutron.the("networks", "public")


# --- the fixed form ---------------------------------------------------------------------------------------

def test_fixed_creates_a_flat_network_and_its_dhcp_subnet(neutron, run):
    result = ok(run(dict(FIXED)))

    assert result["changed"] is True
    network = neutron.the("networks", "private")
    assert network["provider:network_type"] == "flat"
    assert network["provider:physical_network"] == "private"
    assert network["shared"] is True
    assert network["router:external"] is False
    subnet = neutron.the("subnets", "private-subnet")
    assert subnet["network_id"] == network["id"]
    assert subnet["cidr"] == "172.16.0.0/24"
    assert subnet["gateway_ip"] == "172.16.0.1"
    assert subnet["allocation_pools"] == [{"start": "172.16.0.10", "end": "172.16.0.254"}]
    assert subnet["enable_dhcp"] is True
    assert [p["fixed_ips"][0]["ip_address"] for p in neutron.ports_of(device_owner="network:dhcp")] == ["172.16.0.10"]
    assert writes(neutron) == [("POST", "v2.0/networks"), ("POST", "v2.0/subnets")]
    assert result["network"] == {"id": network["id"], "name": "private", "network_type": "flat",
                                 "physical_network": "private", "shared": True, "external": False}
    assert result["subnet"] == {"id": subnet["id"], "name": "private-subnet", "network": "private",
                                "cidr": "172.16.0.0/24", "gateway_ip": "172.16.0.1",
                                "allocation_pools": [{"start": "172.16.0.10", "end": "172.16.0.254"}],
                                "enable_dhcp": True, "dns_nameservers": []}
    assert result["router"] is None


def test_fixed_second_run_changes_nothing(neutron, run, private):
    before = neutron.snapshot()

    result = ok(run(dict(FIXED)))

    assert result["changed"] is False
    assert writes(neutron) == []
    assert neutron.snapshot() == before
    assert result["network"]["id"] == private["id"]


def test_a_network_left_without_its_subnet_gets_it(neutron, run):
    network = neutron.network("private", **{"provider:network_type": "flat", "provider:physical_network": "private",
                                            "shared": True})

    result = ok(run(dict(FIXED)))

    assert result["changed"] is True
    assert writes(neutron) == [("POST", "v2.0/subnets")]
    assert neutron.the("subnets", "private-subnet")["network_id"] == network["id"]
    assert result["network"]["id"] == network["id"]


def test_fixed_with_every_option(neutron, run):
    result = ok(run(dict(FIXED, dhcp_end="172.16.0.100", gateway="172.16.0.254", shared=False,
                         dns_nameservers=["192.168.1.1", "9.9.9.9"], subnet_name="private-v4")))

    subnet = neutron.the("subnets", "private-v4")
    assert subnet["gateway_ip"] == "172.16.0.254"
    assert subnet["allocation_pools"] == [{"start": "172.16.0.10", "end": "172.16.0.100"}]
    assert subnet["dns_nameservers"] == ["192.168.1.1", "9.9.9.9"]
    assert neutron.the("networks", "private")["shared"] is False
    assert result["subnet"]["name"] == "private-v4"


def test_fixed_mutable_differences_are_updated_in_place(neutron, run, private):
    subnet = neutron.the("subnets", "private-subnet")

    result = ok(run(dict(FIXED, dhcp_start="172.16.0.50", dhcp_end="172.16.0.99", shared=False,
                         dns_nameservers=["192.168.1.1"])))

    assert result["changed"] is True
    assert writes(neutron) == [("PUT", "v2.0/networks/%s" % private["id"]), ("PUT", "v2.0/subnets/%s" % subnet["id"])]
    assert neutron.net_writes[0].json == {"network": {"shared": False}}
    assert neutron.net_writes[1].json == {"subnet": {
        "allocation_pools": [{"start": "172.16.0.50", "end": "172.16.0.99"}], "dns_nameservers": ["192.168.1.1"]}}
    stored = neutron.the("subnets", "private-subnet")
    assert stored["id"] == subnet["id"]
    assert stored["allocation_pools"] == [{"start": "172.16.0.50", "end": "172.16.0.99"}]
    assert neutron.the("networks", "private")["shared"] is False


def test_fixed_gateway_is_updated(neutron, run, private):
    ok(run(dict(FIXED, gateway="172.16.0.254", dhcp_end="172.16.0.200")))

    subnet = neutron.the("subnets", "private-subnet")
    assert subnet["gateway_ip"] == "172.16.0.254"
    assert subnet["allocation_pools"] == [{"start": "172.16.0.10", "end": "172.16.0.200"}]


def test_dns_nameservers_left_alone_when_not_given_and_emptied_with_a_list(neutron, run):
    ok(run(dict(FIXED, dns_nameservers=["192.168.1.1"])))
    neutron.net_calls.clear()

    assert ok(run(dict(FIXED)))["changed"] is False
    assert writes(neutron) == []
    assert neutron.the("subnets", "private-subnet")["dns_nameservers"] == ["192.168.1.1"]

    assert ok(run(dict(FIXED, dns_nameservers=[])))["changed"] is True
    assert neutron.the("subnets", "private-subnet")["dns_nameservers"] == []


def test_check_mode_predicts_the_creation_and_writes_nothing(neutron, run):
    result = ok(run(dict(FIXED), check_mode=True, diff=True))

    assert result["changed"] is True
    assert writes(neutron) == []
    assert neutron.store["networks"] == [] and neutron.store["subnets"] == []
    assert result["network"]["id"] is None
    assert result["subnet"]["allocation_pools"] == [{"start": "172.16.0.10", "end": "172.16.0.254"}]
    assert result["diff"]["before"] == {"network": None, "subnet": None, "router": None}
    assert result["diff"]["after"]["network"] == {"name": "private", "network_type": "flat",
                                                  "physical_network": "private", "shared": True, "external": False}
    assert result["diff"]["after"]["subnet"]["gateway_ip"] == "172.16.0.1"


def test_check_mode_predicts_an_update(neutron, run, private):
    before = neutron.snapshot()

    result = ok(run(dict(FIXED, dhcp_start="172.16.0.20", shared=False), check_mode=True, diff=True))

    assert result["changed"] is True
    assert writes(neutron) == []
    assert neutron.snapshot() == before
    assert result["subnet"]["allocation_pools"] == [{"start": "172.16.0.20", "end": "172.16.0.254"}]
    assert result["network"]["shared"] is False
    assert result["diff"]["before"]["network"]["shared"] is True


def test_diff_shows_names_not_ids(neutron, run, private):
    result = ok(run(dict(FIXED, dhcp_start="172.16.0.20"), diff=True))

    before, after = result["diff"]["before"], result["diff"]["after"]
    assert before["subnet"]["allocation_pools"] == [{"start": "172.16.0.10", "end": "172.16.0.254"}]
    assert after["subnet"]["allocation_pools"] == [{"start": "172.16.0.20", "end": "172.16.0.254"}]
    assert before["network"] == after["network"]
    assert all("id" not in view for side in (before, after) for view in side.values() if view)
    assert private["id"] not in str(result["diff"])


# --- checks before any write -------------------------------------------------------------------------------

@pytest.mark.parametrize("params, message", [
    (dict(FIXED, fixed_range_v4="172.16.0.1/24"), "fixed_range_v4 '172.16.0.1/24' has host bits set"),
    (dict(FIXED, fixed_range_v4="172.16.0.0"), "fixed_range_v4 '172.16.0.0' is not a network in CIDR form"),
    (dict(FIXED, fixed_range_v4="private/24"), "fixed_range_v4 'private/24' is not an IPv4 network"),
    (dict(FIXED, dhcp_start="172.16.1.10"), "dhcp_start 172.16.1.10 is outside fixed_range_v4 172.16.0.0/24"),
    (dict(FIXED, dhcp_start="172.16.0.0"), "dhcp_start 172.16.0.0 is the network address of 172.16.0.0/24"),
    (dict(FIXED, dhcp_start="172.16.0.255"), "dhcp_start 172.16.0.255 is the broadcast address of 172.16.0.0/24"),
    (dict(FIXED, dhcp_end="172.16.0.5"), "dhcp_end 172.16.0.5 comes before dhcp_start 172.16.0.10"),
    (dict(FIXED, gateway="172.16.0.20"), "the gateway 172.16.0.20 is inside the DHCP range"),
    (dict(FIXED, dns_nameservers=["ns1"]), "dns_nameservers: 'ns1' is not an IP address"),
    (dict(FIXED, bridge="br/1"), "bridge 'br/1' is not a Linux interface name"),
    (dict(FIXED, bridge="a-very-long-bridge"), "is not a Linux interface name"),
    (dict(FIXED, physical_network=" "), "physical_network must not be empty"),
    (dict(FIXED, subnet_name=""), "subnet_name must not be empty"),
    (dict(FLOATING, ip_range="192.168.2.224/27"), "ip_range 192.168.2.224/27 is not inside external_cidr"),
    (dict(FLOATING, ip_range="192.168.1.0/27"), "ip_range 192.168.1.0/27 holds the gateway 192.168.1.1"),
    (dict(FLOATING, ip_range="192.168.1.224"), "ip_range '192.168.1.224' is not a range in CIDR form"),
    (dict(FLOATING, ip_range="192.168.1.230/27"), "ip_range '192.168.1.230/27' has host bits set"),
    (dict(FLOATING, external_cidr="192.168.1.1/24"), "external_cidr '192.168.1.1/24' has host bits set"),
    (dict(FLOATING, gateway="10.0.0.1"), "gateway 10.0.0.1 is outside external_cidr 192.168.1.0/24"),
    (dict(FLOATING, fixed_networks=["private", "private"]), "fixed_networks lists private twice"),
    (dict(FLOATING, fixed_networks=["public"]), "fixed_networks lists public, the external network itself"),
    (dict(FLOATING, fixed_networks=[""]), "fixed_networks must not be empty"),
])
def test_bad_input_fails_before_any_request(neutron, run, params, message):
    result = run(params)

    assert result["failed"] is True
    assert message in result["msg"]
    assert neutron.net_calls == []


@pytest.mark.parametrize("params, message", [
    (dict(FIXED, ip_range="192.168.1.224/27"), "mutually exclusive: fixed_range_v4|ip_range"),
    (dict(FLOATING, dhcp_start="192.168.1.230"), "mutually exclusive: ip_range|dhcp_start"),
    (dict(FIXED, router="router1"), "mutually exclusive: fixed_range_v4|router"),
    (dict(FIXED, fixed_networks=["x"]), "mutually exclusive: fixed_range_v4|fixed_networks"),
    ({k: v for k, v in FIXED.items() if k != "dhcp_start"}, "missing parameter(s) required by 'fixed_range_v4'"),
    ({k: v for k, v in FLOATING.items() if k != "gateway"}, "missing parameter(s) required by 'ip_range'"),
    ({k: v for k, v in FIXED.items() if k != "bridge"}, "state is present but all of the following are missing: "
                                                        "bridge"),
    (dict(name="private"), "state is present but any of the following are missing: fixed_range_v4, ip_range"),
])
def test_option_combinations_refused(neutron, run, params, message):
    result = run(params)

    assert result["failed"] is True
    assert message in result["msg"]
    assert neutron.net_calls == []


def test_missing_bridge_on_the_host(neutron, run, sysfs):
    neutron.agent("net2", {"private": "br7"})

    result = run(dict(FIXED, bridge="br7"))

    assert result["failed"] is True
    assert "bridge br7 does not exist on" in result["msg"]
    assert "(no %s/br7)" % sysfs in result["msg"]
    assert "check_bridge: false" in result["msg"]
    assert neutron.net_calls == []


def test_an_interface_that_is_not_a_bridge(neutron, run, sysfs):
    result = run(dict(FIXED, bridge="eth0"))

    assert result["failed"] is True
    assert "bridge eth0 exists on" in result["msg"] and "but is not a Linux bridge" in result["msg"]
    assert neutron.net_calls == []


def test_check_bridge_false_skips_the_host_but_not_the_agents(neutron, run):
    neutron.agent("net2", {"private": "br7"})

    result = ok(run(dict(FIXED, bridge="br7", check_bridge=False)))

    assert result["changed"] is True
    assert neutron.the("networks", "private")["provider:physical_network"] == "private"


def test_physical_network_must_reach_the_bridge(neutron, run):
    neutron.store["agents"] = []
    neutron.agent("compute1", {"private": "br2", "external": "br0"}, interface_mappings={"external": "eth0"})
    neutron.agent("ctrl", {}, interface_mappings={"external": "br0-ext"})
    neutron.agent("ovs1", {"private": "br1"}, agent_type="Open vSwitch agent")  # not a linuxbridge agent

    result = run(dict(FIXED))

    assert result["failed"] is True
    assert result["msg"] == ("physical_network private reaches bridge br1 through no linuxbridge agent (compute1 maps "
                             "bridges external:br0, private:br2 and interfaces external:eth0; ctrl maps bridges none "
                             "and interfaces external:br0-ext); " + FIX)
    assert [c.path for c in neutron.net_calls] == ["v2.0/agents?agent_type=Linux+bridge+agent"]
    assert neutron.store["networks"] == []


def test_agent_without_mappings_is_listed(neutron, run):
    neutron.store["agents"] = []
    neutron.agent("ctrl", {})

    result = run(dict(FIXED))

    assert result["failed"] is True
    assert "through no linuxbridge agent (ctrl maps bridges none and interfaces none); " in result["msg"]
    assert result["msg"].endswith(FIX)
    assert neutron.net_writes == []


def test_no_linuxbridge_agent_at_all(neutron, run):
    neutron.store["agents"] = []

    result = run(dict(FIXED))

    assert result["failed"] is True
    assert result["msg"] == ("physical_network private: no Neutron linuxbridge agent is registered; start "
                             "neutron-linuxbridge-agent (%s)" % FIX)
    assert [c.path for c in neutron.net_calls] == ["v2.0/agents?agent_type=Linux+bridge+agent"]
    assert neutron.store["networks"] == []


# --- interface mappings (physical_interface_mappings) -------------------------------------------------------

def device(sysfs, name, ifindex, iflink=None, master=None):
    """A fake /sys/class/net/<name>: ifindex, iflink (its own index unless given), master -> ../<master>."""
    path = sysfs / name
    path.mkdir(exist_ok=True)
    (path / "ifindex").write_text("%d\n" % ifindex)
    (path / "iflink").write_text("%d\n" % (ifindex if iflink is None else iflink))
    if master:
        (path / "master").symlink_to("../" + master)
    return path


def veth(sysfs, free_master=None, port_master="br1"):
    """The network role's pair: br1-port (a port of port_master) and br1-ext, the free end."""
    device(sysfs, "br1-port", 11, iflink=12, master=port_master)
    device(sysfs, "br1-ext", 12, iflink=11, master=free_master)


@pytest.fixture
def interface_agent(neutron):
    """The agent of the managed host maps private to br1-ext (and external to the bridge br0)."""
    neutron.store["agents"] = []
    return neutron.agent(LOCAL, {"external": "br0"}, interface_mappings={"private": "br1-ext"})


def refused(neutron, result):
    assert result["failed"] is True
    assert neutron.net_writes == []
    assert neutron.store["networks"] == [] and neutron.store["subnets"] == []
    return result["msg"]


def test_a_bridge_mapping_to_the_bridge_is_enough(neutron, run, sysfs):
    neutron.store["agents"] = []
    neutron.agent(LOCAL, {"private": "br1"}, interface_mappings={"external": "missing0"})

    ok(run(dict(FIXED)))

    assert neutron.the("networks", "private")["provider:physical_network"] == "private"


def test_an_interface_mapping_on_another_host_is_taken_as_it_is(neutron, run, sysfs):
    assert REMOTE != LOCAL
    neutron.store["agents"] = []
    neutron.agent(REMOTE, {}, interface_mappings={"private": "br1-ext"})  # no br1-ext here

    result = ok(run(dict(FIXED)))

    assert result["changed"] is True
    assert neutron.the("networks", "private")["provider:physical_network"] == "private"


@pytest.mark.parametrize("free_master", [None, "brq5f0c1234-ab"], ids=["before-the-agent", "in-the-agent-s-bridge"])
def test_a_local_veth_whose_peer_is_in_the_bridge(neutron, run, sysfs, interface_agent, free_master):
    veth(sysfs, free_master=free_master)

    result = ok(run(dict(FIXED)))

    assert result["changed"] is True
    assert neutron.the("networks", "private")["provider:physical_network"] == "private"
    assert neutron.the("subnets", "private-subnet")["cidr"] == "172.16.0.0/24"


def test_a_local_interface_that_is_a_port_of_the_bridge(neutron, run, sysfs, interface_agent):
    device(sysfs, "br1-ext", 5, master="br1")

    ok(run(dict(FIXED)))

    assert neutron.the("networks", "private")


def test_floating_form_through_a_veth(neutron, run, sysfs):
    neutron.store["agents"] = []
    neutron.agent(LOCAL, {}, interface_mappings={"external": "br0-ext", "private": "br1-ext"})
    veth(sysfs, free_master="brqaaaa")
    device(sysfs, "br0-port", 21, iflink=22, master="br0")
    device(sysfs, "br0-ext", 22, iflink=21, master="brqbbbb")

    ok(run(dict(FIXED)))
    ok(run(dict(FLOATING)))

    assert neutron.the("networks", "public")["provider:physical_network"] == "external"
    assert neutron.the("routers", "router1")


def test_a_missing_local_interface_fails(neutron, run, sysfs, interface_agent):
    msg = refused(neutron, run(dict(FIXED)))

    assert msg == ("physical_network private is mapped to interface br1-ext by the linuxbridge agent of %s, but "
                   "br1-ext does not reach bridge br1: it does not exist on this host (no %s/br1-ext); map "
                   "physical_network to an interface that reaches br1: the free end of a veth pair whose other end is "
                   "a port of br1, e.g. physical_interface_mappings = private:br1-ext" % (LOCAL, sysfs))


@pytest.mark.parametrize("masters, connected", [
    (("brqaaaa", None), "it is a port of bridge brqaaaa, and its veth peer br1-port is a port of no bridge"),
    (("brqaaaa", "br0"), "it is a port of bridge brqaaaa, and its veth peer br1-port is a port of bridge br0"),
    ((None, "br2"), "it is a port of no bridge, and its veth peer br1-port is a port of bridge br2"),
])
@pytest.mark.usefixtures("interface_agent")
def test_a_local_veth_whose_peer_is_not_in_the_bridge(neutron, run, sysfs, masters, connected):
    free_master, port_master = masters
    veth(sysfs, free_master=free_master, port_master=port_master)

    msg = refused(neutron, run(dict(FIXED)))

    assert msg.startswith("physical_network private is mapped to interface br1-ext by the linuxbridge agent of %s, "
                          "but br1-ext does not reach bridge br1: %s; map physical_network to an interface that "
                          "reaches br1: " % (LOCAL, connected))


@pytest.mark.parametrize("master, connected", [
    (None, "it is a port of no bridge and not one end of a veth pair"),
    ("br0", "it is a port of bridge br0 and not one end of a veth pair"),
])
@pytest.mark.usefixtures("interface_agent")
def test_a_local_interface_that_is_no_veth_and_not_in_the_bridge(neutron, run, sysfs, master, connected):
    device(sysfs, "br1-ext", 5, master=master)

    msg = refused(neutron, run(dict(FIXED)))

    assert "but br1-ext does not reach bridge br1: %s; " % connected in msg


def test_a_link_to_a_device_that_is_not_its_peer(neutron, run, sysfs, interface_agent):
    # br1-ext's iflink names br1-port's index, but br1-port does not link back: not a veth pair here
    # (a peer in another network namespace, or a VLAN on br1-port).
    device(sysfs, "br1-port", 11, master="br1")
    device(sysfs, "br1-ext", 12, iflink=11)

    msg = refused(neutron, run(dict(FIXED)))

    assert "br1-ext does not reach bridge br1: it is a port of no bridge and not one end of a veth pair" in msg


def test_an_interface_name_that_is_no_interface(neutron, run, sysfs):
    neutron.store["agents"] = []
    neutron.agent(LOCAL, {}, interface_mappings={"private": ".."})

    msg = refused(neutron, run(dict(FIXED)))

    assert "but .. does not reach bridge br1: '..' is not a Linux interface name; " in msg


def test_check_bridge_false_skips_the_local_interface(neutron, run, sysfs, interface_agent):
    # nothing called br1-ext here
    result = ok(run(dict(FIXED, check_bridge=False)))

    assert result["changed"] is True
    assert neutron.the("networks", "private")


def test_a_broken_local_interface_fails_even_if_another_agent_reaches_the_bridge(
        neutron, run, sysfs, interface_agent):
    neutron.agent(REMOTE, {"private": "br1"})
    veth(sysfs, free_master="brqaaaa", port_master=None)

    msg = refused(neutron, run(dict(FIXED)))

    assert "br1-ext does not reach bridge br1: " in msg


def test_the_agent_s_bridge_mapping_wins_over_its_interface_mapping(neutron, run, sysfs):
    neutron.store["agents"] = []
    neutron.agent(LOCAL, {"private": "br2"}, interface_mappings={"private": "br1-ext"})
    veth(sysfs)

    msg = refused(neutron, run(dict(FIXED)))

    assert msg.startswith("physical_network private reaches bridge br1 through no linuxbridge agent (%s maps bridges "
                          "private:br2 and interfaces private:br1-ext); " % LOCAL)


def test_overlap_with_another_subnet_fails(neutron, run):
    tenant = neutron.network("demo-net")
    neutron.subnet(tenant, "172.16.0.0/16", name="demo-subnet")
    before = neutron.snapshot()

    result = run(dict(FIXED))

    assert result["failed"] is True
    assert result["msg"] == ("fixed_range_v4 172.16.0.0/24 and subnet demo-subnet of network demo-net 172.16.0.0/16 "
                             "overlap; pick another range, or delete the other subnet first")
    assert neutron.snapshot() == before
    assert neutron.net_writes == []


def test_floating_overlap_with_a_fixed_network_fails(neutron, run, private):
    result = run(dict(FLOATING, ip_range="172.16.0.224/27", external_cidr="172.16.0.0/24", gateway="172.16.0.1"))

    assert result["failed"] is True
    assert "external_cidr 172.16.0.0/24 and subnet private-subnet of network private 172.16.0.0/24 overlap" in \
        result["msg"]
    assert neutron.net_writes == []


def test_ipv6_subnets_are_not_compared(neutron, run):
    tenant = neutron.network("v6-net")
    neutron.subnet(tenant, "2001:db8::/64", name="v6-subnet", allocation_pools=[
        {"start": "2001:db8::10", "end": "2001:db8::20"}])

    assert ok(run(dict(FIXED)))["changed"] is True


def test_a_flat_physical_network_carries_one_network(neutron, run):
    neutron.network("old-private", **{"provider:network_type": "flat", "provider:physical_network": "private"})

    result = run(dict(FIXED))

    assert result["failed"] is True
    assert result["msg"].startswith("physical_network private already carries the flat network old-private")
    assert neutron.net_writes == []


def test_two_networks_of_the_name_fail_clearly(neutron, run):
    one = neutron.network("private")
    two = neutron.network("private")

    result = run(dict(FIXED))

    assert result["failed"] is True
    assert "name: 2 networks are named 'private'" in result["msg"]
    assert one["id"] in result["msg"] and two["id"] in result["msg"]
    assert neutron.net_writes == []


# --- differences that cannot change in place ---------------------------------------------------------------

def test_another_cidr_must_be_deleted_first(neutron, run, private):
    before = neutron.snapshot()

    result = run(dict(FIXED, fixed_range_v4="172.16.1.0/24", dhcp_start="172.16.1.10"))

    assert result["failed"] is True
    assert result["msg"] == ("network private exists but its subnet private-subnet is 172.16.0.0/24, not "
                             "172.16.1.0/24; these cannot change in place: delete the network first (state: absent), "
                             "then create it again")
    assert neutron.snapshot() == before
    assert writes(neutron) == []


def test_another_network_type_must_be_deleted_first(neutron, run):
    neutron.network("private")  # a vxlan tenant network

    result = run(dict(FIXED))

    assert result["failed"] is True
    assert "its network type is vxlan, not flat" in result["msg"]
    assert "its physical network is None, not private" in result["msg"]
    assert "delete the network first (state: absent)" in result["msg"]
    assert neutron.net_writes == []


def test_a_fixed_network_is_not_made_external(neutron, run, private):
    result = run(dict(FLOATING, name="private", physical_network="private", bridge="br1", fixed_networks=[]))

    assert result["failed"] is True
    assert "its external flag is False, not True" in result["msg"]
    assert writes(neutron) == []


def test_other_physical_network_must_be_deleted_first(neutron, run, private):
    neutron.flat_networks.append("other")
    neutron.agent("ctrl2", {"other": "br1"})

    result = run(dict(FIXED, physical_network="other"))

    assert result["failed"] is True
    assert "its physical network is private, not other" in result["msg"]
    assert writes(neutron) == []


def test_a_network_with_other_subnets_is_refused(neutron, run, private):
    result = run(dict(FIXED, subnet_name="v4"))

    assert result["failed"] is True
    assert result["msg"] == ("network private has subnets private-subnet (172.16.0.0/24) but none named v4; give "
                             "their name as subnet_name, or delete the network first (state: absent)")
    assert writes(neutron) == []


def test_neutron_refusing_an_update_fails_with_its_message(neutron, run, public):
    # router1's interface holds private's gateway address
    result = run(dict(FIXED, gateway="172.16.0.254", dhcp_end="172.16.0.200"))

    assert result["failed"] is True
    assert "HTTP 409: Gateway ip 172.16.0.1 is in use by port" in result["msg"]
    assert neutron.the("subnets", "private-subnet")["gateway_ip"] == "172.16.0.1"


# --- the floating form --------------------------------------------------------------------------------------

def test_floating_creates_the_external_network_router_and_link(neutron, run, private):
    result = ok(run(dict(FLOATING)))

    assert result["changed"] is True
    public = neutron.the("networks", "public")
    assert public["router:external"] is True
    assert public["shared"] is False
    assert (public["provider:network_type"], public["provider:physical_network"]) == ("flat", "external")
    subnet = neutron.the("subnets", "public-subnet")
    assert subnet["cidr"] == "192.168.1.0/24"
    assert subnet["gateway_ip"] == "192.168.1.1"
    assert subnet["allocation_pools"] == [{"start": "192.168.1.224", "end": "192.168.1.254"}]
    assert subnet["enable_dhcp"] is False
    router = neutron.the("routers", "router1")
    assert router["external_gateway_info"]["network_id"] == public["id"]
    [interface] = neutron.ports_of(device_id=router["id"], device_owner="network:router_interface")
    assert interface["fixed_ips"] == [{"subnet_id": neutron.the("subnets", "private-subnet")["id"],
                                       "ip_address": "172.16.0.1"}]
    [gateway] = neutron.ports_of(device_id=router["id"], device_owner="network:router_gateway")
    assert gateway["fixed_ips"][0]["ip_address"] == "192.168.1.224"
    assert neutron.ports_of(network_id=public["id"], device_owner="network:dhcp") == []
    assert result["router"] == {"id": router["id"], "name": "router1", "external_network": "public",
                                "interfaces": [{"network": "private", "subnet": "private-subnet",
                                                "ip_address": "172.16.0.1"}]}
    assert result["network"]["external"] is True
    assert result["subnet"]["enable_dhcp"] is False


def test_floating_second_run_changes_nothing(neutron, run, public):
    before = neutron.snapshot()

    result = ok(run(dict(FLOATING)))

    assert result["changed"] is False
    assert writes(neutron) == []
    assert neutron.snapshot() == before


def test_router_name_defaults_to_the_network_s(neutron, run, private):
    params = dict(FLOATING)
    del params["router"]

    result = ok(run(params))

    assert neutron.the("routers", "public-router")["external_gateway_info"]["network_id"] == \
        neutron.the("networks", "public")["id"]
    assert result["router"]["name"] == "public-router"


def test_floating_without_fixed_networks(neutron, run):
    result = ok(run(dict(FLOATING, fixed_networks=None)))

    assert result["router"]["interfaces"] == []
    router = neutron.the("routers", "router1")
    assert neutron.ports_of(device_id=router["id"], device_owner="network:router_interface") == []


def test_missing_interface_is_added(neutron, run, public):
    second = neutron.network("demo-net")
    neutron.subnet(second, "10.10.0.0/24", name="demo-subnet")
    router = neutron.the("routers", "router1")

    result = ok(run(dict(FLOATING, fixed_networks=["private", "demo-net"]), diff=True))

    assert result["changed"] is True
    assert writes(neutron) == [("PUT", "v2.0/routers/%s/add_router_interface" % router["id"])]
    assert neutron.net_writes[0].json == {"subnet_id": neutron.the("subnets", "demo-subnet")["id"]}
    assert [i["network"] for i in result["router"]["interfaces"]] == ["demo-net", "private"]
    assert [i["network"] for i in result["diff"]["before"]["router"]["interfaces"]] == ["private"]


def test_interfaces_not_listed_are_kept_unless_purged(neutron, run, public):
    router = neutron.the("routers", "router1")
    private_port = neutron.ports_of(device_id=router["id"], device_owner="network:router_interface")[0]

    kept = ok(run(dict(FLOATING, fixed_networks=[])))
    assert kept["changed"] is False
    assert neutron.ports_of(device_id=router["id"], device_owner="network:router_interface") == [private_port]

    purged = ok(run(dict(FLOATING, fixed_networks=[], purge_interfaces=True), diff=True))
    assert purged["changed"] is True
    assert writes(neutron) == [("PUT", "v2.0/routers/%s/remove_router_interface" % router["id"])]
    assert neutron.net_writes[0].json == {"port_id": private_port["id"]}
    assert neutron.ports_of(device_id=router["id"], device_owner="network:router_interface") == []
    assert purged["router"]["interfaces"] == []
    assert purged["diff"]["before"]["router"]["interfaces"][0]["ip_address"] == "172.16.0.1"


def test_router_gateway_on_another_network_is_moved(neutron, run, public):
    router = neutron.the("routers", "router1")
    old = neutron.network("old-ext", **{"router:external": True})
    neutron.subnet(old, "203.0.113.0/24", name="old-ext-subnet", enable_dhcp=False)
    assert neutron._router_update(router, {"external_gateway_info": {"network_id": old["id"]}}).status_code == 200

    result = ok(run(dict(FLOATING), diff=True))

    assert result["changed"] is True
    assert writes(neutron) == [("PUT", "v2.0/routers/%s" % router["id"])]
    assert neutron.the("routers", "router1")["external_gateway_info"]["network_id"] == public["id"]
    assert result["diff"]["before"]["router"]["external_network"] == "old-ext"
    assert result["diff"]["after"]["router"]["external_network"] == "public"


def test_floating_check_mode_predicts_router_and_interfaces(neutron, run, private):
    before = neutron.snapshot()

    result = ok(run(dict(FLOATING), check_mode=True, diff=True))

    assert result["changed"] is True
    assert writes(neutron) == []
    assert neutron.snapshot() == before
    assert result["router"] == {"id": None, "name": "router1", "external_network": "public",
                                "interfaces": [{"network": "private", "subnet": "private-subnet",
                                                "ip_address": "172.16.0.1"}]}
    assert result["diff"]["after"]["router"]["interfaces"][0]["subnet"] == "private-subnet"
    assert result["diff"]["before"]["router"] is None


def test_check_mode_predicts_a_purge(neutron, run, public):
    before = neutron.snapshot()

    result = ok(run(dict(FLOATING, fixed_networks=[], purge_interfaces=True), check_mode=True))

    assert result["changed"] is True
    assert result["router"]["interfaces"] == []
    assert neutron.snapshot() == before


@pytest.mark.parametrize("fixed_networks, setup, message", [
    (["nope"], None, "fixed_networks: no network is named 'nope'; create it first"),
    (["bare"], "bare", "fixed_networks: network bare has no IPv4 subnet; the router needs exactly one"),
    (["double"], "double", "fixed_networks: network double has 2 IPv4 subnets; the router needs exactly one"),
    (["old-ext"], "external", "fixed_networks: old-ext is an external network"),
])
def test_fixed_networks_are_checked_before_any_write(neutron, run, private, fixed_networks, setup,  # noqa: PLR0917
                                                     message):
    if setup == "bare":
        neutron.network("bare")
    elif setup == "double":
        double = neutron.network("double")
        neutron.subnet(double, "10.1.0.0/24", name="a")
        neutron.subnet(double, "10.2.0.0/24", name="b")
    elif setup == "external":
        neutron.network("old-ext", **{"router:external": True})
    before = neutron.snapshot()

    result = run(dict(FLOATING, fixed_networks=["private"] + fixed_networks))

    assert result["failed"] is True
    assert message in result["msg"]
    assert neutron.snapshot() == before
    assert writes(neutron) == []


def test_two_routers_of_the_name_fail_before_any_write(neutron, run, private):
    neutron.router("router1")
    neutron.router("router1")

    result = run(dict(FLOATING))

    assert result["failed"] is True
    assert "router: 2 routers are named 'router1'" in result["msg"]
    assert writes(neutron) == []


# --- absent -------------------------------------------------------------------------------------------------

def test_absent_removes_the_fixed_network_and_its_subnet(neutron, run, private):
    result = ok(run(dict(name="private", state="absent"), diff=True))

    assert result["changed"] is True
    assert writes(neutron) == [("DELETE", "v2.0/networks/%s" % private["id"])]
    assert neutron.store["networks"] == [] and neutron.store["subnets"] == [] and neutron.store["ports"] == []
    assert result["network"] is None and result["subnet"] is None and result["router"] is None
    assert result["diff"]["before"]["network"]["name"] == "private"
    assert result["diff"]["before"]["subnet"]["cidr"] == "172.16.0.0/24"
    assert result["diff"]["after"] == {"network": None, "subnet": None, "router": None}


def test_absent_of_a_missing_network_changes_nothing(neutron, run):
    result = ok(run(dict(name="private", state="absent")))

    assert result["changed"] is False
    assert writes(neutron) == []


def test_absent_removes_the_floating_router_its_interfaces_then_the_network(neutron, run, public, private):
    router = neutron.the("routers", "router1")
    port = neutron.ports_of(device_id=router["id"], device_owner="network:router_interface")[0]

    result = ok(run(dict(name="public", router="router1", state="absent"), diff=True))

    assert result["changed"] is True
    assert writes(neutron) == [
        ("PUT", "v2.0/routers/%s/remove_router_interface" % router["id"]),
        ("DELETE", "v2.0/routers/%s" % router["id"]),
        ("DELETE", "v2.0/networks/%s" % public["id"]),
    ]
    assert neutron.net_writes[0].json == {"port_id": port["id"]}
    assert neutron.store["routers"] == []
    assert [n["name"] for n in neutron.store["networks"]] == ["private"]
    assert neutron.ports_of(network_id=public["id"]) == []
    assert result["diff"]["before"]["router"] == {"name": "router1", "external_network": "public", "interfaces": [
        {"network": "private", "subnet": "private-subnet", "ip_address": "172.16.0.1"}]}

    # then the fixed network goes too
    assert ok(run(dict(name="private", state="absent")))["changed"] is True
    assert neutron.store["networks"] == []


def test_absent_with_the_default_router_name(neutron, run, private):
    params = dict(FLOATING)
    del params["router"]
    ok(run(params))

    ok(run(dict(name="public", state="absent")))

    assert neutron.store["routers"] == []
    assert [n["name"] for n in neutron.store["networks"]] == ["private"]


def test_absent_in_check_mode_removes_nothing(neutron, run, public):
    before = neutron.snapshot()

    result = ok(run(dict(name="public", router="router1", state="absent"), check_mode=True, diff=True))

    assert result["changed"] is True
    assert neutron.snapshot() == before
    assert writes(neutron) == []
    assert result["diff"]["before"]["router"]["name"] == "router1"


def test_absent_refuses_a_network_with_servers(neutron, run, private):
    neutron.port(private, device_owner="compute:nova", device_id="srv-web1", ip="172.16.0.42")
    before = neutron.snapshot()

    result = run(dict(name="private", state="absent"))

    assert result["failed"] is True
    assert result["msg"] == ("network private still has ports of servers: server srv-web1 (compute:nova, "
                             "172.16.0.42); delete those servers (or their ports) first")
    assert neutron.snapshot() == before
    assert writes(neutron) == []


def test_absent_refuses_a_network_with_an_unowned_port(neutron, run, private):
    port = neutron.port(private, device_owner="", device_id="", ip="172.16.0.43")

    result = run(dict(name="private", state="absent"))

    assert result["failed"] is True
    assert "port %s (no owner, 172.16.0.43)" % port["id"] in result["msg"]
    assert writes(neutron) == []


def test_absent_refuses_floating_ips(neutron, run, public):
    neutron.port(public, device_owner="network:floatingip", device_id="fip-1", ip="192.168.1.230")
    before = neutron.snapshot()

    result = run(dict(name="public", router="router1", state="absent"))

    assert result["failed"] is True
    assert "network public still has floating IPs allocated: 192.168.1.230; release them first" in result["msg"]
    assert neutron.snapshot() == before


def test_absent_refuses_another_router_s_gateway(neutron, run, public):
    neutron.router("other-router", gateway=public)
    before = neutron.snapshot()

    result = run(dict(name="public", router="router1", state="absent"))

    assert result["failed"] is True
    assert result["msg"].startswith("network public is the gateway of router other-router, which router (router1) "
                                    "does not name")
    assert neutron.snapshot() == before


def test_absent_refuses_a_fixed_network_linked_to_a_router(neutron, run, public, private):
    before = neutron.snapshot()

    result = run(dict(name="private", state="absent"))

    assert result["failed"] is True
    assert result["msg"].startswith("network private is linked to router router1 (172.16.0.1); remove it from that "
                                    "router first")
    assert neutron.snapshot() == before


def test_absent_turns_neutron_s_409_into_a_clear_message(neutron, run, private):
    path = "v2.0/networks/%s" % private["id"]
    neutron.hooks[("DELETE", path)] = lambda fake: fake.port(private, device_id="srv-late", ip="172.16.0.77")

    result = run(dict(name="private", state="absent"))

    assert result["failed"] is True
    assert result["msg"].startswith("network private still has ports in use, Neutron refuses to delete it: Unable to "
                                    "complete operation on network %s" % private["id"])
    assert result["msg"].endswith("delete the servers or ports on it first")
    assert neutron.the("networks", "private")


def test_absent_turns_a_router_409_into_a_clear_message(neutron, run, public, private):
    router = neutron.the("routers", "router1")
    other = neutron.network("late-net")
    late = neutron.subnet(other, "10.20.0.0/24", name="late-subnet")
    neutron.hooks[("DELETE", "v2.0/routers/%s" % router["id"])] = lambda fake: fake.link(router, late)

    result = run(dict(name="public", router="router1", state="absent"))

    assert result["failed"] is True
    assert result["msg"] == ("router router1 cannot be deleted: Router %s still has ports; remove what still uses it "
                             "first" % router["id"])
    assert neutron.the("networks", "public")


def test_absent_of_an_unused_router_name_leaves_other_routers(neutron, run, public):
    # router1's gateway is public; asking for another router name refuses instead of deleting it
    result = run(dict(name="public", state="absent"))

    assert result["failed"] is True
    assert "is the gateway of router router1, which router (public-router) does not name" in result["msg"]
    assert neutron.the("routers", "router1")
