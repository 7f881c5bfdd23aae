# -*- coding: utf-8 -*-
# Copyright: lab.openstack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""lab.openstack.nova_secgroup_rule end to end through main(), on a fake Neutron and Keystone."""

from __future__ import annotations

import pytest

from ansible_collections.lab.openstack.plugins.modules import nova_secgroup_rule
from ansible_collections.lab.openstack.tests.unit.plugins.modules.fake_neutron import CALLER_PROJECT, FakeNeutron
from ansible_collections.lab.openstack.tests.unit.plugins.modules.fake_keystone import (
    FakeResponse, install_session, run_module)

ICMP = dict(protocol="icmp", from_port=-1, to_port=-1, cidr="0.0.0.0/0")
SSH = dict(protocol="tcp", from_port=22, to_port=22, cidr="0.0.0.0/0")


@pytest.fixture
def neutron(monkeypatch):
    fake = FakeNeutron()
    install_session(monkeypatch, fake)
    yield fake
    assert fake.unexpected == [], "requests the fake Neutron does not know"


@pytest.fixture
def run(monkeypatch, neutron):
    def runner(params, check_mode=False, diff=False):
        return run_module(monkeypatch, nova_secgroup_rule, params, check_mode=check_mode, diff=diff)

    return runner


def default_group(fake, project=CALLER_PROJECT):
    fake._ensure_default(project)
    return next(g for g in fake.store["security-groups"] if g["name"] == "default" and g["project_id"] == project)


def added_rules(fake, group):
    """The rules of group beyond Neutron's four default ones."""
    return [r for r in fake.rules_of(group) if r["protocol"] is not None or r["remote_ip_prefix"] is not None]


# --- the tutorial's two commands ------------------------------------------------------------------

def test_icmp_any_type_any_code_is_stored_without_ports(neutron, run):
    result = run(dict(ICMP))

    assert not result.get("failed"), result.get("msg")
    assert result["changed"] is True
    group = default_group(neutron)
    [rule] = added_rules(neutron, group)
    assert rule["protocol"] == "icmp"
    assert rule["port_range_min"] is None and rule["port_range_max"] is None
    assert rule["remote_ip_prefix"] == "0.0.0.0/0"
    assert rule["direction"] == "ingress" and rule["ethertype"] == "IPv4"
    assert neutron.net_writes[0].json == {"security_group_rule": {
        "security_group_id": group["id"], "direction": "ingress", "ethertype": "IPv4", "protocol": "icmp",
        "remote_ip_prefix": "0.0.0.0/0"}}
    assert result["rule"] == {"id": rule["id"], "security_group": "default", "project": "admin",
                              "direction": "ingress", "ethertype": "IPv4", "protocol": "icmp",
                              "port_range_min": None, "port_range_max": None, "remote_ip_prefix": "0.0.0.0/0",
                              "remote_group": None, "description": None}


def test_icmp_rule_second_run_changes_nothing(neutron, run):
    run(dict(ICMP))
    writes = len(neutron.net_writes)

    result = run(dict(ICMP))

    assert result["changed"] is False
    assert len(neutron.net_writes) == writes
    assert len(added_rules(neutron, default_group(neutron))) == 1


def test_ssh_rule_then_idempotent(neutron, run):
    first = run(dict(SSH))
    second = run(dict(SSH))

    assert first["changed"] is True and second["changed"] is False
    [rule] = added_rules(neutron, default_group(neutron))
    assert (rule["protocol"], rule["port_range_min"], rule["port_range_max"]) == ("tcp", 22, 22)
    assert second["rule"]["id"] == rule["id"]


def test_default_group_is_created_by_listing_it(neutron, run):
    assert neutron.store["security-groups"] == []

    run(dict(SSH))

    [group] = neutron.store["security-groups"]
    assert (group["name"], group["project_id"]) == ("default", CALLER_PROJECT)


# --- matching what Neutron stored -------------------------------------------------------------------

@pytest.mark.parametrize("stored, params", [
    # ICMP given as -1 -1 is Neutron's None/None
    (dict(protocol="icmp", remote_ip_prefix="0.0.0.0/0"), dict(ICMP)),
    # 0.0.0.0/0 and no prefix are the same to Neutron
    (dict(protocol="icmp"), dict(ICMP)),
    # an address and its /32
    (dict(protocol="tcp", port_range_min=22, port_range_max=22, remote_ip_prefix="10.0.0.1/32"),
     dict(SSH, cidr="10.0.0.1")),
    (dict(protocol="tcp", port_range_min=22, port_range_max=22, remote_ip_prefix="10.0.0.1"),
     dict(SSH, cidr="10.0.0.1/32")),
    # protocol numbers and names
    (dict(protocol="6", port_range_min=22, port_range_max=22, remote_ip_prefix="0.0.0.0/0"), dict(SSH)),
    (dict(protocol="tcp", port_range_min=22, port_range_max=22), dict(SSH, protocol="6")),
    # ICMPv6, however it was written
    (dict(protocol="ipv6-icmp", ethertype="IPv6", remote_ip_prefix="::/0"), dict(ICMP, cidr="::/0")),
    (dict(protocol="58", ethertype="IPv6"), dict(ICMP, cidr="::/0")),
    # another client's prefix with host bits is the same network
    (dict(protocol="tcp", port_range_min=22, port_range_max=22, remote_ip_prefix="10.0.0.5/24"),
     dict(SSH, cidr="10.0.0.0/24")),
])
def test_equivalent_stored_rule_is_found(neutron, run, stored, params):
    group = default_group(neutron)
    existing = neutron.rule(group, **stored)
    before = neutron.snapshot()

    result = run(params)

    assert not result.get("failed"), result.get("msg")
    assert result["changed"] is False
    assert neutron.net_writes == []
    assert neutron.snapshot() == before
    assert result["rule"]["id"] == existing["id"]


def test_a_different_rule_is_added_beside(neutron, run):
    group = default_group(neutron)
    neutron.rule(group, protocol="icmp", port_range_min=8, remote_ip_prefix="0.0.0.0/0")

    result = run(dict(ICMP))

    assert result["changed"] is True
    assert sorted(str(r["port_range_min"]) for r in added_rules(neutron, group)) == ["8", "None"]


def test_address_is_stored_as_a_host_prefix(neutron, run):
    result = run(dict(SSH, cidr="192.168.1.10"))

    [rule] = added_rules(neutron, default_group(neutron))
    assert rule["remote_ip_prefix"] == "192.168.1.10/32"
    assert result["rule"]["remote_ip_prefix"] == "192.168.1.10/32"


def test_ipv6_icmp_rule(neutron, run):
    first = run(dict(protocol="icmp", cidr="2001:db8::1"))
    second = run(dict(protocol="icmp", cidr="2001:db8::1/128"))

    [rule] = added_rules(neutron, default_group(neutron))
    assert (rule["protocol"], rule["ethertype"], rule["remote_ip_prefix"]) == ("ipv6-icmp", "IPv6", "2001:db8::1/128")
    assert neutron.net_writes[0].json["security_group_rule"]["protocol"] == "ipv6-icmp"  # Neutron's canonical name
    assert first["changed"] is True and second["changed"] is False


def test_ethertype_ipv6_without_cidr_is_every_ipv6_address(neutron, run):
    result = run(dict(SSH, cidr=None, ethertype="IPv6"))

    [rule] = added_rules(neutron, default_group(neutron))
    assert (rule["ethertype"], rule["remote_ip_prefix"]) == ("IPv6", "::/0")
    assert result["changed"] is True


def test_no_cidr_means_every_ipv4_address(neutron, run):
    run(dict(protocol="udp", from_port=53, to_port=53, direction="egress"))

    [rule] = added_rules(neutron, default_group(neutron))
    assert (rule["direction"], rule["remote_ip_prefix"], rule["protocol"]) == ("egress", "0.0.0.0/0", "udp")


def test_any_protocol(neutron, run):
    run(dict(protocol="any", cidr="10.0.0.0/8"))

    [rule] = added_rules(neutron, default_group(neutron))
    assert rule["protocol"] is None and rule["remote_ip_prefix"] == "10.0.0.0/8"


def test_description_is_set_on_creation_and_not_compared(neutron, run):
    run(dict(SSH, description="ssh from anywhere"))
    result = run(dict(SSH, description="another text"))

    [rule] = added_rules(neutron, default_group(neutron))
    assert rule["description"] == "ssh from anywhere"
    assert result["changed"] is False
    assert result["rule"]["description"] == "ssh from anywhere"


# --- groups and projects ---------------------------------------------------------------------------------

def test_admin_sets_a_rule_in_another_project_s_default_group(neutron, run):
    demo = neutron.project("demo")

    result = run(dict(SSH, project="demo"))

    assert result["changed"] is True
    group = next(g for g in neutron.store["security-groups"] if g["project_id"] == demo["id"])
    assert group["name"] == "default"
    [rule] = added_rules(neutron, group)
    assert rule["project_id"] == demo["id"]
    assert result["rule"]["project"] == "demo"
    assert added_rules(neutron, default_group(neutron)) == []  # not the admin's own group
    assert ("GET", "v2.0/security-groups?name=default&project_id=%s" % demo["id"]) in [
        (c.method, c.path) for c in neutron.net_calls]


def test_unknown_project_fails_before_any_write(neutron, run):
    result = run(dict(SSH, project="nope"))

    assert result["failed"] is True
    assert "project 'nope' does not exist" in result["msg"]
    assert neutron.net_calls == []


def test_system_scoped_credentials_need_a_project(neutron, run):
    neutron.project_id = None

    result = run(dict(SSH))

    assert result["failed"] is True
    assert "not scoped to a project" in result["msg"] and "give project" in result["msg"]
    assert neutron.net_writes == []


def test_named_group(neutron, run):
    web = neutron.security_group("web")

    result = run(dict(SSH, security_group="web"))

    assert [r["port_range_min"] for r in added_rules(neutron, web)] == [22]
    assert result["rule"]["security_group"] == "web"


def test_missing_group_fails_clearly(neutron, run):
    result = run(dict(SSH, security_group="web"))

    assert result["failed"] is True
    assert result["msg"] == ("security_group: no security group is named 'web' in project admin; create the group "
                             "first (openstack security group create web)")
    assert neutron.net_writes == []


def test_two_groups_of_one_name_fail_clearly(neutron, run):
    one = neutron.security_group("web")
    two = neutron.security_group("web")

    result = run(dict(SSH, security_group="web"))

    assert result["failed"] is True
    assert "security_group: 2 security groups are named 'web' in project admin" in result["msg"]
    assert one["id"] in result["msg"] and two["id"] in result["msg"]
    assert neutron.net_writes == []


def test_remote_group_rule(neutron, run):
    db = neutron.security_group("db")
    web = neutron.security_group("web")
    params = dict(security_group="db", remote_group="web", protocol="tcp", from_port=5432, to_port=5432)

    first = run(params)
    second = run(params)

    [rule] = [r for r in neutron.rules_of(db) if r["protocol"] == "tcp"]
    assert rule["remote_group_id"] == web["id"] and rule["remote_ip_prefix"] is None
    assert first["rule"]["remote_group"] == "web"
    assert first["changed"] is True and second["changed"] is False


def test_remote_group_may_be_the_group_itself(neutron, run):
    result = run(dict(protocol="any", remote_group="default"))

    # Neutron's default group already allows its own members (IPv4 and IPv6).
    assert result["changed"] is False
    assert result["rule"]["remote_group"] == "default"
    assert neutron.net_writes == []


def test_missing_remote_group_fails(neutron, run):
    result = run(dict(protocol="tcp", from_port=1, to_port=2, remote_group="web"))

    assert result["failed"] is True
    assert result["msg"].startswith("remote_group: no security group is named 'web' in project admin")
    assert neutron.net_writes == []


def test_cidr_and_remote_group_are_exclusive(neutron, run):
    result = run(dict(SSH, remote_group="web"))

    assert result["failed"] is True
    assert "mutually exclusive" in result["msg"]


# --- bad input ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("params, message", [
    (dict(SSH, cidr="10.0.0.1/8"), "cidr 10.0.0.1/8 has host bits set; the network is 10.0.0.0/8"),
    (dict(SSH, cidr="10.0.0.300"), "cidr '10.0.0.300' is not an IP address or network"),
    (dict(SSH, protocol="gre"), "protocol 'gre' is not icmp, tcp, udp, any or a protocol number"),
    (dict(SSH, from_port=None), "protocol tcp needs from_port and to_port"),
    (dict(SSH, from_port=-1, to_port=-1), "protocol tcp needs from_port and to_port"),
    (dict(SSH, from_port=0), "from_port 0 is not a port from 1 to 65535"),
    (dict(SSH, to_port=65536), "to_port 65536 is not a port from 1 to 65535"),
    (dict(SSH, from_port=80, to_port=22), "from_port 80 is above to_port 22"),
    (dict(ICMP, from_port=256), "from_port 256 is not an ICMP type"),
    (dict(ICMP, to_port=0), "to_port 0 is an ICMP code without a type"),
    (dict(SSH, protocol="any"), "from_port and to_port apply to tcp, udp and icmp only"),
    (dict(SSH, ethertype="IPv6"), "ethertype IPv6 does not match cidr 0.0.0.0/0, an IPv4 network"),
    (dict(SSH, security_group=" "), "security_group must not be empty"),
])
def test_bad_input_fails_before_any_request(neutron, run, params, message):
    result = run(params)

    assert result["failed"] is True
    assert message in result["msg"]
    assert neutron.net_calls == []


# --- check and diff modes ---------------------------------------------------------------------------

def test_check_mode_predicts_the_rule_and_writes_nothing(neutron, run):
    result = run(dict(SSH, description="ssh"), check_mode=True, diff=True)

    assert result["changed"] is True
    assert neutron.net_writes == []
    assert added_rules(neutron, default_group(neutron)) == []
    assert result["rule"]["id"] is None
    assert result["rule"]["port_range_min"] == 22
    assert result["diff"]["before"] == {}
    assert result["diff"]["after"] == {"security_group": "default", "project": "admin", "direction": "ingress",
                                       "ethertype": "IPv4", "protocol": "tcp", "port_range_min": 22,
                                       "port_range_max": 22, "remote_ip_prefix": "0.0.0.0/0", "remote_group": None,
                                       "description": "ssh"}


def test_check_mode_on_an_existing_rule_is_not_a_change(neutron, run):
    run(dict(SSH))

    result = run(dict(SSH), check_mode=True, diff=True)

    assert result["changed"] is False
    assert result["diff"]["before"] == result["diff"]["after"]
    assert "id" not in result["diff"]["after"]


def test_diff_of_a_creation(neutron, run):
    result = run(dict(ICMP), diff=True)

    assert result["diff"]["before"] == {}
    assert result["diff"]["after"]["protocol"] == "icmp"
    assert "id" not in result["diff"]["after"]


# --- absent -------------------------------------------------------------------------------------------------

def test_absent_deletes_every_equivalent_rule(neutron, run):
    group = default_group(neutron)
    neutron.rule(group, protocol="tcp", port_range_min=22, port_range_max=22, remote_ip_prefix="10.0.0.5/24")
    neutron.rule(group, protocol="6", port_range_min=22, port_range_max=22, remote_ip_prefix="10.0.0.0/24")
    keep = neutron.rule(group, protocol="tcp", port_range_min=80, port_range_max=80)

    result = run(dict(SSH, cidr="10.0.0.0/24", state="absent"), diff=True)

    assert result["changed"] is True
    assert result["rule"] is None
    assert added_rules(neutron, group) == [keep]
    assert result["diff"]["after"] == {}
    assert result["diff"]["before"]["port_range_min"] == 22


def test_absent_of_a_missing_rule_changes_nothing(neutron, run):
    result = run(dict(SSH, state="absent"))

    assert result["changed"] is False
    assert neutron.net_writes == []


def test_absent_in_check_mode_deletes_nothing(neutron, run):
    run(dict(ICMP))

    result = run(dict(ICMP, state="absent"), check_mode=True)

    assert result["changed"] is True
    assert len(added_rules(neutron, default_group(neutron))) == 1
    assert [c.method for c in neutron.net_writes] == ["POST"]


def test_absent_when_another_client_deleted_it_meanwhile(neutron, run):
    rule = neutron.rule(default_group(neutron), protocol="icmp", remote_ip_prefix="0.0.0.0/0")
    path = "v2.0/security-group-rules/%s" % rule["id"]
    neutron.hooks[("DELETE", path)] = lambda fake: fake.store["security-group-rules"].remove(rule)

    result = run(dict(ICMP, state="absent"))

    assert result["changed"] is True
    assert not result.get("failed")


# --- Neutron's duplicate answer -------------------------------------------------------------------------------

def test_duplicate_409_is_already_there_when_a_re_read_finds_it(neutron, run):
    group = default_group(neutron)
    created = []

    def another_client(fake):
        created.append(fake.rule(group, protocol="tcp", port_range_min=22, port_range_max=22,
                                 remote_ip_prefix="0.0.0.0/0"))

    neutron.hooks[("POST", "v2.0/security-group-rules")] = another_client

    result = run(dict(SSH))

    assert not result.get("failed"), result.get("msg")
    assert result["changed"] is False
    assert result["rule"]["id"] == created[0]["id"]
    assert len(added_rules(neutron, group)) == 1


def test_duplicate_409_without_the_rule_fails(neutron, run):
    neutron.answers[("POST", "v2.0/security-group-rules")] = FakeResponse(409, {"NeutronError": {
        "type": "SecurityGroupRuleExists", "message": "Security group rule already exists. Rule id is x.",
        "detail": ""}})

    result = run(dict(SSH))

    assert result["failed"] is True
    assert result["msg"] == ("Neutron refused the rule as a duplicate (Security group rule already exists. Rule id "
                             "is x.) but no such rule is in security group default of project admin")
    assert added_rules(neutron, default_group(neutron)) == []


def test_other_neutron_errors_fail_with_its_message(neutron, run):
    neutron.answers[("POST", "v2.0/security-group-rules")] = FakeResponse(403, {"NeutronError": {
        "type": "PolicyNotAuthorized", "message": "rule:create_security_group_rule is disallowed by policy",
        "detail": ""}})

    result = run(dict(SSH))

    assert result["failed"] is True
    assert "HTTP 403: rule:create_security_group_rule is disallowed by policy" in result["msg"]
