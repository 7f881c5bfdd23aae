# -*- coding: utf-8 -*-
# Copyright: lab.openstack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The pure functions of module_utils/nova_server.py, without any API."""

from __future__ import annotations

import base64

import pytest

from ansible_collections.lab.openstack.plugins.module_utils import nova_server as nova
from ansible_collections.lab.openstack.plugins.module_utils.openstack import OpenStackError


def test_listing_sorts_dedups_and_truncates():
    items = [{"name": "b"}, {"name": "a"}, {"name": "b"}, {"id": "no-name"}]

    assert nova.listing(items) == "a, b, no-name"
    assert nova.listing([]) == "none"
    assert nova.listing([{"name": "n%02d" % i} for i in range(30)], limit=3) == "n00, n01, n02, ... (27 more)"


def test_user_data_is_base64_of_utf8():
    assert base64.b64decode(nova.encode_user_data("#cloud-config\né\n")).decode() == "#cloud-config\né\n"
    assert nova.encode_user_data(None) is None


def test_user_data_at_the_limit():
    largest = "x" * (nova.USER_DATA_MAX // 4 * 3)  # 65535 // 4 * 4 = 65532 characters once encoded

    assert len(nova.encode_user_data(largest)) <= nova.USER_DATA_MAX
    with pytest.raises(OpenStackError, match="Nova accepts at most 65535"):
        nova.encode_user_data(largest + "xxx")


def test_metadata_becomes_strings():
    assert nova.metadata_strings({"a": 1, "b": True, "c": False, "d": "x"}) == {
        "a": "1", "b": "true", "c": "false", "d": "x"}
    assert nova.metadata_strings(None) is None


@pytest.mark.parametrize(("metadata", "message"), [
    ({"": "v"}, "key '' must be 1 to 255 characters"),
    ({"k" * 256: "v"}, "must be 1 to 255 characters"),
    ({"k": "v" * 256}, "the value of k is 256 characters"),
    ({"k": None}, "k has no value"),
])
def test_metadata_nova_would_refuse(metadata, message):
    with pytest.raises(OpenStackError, match=message):
        nova.metadata_strings(metadata)


def test_parse_networks():
    assert nova.parse_networks(None) is None
    assert nova.parse_networks([]) == []
    assert nova.parse_networks(["private", {"name": "storage", "fixed_ip": " 10.0.5.9 "},
                                {"name": "v6", "fixed_ip": "FD00::0005"}]) == [
        ("private", None), ("storage", "10.0.5.9"), ("v6", "fd00::5")]


@pytest.mark.parametrize(("entries", "message"), [
    ([{"name": "a", "uuid": "x"}], r"networks\[0\]: unknown keys uuid"),
    ([""], r"networks\[0\]: the network name must not be empty"),
    ([{"name": None}], r"networks\[0\]: the network name must not be empty"),
    ([["a"]], r"networks\[0\] must be a network name or a dict"),
    (["a", {"name": "b", "fixed_ip": "nope"}], r"networks\[1\]: fixed_ip 'nope' is not an IP address"),
    ([{"name": "a", "fixed_ip": "10.0.0.5"}, {"name": "b", "fixed_ip": "10.0.0.5"}], "10.0.0.5 is given twice"),
])
def test_parse_networks_refuses(entries, message):
    with pytest.raises(OpenStackError, match=message):
        nova.parse_networks(entries)


def port(network_id, *ips):
    return {"network_id": network_id, "fixed_ips": [{"ip_address": ip} for ip in ips]}


def test_networks_match_in_any_order():
    ports = [port("n2", "10.0.5.3"), port("n1", "10.0.0.2")]

    assert nova.networks_match(ports, [("n1", None), ("n2", None)])
    assert nova.networks_match(ports, [("n2", "10.0.5.3"), ("n1", "10.0.0.2")])
    assert not nova.networks_match(ports, [("n1", None)])  # an extra port
    assert not nova.networks_match(ports, [("n1", None), ("n2", None), ("n2", None)])  # a missing port
    assert not nova.networks_match(ports, [("n1", "10.0.0.9"), ("n2", None)])
    assert nova.networks_match([], [])


def test_networks_match_gives_fixed_ips_their_port_first():
    ports = [port("n1", "10.0.0.2"), port("n1", "10.0.0.3")]

    # The entry without a fixed IP comes first but must not take 10.0.0.3's port.
    assert nova.networks_match(ports, [("n1", None), ("n1", "10.0.0.2")])
    assert nova.networks_match(ports, [("n1", None), ("n1", "10.0.0.3")])


def test_addresses_and_floating_addresses():
    server = {"addresses": {
        "private": [{"addr": "10.0.0.2", "OS-EXT-IPS:type": "fixed"},
                    {"addr": "192.168.1.9", "OS-EXT-IPS:type": "floating"}],
        "storage": [{"addr": "10.0.5.3", "OS-EXT-IPS:type": "fixed"},
                    {"addr": "192.168.1.4", "OS-EXT-IPS:type": "floating"}]}}

    assert nova.addresses_of(server) == {"private": ["10.0.0.2", "192.168.1.9"], "storage": ["10.0.5.3", "192.168.1.4"]}
    assert nova.floating_addresses(server) == ["192.168.1.4", "192.168.1.9"]
    assert nova.addresses_of({}) == {}


def test_security_group_names_and_faults():
    server = {"security_groups": [{"name": "web"}, {"name": "default"}, {"name": "web"}], "status": "ERROR",
              "fault": {"message": " No valid host was found. ", "code": 500}}

    assert nova.security_group_names(server) == ["default", "web"]
    assert nova.fault_message(server) == "No valid host was found."
    assert nova.fault_message({"status": "ERROR"}) == "no fault recorded"


def test_going():
    assert nova.going({"status": "ACTIVE", "OS-EXT-STS:task_state": "deleting"})
    assert nova.going({"status": "SOFT_DELETED"})
    assert not nova.going({"status": "ERROR", "OS-EXT-STS:task_state": None})


def test_in_subnets():
    subnets = [{"cidr": "not a cidr"}, {"id": "no cidr"}, {"id": "s1", "cidr": "10.0.0.0/24"},
               {"id": "s6", "cidr": "fd00::/64"}]

    assert nova.in_subnets("10.0.0.77", subnets)["id"] == "s1"
    assert nova.in_subnets("fd00::9", subnets)["id"] == "s6"
    assert nova.in_subnets("10.0.1.1", subnets) is None


@pytest.mark.parametrize(("value", "expected"), [
    ("nova", ("nova", "")),
    ("nova:compute1", ("nova", "compute1")),
    ("nova:compute1:node1", ("nova", "compute1")),
    (":compute1", ("", "compute1")),
    ("nova::node1", ("nova", "")),
    (None, ("", "")),
])
def test_split_availability_zone(value, expected):
    assert nova.split_availability_zone(value) == expected
