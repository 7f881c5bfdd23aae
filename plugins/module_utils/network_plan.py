# -*- coding: utf-8 -*-
# Copyright: lab.openstack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The tutorial's two network commands as checked plans, pure functions (no API).

    nova-manage network create private --fixed_range_v4=172.16.0.0/24 --dhcp_start=172.16.0.10 --bridge=br1
    nova-manage floating create --ip_range=192.168.100.224/27

On Neutron the first is a network + subnet whose DHCP pool starts at dhcp_start; the
second is the allocation pool of the external subnet. Everything here validates before
anything is written and says what is wrong and how to fix it. The standard library's
ipaddress does what netaddr would (no extra package on the managed host).
"""

from __future__ import annotations

import ipaddress


class PlanError(ValueError):
    """Bad network input, one clear sentence naming the parameter."""


def network(value, parameter):
    """An IPv4 network from CIDR text; host bits set or a missing prefix are errors."""
    text = str(value or "").strip()
    if "/" not in text:
        raise PlanError("%s %r is not a network in CIDR form, such as 172.16.0.0/24" % (parameter, value))
    try:
        net = ipaddress.IPv4Network(text, strict=False)
    except ValueError as exc:
        raise PlanError("%s %r is not an IPv4 network: %s" % (parameter, value, exc)) from exc
    if str(net) != text:
        raise PlanError("%s %r has host bits set; the network is %s" % (parameter, value, net))
    if net.prefixlen > 29:
        raise PlanError("%s %s is too small for a subnet (at most /29)" % (parameter, net))
    return net


def address(value, parameter):
    try:
        return ipaddress.IPv4Address(str(value or "").strip())
    except ValueError as exc:
        raise PlanError("%s %r is not an IPv4 address" % (parameter, value)) from exc


def host_in(net, value, parameter, where):
    """value as an address that is a usable host of net (not its network or broadcast address)."""
    addr = address(value, parameter)
    if addr not in net:
        raise PlanError("%s %s is outside %s %s" % (parameter, addr, where, net))
    if addr in (net.network_address, net.broadcast_address):
        raise PlanError("%s %s is the %s address of %s; pick a host address" % (
            parameter, addr, "network" if addr == net.network_address else "broadcast", net))
    return addr


def fixed_plan(cidr, dhcp_start, gateway=None, dhcp_end=None):
    """The subnet of the tutorial's fixed range: cidr, gateway (first host unless given) and
    one allocation pool from dhcp_start to dhcp_end (the last host unless given)."""
    net = network(cidr, "fixed_range_v4")
    hosts_last = net.broadcast_address - 1
    gw = host_in(net, gateway, "gateway", "fixed_range_v4") if gateway else net.network_address + 1
    start = host_in(net, dhcp_start, "dhcp_start", "fixed_range_v4")
    end = host_in(net, dhcp_end, "dhcp_end", "fixed_range_v4") if dhcp_end else hosts_last
    if end < start:
        raise PlanError("dhcp_end %s comes before dhcp_start %s" % (end, start))
    if start <= gw <= end:
        raise PlanError("the gateway %s is inside the DHCP range %s-%s; start the range after it" % (gw, start, end))
    return {"cidr": str(net), "gateway_ip": str(gw),
            "allocation_pools": [{"start": str(start), "end": str(end)}]}


def floating_plan(ip_range, external_cidr, gateway):
    """The external subnet holding the tutorial's floating range: the range (a CIDR, as
    nova-manage took it) must lie inside the external network and leave out its gateway."""
    ext = network(external_cidr, "external_cidr")
    try:
        if "/" not in str(ip_range or ""):
            raise ValueError("no prefix")
        rng = ipaddress.IPv4Network(str(ip_range).strip(), strict=False)
    except ValueError as exc:
        raise PlanError("ip_range %r is not a range in CIDR form, such as 192.168.100.224/27" % (ip_range,)) from exc
    if str(rng) != str(ip_range).strip():
        raise PlanError("ip_range %r has host bits set; the range is %s" % (ip_range, rng))
    if not rng.subnet_of(ext):
        raise PlanError("ip_range %s is not inside external_cidr %s" % (rng, ext))
    gw = host_in(ext, gateway, "gateway", "external_cidr")
    first = max(rng.network_address, ext.network_address + 1)
    last = min(rng.broadcast_address, ext.broadcast_address - 1)
    if gw in rng:
        raise PlanError("ip_range %s holds the gateway %s; pick a range without it" % (rng, gw))
    if last < first:
        raise PlanError("ip_range %s holds only the network or broadcast address of external_cidr %s; "
                        "pick a range with host addresses" % (rng, ext))
    return {"cidr": str(ext), "gateway_ip": str(gw),
            "allocation_pools": [{"start": str(first), "end": str(last)}]}


def overlaps(nets):
    """Pairs of (name, network) that overlap, as 'a and b overlap' sentences."""
    items = [(name, ipaddress.IPv4Network(str(cidr), strict=False)) for name, cidr in nets]
    found = []
    for i, (name_a, net_a) in enumerate(items):
        for name_b, net_b in items[i + 1:]:
            if net_a.overlaps(net_b):
                found.append("%s %s and %s %s overlap" % (name_a, net_a, name_b, net_b))
    return found


def conflicts(label, cidr, existing):
    """The overlaps() sentences of one new network against existing (label, cidr) pairs
    (the existing ones are not compared with each other: tenant networks may overlap)."""
    found = []
    for other in existing:
        found.extend(overlaps([(label, cidr), other]))
    return found


def nameservers(values, parameter="dns_nameservers"):
    """The DNS servers as normalised address strings (IPv4 or IPv6), in their order."""
    result = []
    for value in values or []:
        try:
            addr = ipaddress.ip_address(str(value).strip())
        except ValueError as exc:
            raise PlanError("%s: %r is not an IP address" % (parameter, value)) from exc
        if str(addr) in result:
            raise PlanError("%s: %s is listed twice" % (parameter, addr))
        result.append(str(addr))
    return result
