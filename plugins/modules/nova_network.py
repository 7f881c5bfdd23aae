#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: lab.openstack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: nova_network
short_description: The tutorial's nova-manage network and floating ranges, as Neutron flat networks
version_added: "0.1.0"
description:
  - Each of the tutorial's two nova-network commands becomes one task, on Neutron (ML2, linuxbridge agent,
    flat provider networks).
  - The fixed form (O(fixed_range_v4)) is C(nova-manage network create private --fixed_range_v4=172.16.0.0/24
    --dhcp_start=172.16.0.10 --bridge=br1). It makes a flat provider network on O(physical_network) with one
    IPv4 subnet. DHCP is on, the allocation pool runs from O(dhcp_start) to O(dhcp_end) (or the last host),
    and the gateway is the first host unless O(gateway) is given.
  - The floating form (O(ip_range)) is C(nova-manage floating create --ip_range=192.168.1.224/27). It makes an
    external (C(router:external)) flat network on O(physical_network). Its subnet is O(external_cidr) with
    DHCP off, and the allocation pool is the range, which is where floating IPs come from. A router
    (O(router)) gets that network as its gateway and an interface on the subnet of each of O(fixed_networks).
  - Everything is checked before anything is written, and each failure is one sentence naming the option.
    The checks are the CIDRs, that O(dhcp_start) is a host of the range, and that O(ip_range) is inside
    O(external_cidr) and leaves out its gateway. The new range must not overlap any other subnet the
    credentials can see. The bridge must exist on the managed host (see O(check_bridge)), a Neutron
    linuxbridge agent must bring O(physical_network) to O(bridge) (see O(bridge)), no other flat network
    may use O(physical_network), and every one of O(fixed_networks) must exist.
  - Idempotent. The network is found by name, and the same plan changes nothing. The allocation pool,
    gateway, DNS servers, DHCP, sharing, the router's gateway and its missing interfaces are updated in
    place.
  - Some differences cannot be changed in place. These are the subnet's CIDR, the network's type and
    physical network, and whether it is external. They fail the task with what differs, because the network
    must be deleted first (O(state=absent)). Nothing is ever destroyed silently.
author:
  - lab.openstack developers (@lab-openstack)
extends_documentation_fragment:
  - lab.openstack.openstack
options:
  name:
    description: Name of the network, such as C(private) (fixed form) or C(public) (floating form).
    type: str
    required: true
  fixed_range_v4:
    description:
      - The fixed form. The network's IPv4 range in CIDR form, such as C(172.16.0.0/24), at most a C(/29).
      - Mutually exclusive with O(ip_range). One of them is required with O(state=present).
    type: str
  dhcp_start:
    description:
      - First address DHCP hands out (fixed form, required with O(fixed_range_v4)).
      - A host of O(fixed_range_v4), neither its network nor its broadcast address. The gateway must come before it.
    type: str
  dhcp_end:
    description: Last address DHCP hands out (fixed form). The last host of O(fixed_range_v4) when not given.
    type: str
  ip_range:
    description:
      - The floating form. The floating IP range in CIDR form, as nova-manage took it, such as C(192.168.1.224/27).
      - It must lie inside O(external_cidr) and leave out O(gateway). Its addresses, less the network's
        broadcast address, are the external subnet's allocation pool.
    type: str
  external_cidr:
    description:
      - The network of the bridge holding O(ip_range), such as C(192.168.1.0/24) (floating form, required with
        O(ip_range)). It is the external subnet's CIDR.
    type: str
  gateway:
    description:
      - Gateway of the subnet.
      - Fixed form, optional. The first host of O(fixed_range_v4) when not given. It must not be inside the DHCP range.
      - Floating form, required. The gateway of O(external_cidr) (the LAN's router).
    type: str
  bridge:
    description:
      - The Linux bridge carrying the network, such as C(br1) (fixed) or C(br0) (floating). Required with
        O(state=present).
      - O(physical_network) must reach it through a Neutron linuxbridge agent, in one of two ways.
      - An interface mapping to the free end of a veth pair whose other end is a port of the bridge,
        such as C([linux_bridge] physical_interface_mappings = private:br1-ext) with C(br1-port) in C(br1).
        The agent plugs C(br1-ext) into the bridge it makes for the network (C(brq) and the network's ID),
        so every port of the network reaches C(br1) through the pair. An interface that is itself a port
        of the bridge is accepted too.
      - A bridge mapping to the bridge itself (C([linux_bridge] bridge_mappings = private:br1)). With Zed's
        nova it is not enough for instances. ML2's linuxbridge driver does not give nova the bridge's name,
        so nova plugs each instance into a C(brq) bridge that nothing links to C(br1).
      - An agent's bridge mapping of O(physical_network) wins over its interface mapping, as in the agent.
    type: str
  physical_network:
    description:
      - The Neutron physical network of the flat network, such as C(private) or C(external). Required with
        O(state=present).
      - It must be listed in ML2's C([ml2_type_flat] flat_networks). A flat physical network carries one network.
      - A linuxbridge agent must map it to an interface reaching O(bridge), or to O(bridge) itself (see O(bridge)).
    type: str
  check_bridge:
    description:
      - Check that O(bridge) is a bridge on the managed host (C(/sys/class/net/BRIDGE/bridge) exists).
      - Also check the interface that the linuxbridge agent of the managed host (the agent whose C(host) is
        the managed host's name) maps O(physical_network) to. It must exist and reach O(bridge), being a
        port of O(bridge) or one end of a veth pair whose other end is. It is read from C(/sys/class/net)
        (C(master), C(ifindex), C(iflink)). Interface mappings of agents on other hosts are taken as they
        are, since their interfaces cannot be seen from here.
      - Set it to false when the module does not run on the host holding the bridge (a task delegated
        to a host that only reaches the API). Then no interface is checked.
    type: bool
    default: true
  shared:
    description:
      - Whether every project may use the network.
      - Defaults to true for the fixed form (the tutorial's network served every project) and to false
        for the floating form (an external network is usable for gateways and floating IPs without it).
    type: bool
  dns_nameservers:
    description:
      - DNS servers handed out by the subnet's DHCP, in order.
      - Left as they are when not given. An empty list removes them.
    type: list
    elements: str
  subnet_name:
    description: Name of the subnet. V(<name>-subnet) when not given.
    type: str
  router:
    description:
      - Name of the router of the floating form. Its gateway is this network. V(<name>-router) when not given.
      - With O(state=absent), this router is deleted too when its gateway is the network.
    type: str
  fixed_networks:
    description:
      - Names of the fixed networks linked to the router of the floating form. Each gets a router
        interface on its IPv4 subnet, at that subnet's gateway address.
      - Each network must exist and have exactly one IPv4 subnet, or the task fails before writing anything.
      - Interfaces on other subnets are left alone unless O(purge_interfaces) is set.
    type: list
    elements: str
  purge_interfaces:
    description:
      - Remove the router's interfaces on subnets that are not those of O(fixed_networks) (floating form).
    type: bool
    default: false
  state:
    description:
      - Whether the network must exist.
      - C(absent) removes the router of the floating form (its interfaces, then the router and its gateway)
        and then the network with its subnets. An absent network changes nothing.
      - The deletion is refused before anything is removed if the network still carries ports of servers,
        floating IPs, another router's gateway, or an interface of a router. Neutron's own refusal
        (HTTP 409) becomes the same kind of message.
    type: str
    choices: [present, absent]
    default: present
attributes:
  check_mode:
    support: full
    description: Reads everything and runs every check, then reports what would be created, updated or deleted.
  diff_mode:
    support: full
    description: Shows the network, the subnet and the router before and after, by names.
notes:
  - Address arithmetic uses the Python standard library (ipaddress) on purpose. The managed host needs no
    netaddr, which nova-manage used, only the distribution's python3-keystoneauth1.
  - Needs an admin (provider attributes, external networks, the agents' list).
"""

EXAMPLES = r"""
- name: nova-manage network create private --fixed_range_v4=172.16.0.0/24 --dhcp_start=172.16.0.10 --bridge=br1
  lab.openstack.nova_network:
    cloud: lab-admin
    name: private
    fixed_range_v4: 172.16.0.0/24
    dhcp_start: 172.16.0.10
    bridge: br1
    physical_network: private
    dns_nameservers: [192.168.1.1]

- name: nova-manage floating create --ip_range=192.168.1.224/27
  lab.openstack.nova_network:
    cloud: lab-admin
    name: public
    ip_range: 192.168.1.224/27
    external_cidr: 192.168.1.0/24
    gateway: 192.168.1.1
    bridge: br0
    physical_network: external
    router: router1
    fixed_networks: [private]

- name: Remove the floating range, its router and network
  lab.openstack.nova_network:
    cloud: lab-admin
    name: public
    router: router1
    state: absent
"""

RETURN = r"""
network:
  description: The network after the change (null when absent). C(id) is null in check mode before creation.
  returned: always
  type: dict
  sample: {"id": "5f0c...", "name": "private", "network_type": "flat", "physical_network": "private",
           "shared": true, "external": false}
subnet:
  description: Its subnet after the change (null when absent).
  returned: always
  type: dict
  sample: {"id": "9a41...", "name": "private-subnet", "network": "private", "cidr": "172.16.0.0/24",
           "gateway_ip": "172.16.0.1", "allocation_pools": [{"start": "172.16.0.10", "end": "172.16.0.254"}],
           "enable_dhcp": true, "dns_nameservers": ["192.168.1.1"]}
router:
  description: The router of the floating form after the change, its interfaces by network and subnet names
    (null for the fixed form and when absent).
  returned: always
  type: dict
  sample: {"id": "c2d7...", "name": "router1", "external_network": "public",
           "interfaces": [{"network": "private", "subnet": "private-subnet", "ip_address": "172.16.0.1"}]}
"""

import os
import re

from ansible_collections.lab.openstack.plugins.module_utils.keystone import require_name
from ansible_collections.lab.openstack.plugins.module_utils.network_plan import (
    PlanError, conflicts, fixed_plan, floating_plan, nameservers)
from ansible_collections.lab.openstack.plugins.module_utils.neutron import (
    NeutronModule, network_view, router_view, sorted_pools, subnet_view, with_id)
from ansible_collections.lab.openstack.plugins.module_utils.openstack import OpenStackError

SYSFS_NET = "/sys/class/net"
LINUXBRIDGE_AGENT = "Linux bridge agent"
BRIDGE_NAME = re.compile(r"^[A-Za-z0-9_.:-]{1,15}$")  # a Linux interface name (IFNAMSIZ)
INTERFACE_OWNERS = ("network:router_interface", "network:router_interface_distributed",
                    "network:ha_router_replicated_interface")
# Ports Neutron deletes with the network.
SERVICE_OWNERS = ("network:dhcp",)


def sysfs_int(interface, name):
    """The integer in SYSFS_NET/interface/name (ifindex, iflink), None when unreadable."""
    try:
        with open(os.path.join(SYSFS_NET, interface, name)) as handle:
            return int(handle.read().strip())
    except (OSError, ValueError):
        return None


def sysfs_master(interface):
    """The name of the bridge (or bond) interface is a port of, None when it has no master."""
    try:
        return os.path.basename(os.readlink(os.path.join(SYSFS_NET, interface, "master")))
    except OSError:
        return None


class NovaNetworkModule(NeutronModule):
    argument_spec = dict(
        name=dict(type="str", required=True),
        fixed_range_v4=dict(type="str"),
        dhcp_start=dict(type="str"),
        dhcp_end=dict(type="str"),
        ip_range=dict(type="str"),
        external_cidr=dict(type="str"),
        gateway=dict(type="str"),
        bridge=dict(type="str"),
        physical_network=dict(type="str"),
        check_bridge=dict(type="bool", default=True),
        shared=dict(type="bool"),
        dns_nameservers=dict(type="list", elements="str"),
        subnet_name=dict(type="str"),
        router=dict(type="str"),
        fixed_networks=dict(type="list", elements="str"),
        purge_interfaces=dict(type="bool", default=False),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    )
    module_kwargs = dict(
        mutually_exclusive=[("fixed_range_v4", "ip_range"), ("ip_range", "dhcp_start"), ("ip_range", "dhcp_end"),
                            ("fixed_range_v4", "external_cidr"), ("fixed_range_v4", "router"),
                            ("fixed_range_v4", "fixed_networks")],
        required_if=[("state", "present", ("fixed_range_v4", "ip_range"), True),
                     ("state", "present", ("bridge", "physical_network"))],
        required_by={"fixed_range_v4": ("dhcp_start",), "ip_range": ("external_cidr", "gateway")},
    )

    def __init__(self):
        super().__init__()
        self.networks = []
        self.subnets = []
        self.subnet_name = None
        self.router_name = None

    # --- names ---------------------------------------------------------------------------------
    def network_name(self, network_id):
        return next((n["name"] for n in self.networks if n["id"] == network_id), network_id)

    def subnet_of(self, subnet_id):
        return next((s for s in self.subnets if s["id"] == subnet_id), None)

    def interfaces(self, ports):
        """Router interface ports as [{network, subnet, ip_address}] by names."""
        shown = []
        for port in ports:
            for fixed in port.get("fixed_ips") or []:
                subnet = self.subnet_of(fixed.get("subnet_id"))
                shown.append({
                    "network": self.network_name(port.get("network_id")),
                    "subnet": subnet["name"] if subnet else fixed.get("subnet_id"),
                    "ip_address": fixed.get("ip_address"),
                })
        return shown

    def router_ports(self, router_id):
        return [p for p in self.list("ports", device_id=router_id) if p.get("device_owner") in INTERFACE_OWNERS]

    # --- checks before any write ------------------------------------------------------------------
    def plan(self):
        """The subnet the options describe: cidr, gateway_ip, allocation_pools (+ dns_nameservers)."""
        p = self.params
        try:
            if p["fixed_range_v4"]:
                plan = fixed_plan(p["fixed_range_v4"], p["dhcp_start"], p["gateway"], p["dhcp_end"])
            else:
                plan = floating_plan(p["ip_range"], p["external_cidr"], p["gateway"])
            dns = nameservers(p["dns_nameservers"]) if p["dns_nameservers"] is not None else None
        except PlanError as exc:
            raise OpenStackError(str(exc)) from exc
        if dns is not None:
            plan["dns_nameservers"] = dns
        for option in ("bridge", "physical_network"):
            require_name(p[option], option)
        if not BRIDGE_NAME.match(p["bridge"]):
            raise OpenStackError("bridge %r is not a Linux interface name (at most 15 letters, digits, '.', '_', "
                                 "'-' or ':')" % p["bridge"])
        names = p["fixed_networks"] or []
        for name in names:
            require_name(name, "fixed_networks")
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise OpenStackError("fixed_networks lists %s twice" % ", ".join(twice))
        if p["name"] in names:
            raise OpenStackError("fixed_networks lists %s, the external network itself" % p["name"])
        return plan

    def check_host_bridge(self):
        p = self.params
        if not p["check_bridge"]:
            return
        path = os.path.join(SYSFS_NET, p["bridge"])
        if os.path.isdir(os.path.join(path, "bridge")):
            return
        host = os.uname()[1]
        if os.path.exists(path):
            raise OpenStackError("bridge %s exists on %s but is not a Linux bridge (no %s/bridge); give the bridge "
                                 "enslaving it" % (p["bridge"], host, path))
        raise OpenStackError("bridge %s does not exist on %s (no %s); create it first, or set check_bridge: false "
                             "when the module does not run on the host holding the bridge" % (p["bridge"], host, path))

    def check_agents(self):
        """A linuxbridge agent's mapping must bring physical_network to the bridge (see the bridge option)."""
        p = self.params
        physnet, bridge = p["physical_network"], p["bridge"]
        agents = sorted(self.list("agents", agent_type=LINUXBRIDGE_AGENT), key=lambda a: a.get("host") or "")
        reached = False
        for agent in agents:
            config = agent.get("configurations") or {}
            bridges = config.get("bridge_mappings") or {}
            interfaces = config.get("interface_mappings") or {}
            if physnet in bridges:
                # The agent prefers a bridge mapping over an interface mapping of the same physical network.
                reached = reached or bridges[physnet] == bridge
            elif physnet in interfaces:
                self.check_interface(agent.get("host"), interfaces[physnet])
                reached = True
        if reached:
            return
        fix = ("set [linux_bridge] physical_interface_mappings = %s:%s-ext in linuxbridge_agent.ini, %s-ext being the "
               "free end of a veth pair whose other end is a port of %s, and restart the agent (bridge_mappings = "
               "%s:%s alone leaves instances on a brq bridge with Zed's nova)" % (
                   physnet, bridge, bridge, bridge, physnet, bridge))
        if not agents:
            raise OpenStackError("physical_network %s: no Neutron linuxbridge agent is registered; start "
                                 "neutron-linuxbridge-agent (%s)" % (physnet, fix))
        seen = []
        for agent in agents:
            config = agent.get("configurations") or {}
            seen.append("%s maps bridges %s and interfaces %s" % (agent.get("host"), *(
                ", ".join("%s:%s" % item for item in sorted((config.get(kind) or {}).items())) or "none"
                for kind in ("bridge_mappings", "interface_mappings"))))
        raise OpenStackError("physical_network %s reaches bridge %s through no linuxbridge agent (%s); %s" % (
            physnet, bridge, "; ".join(seen), fix))

    def check_interface(self, host, interface):
        """Fail unless interface, mapped by the agent of host, reaches the bridge (on this host only)."""
        p = self.params
        if not p["check_bridge"] or host != os.uname()[1]:
            return  # another host's interfaces cannot be seen from here
        bridge = p["bridge"]
        found = self.interface_link(interface, bridge)
        if found is None:
            return
        raise OpenStackError(
            "physical_network %s is mapped to interface %s by the linuxbridge agent of %s, but %s does not reach "
            "bridge %s: %s; map physical_network to an interface that reaches %s: the free end of a veth pair whose "
            "other end is a port of %s, e.g. physical_interface_mappings = %s:%s-ext" % (
                p["physical_network"], interface, host, interface, bridge, found, bridge, bridge,
                p["physical_network"], bridge))

    @staticmethod
    def interface_link(interface, bridge):
        """None when interface is a port of bridge or a veth whose peer is; else what interface is connected to."""
        if not BRIDGE_NAME.match(interface) or interface in (".", ".."):
            return "%r is not a Linux interface name" % interface
        if not os.path.exists(os.path.join(SYSFS_NET, interface)):
            return "it does not exist on this host (no %s)" % os.path.join(SYSFS_NET, interface)
        master = sysfs_master(interface)
        if master == bridge:
            return None
        where = "it is a port of bridge %s" % master if master else "it is a port of no bridge"
        ifindex, iflink = sysfs_int(interface, "ifindex"), sysfs_int(interface, "iflink")
        peer = None
        if ifindex is not None and iflink is not None and iflink != ifindex:
            peer = next((name for name in sorted(os.listdir(SYSFS_NET))
                         if name != interface and sysfs_int(name, "ifindex") == iflink
                         and sysfs_int(name, "iflink") == ifindex), None)
        if peer is None:
            return "%s and not one end of a veth pair" % where
        peer_master = sysfs_master(peer)
        if peer_master == bridge:
            return None
        return "%s, and its veth peer %s is a port of %s" % (
            where, peer, "bridge %s" % peer_master if peer_master else "no bridge")

    def own_subnet(self, network):
        """The network's subnet called subnet_name; a network holding only other subnets is refused."""
        if network is None:
            return None
        mine = [s for s in self.subnets if s.get("network_id") == network["id"]]
        named = [s for s in mine if s.get("name") == self.subnet_name]
        if len(named) > 1:
            raise OpenStackError("network %s has %d subnets named %s; delete the extra ones" % (
                network["name"], len(named), self.subnet_name))
        if named:
            return named[0]
        if mine:
            raise OpenStackError("network %s has subnets %s but none named %s; give their name as subnet_name, or "
                                 "delete the network first (state: absent)" % (network["name"], ", ".join(
                                     "%s (%s)" % (s.get("name"), s.get("cidr")) for s in mine), self.subnet_name))
        return None

    def check_unchangeable(self, network, subnet, desired_net, plan):
        differences = []
        if network is not None:
            for key, what in (("provider:network_type", "network type"),
                              ("provider:physical_network", "physical network"),
                              ("router:external", "external flag")):
                if network.get(key) != desired_net[key]:
                    differences.append("its %s is %s, not %s" % (what, network.get(key), desired_net[key]))
        if subnet is not None and subnet.get("cidr") != plan["cidr"]:
            differences.append("its subnet %s is %s, not %s" % (subnet["name"], subnet.get("cidr"), plan["cidr"]))
        if differences:
            raise OpenStackError("network %s exists but %s; these cannot change in place: delete the network first "
                                 "(state: absent), then create it again" % (
                                     self.params["name"], "; ".join(differences)))

    def check_physical_network(self, network):
        physnet = self.params["physical_network"]
        users = [n["name"] for n in self.networks
                 if n.get("provider:network_type") == "flat" and n.get("provider:physical_network") == physnet
                 and (network is None or n["id"] != network["id"])]
        if users:
            raise OpenStackError("physical_network %s already carries the flat network %s; a flat physical network "
                                 "carries one network: use another physical network or delete that one" % (
                                     physnet, ", ".join(sorted(users))))

    def check_overlaps(self, plan, subnet):
        label = "fixed_range_v4" if self.params["fixed_range_v4"] else "external_cidr"
        others = [("subnet %s of network %s" % (s.get("name"), self.network_name(s.get("network_id"))), s["cidr"])
                  for s in self.subnets
                  if s.get("ip_version") == 4 and (subnet is None or s["id"] != subnet["id"])]
        found = conflicts(label, plan["cidr"], others)
        if found:
            raise OpenStackError("%s; pick another range, or delete the other subnet first" % "; ".join(found))

    def links(self):
        """[(network, subnet)] of fixed_networks, each with its one IPv4 subnet."""
        found = []
        for name in self.params["fixed_networks"] or []:
            network = self.only([n for n in self.networks if n.get("name") == name], "network", "fixed_networks",
                                name, hint="; create it first (the fixed form of this module)")
            if network.get("router:external"):
                raise OpenStackError("fixed_networks: %s is an external network; list the fixed networks to link to "
                                     "the router" % name)
            own = [s for s in self.subnets if s.get("network_id") == network["id"] and s.get("ip_version") == 4]
            if len(own) != 1:
                raise OpenStackError("fixed_networks: network %s has %s; the router needs exactly one to link to" % (
                    name, "%d IPv4 subnets" % len(own) if own else "no IPv4 subnet"))
            found.append((network, own[0]))
        return found

    # --- present --------------------------------------------------------------------------------------
    def present(self):
        p = self.params
        floating = bool(p["ip_range"])
        plan = self.plan()
        self.check_host_bridge()
        self.check_agents()
        self.networks = self.list("networks")
        self.subnets = self.list("subnets")
        network = self.only([n for n in self.networks if n.get("name") == p["name"]], "network", "name",
                            p["name"], required=False)
        subnet = self.own_subnet(network)
        shared = p["shared"] if p["shared"] is not None else not floating
        desired_net = {"provider:network_type": "flat", "provider:physical_network": p["physical_network"],
                       "router:external": floating, "shared": shared}
        self.check_unchangeable(network, subnet, desired_net, plan)
        self.check_physical_network(network)
        self.check_overlaps(plan, subnet)
        links = self.links() if floating else []
        router = None
        if floating:
            router = self.by_name("routers", self.router_name, "router", required=False)

        before = {"network": network_view(network), "subnet": subnet_view(subnet, p["name"]),
                  "router": self.router_before(router)}
        network = self.apply_network(network, desired_net)
        subnet = self.apply_subnet(network, subnet, plan, floating)
        result = {"network": with_id(network_view(network), network),
                  "subnet": with_id(subnet_view(subnet, p["name"]), subnet), "router": None}
        if floating:
            router, shown = self.apply_router(router, network, links)
            result["router"] = with_id(shown, router)
        after = {k: self.without_id(v) for k, v in result.items()}
        return self.result(before, after, result)

    def router_before(self, router):
        if router is None:
            return None
        gateway = (router.get("external_gateway_info") or {}).get("network_id")
        return router_view(router, self.network_name(gateway) if gateway else None,
                           self.interfaces(self.router_ports(router["id"])))

    def apply_network(self, network, desired):
        p = self.params
        if network is None:
            body = dict(desired, name=p["name"], admin_state_up=True)
            if self.check_mode:
                return dict(body, id=None)
            network = self.create("networks", body)
            self.networks.append(network)
            return network
        if network.get("shared") != desired["shared"]:
            if self.check_mode:
                return dict(network, shared=desired["shared"])
            return self.update("networks", network["id"], {"shared": desired["shared"]})
        return network

    def apply_subnet(self, network, subnet, plan, floating):
        wanted = {"gateway_ip": plan["gateway_ip"], "allocation_pools": sorted_pools(plan["allocation_pools"]),
                  "enable_dhcp": not floating}
        if "dns_nameservers" in plan:
            wanted["dns_nameservers"] = plan["dns_nameservers"]
        if subnet is None:
            body = dict(wanted, name=self.subnet_name, network_id=network["id"], ip_version=4, cidr=plan["cidr"])
            if self.check_mode:
                return dict(body, id=None)
            subnet = self.create("subnets", body)
            self.subnets.append(subnet)
            return subnet
        current = {"gateway_ip": subnet.get("gateway_ip"),
                   "allocation_pools": sorted_pools(subnet.get("allocation_pools")),
                   "enable_dhcp": subnet.get("enable_dhcp"),
                   "dns_nameservers": list(subnet.get("dns_nameservers") or [])}
        changes = {k: v for k, v in wanted.items() if current.get(k) != v}
        if not changes:
            return subnet
        if self.check_mode:
            return dict(subnet, **changes)
        updated = self.update("subnets", subnet["id"], changes)
        self.subnets = [updated if s["id"] == updated["id"] else s for s in self.subnets]
        return updated

    def apply_router(self, router, network, links):
        """(router, its view) once its gateway is network and its interfaces those of links."""
        p = self.params
        gateway = {"network_id": network["id"]}
        if router is None:
            if self.check_mode:
                router = {"id": None, "name": self.router_name, "external_gateway_info": gateway}
            else:
                router = self.create("routers", {"name": self.router_name, "external_gateway_info": gateway})
            ports = []
        else:
            if (router.get("external_gateway_info") or {}).get("network_id") != network["id"]:
                if self.check_mode:
                    router = dict(router, external_gateway_info=gateway)
                else:
                    router = self.update("routers", router["id"], {"external_gateway_info": gateway})
            ports = self.router_ports(router["id"])
        linked = {f.get("subnet_id") for port in ports for f in port.get("fixed_ips") or []}
        wanted = {subnet["id"] for _network, subnet in links}
        missing = [(n, s) for n, s in links if s["id"] not in linked]
        extra = [port for port in ports
                 if p["purge_interfaces"] and not {f.get("subnet_id") for f in port.get("fixed_ips") or []} & wanted]
        shown_ports = [port for port in ports if port not in extra]
        if self.check_mode:
            # Neutron gives a router interface its subnet's gateway address.
            shown_ports += [{"network_id": n["id"],
                             "fixed_ips": [{"subnet_id": s["id"], "ip_address": s["gateway_ip"]}]}
                            for n, s in missing]
        elif missing or extra:
            for port in extra:
                self.router_action(router["id"], "remove_router_interface", {"port_id": port["id"]})
            for _network, subnet in missing:
                self.router_action(router["id"], "add_router_interface", {"subnet_id": subnet["id"]})
            shown_ports = self.router_ports(router["id"])
        return router, router_view(router, p["name"], self.interfaces(shown_ports))

    # --- absent -----------------------------------------------------------------------------------------
    def absent(self):
        p = self.params
        network = self.by_name("networks", p["name"], "name", required=False)
        if network is None:
            return self.result({"network": None, "subnet": None, "router": None},
                               {"network": None, "subnet": None, "router": None},
                               {"network": None, "subnet": None, "router": None})
        self.networks = [network]
        self.subnets = self.list("subnets", network_id=network["id"])
        routers = self.list("routers")
        ours = next((r for r in routers if r.get("name") == self.router_name
                     and (r.get("external_gateway_info") or {}).get("network_id") == network["id"]), None)
        ports = self.list("ports", network_id=network["id"])
        self.check_deletable(network, ports, routers, ours)
        router_ports = self.router_ports(ours["id"]) if ours else []
        if router_ports:
            # Name the networks the router links to in the views.
            self.networks = self.list("networks")
            self.subnets = self.list("subnets")
        subnet = next((s for s in self.subnets if s.get("network_id") == network["id"]
                       and s.get("name") == self.subnet_name), None) or next(
            (s for s in self.subnets if s.get("network_id") == network["id"]), None)
        before = {"network": network_view(network), "subnet": subnet_view(subnet, p["name"]),
                  "router": router_view(ours, p["name"], self.interfaces(router_ports)) if ours else None}
        if not self.check_mode:
            if ours:
                for port in router_ports:
                    self.router_action(ours["id"], "remove_router_interface", {"port_id": port["id"]})
                response = self.delete("routers", ours["id"], ok=(204, 404, 409))
                if response.status_code == 409:
                    raise OpenStackError("router %s cannot be deleted: %s; remove what still uses it first" % (
                        ours["name"], self.reason(response)))
            response = self.delete("networks", network["id"], ok=(204, 404, 409))
            if response.status_code == 409:
                raise OpenStackError("network %s still has ports in use, Neutron refuses to delete it: %s; delete "
                                     "the servers or ports on it first" % (p["name"], self.reason(response)))
        nothing = {"network": None, "subnet": None, "router": None}
        return self.result(before, nothing, nothing)

    def check_deletable(self, network, ports, routers, ours):
        """Refuse, before removing anything, a network something else still uses."""
        names = {r["id"]: r.get("name") for r in routers}
        gateways, interfaces, floating, servers = [], [], [], []
        for port in ports:
            owner = port.get("device_owner") or ""
            ips = ", ".join(f.get("ip_address") for f in port.get("fixed_ips") or [] if f.get("ip_address"))
            if owner in SERVICE_OWNERS:
                continue
            if owner == "network:router_gateway":
                if ours is None or port.get("device_id") != ours["id"]:
                    gateways.append(names.get(port.get("device_id"), port.get("device_id")))
            elif owner in INTERFACE_OWNERS:
                if ours is not None and port.get("device_id") == ours["id"]:
                    continue  # removed with the router
                interfaces.append("%s (%s)" % (names.get(port.get("device_id"), port.get("device_id")), ips))
            elif owner == "network:floatingip":
                floating.append(ips)
            else:
                servers.append("%s %s (%s%s)" % ("server" if owner.startswith("compute:") else "port",
                                                 port.get("device_id") or port["id"], owner or "no owner",
                                                 ", " + ips if ips else ""))
        name = self.params["name"]
        if servers:
            raise OpenStackError("network %s still has ports of servers: %s; delete those servers (or their ports) "
                                 "first" % (name, "; ".join(servers)))
        if floating:
            raise OpenStackError("network %s still has floating IPs allocated: %s; release them first (openstack "
                                 "floating ip delete)" % (name, ", ".join(floating)))
        if gateways:
            raise OpenStackError("network %s is the gateway of router %s, which router (%s) does not name; clear "
                                 "that gateway first, or give that router as router" % (
                                     name, ", ".join(sorted(gateways)), self.router_name))
        if interfaces:
            raise OpenStackError("network %s is linked to router %s; remove it from that router first (state: "
                                 "absent of the floating network, or fixed_networks without it and "
                                 "purge_interfaces: true)" % (name, ", ".join(sorted(interfaces))))

    # --- running ------------------------------------------------------------------------------------------
    @staticmethod
    def without_id(view):
        return None if view is None else {k: v for k, v in view.items() if k != "id"}

    def result(self, before, after, shown):
        result = dict(shown, changed=before != after)
        if self.ansible._diff:
            result["diff"] = {"before": before, "after": after}
        return result

    def run(self):
        p = self.params
        require_name(p["name"], "name")
        self.subnet_name = p["subnet_name"] if p["subnet_name"] is not None else "%s-subnet" % p["name"]
        self.router_name = p["router"] if p["router"] is not None else "%s-router" % p["name"]
        require_name(self.subnet_name, "subnet_name")
        require_name(self.router_name, "router")
        if p["state"] == "absent":
            return self.absent()
        return self.present()


def main():
    NovaNetworkModule()()


if __name__ == "__main__":
    main()
