# -*- coding: utf-8 -*-
# Copyright: lab.openstack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""lab.openstack.nova_server end to end through main(), on a fake Nova, Neutron, Glance and Keystone."""

from __future__ import annotations

import base64
from types import SimpleNamespace

import pytest

from ansible_collections.lab.openstack.plugins.module_utils import nova as nova_utils
from ansible_collections.lab.openstack.plugins.modules import nova_server
from ansible_collections.lab.openstack.tests.unit.plugins.modules.fake_glance import CALLER_PROJECT
from ansible_collections.lab.openstack.tests.unit.plugins.modules.fake_keystone import (
    ADMIN_PASSWORD, assert_not_shown, run_module)
from ansible_collections.lab.openstack.tests.unit.plugins.modules.fake_nova import (
    OTHER_PROJECT, FakeNova, install_session, nova_error)

DATA = b"debian 12 lab image\n" * 100


class Clock:
    """clock() and sleep() of module_utils.nova: sleeping advances the time."""

    def __init__(self):
        self.now = 1000.0
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
    """The tutorial's cloud: an image, flavors, key1, a private network routed to public."""
    lab = SimpleNamespace(
        image=cloud.image("debian-12-lab", data=DATA, visibility="public"),
        cirros=cloud.image("cirros", data=b"cirros" * 10, visibility="public"),
        small=cloud.flavor("m1.small", ram=2048, disk=20),
        tiny=cloud.flavor("m1.tiny", ram=512, disk=1),
        key=cloud.keypair("key1"),
        private=cloud.network("private", "10.0.0.0/24"),
        public=cloud.network("public", "192.168.1.0/24", external=True),
        web=cloud.security_group("web"),
    )
    lab.subnet = cloud.subnets[0]
    cloud.router("router1", external=lab.public, subnets=[lab.subnet])
    return lab


@pytest.fixture
def run(monkeypatch, cloud):
    def runner(params, check_mode=False, diff=False):
        return run_module(monkeypatch, nova_server, params, check_mode=check_mode, diff=diff)

    return runner


def base(**params):
    params.setdefault("name", "myfirstvm")
    params.setdefault("image", "debian-12-lab")
    params.setdefault("flavor", "m1.small")
    params.setdefault("key_name", "key1")
    return params


def boots(cloud):
    return [c for c in cloud.nova_writes if (c.method, c.path) == ("POST", "servers")]


def existing(cloud, lab, name="myfirstvm", **attrs):
    attrs.setdefault("key_name", "key1")
    networks = attrs.pop("networks", [lab.private])
    return cloud.server(name, attrs.pop("image", lab.image), attrs.pop("flavor", lab.small), networks, **attrs)


# --- create ----------------------------------------------------------------------------------------------

def test_boot_waits_for_active_and_shows_names(cloud, lab, run, clock):
    cloud.build_polls = 3

    result = run(base())

    assert not result.get("failed"), result.get("msg")
    assert result["changed"] is True
    assert [c.json for c in boots(cloud)] == [{"server": {
        "name": "myfirstvm", "imageRef": lab.image["id"], "flavorRef": lab.small["id"], "key_name": "key1",
        "networks": [{"uuid": lab.private["id"]}], "security_groups": [{"name": "default"}]}}]
    server = cloud.named_servers("myfirstvm")[0]
    assert server["status"] == "ACTIVE"
    assert server["tenant_id"] == CALLER_PROJECT
    [port] = cloud.ports_of(server)
    assert port["network_id"] == lab.private["id"]
    view = result["server"]
    assert view["id"] == server["id"]
    assert view["status"] == "ACTIVE"
    assert view["image"] == "debian-12-lab"
    assert view["flavor"] == "m1.small"
    assert view["key_name"] == "key1"
    assert view["networks"] == ["private"]
    assert view["addresses"] == {"private": ["10.0.0.2"]}
    assert view["host"] == "compute1"
    assert view["security_groups"] == ["default"]
    assert len(clock.sleeps) == 2  # three GETs: BUILD, BUILD, ACTIVE


def test_second_run_changes_nothing(cloud, lab, run):
    first = run(base())
    calls = len(cloud.nova_writes)

    second = run(base())

    assert first["changed"] is True
    assert second["changed"] is False
    assert len(cloud.nova_writes) == calls
    assert cloud.network_writes == []
    assert len(cloud.servers) == 1
    assert second["server"]["id"] == first["server"]["id"]


def test_every_compute_request_pins_the_microversion(cloud, lab, run):
    run(base())

    assert cloud.microversions and set(cloud.microversions) == {("compute", "2.79")}


def test_the_flavor_name_needs_microversion_2_47(cloud, lab, run, monkeypatch):
    # Before 2.47 a server shows its flavor's ID only: there is no name to compare.
    existing(cloud, lab)
    monkeypatch.setattr(nova_server.NovaServerModule, "compute_microversion", "2.46")

    result = run(base())

    assert result["failed"] is True
    assert "flavor None, not m1.small" in result["msg"]
    assert cloud.all_writes == []


def test_boot_with_every_option(cloud, lab, run):
    params = base(networks=[{"name": "private", "fixed_ip": "10.0.0.10"}], security_groups=["default", "web"],
                  user_data="#cloud-config\npackages: [nginx]\n", availability_zone="nova",
                  metadata={"role": "web", "tier": 1, "public": True})

    result = run(params)

    body = boots(cloud)[0].json["server"]
    assert body["networks"] == [{"uuid": lab.private["id"], "fixed_ip": "10.0.0.10"}]
    assert body["security_groups"] == [{"name": "default"}, {"name": "web"}]
    assert base64.b64decode(body["user_data"]).decode() == params["user_data"]
    assert body["availability_zone"] == "nova"
    assert body["metadata"] == {"role": "web", "tier": "1", "public": "true"}
    server = cloud.named_servers("myfirstvm")[0]
    assert cloud.ports_of(server)[0]["fixed_ips"][0]["ip_address"] == "10.0.0.10"
    assert result["server"]["addresses"] == {"private": ["10.0.0.10"]}
    assert result["server"]["availability_zone"] == "nova"

    again = run(params)

    assert again["changed"] is False
    assert len(boots(cloud)) == 1


def test_boot_on_a_host_by_availability_zone(cloud, lab, run):
    params = base(availability_zone="nova:compute2")

    result = run(params)

    assert boots(cloud)[0].json["server"]["availability_zone"] == "nova:compute2"
    assert result["server"]["availability_zone"] == "nova"
    assert result["server"]["host"] == "compute2"

    again = run(params)

    assert again["changed"] is False
    assert len(boots(cloud)) == 1


def test_boot_on_a_host_check_mode_predicts_the_zone_alone(cloud, lab, run):
    result = run(base(availability_zone="nova:compute2"), check_mode=True)

    assert result["changed"] is True
    assert result["server"]["availability_zone"] == "nova"
    assert cloud.all_writes == []


@pytest.mark.parametrize(("zone", "expected"), [
    ("nova:compute2", "host compute1, not compute2 (availability_zone nova:compute2)"),
    ("nova:compute2:compute2", "host compute1, not compute2 (availability_zone nova:compute2:compute2)"),
    ("zone2:compute1", "availability_zone nova, not zone2"),
])
def test_a_server_on_another_host_than_asked_is_a_difference(cloud, lab, run, zone, expected):
    server = existing(cloud, lab)

    result = run(base(availability_zone=zone))

    assert result["failed"] is True
    assert expected in result["msg"]
    assert cloud.find_server(server["id"]) is server


def test_the_host_is_not_compared_when_nova_does_not_show_it(cloud, lab, run):
    existing(cloud, lab)
    cloud.admin = False

    assert run(base(availability_zone="nova:compute2"))["changed"] is False


def test_a_zone_without_a_host_compares_the_zone_alone(cloud, lab, run):
    existing(cloud, lab)

    assert run(base(availability_zone="nova::compute1"))["changed"] is False


def test_networks_not_given_boots_on_the_only_network_of_the_project(cloud, lab, run):
    result = run(base())

    assert boots(cloud)[0].json["server"]["networks"] == [{"uuid": lab.private["id"]}]
    assert result["server"]["networks"] == ["private"]


def test_networks_not_given_and_two_networks_fails_listing_them(cloud, lab, run):
    cloud.network("private2", "10.0.1.0/24")

    result = run(base())

    assert result["failed"] is True
    assert "private, private2" in result["msg"]
    assert cloud.all_writes == []


def test_networks_not_given_are_not_compared_on_a_re_run(cloud, lab, run):
    existing(cloud, lab)
    cloud.network("private2", "10.0.1.0/24")  # the default network is no longer the only one

    result = run(base())

    assert result["changed"] is False
    assert cloud.all_writes == []


def test_networks_not_given_and_no_network_fails(cloud, lab, run):
    cloud.networks.remove(lab.private)

    result = run(base())

    assert result["failed"] is True
    assert "can boot on no networks (create one first)" in result["msg"]
    assert cloud.all_writes == []


def test_networks_not_given_and_two_networks_fails_before_a_replace(cloud, lab, run):
    old = existing(cloud, lab)
    cloud.network("private2", "10.0.1.0/24")

    result = run(base(image="cirros", on_change="replace"))

    assert result["failed"] is True
    assert "private, private2" in result["msg"]
    assert cloud.all_writes == []
    assert cloud.find_server(old["id"]) is old


def test_a_keypair_deleted_since_the_boot_does_not_matter_on_a_re_run(cloud, lab, run):
    existing(cloud, lab)
    cloud.keypairs.clear()

    result = run(base())

    assert result["changed"] is False


def test_a_missing_keypair_fails_before_a_replace(cloud, lab, run):
    old = existing(cloud, lab)

    result = run(base(key_name="key9", on_change="replace"))

    assert result["failed"] is True
    assert "key_name 'key9' not found among the keypairs of the user: key1" in result["msg"]
    assert cloud.all_writes == []
    assert cloud.find_server(old["id"]) is old


def test_an_empty_networks_list_boots_without_network(cloud, lab, run):
    result = run(base(networks=[]))

    assert boots(cloud)[0].json["server"]["networks"] == "none"
    assert cloud.ports_of(cloud.servers[0]) == []
    assert result["server"]["networks"] == []
    assert run(base(networks=[]))["changed"] is False


def test_two_networks(cloud, lab, run):
    cloud.network("storage", "10.0.5.0/24")

    result = run(base(networks=["private", {"name": "storage"}]))

    assert result["server"]["networks"] == ["private", "storage"]
    assert sorted(p["network_id"] for p in cloud.ports_of(cloud.servers[0])) == sorted(
        [lab.private["id"], cloud.networks[-1]["id"]])
    assert run(base(networks=["storage", "private"]))["changed"] is False


def test_a_shared_network_of_another_project(cloud, lab, run):
    shared = cloud.network("shared-net", "10.9.0.0/24", project_id=OTHER_PROJECT, shared=True)

    run(base(networks=["shared-net"]))

    assert boots(cloud)[0].json["server"]["networks"] == [{"uuid": shared["id"]}]


def test_the_project_s_own_network_wins_over_another_project_s(cloud, lab, run):
    cloud.network("private", "10.8.0.0/24", project_id=OTHER_PROJECT)

    result = run(base(networks=["private"]))

    assert not result.get("failed"), result.get("msg")
    assert boots(cloud)[0].json["server"]["networks"] == [{"uuid": lab.private["id"]}]


def test_flavor_by_id(cloud, lab, run):
    result = run(base(flavor=lab.tiny["id"]))

    assert boots(cloud)[0].json["server"]["flavorRef"] == lab.tiny["id"]
    assert result["server"]["flavor"] == "m1.tiny"
    assert run(base(flavor="m1.tiny"))["changed"] is False


def test_a_private_flavor_is_found_by_an_admin(cloud, lab, run):
    private = cloud.flavor("m1.secret", ram=1024, disk=10, public=False)

    run(base(flavor="m1.secret"))

    assert boots(cloud)[0].json["server"]["flavorRef"] == private["id"]


def test_the_project_s_own_image_wins_over_another_project_s(cloud, lab, run):
    cloud.image("shared-name", data=b"theirs", visibility="public", owner=OTHER_PROJECT)
    mine = cloud.image("shared-name", data=b"mine", visibility="private")

    run(base(image="shared-name"))

    assert boots(cloud)[0].json["server"]["imageRef"] == mine["id"]


def test_servers_of_other_projects_are_not_this_one(cloud, lab, run):
    theirs = existing(cloud, lab, project_id=OTHER_PROJECT, networks=[])

    result = run(base())

    assert result["changed"] is True
    assert len(boots(cloud)) == 1
    assert cloud.find_server(theirs["id"])["status"] == "ACTIVE"


def test_servers_are_found_on_any_page(cloud, lab, run):
    for index in range(3):
        existing(cloud, lab, name="other%d" % index, networks=[])
    existing(cloud, lab)
    cloud.page_size = 2

    result = run(base())

    assert result["changed"] is False
    assert boots(cloud) == []
    markers = [c.path for c in cloud.nova_calls if c.path.startswith("servers/detail")]
    assert len(markers) == 2 and "marker=" in markers[1]


def test_a_server_being_deleted_is_not_the_server(cloud, lab, run):
    old = existing(cloud, lab)
    old["OS-EXT-STS:task_state"] = "deleting"
    old["_deleting"] = 5

    result = run(base())

    assert result["changed"] is True
    assert len(boots(cloud)) == 1


# --- check and diff modes ------------------------------------------------------------------------------------

def test_check_mode_predicts_the_boot_and_writes_nothing(cloud, lab, run):
    result = run(base(networks=[{"name": "private", "fixed_ip": "10.0.0.10"}], metadata={"a": "b"}),
                 check_mode=True, diff=True)

    assert result["changed"] is True
    assert cloud.all_writes == []
    assert cloud.servers == []
    assert result["server"] == {
        "id": None, "name": "myfirstvm", "status": "ACTIVE", "task_state": None, "image": "debian-12-lab",
        "flavor": "m1.small", "key_name": "key1", "networks": ["private"], "addresses": {"private": ["10.0.0.10"]},
        "host": None, "security_groups": ["default"], "availability_zone": None, "metadata": {"a": "b"},
        "fault": None}
    assert result["diff"] == {"before": {}, "after": result["server"]}


def test_check_mode_on_a_matching_server(cloud, lab, run):
    existing(cloud, lab)

    result = run(base(), check_mode=True)

    assert result["changed"] is False
    assert cloud.all_writes == []


def test_diff_shows_names_before_and_after(cloud, lab, run):
    existing(cloud, lab, metadata={"role": "db"})

    result = run(base(metadata={"role": "web"}), diff=True)

    before, after = result["diff"]["before"], result["diff"]["after"]
    assert before["image"] == after["image"] == "debian-12-lab"
    assert before["flavor"] == "m1.small"
    assert before["networks"] == ["private"]
    assert before["metadata"] == {"role": "db"}
    assert after["metadata"] == {"role": "web"}


def test_the_password_is_never_in_the_result(cloud, lab, run):
    result = run(base(), diff=True)

    assert_not_shown(result, ADMIN_PASSWORD, "Fake-Admin-Pass")


# --- in-place updates -------------------------------------------------------------------------------------------

def test_metadata_is_updated_in_place(cloud, lab, run):
    server = existing(cloud, lab, metadata={"role": "db", "keep": "me"})

    result = run(base(metadata={"role": "web", "keep": "me", "new": "1"}))

    assert result["changed"] is True
    assert [(c.method, c.path, c.json) for c in cloud.nova_writes] == [
        ("POST", "servers/%s/metadata" % server["id"], {"metadata": {"role": "web", "new": "1"}})]
    assert server["metadata"] == {"role": "web", "keep": "me", "new": "1"}
    assert result["server"]["metadata"] == server["metadata"]
    assert run(base(metadata={"role": "web"}))["changed"] is False  # keys not given are left alone


def test_metadata_check_mode_predicts(cloud, lab, run):
    server = existing(cloud, lab, metadata={"role": "db"})

    result = run(base(metadata={"role": "web"}), check_mode=True, diff=True)

    assert result["changed"] is True
    assert cloud.all_writes == []
    assert server["metadata"] == {"role": "db"}
    assert result["server"]["metadata"] == {"role": "web"}
    assert result["diff"]["before"]["metadata"] == {"role": "db"}


def test_security_groups_are_updated_in_place(cloud, lab, run):
    server = existing(cloud, lab)

    result = run(base(security_groups=["web"]))

    assert result["changed"] is True
    assert [c.json for c in cloud.nova_writes] == [
        {"addSecurityGroup": {"name": "web"}}, {"removeSecurityGroup": {"name": "default"}}]
    assert server["security_groups"] == [{"name": "web"}]
    assert cloud.ports_of(server)[0]["security_groups"] == ["web"]
    assert result["server"]["security_groups"] == ["web"]
    assert run(base(security_groups=["web"]))["changed"] is False


def test_security_groups_of_a_server_without_port_are_left_alone(cloud, lab, run):
    existing(cloud, lab, networks=[])

    result = run(base(networks=[], security_groups=["web"]))

    assert result["changed"] is False
    assert cloud.all_writes == []


def test_security_groups_check_mode(cloud, lab, run):
    server = existing(cloud, lab)

    result = run(base(security_groups=["default", "web"]), check_mode=True)

    assert result["changed"] is True
    assert result["server"]["security_groups"] == ["default", "web"]
    assert cloud.all_writes == []
    assert server["security_groups"] == [{"name": "default"}]


# --- what cannot change in place --------------------------------------------------------------------------------

@pytest.mark.parametrize(("params", "expected"), [
    ({"image": "cirros"}, "image debian-12-lab, not cirros"),
    ({"flavor": "m1.tiny"}, "flavor m1.small, not m1.tiny"),
    ({"key_name": "key2"}, "key_name key1, not key2"),
    ({"networks": [{"name": "private", "fixed_ip": "10.0.0.50"}]},
     "networks [private (10.0.0.2)], not [private (10.0.0.50)]"),
    ({"networks": []}, "networks [private (10.0.0.2)], not []"),
    ({"availability_zone": "zone2"}, "availability_zone nova, not zone2"),
    ({"user_data": "#cloud-config\n"}, "other user_data"),
])
def test_an_immutable_difference_fails_by_default(cloud, lab, run, params, expected):
    cloud.keypair("key2")
    server = existing(cloud, lab)

    result = run(base(**params))

    assert result["failed"] is True
    assert expected in result["msg"]
    assert "on_change: replace" in result["msg"]
    assert server["id"] in result["msg"]
    assert cloud.all_writes == []
    assert cloud.find_server(server["id"]) is server


def test_user_data_is_not_compared_when_nova_does_not_show_it(cloud, lab, run):
    existing(cloud, lab, user_data="#cloud-config\nold\n")
    cloud.admin = False

    result = run(base(user_data="#cloud-config\nnew\n"))

    assert result["changed"] is False
    assert result["server"]["host"] is None
    assert cloud.all_writes == []


def test_the_same_user_data_is_no_change(cloud, lab, run):
    existing(cloud, lab, user_data="#cloud-config\n")

    assert run(base(user_data="#cloud-config\n"))["changed"] is False


def test_an_image_uploaded_again_under_the_same_name_is_another_image(cloud, lab, run):
    server = existing(cloud, lab)
    cloud.images.remove(lab.image)
    new = cloud.image("debian-12-lab", data=b"new content", visibility="public")

    result = run(base())

    assert result["failed"] is True
    assert "image %s (no longer in Glance), not debian-12-lab (%s)" % (lab.image["id"], new["id"]) in result["msg"]
    assert cloud.find_server(server["id"]) is server


def test_an_image_of_that_name_that_is_not_the_server_s_is_named_in_the_failure(cloud, lab, run):
    server = existing(cloud, lab)
    lab.image["owner"] = OTHER_PROJECT  # the project's own image of that name wins
    mine = cloud.image("debian-12-lab", data=b"mine", visibility="private")

    result = run(base())

    assert result["failed"] is True
    assert "image debian-12-lab is now another image (%s, was %s)" % (mine["id"], lab.image["id"]) in result["msg"]
    assert cloud.find_server(server["id"]) is server


def test_replace_deletes_waits_and_boots_again(cloud, lab, run):
    old = existing(cloud, lab, networks=[(lab.private, "10.0.0.10")])
    cloud.delete_polls = 2

    result = run(base(flavor="m1.tiny", networks=[{"name": "private", "fixed_ip": "10.0.0.10"}],
                      on_change="replace"), diff=True)

    assert not result.get("failed"), result.get("msg")
    assert result["changed"] is True
    assert result["replaced"] == old["id"]
    assert [(c.method, c.path) for c in cloud.nova_writes] == [
        ("DELETE", "servers/%s" % old["id"]), ("POST", "servers")]
    assert cloud.find_server(old["id"]) is None
    [new] = cloud.servers
    assert new["flavor"]["original_name"] == "m1.tiny"
    assert cloud.ports_of(new)[0]["fixed_ips"][0]["ip_address"] == "10.0.0.10"  # freed by the old one
    assert result["diff"]["before"]["flavor"] == "m1.small"
    assert result["diff"]["after"]["flavor"] == "m1.tiny"
    assert result["server"]["id"] == new["id"]


def test_replace_in_check_mode(cloud, lab, run):
    old = existing(cloud, lab)

    result = run(base(image="cirros", on_change="replace"), check_mode=True)

    assert result["changed"] is True
    assert result["replaced"] == old["id"]
    assert result["server"]["image"] == "cirros"
    assert result["server"]["id"] is None
    assert cloud.all_writes == []


def test_replace_fails_when_the_old_server_does_not_go(cloud, lab, run):
    old = existing(cloud, lab)
    cloud.delete_polls = None

    result = run(base(image="cirros", on_change="replace", timeout=10))

    assert result["failed"] is True
    assert "still exists after 10 s" in result["msg"]
    assert "task_state deleting" in result["msg"]
    assert result["server"]["id"] == old["id"]
    assert boots(cloud) == []


# --- waiting and failures ----------------------------------------------------------------------------------------

def test_a_boot_ending_in_error_fails_with_the_fault(cloud, lab, run):
    cloud.build_fault = "No valid host was found. There are not enough hosts available."

    result = run(base())

    assert result["failed"] is True
    server = cloud.named_servers("myfirstvm")[0]
    assert "No valid host was found" in result["msg"]
    assert server["id"] in result["msg"]
    assert result["server"]["id"] == server["id"]
    assert result["server"]["status"] == "ERROR"
    assert result["server"]["fault"].startswith("No valid host was found")
    assert cloud.find_server(server["id"])["status"] == "ERROR"  # left for inspection


def test_a_server_found_in_error_fails_with_its_fault(cloud, lab, run):
    server = existing(cloud, lab, status="ERROR", fault="Build of instance aborted: Failure prepping block device.")

    result = run(base())

    assert result["failed"] is True
    assert "Failure prepping block device" in result["msg"]
    assert "on_change: replace" in result["msg"]
    assert result["server"]["status"] == "ERROR"
    assert cloud.all_writes == []
    assert cloud.find_server(server["id"]) is server


def test_a_server_found_in_error_is_booted_again_with_replace(cloud, lab, run):
    old = existing(cloud, lab, status="ERROR")

    result = run(base(on_change="replace"))

    assert result["changed"] is True
    assert result["replaced"] == old["id"]
    [new] = cloud.servers
    assert new["id"] != old["id"]
    assert new["status"] == "ACTIVE"


def test_a_build_that_does_not_end_times_out_with_the_last_state(cloud, lab, run, clock):
    cloud.build_polls = None

    result = run(base(timeout=30))

    assert result["failed"] is True
    assert "still BUILD (task_state scheduling) after 30 s" in result["msg"]
    assert result["server"]["status"] == "BUILD"
    assert sum(clock.sleeps) == 30
    assert len(cloud.servers) == 1


def test_wait_false_returns_the_building_server(cloud, lab, run, clock):
    cloud.build_polls = 5

    result = run(base(wait=False))

    assert result["changed"] is True
    assert result["server"]["status"] == "BUILD"
    assert clock.sleeps == []
    assert cloud.servers[0]["status"] == "BUILD"


def test_a_building_server_is_waited_for_on_a_re_run(cloud, lab, run):
    cloud.build_polls = 3
    run(base(wait=False))

    result = run(base())

    assert result["changed"] is False
    assert result["server"]["status"] == "ACTIVE"
    assert len(boots(cloud)) == 1


# --- bad input fails before anything is written --------------------------------------------------------------------

@pytest.mark.parametrize(("params", "message"), [
    ({"name": " "}, "name must not be empty"),
    ({"name": "x" * 256}, "Nova takes at most 255"),
    ({"timeout": -1}, "timeout must be 0 or more"),
    ({"image": "nope"}, "image 'nope' not found; the images the project sees: big, cirros, debian-12-lab"),
    ({"flavor": "m1.huge"}, "flavor 'm1.huge' not found (by name or ID); the flavors: m1.small, m1.tiny"),
    ({"key_name": "key9"}, "key_name 'key9' not found among the keypairs of the user: key1"),
    ({"networks": ["nowhere"]}, "network 'nowhere' not found; the networks the project sees: private, public"),
    ({"networks": [{"name": "private", "ip": "10.0.0.5"}]}, "networks[0]: unknown keys ip"),
    ({"networks": [{"name": "private", "fixed_ip": "10.0.0.300"}]}, "fixed_ip '10.0.0.300' is not an IP address"),
    ({"networks": [{"name": "private", "fixed_ip": "10.9.0.5"}]},
     "fixed_ip 10.9.0.5 is in no subnet of network private (10.0.0.0/24)"),
    ({"networks": [{"name": "private", "fixed_ip": "10.0.0.1"}]}, "fixed_ip 10.0.0.1 of network private is in use"),
    ({"networks": [{"fixed_ip": "10.0.0.5"}]}, "networks[0]: the network name must not be empty"),
    ({"networks": [42]}, "networks[0] must be a network name or a dict"),
    ({"networks": [{"name": "private", "fixed_ip": "10.0.0.5"}, {"name": "private", "fixed_ip": "10.0.0.5"}]},
     "fixed_ip 10.0.0.5 is given twice"),
    ({"security_groups": ["web", "nosuch"]}, "security_groups: 'nosuch' not found in the project"),
    ({"security_groups": []}, "security_groups must name at least one"),
    ({"user_data": "x" * 60000}, "Nova accepts at most 65535"),
    ({"metadata": {"k": "v" * 256}}, "the value of k is 256 characters"),
    ({"metadata": {"k": None}}, "metadata: k has no value"),
    ({"metadata": {str(i): "v" for i in range(129)}}, "129 items"),
    ({"flavor": "m1.tiny", "image": "big"}, "flavor m1.tiny is too small for image big"),
    ({"availability_zone": ""}, "availability_zone must not be empty"),
])
def test_bad_input_fails_before_any_write(cloud, lab, run, params, message):
    cloud.image("big", data=b"b" * 100, min_ram=1024, min_disk=10)

    result = run(base(**params))

    assert result["failed"] is True
    assert message in result["msg"]
    assert cloud.all_writes == []
    assert cloud.servers == []


def test_state_present_needs_image_and_flavor(cloud, lab, run):
    result = run({"name": "myfirstvm"})

    assert result["failed"] is True
    assert "image, flavor" in result["msg"]


def test_two_images_of_that_name_fail(cloud, lab, run):
    cloud.image("twin", data=b"1", visibility="public", owner=OTHER_PROJECT)
    cloud.image("twin", data=b"2", visibility="public", owner="prj-third")

    result = run(base(image="twin"))

    assert result["failed"] is True
    assert "2 images are named 'twin'" in result["msg"]
    assert cloud.all_writes == []


def test_an_image_that_is_not_active_fails(cloud, lab, run):
    cloud.image("half-uploaded")

    result = run(base(image="half-uploaded"))

    assert result["failed"] is True
    assert "is queued, not active" in result["msg"]


def test_two_flavors_of_that_name_fail(cloud, lab, run):
    cloud.flavor("m1.small", ram=4096, disk=40)

    result = run(base())

    assert result["failed"] is True
    assert "2 flavors are named 'm1.small'" in result["msg"]


def test_two_servers_of_that_name_fail(cloud, lab, run):
    first = existing(cloud, lab, networks=[])
    second = existing(cloud, lab, networks=[])

    result = run(base())

    assert result["failed"] is True
    assert "2 servers are named 'myfirstvm'" in result["msg"]
    assert first["id"] in result["msg"] and second["id"] in result["msg"]
    assert cloud.all_writes == []


def test_a_fixed_ip_of_the_server_itself_is_not_in_use(cloud, lab, run):
    existing(cloud, lab, networks=[(lab.private, "10.0.0.10")])

    result = run(base(networks=[{"name": "private", "fixed_ip": "10.0.0.10"}]))

    assert result["changed"] is False


def test_an_error_of_nova_is_reported(cloud, lab, run):
    cloud.answers[("POST", "servers")] = nova_error(403, "Quota exceeded for instances: Requested 1, but already "
                                                         "used 10 of 10 instances")

    result = run(base())

    assert result["failed"] is True
    assert "HTTP 403: Quota exceeded for instances" in result["msg"]


# --- absent ----------------------------------------------------------------------------------------------------------

def test_absent_deletes_and_waits_until_gone(cloud, lab, run, clock):
    server = existing(cloud, lab)
    cloud.delete_polls = 3

    result = run({"name": "myfirstvm", "state": "absent"}, diff=True)

    assert result["changed"] is True
    assert result["server"] is None
    assert [(c.method, c.path) for c in cloud.nova_writes] == [("DELETE", "servers/%s" % server["id"])]
    assert cloud.servers == []
    assert [p for p in cloud.ports if p["device_owner"] == "compute:nova"] == []
    assert result["diff"]["before"]["name"] == "myfirstvm"
    assert result["diff"]["after"] == {}
    assert len(clock.sleeps) == 2


def test_absent_when_missing_changes_nothing(cloud, lab, run):
    result = run({"name": "myfirstvm", "state": "absent"})

    assert result["changed"] is False
    assert cloud.all_writes == []


def test_absent_in_check_mode(cloud, lab, run):
    server = existing(cloud, lab)

    result = run({"name": "myfirstvm", "state": "absent"}, check_mode=True)

    assert result["changed"] is True
    assert cloud.all_writes == []
    assert cloud.find_server(server["id"]) is server


def test_absent_without_wait(cloud, lab, run, clock):
    server = existing(cloud, lab)
    cloud.delete_polls = 3

    result = run({"name": "myfirstvm", "state": "absent", "wait": False})

    assert result["changed"] is True
    assert clock.sleeps == []
    assert cloud.find_server(server["id"])["OS-EXT-STS:task_state"] == "deleting"


def test_absent_times_out_with_the_last_state(cloud, lab, run):
    existing(cloud, lab)
    cloud.delete_polls = None

    result = run({"name": "myfirstvm", "state": "absent", "timeout": 6})

    assert result["failed"] is True
    assert "still exists after 6 s (timeout): status ACTIVE, task_state deleting" in result["msg"]


def test_absent_of_a_server_being_deleted_only_waits(cloud, lab, run):
    server = existing(cloud, lab)
    server["OS-EXT-STS:task_state"] = "deleting"
    server["_deleting"] = 2

    result = run({"name": "myfirstvm", "state": "absent"})

    assert result["changed"] is False
    assert cloud.all_writes == []
    assert cloud.servers == []


def test_absent_deletes_a_server_in_error(cloud, lab, run):
    existing(cloud, lab, status="ERROR")

    result = run({"name": "myfirstvm", "state": "absent"})

    assert result["changed"] is True
    assert cloud.servers == []


def test_absent_with_two_servers_of_that_name_fails(cloud, lab, run):
    existing(cloud, lab, networks=[])
    existing(cloud, lab, networks=[])

    result = run({"name": "myfirstvm", "state": "absent"})

    assert result["failed"] is True
    assert "2 servers are named 'myfirstvm'" in result["msg"]
    assert cloud.all_writes == []
    assert len(cloud.servers) == 2


# --- more lookups ---------------------------------------------------------------------------------------------------

def test_two_shared_networks_of_that_name_fail(cloud, lab, run):
    cloud.network("shared-net", "10.9.0.0/24", project_id=OTHER_PROJECT, shared=True)
    cloud.network("shared-net", "10.10.0.0/24", project_id="prj-third", shared=True)

    result = run(base(networks=["shared-net"]))

    assert result["failed"] is True
    assert "2 networks are named 'shared-net'" in result["msg"]
    assert cloud.all_writes == []


def test_two_security_groups_of_that_name_fail(cloud, lab, run):
    cloud.security_group("web")

    result = run(base(security_groups=["web"]))

    assert result["failed"] is True
    assert "2 security groups are named 'web'" in result["msg"]
    assert cloud.all_writes == []


def test_an_image_bigger_than_the_flavor_s_disk_fails(cloud, lab, run):
    cloud.image("huge", data=b"h" * 100, size=2 * 1024 ** 3)

    result = run(base(image="huge", flavor="m1.tiny"))

    assert result["failed"] is True
    assert "the image is 2147483648 bytes, more than the flavor's 1 GB disk" in result["msg"]
    assert cloud.all_writes == []


def test_a_server_that_disappears_while_building_fails(cloud, lab, run, monkeypatch):
    real_boot = cloud._boot

    def boot_then_delete(attrs, project_id):
        answer = real_boot(attrs, project_id)
        cloud.find_server(answer.json()["server"]["id"])["_deleting"] = 1  # deleted by someone else
        return answer

    monkeypatch.setattr(cloud, "_boot", boot_then_delete)

    result = run(base())

    assert result["failed"] is True
    assert "disappeared while it was building" in result["msg"]


def test_a_server_shown_as_deleted_is_gone(cloud, lab, run):
    server = existing(cloud, lab)
    server["status"] = "DELETED"  # what Nova shows for a moment, or with deleted=True

    result = run({"name": "myfirstvm", "state": "absent"})

    assert result["changed"] is False
    assert cloud.all_writes == []

    result = run(base())

    assert result["changed"] is True
    assert len(boots(cloud)) == 1
