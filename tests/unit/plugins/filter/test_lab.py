# -*- coding: utf-8 -*-
# Copyright: lab.openstack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError
from ansible_collections.lab.openstack.plugins.filter import lab
from ansible_collections.lab.openstack.plugins.filter.lab import (
    FilterModule,
    dpkg_missing,
    ipv4_interface_error,
    ipv4_network,
    mysql_privileges,
    oslo_ini,
)


# --- mysql_privileges ------------------------------------------------------------------------

def test_mysql_privileges_default_all():
    assert mysql_privileges(["nova", "nova_api", "nova_cell0"]) == {
        "nova.*": "ALL", "nova_api.*": "ALL", "nova_cell0.*": "ALL"}


def test_mysql_privileges_given_privileges_and_tuple():
    assert mysql_privileges(("glance",), "SELECT,INSERT") == {"glance.*": "SELECT,INSERT"}


def test_mysql_privileges_empty_list():
    assert mysql_privileges([]) == {}


@pytest.mark.parametrize("value", ["nova", None, {"nova": 1}, 42])
def test_mysql_privileges_needs_a_list(value):
    with pytest.raises(AnsibleFilterError, match="mysql_privileges expects a list of database names"):
        mysql_privileges(value)


@pytest.mark.parametrize("name", ["", None, "no-va", "nova.*", "nova api", "%", "___", "a;b"])
def test_mysql_privileges_rejects_bad_names(name):
    with pytest.raises(AnsibleFilterError, match="is not a database name"):
        mysql_privileges(["keystone", name])


# --- ipv4_interface_error --------------------------------------------------------------------

@pytest.mark.parametrize("value", [
    "192.168.1.250/24",
    "10.0.0.1/8",
    "172.16.5.4/255.255.255.0",   # netmask form
    "192.168.1.1/30",
    "10.0.0.0/31",                 # RFC 3021 point-to-point: both addresses are hosts
    "10.0.0.1/31",
    "192.168.1.0/32",              # a single host
    "192.168.1.255/32",
    "192.168.1.0/23",              # .1.0 is a host in 192.168.0.0/23
])
def test_ipv4_interface_error_good(value):
    assert ipv4_interface_error(value) == ""


def test_ipv4_interface_error_network_address():
    assert ipv4_interface_error("192.168.1.0/24") == (
        "192.168.1.0 is the network address of 192.168.1.0/24; pick a host address")


def test_ipv4_interface_error_broadcast_address():
    assert ipv4_interface_error("192.168.1.255/24") == (
        "192.168.1.255 is the broadcast address of 192.168.1.0/24; pick a host address")


def test_ipv4_interface_error_network_and_broadcast_of_a_30():
    assert "network address of 10.1.1.4/30" in ipv4_interface_error("10.1.1.4/30")
    assert "broadcast address of 10.1.1.4/30" in ipv4_interface_error("10.1.1.7/30")


@pytest.mark.parametrize("value", ["192.168.1.250", "", None, 42, ["192.168.1.250/24"]])
def test_ipv4_interface_error_no_prefix(value):
    assert ipv4_interface_error(value) == (
        "%r is not an address with its prefix, such as 192.168.1.250/24" % (value,))


@pytest.mark.parametrize("value", [
    "garbage/24", "192.168.1.250/33", "192.168.1.256/24", "192.168.1/24x", "fe80::1/64", "/24", "192.168.1.250/",
])
def test_ipv4_interface_error_garbage(value):
    error = ipv4_interface_error(value)
    assert error.startswith("%r is not an IPv4 address with prefix: " % value)
    assert len(error) > len("%r is not an IPv4 address with prefix: " % value)  # the reason follows


# --- ipv4_network ----------------------------------------------------------------------------

@pytest.mark.parametrize("value, network", [
    ("192.168.1.250/24", "192.168.1.0/24"),
    ("10.20.30.40/8", "10.0.0.0/8"),
    ("172.16.5.4/255.255.240.0", "172.16.0.0/20"),
    ("10.0.0.1/31", "10.0.0.0/31"),
    ("10.0.0.1/32", "10.0.0.1/32"),
    ("10.0.0.1", "10.0.0.1/32"),
])
def test_ipv4_network(value, network):
    assert ipv4_network(value) == network


@pytest.mark.parametrize("value", ["garbage", "192.168.1.250/33", "fe80::1/64", ""])
def test_ipv4_network_rejects(value):
    with pytest.raises(AnsibleFilterError, match=r"^ipv4_network: %r: " % value):
        ipv4_network(value)


# --- the plugin class ------------------------------------------------------------------------

def test_filter_module_exposes_the_filters():
    filters = FilterModule().filters()
    assert filters == {
        "mysql_privileges": lab.mysql_privileges,
        "ipv4_interface_error": lab.ipv4_interface_error,
        "ipv4_network": lab.ipv4_network,
        "oslo_ini": lab.oslo_ini,
        "dpkg_missing": lab.dpkg_missing,
    }
    assert filters["ipv4_network"]("192.168.1.250/24") == "192.168.1.0/24"


# --- oslo_ini ------------------------------------------------------------------------------------

def test_oslo_ini_default_first_then_sorted_sections_and_options():
    text = oslo_ini({"paste_deploy": {"flavor": "keystone"}, "DEFAULT": {"workers": 2, "bind_host": "10.0.0.1"},
                     "database": {"connection": "mysql+pymysql://g:p@h/g"}})

    assert text == ("[DEFAULT]\nbind_host = 10.0.0.1\nworkers = 2\n\n"
                    "[database]\nconnection = mysql+pymysql://g:p@h/g\n\n"
                    "[paste_deploy]\nflavor = keystone\n")


def test_oslo_ini_values():
    text = oslo_ini({"s": {"on": True, "off": False, "servers": ["a:1", "b:2"], "unset": None}})

    assert text == "[DEFAULT]\n\n[s]\noff = false\non = true\nservers = a:1,b:2\nunset = \n"


def test_oslo_ini_leaves_out_empty_sections_but_default():
    assert oslo_ini({"cache": {}, "token": {"provider": "fernet"}}) == "[DEFAULT]\n\n[token]\nprovider = fernet\n"


@pytest.mark.parametrize("value, message", [
    ("not a dict", "expects a dict of sections"),
    ({"s": ["a"]}, "section s must be a dict"),
    ({"s": {"o": "a\nb"}}, r"\[s\] o holds a line break"),
])
def test_oslo_ini_refuses(value, message):
    with pytest.raises(AnsibleFilterError, match=message):
        oslo_ini(value)


# --- dpkg_missing ------------------------------------------------------------------------------

# What dpkg-query --show --showformat='${Package} ${db:Status-Status}\n' printed on a lab host.
DPKG = "keystone installed\npython3-openstackclient installed\nnova-api config-files\ntgt half-configured\n"


def test_dpkg_missing_none_when_all_are_installed():
    assert dpkg_missing(DPKG, ["keystone", "python3-openstackclient"]) == []


@pytest.mark.parametrize(("packages", "missing"), [
    (["keystone", "nova-api"], ["nova-api"]),  # removed, its configuration kept
    (["tgt", "keystone"], ["tgt"]),  # an interrupted configure
    (["cinder-api", "keystone", "glance-api"], ["cinder-api", "glance-api"]),  # never heard of: no line
], ids=["config-files", "half-configured", "unknown"])
def test_dpkg_missing_keeps_the_list_order(packages, missing):
    assert dpkg_missing(DPKG, packages) == missing


def test_dpkg_missing_one_name_and_arch_qualified_names():
    assert dpkg_missing(DPKG, "keystone") == []
    assert dpkg_missing(DPKG, "nova-api") == ["nova-api"]
    assert dpkg_missing(DPKG, ["keystone:amd64", "tgt:amd64"]) == ["tgt:amd64"]


def test_dpkg_missing_empty_output_means_all_missing():
    assert dpkg_missing("", ["chrony", "lvm2"]) == ["chrony", "lvm2"]


@pytest.mark.parametrize(("status", "packages"), [(None, ["lvm2"]), ("lvm2 installed\n", {"lvm2": 1})])
def test_dpkg_missing_rejects_other_types(status, packages):
    with pytest.raises(AnsibleFilterError):
        dpkg_missing(status, packages)
