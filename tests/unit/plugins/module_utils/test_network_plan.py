# -*- coding: utf-8 -*-
# Copyright: lab.openstack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The tutorial's network commands as checked plans (module_utils/network_plan.py)."""

from __future__ import annotations

import pytest

from ansible_collections.lab.openstack.plugins.module_utils.network_plan import (
    PlanError, fixed_plan, floating_plan, network, overlaps)


def test_the_tutorial_s_fixed_range():
    assert fixed_plan("172.16.0.0/24", "172.16.0.10") == {
        "cidr": "172.16.0.0/24", "gateway_ip": "172.16.0.1",
        "allocation_pools": [{"start": "172.16.0.10", "end": "172.16.0.254"}]}


def test_fixed_range_with_gateway_and_end():
    plan = fixed_plan("10.0.0.0/28", "10.0.0.5", gateway="10.0.0.14", dhcp_end="10.0.0.9")
    assert plan["gateway_ip"] == "10.0.0.14"
    assert plan["allocation_pools"] == [{"start": "10.0.0.5", "end": "10.0.0.9"}]


@pytest.mark.parametrize("cidr, start, kwargs, message", [
    ("172.16.0.0", "172.16.0.10", {}, "not a network in CIDR form"),
    ("172.16.0.1/24", "172.16.0.10", {}, "has host bits set; the network is 172.16.0.0/24"),
    ("172.16.0.0/33", "172.16.0.10", {}, "not an IPv4 network"),
    ("172.16.0.0/30", "172.16.0.2", {}, "too small"),
    ("172.16.0.0/24", "172.16.1.10", {}, "dhcp_start 172.16.1.10 is outside fixed_range_v4 172.16.0.0/24"),
    ("172.16.0.0/24", "172.16.0.0", {}, "is the network address"),
    ("172.16.0.0/24", "172.16.0.255", {}, "is the broadcast address"),
    ("172.16.0.0/24", "nonsense", {}, "dhcp_start 'nonsense' is not an IPv4 address"),
    ("172.16.0.0/24", "172.16.0.10", {"dhcp_end": "172.16.0.5"}, "comes before dhcp_start"),
    ("172.16.0.0/24", "172.16.0.1", {}, "the gateway 172.16.0.1 is inside the DHCP range"),
    ("172.16.0.0/24", "172.16.0.10", {"gateway": "172.16.0.50"}, "is inside the DHCP range"),
])
def test_fixed_range_refused(cidr, start, kwargs, message):
    with pytest.raises(PlanError, match=message):
        fixed_plan(cidr, start, **kwargs)


def test_the_tutorial_s_floating_range():
    assert floating_plan("192.168.100.224/27", "192.168.100.0/24", "192.168.100.1") == {
        "cidr": "192.168.100.0/24", "gateway_ip": "192.168.100.1",
        "allocation_pools": [{"start": "192.168.100.224", "end": "192.168.100.254"}]}


@pytest.mark.parametrize("ip_range, ext, gw, message", [
    ("192.168.100.224", "192.168.100.0/24", "192.168.100.1", "not a range in CIDR form"),
    ("abc/27", "192.168.100.0/24", "192.168.100.1", "not a range in CIDR form"),
    ("192.168.100.225/27", "192.168.100.0/24", "192.168.100.1", "has host bits set"),
    ("192.168.200.224/27", "192.168.100.0/24", "192.168.100.1", "not inside external_cidr"),
    ("192.168.100.0/27", "192.168.100.0/24", "192.168.100.1", "holds the gateway"),
    ("192.168.100.224/27", "192.168.100.0/24", "192.168.101.1", "outside external_cidr"),
])
def test_floating_range_refused(ip_range, ext, gw, message):
    with pytest.raises(PlanError, match=message):
        floating_plan(ip_range, ext, gw)


def test_network_accepts_a_clean_cidr():
    assert str(network("10.1.0.0/16", "x")) == "10.1.0.0/16"


def test_overlaps():
    assert overlaps([("fixed", "172.16.0.0/24"), ("external", "192.168.100.0/24")]) == []
    assert overlaps([("fixed", "172.16.0.0/16"), ("external", "172.16.5.0/24")]) == [
        "fixed 172.16.0.0/16 and external 172.16.5.0/24 overlap"]
