# -*- coding: utf-8 -*-
# Copyright: lab.openstack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""lab.openstack.nova_floating_ip end to end through main(), on a fake Nova, Neutron, Glance and Keystone."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from ansible_collections.lab.openstack.plugins.module_utils import nova as nova_utils
from ansible_collections.lab.openstack.plugins.modules import nova_floating_ip
from ansible_collections.lab.openstack.tests.unit.plugins.modules.fake_keystone import (
    ADMIN_PASSWORD, assert_not_shown, run_module)
from ansible_collections.lab.openstack.tests.unit.plugins.modules.fake_nova import (
    OTHER_PROJECT, FakeNova, install_session, neutron_error)


class Clock:
    def __init__(self):
        self.now = 0.0
        self.sleeps = []

    def monotonic(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def clock(monkeypatch):
    fake = Clock()
    monkeypatch.setattr(nova_utils, "clock", fake.monotonic)
    monkeypatch.setattr(nova_utils, "sleep", fake.sleep)
    return fake


@pytest.fixture
def cloud(monkeypatch, clock):
    fake = FakeNova()
    install_session(monkeypatch, fake)
    yield fake
    assert fake.unexpected == [], "requests the fake APIs do not know"


@pytest.fixture
def lab(cloud):
    """myfirstvm on private (10.0.0.2), private routed to public (192.168.1.0/24)."""
    lab = SimpleNamespace(
        image=cloud.image("debian-12-lab", data=b"image", visibility="public"),
        flavor=cloud.flavor("m1.small"),
        private=cloud.network("private", "10.0.0.0/24"),
        public=cloud.network("public", "192.168.1.0/24", external=True),
    )
    lab.subnet = cloud.subnets[0]
    lab.router = cloud.router("router1", external=lab.public, subnets=[lab.subnet])
    lab.server = cloud.server("myfirstvm", lab.image, lab.flavor, [lab.private])
    lab.port = cloud.ports_of(lab.server)[0]
    return lab


@pytest.fixture
def run(monkeypatch, cloud):
    def runner(params, check_mode=False, diff=False):
        return run_module(monkeypatch, nova_floating_ip, params, check_mode=check_mode, diff=diff)

    return runner


def base(**params):
    params.setdefault("server", "myfirstvm")
    params.setdefault("network", "public")
    return params


def floating_shown(cloud, server):
    view = cloud._server_view(server)
    return [a["addr"] for entries in view["addresses"].values() for a in entries if a["OS-EXT-IPS:type"] == "floating"]


# --- present -----------------------------------------------------------------------------------------------

def test_allocates_associates_and_waits_for_nova(cloud, lab, run, clock):
    cloud.cache_lag = 3

    result = run(base())

    assert not result.get("failed"), result.get("msg")
    assert result["changed"] is True
    assert [(c.method, c.path, c.json) for c in cloud.network_writes] == [
        ("POST", "v2.0/floatingips", {"floatingip": {"port_id": lab.port["id"], "fixed_ip_address": "10.0.0.2",
                                                     "floating_network_id": lab.public["id"]}})]
    [fip] = cloud.floatingips
    assert fip["port_id"] == lab.port["id"]
    assert fip["router_id"] == lab.router["id"]
    assert result["floating_ip_address"] == fip["floating_ip_address"] == "192.168.1.3"
    assert result["fixed_ip_address"] == "10.0.0.2"
    assert result["network"] == "public"
    assert result["fixed_network"] == "private"
    assert floating_shown(cloud, lab.server) == ["192.168.1.3"]
    assert len(clock.sleeps) == 2  # three GETs of the server: Nova showed it on the third


def test_second_run_changes_nothing(cloud, lab, run):
    first = run(base())
    writes = len(cloud.network_writes)

    second = run(base())

    assert second["changed"] is False
    assert len(cloud.network_writes) == writes
    assert second["floating_ip_address"] == first["floating_ip_address"]
    assert len(cloud.floatingips) == 1


def test_every_compute_request_pins_the_microversion(cloud, lab, run):
    run(base())

    assert cloud.microversions and set(cloud.microversions) == {("compute", "2.79")}


def test_an_unassociated_floating_ip_of_the_project_is_reused(cloud, lab, run):
    cloud.floatingip(lab.public, "192.168.1.50", project_id=OTHER_PROJECT)
    high = cloud.floatingip(lab.public, "192.168.1.40")
    low = cloud.floatingip(lab.public, "192.168.1.30")

    result = run(base())

    assert result["changed"] is True
    assert [(c.method, c.path, c.json) for c in cloud.network_writes] == [
        ("PUT", "v2.0/floatingips/%s" % low["id"], {"floatingip": {"port_id": lab.port["id"],
                                                                   "fixed_ip_address": "10.0.0.2"}})]
    assert low["port_id"] == lab.port["id"]
    assert high["port_id"] is None
    assert result["floating_ip_address"] == "192.168.1.30"
    assert len(cloud.floatingips) == 3


def test_a_given_address_held_by_the_project_is_associated(cloud, lab, run):
    cloud.floatingip(lab.public, "192.168.1.30")
    wanted = cloud.floatingip(lab.public, "192.168.1.40")

    result = run(base(floating_ip_address="192.168.1.40"))

    assert result["floating_ip_address"] == "192.168.1.40"
    assert wanted["port_id"] == lab.port["id"]
    assert run(base(floating_ip_address="192.168.1.40"))["changed"] is False


def test_a_given_address_nobody_holds_is_allocated(cloud, lab, run):
    result = run(base(floating_ip_address="192.168.1.77"))

    assert cloud.network_writes[0].json["floatingip"]["floating_ip_address"] == "192.168.1.77"
    assert result["floating_ip_address"] == "192.168.1.77"
    assert cloud.floatingips[0]["port_id"] == lab.port["id"]


def test_fixed_network_chooses_the_port(cloud, lab, run):
    storage = cloud.network("storage", "10.0.5.0/24")
    cloud.router("router2", external=lab.public, subnets=[cloud.subnets[-1]])
    server = cloud.server("web1", lab.image, lab.flavor, [lab.private, storage])
    port = next(p for p in cloud.ports_of(server) if p["network_id"] == storage["id"])

    result = run(base(server="web1", fixed_network="storage"))

    assert result["fixed_network"] == "storage"
    assert result["fixed_ip_address"] == port["fixed_ips"][0]["ip_address"]
    assert cloud.floatingips[0]["port_id"] == port["id"]


def test_check_mode_predicts_an_allocation(cloud, lab, run):
    result = run(base(), check_mode=True, diff=True)

    assert result["changed"] is True
    assert cloud.all_writes == []
    assert cloud.floatingips == []
    assert result["floating_ip_address"] is None
    assert result["fixed_ip_address"] == "10.0.0.2"
    assert result["diff"]["before"] == {"server": "myfirstvm", "network": "public", "floating_ips": []}
    assert result["diff"]["after"]["floating_ips"] == [
        {"floating_ip_address": None, "fixed_ip_address": "10.0.0.2", "fixed_network": "private"}]


def test_check_mode_predicts_a_reuse(cloud, lab, run):
    fip = cloud.floatingip(lab.public, "192.168.1.30")

    result = run(base(), check_mode=True)

    assert result["changed"] is True
    assert result["floating_ip_address"] == "192.168.1.30"
    assert fip["port_id"] is None
    assert cloud.all_writes == []


def test_diff_shows_before_and_after(cloud, lab, run):
    result = run(base(), diff=True)

    assert result["diff"]["before"]["floating_ips"] == []
    assert result["diff"]["after"]["floating_ips"] == [
        {"floating_ip_address": "192.168.1.3", "fixed_ip_address": "10.0.0.2", "fixed_network": "private"}]


def test_the_password_is_never_in_the_result(cloud, lab, run):
    assert_not_shown(run(base(), diff=True), ADMIN_PASSWORD)


# --- failures before any write --------------------------------------------------------------------------------

@pytest.mark.parametrize(("params", "message"), [
    ({"server": "nope"}, "server 'nope' not found in the project; its servers: myfirstvm"),
    ({"network": "nowhere"}, "network 'nowhere' not found; the external networks: public"),
    ({"network": "private"}, "network private is not external (router:external is false)"),
    ({"fixed_network": "storage"}, "server myfirstvm has no port on network storage; its networks: private"),
    ({"floating_ip_address": "192.168.1.300"}, "floating_ip_address '192.168.1.300' is not an IP address"),
    ({"floating_ip_address": "172.16.0.5"}, "floating_ip_address 172.16.0.5 is in no subnet of network public"),
    ({"timeout": -5}, "timeout must be 0 or more"),
    ({"server": " "}, "server must not be empty"),
])
def test_bad_input_fails_before_any_write(cloud, lab, run, params, message):
    result = run(base(**params))

    assert result["failed"] is True
    assert message in result["msg"]
    assert cloud.all_writes == []
    assert cloud.floatingips == []


def test_a_server_that_is_not_active_fails(cloud, lab, run):
    lab.server["status"] = "BUILD"

    result = run(base())

    assert result["failed"] is True
    assert "is BUILD, not ACTIVE: wait for it" in result["msg"]
    assert cloud.all_writes == []


def test_a_server_without_a_port_fails(cloud, lab, run):
    cloud.server("lonely", lab.image, lab.flavor, [])

    result = run(base(server="lonely"))

    assert result["failed"] is True
    assert "has no port: it was booted without a network" in result["msg"]


def test_a_server_with_two_ports_needs_fixed_network(cloud, lab, run):
    storage = cloud.network("storage", "10.0.5.0/24")
    cloud.server("web1", lab.image, lab.flavor, [lab.private, storage])

    result = run(base(server="web1"))

    assert result["failed"] is True
    assert "has ports on networks private, storage; give fixed_network" in result["msg"]
    assert cloud.all_writes == []


def test_two_ports_on_the_fixed_network_fail(cloud, lab, run):
    cloud.server("web1", lab.image, lab.flavor, [lab.private, lab.private])

    result = run(base(server="web1", fixed_network="private"))

    assert result["failed"] is True
    assert "has 2 ports on network private" in result["msg"]


def test_an_ipv6_only_port_fails(cloud, lab, run):
    v6 = cloud.network("v6only", "fd00::/64")
    cloud.server("six", lab.image, lab.flavor, [v6])

    result = run(base(server="six"))

    assert result["failed"] is True
    assert "has no IPv4 address" in result["msg"]


def test_another_floating_ip_on_the_port_fails_when_an_address_is_given(cloud, lab, run):
    cloud.floatingip(lab.public, "192.168.1.30", port=lab.port)

    result = run(base(floating_ip_address="192.168.1.40"))

    assert result["failed"] is True
    assert "already has floating IP 192.168.1.30 from network public, not 192.168.1.40" in result["msg"]
    assert cloud.all_writes == []


def test_a_floating_ip_from_another_external_network_fails(cloud, lab, run):
    other = cloud.network("public2", "192.168.2.0/24", external=True)
    cloud.router("router2", external=other, subnets=[lab.subnet])
    cloud.floatingip(other, "192.168.2.10", port=lab.port)

    result = run(base())

    assert result["failed"] is True
    assert "fixed IP 10.0.0.2 of server myfirstvm already has floating IP 192.168.2.10 from network public2" in (
        result["msg"])
    assert cloud.all_writes == []


@pytest.mark.parametrize(("setup", "message"), [
    (lambda cloud, lab: cloud.floatingip(lab.public, "192.168.1.40", project_id=OTHER_PROJECT),
     "belongs to project prj-other"),
    (lambda cloud, lab: cloud.floatingip(lab.public, "192.168.1.40", port=cloud.server(
        "other", lab.image, lab.flavor, [lab.private]) and cloud.ports[-1]),
     "is associated with port"),
    (lambda cloud, lab: cloud.floatingip(cloud.network("public2", "192.168.1.0/24", external=True), "192.168.1.40"),
     "is a floating IP of network public2, not public"),
])
def test_a_given_address_that_cannot_be_used_fails(cloud, lab, run, setup, message):
    setup(cloud, lab)
    held = [dict(f) for f in cloud.floatingips]

    result = run(base(floating_ip_address="192.168.1.40"))

    assert result["failed"] is True
    assert message in result["msg"]
    assert cloud.all_writes == []
    assert cloud.floatingips == held


def test_no_router_says_a_router_must_link_the_networks_and_allocates_nothing(cloud, lab, run):
    cloud.routers.clear()

    result = run(base())

    assert result["failed"] is True
    assert "external network public is not reachable from subnet private-subnet (10.0.0.0/24)" in result["msg"]
    assert "a router must link the two" in result["msg"]
    assert cloud.floatingips == []


def test_no_router_when_reusing_leaves_the_floating_ip_free(cloud, lab, run):
    cloud.routers.clear()
    fip = cloud.floatingip(lab.public, "192.168.1.30")

    result = run(base())

    assert result["failed"] is True
    assert "a router must link the two" in result["msg"]
    assert fip["port_id"] is None


def test_other_neutron_errors_are_reported(cloud, lab, run):
    cloud.answers[("POST", "v2.0/floatingips")] = neutron_error(
        409, "OverQuota", "Quota exceeded for resources: ['floatingip'].")

    result = run(base())

    assert result["failed"] is True
    assert "network POST v2.0/floatingips answered HTTP 409: Quota exceeded" in result["msg"]


# --- waiting ------------------------------------------------------------------------------------------------------

def test_nova_that_never_shows_it_times_out_clearly(cloud, lab, run, clock):
    cloud.cache_lag = None

    result = run(base(timeout=10))

    assert result["failed"] is True
    assert "192.168.1.3 is associated in Neutron, but Nova's addresses of server myfirstvm do not show it" in (
        result["msg"])
    assert "notify_nova_on_port_data_changes" in result["msg"]
    assert result["floating_ip_address"] == "192.168.1.3"
    assert sum(clock.sleeps) == 10
    assert cloud.floatingips[0]["port_id"] == lab.port["id"]  # left associated


def test_wait_false_does_not_poll_nova(cloud, lab, run, clock):
    cloud.cache_lag = None

    result = run(base(wait=False))

    assert result["changed"] is True
    assert clock.sleeps == []
    assert [c for c in cloud.nova_calls if c.path.startswith("servers/srv")] == []


# --- absent -------------------------------------------------------------------------------------------------------

def test_absent_releases_and_waits_until_nova_forgets_it(cloud, lab, run, clock):
    fip = cloud.floatingip(lab.public, "192.168.1.30", port=lab.port)
    cloud.cache_lag = 2

    result = run(base(state="absent"), diff=True)

    assert result["changed"] is True
    assert result["released"] == ["192.168.1.30"]
    assert result["floating_ip_address"] is None
    assert [(c.method, c.path) for c in cloud.network_writes] == [("DELETE", "v2.0/floatingips/%s" % fip["id"])]
    assert cloud.floatingips == []
    assert floating_shown(cloud, lab.server) == []
    assert len(clock.sleeps) == 1
    assert result["diff"]["before"]["floating_ips"] == [
        {"floating_ip_address": "192.168.1.30", "fixed_ip_address": "10.0.0.2", "fixed_network": "private"}]
    assert result["diff"]["after"]["floating_ips"] == []


def test_absent_when_none_changes_nothing(cloud, lab, run):
    result = run(base(state="absent"))

    assert result["changed"] is False
    assert result["released"] == []
    assert cloud.all_writes == []


def test_absent_when_the_server_is_gone_changes_nothing(cloud, lab, run):
    result = run(base(server="gone", state="absent"))

    assert result["changed"] is False
    assert cloud.all_writes == []


def test_absent_in_check_mode(cloud, lab, run):
    fip = cloud.floatingip(lab.public, "192.168.1.30", port=lab.port)

    result = run(base(state="absent"), check_mode=True)

    assert result["changed"] is True
    assert result["released"] == ["192.168.1.30"]
    assert cloud.all_writes == []
    assert fip in cloud.floatingips


def test_absent_releases_only_the_given_address_and_network(cloud, lab, run):
    storage = cloud.network("storage", "10.0.5.0/24")
    public2 = cloud.network("public2", "192.168.2.0/24", external=True)
    cloud.router("router2", external=public2, subnets=[cloud.subnets[-2]])
    cloud.router("router3", external=lab.public, subnets=[cloud.subnets[-2]])
    server = cloud.server("web1", lab.image, lab.flavor, [lab.private, storage])
    on_private, on_storage = sorted(cloud.ports_of(server), key=lambda p: p["network_id"] != lab.private["id"])
    first = cloud.floatingip(lab.public, "192.168.1.30", port=on_private)
    second = cloud.floatingip(lab.public, "192.168.1.31", port=on_storage)

    result = run(base(server="web1", state="absent", floating_ip_address="192.168.1.31"))

    assert result["released"] == ["192.168.1.31"]
    assert first in cloud.floatingips
    assert second not in cloud.floatingips

    other = cloud.floatingip(public2, "192.168.2.20", port=on_storage)

    result = run(base(server="web1", state="absent"))

    assert result["released"] == ["192.168.1.30"]
    assert cloud.floatingips == [other]

    assert run(base(server="web1", network="public2", state="absent", fixed_network="private"))["changed"] is False
    assert cloud.floatingips == [other]


def test_absent_of_every_port(cloud, lab, run):
    storage = cloud.network("storage", "10.0.5.0/24")
    cloud.router("router2", external=lab.public, subnets=[cloud.subnets[-1]])
    server = cloud.server("web1", lab.image, lab.flavor, [lab.private, storage])
    for port, address in zip(cloud.ports_of(server), ("192.168.1.31", "192.168.1.30")):
        cloud.floatingip(lab.public, address, port=port)

    result = run(base(server="web1", state="absent"))

    assert result["released"] == ["192.168.1.30", "192.168.1.31"]
    assert cloud.floatingips == []


def test_absent_times_out_when_nova_still_shows_it(cloud, lab, run):
    cloud.floatingip(lab.public, "192.168.1.30", port=lab.port)
    cloud.cache_lag = None

    result = run(base(state="absent", timeout=4))

    assert result["failed"] is True
    assert "192.168.1.30 is released in Neutron, but Nova's addresses of server myfirstvm still show it" in (
        result["msg"])
    assert cloud.floatingips == []


def test_two_external_networks_of_that_name_fail(cloud, lab, run):
    cloud.network("public", "192.168.9.0/24", external=True)

    result = run(base())

    assert result["failed"] is True
    assert "2 external networks are named 'public'" in result["msg"]
    assert cloud.all_writes == []


def test_absent_on_a_server_without_port_changes_nothing(cloud, lab, run):
    cloud.server("lonely", lab.image, lab.flavor, [])

    result = run(base(server="lonely", state="absent"))

    assert result["changed"] is False
    assert cloud.all_writes == []


def test_a_server_that_disappears_while_waiting_fails(cloud, lab, run):
    cloud.cache_lag = None
    lab.server["_deleting"] = 1  # being deleted by someone else: gone at the next GET

    result = run(base())

    assert result["failed"] is True
    assert "server myfirstvm (%s) disappeared" % lab.server["id"] in result["msg"]
