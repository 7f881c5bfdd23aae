# -*- coding: utf-8 -*-
# Copyright: lab.openstack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""lab.openstack.cinder_volume end to end through main(), on a fake Cinder, Nova and Keystone.

Waits are instant: nova.sleep advances a fake clock, and the fake volumes reach their next
status after settle_polls reads.
"""

from __future__ import annotations

import pytest

from ansible_collections.lab.openstack.plugins.module_utils import nova as nova_utils
from ansible_collections.lab.openstack.plugins.modules import cinder_volume
from ansible_collections.lab.openstack.tests.unit.plugins.modules.fake_keystone import AUTH, run_module
from ansible_collections.lab.openstack.tests.unit.plugins.modules.fake_nova import (
    FakeNova, install_session, nova_error, project_id_of)

DEMO_AUTH = dict(AUTH, username="demo", password="demo-pw", project_name="demo")


@pytest.fixture
def cloud(monkeypatch):
    fake = FakeNova()
    install_session(monkeypatch, fake)
    yield fake
    assert fake.unexpected == [], "requests the fake Nova/Cinder does not know"


@pytest.fixture
def sleeps(monkeypatch):
    """The sleeps of the waits; each advances the module's clock."""
    now = [1000.0]
    slept = []

    def sleep(seconds):
        slept.append(seconds)
        now[0] += seconds

    monkeypatch.setattr(nova_utils, "sleep", sleep)
    monkeypatch.setattr(nova_utils, "clock", lambda: now[0])
    return slept


@pytest.fixture
def run(monkeypatch, cloud, sleeps):
    def runner(params, check_mode=False, diff=False):
        params = dict(params)
        params.setdefault("auth", dict(DEMO_AUTH))
        return run_module(monkeypatch, cinder_volume, params, check_mode=check_mode, diff=diff)

    return runner


@pytest.fixture
def vm1(cloud):
    return cloud.server("vm1", project="demo")


def writes(cloud):
    return [(c.method, c.path) for c in cloud.nova_writes + cloud.cinder_writes]


def cinder_writes(cloud):
    return [(c.method, c.path) for c in cloud.cinder_writes]


def nova_writes(cloud):
    return [(c.method, c.path) for c in cloud.nova_writes]


# --- create --------------------------------------------------------------------------------------

def test_create_waits_for_available(cloud, run, sleeps):
    cloud.settle_polls = 3

    result = run({"name": "data1", "size": 1, "description": "first volume"})

    assert not result.get("failed"), result.get("msg")
    assert result["changed"] is True
    assert cinder_writes(cloud) == [("POST", "volumes")]
    assert cloud.cinder_writes[0].json == {"volume": {"name": "data1", "size": 1, "description": "first volume"}}
    assert sleeps == [nova_utils.POLL, nova_utils.POLL]
    stored = cloud.volume_named("data1")
    assert stored["status"] == "available" and stored["_project"] == project_id_of("demo")
    assert result["volume"] == {"id": stored["id"], "name": "data1", "size": 1, "status": "available",
                                "volume_type": "__DEFAULT__", "description": "first volume", "bootable": "false",
                                "availability_zone": "nova", "attachments": []}


def test_every_request_pins_its_microversion(cloud, run, vm1):
    run({"name": "data1", "size": 1, "server": "vm1"})

    assert set(cloud.microversions) == {("volume", "3.42"), ("compute", "2.79")}


def test_create_with_a_volume_type(cloud, run):
    cloud.volume_type("lvm")

    result = run({"name": "data1", "size": 2, "volume_type": "lvm"})

    assert cloud.cinder_writes[0].json["volume"]["volume_type"] == "lvm"
    assert cloud.volume_named("data1")["volume_type"] == "lvm"
    assert result["volume"]["volume_type"] == "lvm"


def test_create_and_attach(cloud, run, vm1):
    result = run({"name": "data1", "size": 1, "server": "vm1", "device": "/dev/vdb"})

    assert result["changed"] is True
    assert cinder_writes(cloud) == [("POST", "volumes")]
    assert nova_writes(cloud) == [("POST", "servers/%s/os-volume_attachments" % vm1["id"])]
    stored = cloud.volume_named("data1")
    assert cloud.nova_writes[0].json == {"volumeAttachment": {"volumeId": stored["id"], "device": "/dev/vdb"}}
    assert stored["status"] == "in-use"
    assert [a["server_id"] for a in stored["attachments"]] == [vm1["id"]]
    assert result["volume"]["status"] == "in-use"
    assert result["volume"]["attachments"] == [{"server": "vm1", "server_id": vm1["id"], "device": "/dev/vdb"}]


def test_second_run_changes_nothing(cloud, run, vm1):
    params = {"name": "data1", "size": 1, "server": "vm1", "description": "d"}
    first = run(params)
    count = len(writes(cloud))

    second = run(params)

    assert first["changed"] is True
    assert second["changed"] is False
    assert len(writes(cloud)) == count
    assert second["volume"] == first["volume"]


def test_without_wait_creation_returns_at_once(cloud, run, sleeps):
    cloud.settle_polls = 5

    result = run({"name": "data1", "size": 1, "wait": False})

    assert result["changed"] is True
    assert result["volume"]["status"] == "creating"
    assert sleeps == []
    assert [c.method for c in cloud.cinder_calls if "volumes/vol" in c.path] == []


def test_without_wait_an_attachment_still_waits_for_available(cloud, run, vm1, sleeps):
    cloud.settle_polls = 2

    result = run({"name": "data1", "size": 1, "server": "vm1", "wait": False})

    assert result["changed"] is True
    assert sleeps == [nova_utils.POLL]  # creating -> available, then no wait for in-use
    assert nova_writes(cloud) == [("POST", "servers/%s/os-volume_attachments" % vm1["id"])]
    assert result["volume"]["status"] == "attaching"


def test_size_is_needed_to_create(cloud, run):
    result = run({"name": "data1"})

    assert result["failed"] is True
    assert "size is needed to create it" in result["msg"]
    assert writes(cloud) == []


# --- failures while creating and attaching -----------------------------------------------------------

def test_a_volume_cinder_cannot_create_fails_with_its_status(cloud, run):
    cloud.create_outcome = "error"

    result = run({"name": "data1", "size": 1})

    assert result["failed"] is True
    assert result["status"] == "error"
    assert result["changed"] is True
    assert "is in status error" in result["msg"]
    assert "volume group" in result["msg"] and "state: absent deletes it" in result["msg"]
    assert result["volume"]["status"] == "error"
    assert cloud.volume_named("data1")["status"] == "error"  # left for inspection


def test_a_volume_in_error_fails_again_without_writing(cloud, run):
    cloud.volume("data1", status="error", project="demo")

    result = run({"name": "data1", "size": 1})

    assert result["failed"] is True
    assert result["status"] == "error"
    assert result["changed"] is False
    assert "is in status error" in result["msg"]
    assert writes(cloud) == []


def test_a_rolled_back_attachment_fails_clearly(cloud, run, vm1):
    cloud.attach_outcome = "available"  # Nova could not connect the volume on the compute host

    result = run({"name": "data1", "size": 1, "server": "vm1"})

    assert result["failed"] is True
    assert result["status"] == "available"
    assert "the volume is available again, not attached" in result["msg"]
    assert "iSCSI initiator" in result["msg"] and "server event list vm1" in result["msg"]
    assert cloud.volume_named("data1")["attachments"] == []


def test_create_times_out_with_the_status(cloud, run, sleeps):
    cloud.settle_polls = 10 ** 6

    result = run({"name": "data1", "size": 1, "timeout": 10})

    assert result["failed"] is True
    assert "timed out after 10 s" in result["msg"] and "to become available (status creating)" in result["msg"]
    assert result["status"] == "creating"
    assert result["changed"] is True
    assert sum(sleeps) >= 10 and len(sleeps) == 5


def test_attach_times_out(cloud, run, vm1):
    cloud.volume("data1", project="demo")
    cloud.settle_polls = 10 ** 6

    result = run({"name": "data1", "server": "vm1", "timeout": 4})

    assert result["failed"] is True
    assert "to be attached to server vm1 (status attaching)" in result["msg"]
    assert result["status"] == "attaching"


def test_a_zero_timeout_polls_once(cloud, run, sleeps):
    cloud.settle_polls = 2

    result = run({"name": "data1", "size": 1, "timeout": 0})

    assert result["failed"] is True
    assert "timed out after 0 s" in result["msg"]
    assert sleeps == []


# --- attachments ----------------------------------------------------------------------------------

def test_attach_an_existing_volume(cloud, run, vm1):
    volume = cloud.volume("data1", project="demo")

    result = run({"name": "data1", "server": "vm1"}, diff=True)

    assert result["changed"] is True
    assert writes(cloud) == [("POST", "servers/%s/os-volume_attachments" % vm1["id"])]
    assert cloud.nova_writes[0].json == {"volumeAttachment": {"volumeId": volume["id"]}}
    assert volume["status"] == "in-use"
    assert result["volume"]["attachments"] == [{"server": "vm1", "server_id": vm1["id"], "device": "/dev/vdb"}]
    assert result["diff"]["before"]["attachments"] == []
    assert result["diff"]["after"]["status"] == "in-use"


def test_already_attached_to_that_server_changes_nothing_whatever_the_device(cloud, run, vm1):
    volume = cloud.volume("data1", project="demo")
    cloud.attach(volume, vm1, "/dev/vdc")

    result = run({"name": "data1", "size": 1, "server": "vm1", "device": "/dev/vdb"})

    assert result["changed"] is False
    assert writes(cloud) == []
    assert result["volume"]["attachments"] == [{"server": "vm1", "server_id": vm1["id"], "device": "/dev/vdc"}]


def test_attached_to_another_server_fails_before_any_write(cloud, run, vm1):
    vm2 = cloud.server("vm2", project="demo")
    volume = cloud.volume("data1", project="demo")
    cloud.attach(volume, vm2)

    result = run({"name": "data1", "size": 2, "server": "vm1"})

    assert result["failed"] is True
    assert "is attached to server vm2, not vm1" in result["msg"]
    assert writes(cloud) == []
    assert volume["size"] == 1


def test_attached_to_a_server_out_of_sight_names_its_id(cloud, run, vm1):
    hidden = cloud.server("other", project="admin")
    volume = cloud.volume("data1", project="demo")
    cloud.attach(volume, hidden)

    result = run({"name": "data1", "server": "vm1"})

    assert result["failed"] is True
    assert "attached to server %s, not vm1" % hidden["id"] in result["msg"]


def test_a_volume_still_attaching_is_waited_for(cloud, run, vm1, sleeps):
    volume = cloud.volume("data1", project="demo", status="attaching")
    # Three reads: the listing, then two polls.
    cloud.pending(volume, lambda v: cloud.attach(v, vm1), polls=3)

    result = run({"name": "data1", "server": "vm1"})

    assert result["changed"] is False
    assert writes(cloud) == []
    assert sleeps == [nova_utils.POLL]


def test_a_volume_being_backed_up_is_attached_once_available(cloud, run, vm1, sleeps):
    volume = cloud.volume("data1", project="demo", status="backing-up")
    cloud.pending(volume, lambda v: v.update(status="available"), polls=4)

    result = run({"name": "data1", "server": "vm1"})

    assert result["changed"] is True
    assert len(sleeps) == 2
    assert volume["status"] == "in-use"


def test_a_transient_status_that_does_not_end_times_out_before_any_write(cloud, run, vm1):
    volume = cloud.volume("data1", project="demo", status="backing-up")
    cloud.pending(volume, lambda v: None, polls=10 ** 6)

    result = run({"name": "data1", "server": "vm1", "timeout": 30})

    assert result["failed"] is True
    assert "timed out after 30 s waiting for volume data1 (%s) to leave status backing-up" % volume["id"] \
        in result["msg"]
    assert result["status"] == "backing-up" and result["changed"] is False
    assert writes(cloud) == []


def test_a_volume_awaiting_a_transfer_cannot_be_attached(cloud, run, vm1):
    cloud.volume("data1", project="demo", status="awaiting-transfer")

    result = run({"name": "data1", "server": "vm1"})

    assert result["failed"] is True
    assert "is awaiting-transfer; only an available volume can be attached" in result["msg"]
    assert result["status"] == "awaiting-transfer"
    assert writes(cloud) == []


def test_an_unknown_server_fails_before_any_write(cloud, run):
    cloud.server("vm1", project="admin")  # not the caller's project

    result = run({"name": "data1", "size": 1, "server": "vm1"})

    assert result["failed"] is True
    assert "server 'vm1' does not exist in the project of the credentials" in result["msg"]
    assert cloud.cinder_calls == []  # the server is looked up first


def test_two_servers_of_that_name_fail(cloud, run):
    first = cloud.server("vm1", project="demo")
    second = cloud.server("vm1", project="demo")

    result = run({"name": "data1", "size": 1, "server": "vm1"})

    assert result["failed"] is True
    assert "2 servers are named 'vm1' (%s, %s)" % (first["id"], second["id"]) in result["msg"]
    assert writes(cloud) == []


def test_a_server_name_with_regex_characters_is_matched_exactly(cloud, run):
    cloud.server("vm1", project="demo")
    odd = cloud.server("vm(1)", project="demo")

    result = run({"name": "data1", "size": 1, "server": "vm(1)"})

    assert result["volume"]["attachments"][0]["server_id"] == odd["id"]


def test_a_server_given_by_id(cloud, run):
    server = cloud.server("vm1", project="demo")
    server["id"] = "0f6c9b8a-1d2e-4f30-8a4b-5c6d7e8f9a0b"

    result = run({"name": "data1", "size": 1, "server": server["id"]})

    assert result["volume"]["attachments"][0]["server"] == "vm1"


# --- extend and update ---------------------------------------------------------------------------

def test_extend_an_available_volume(cloud, run):
    volume = cloud.volume("data1", project="demo", size=1)

    result = run({"name": "data1", "size": 3}, diff=True)

    assert result["changed"] is True
    assert cinder_writes(cloud) == [("POST", "volumes/%s/action" % volume["id"])]
    assert cloud.cinder_writes[0].json == {"os-extend": {"new_size": 3}}
    assert volume["size"] == 3 and volume["status"] == "available"
    assert result["diff"]["before"]["size"] == 1 and result["diff"]["after"]["size"] == 3


def test_extend_an_attached_volume_with_3_42(cloud, run, vm1):
    volume = cloud.volume("data1", project="demo", size=1)
    cloud.attach(volume, vm1)

    result = run({"name": "data1", "size": 2, "server": "vm1"})

    assert result["changed"] is True
    assert volume["size"] == 2 and volume["status"] == "in-use"
    assert ("volume", "3.42") in cloud.microversions


def test_an_in_use_volume_is_not_extended_below_3_42(cloud, run, vm1, monkeypatch):
    # What the 3.42 of the module is for: Cinder refuses an online extension below it.
    monkeypatch.setattr(cinder_volume.VolumeModule, "volume_microversion", "3.41")
    volume = cloud.volume("data1", project="demo", size=1)
    cloud.attach(volume, vm1)

    result = run({"name": "data1", "size": 2})

    assert result["failed"] is True
    assert "must be available to extend, currently in-use" in result["msg"]
    assert volume["size"] == 1


def test_extend_then_attach(cloud, run, vm1):
    volume = cloud.volume("data1", project="demo", size=1)
    cloud.settle_polls = 2

    result = run({"name": "data1", "size": 2, "server": "vm1", "wait": False})

    assert cinder_writes(cloud) == [("POST", "volumes/%s/action" % volume["id"])]
    assert nova_writes(cloud) == [("POST", "servers/%s/os-volume_attachments" % vm1["id"])]
    assert cloud.cinder_writes[0].json == {"os-extend": {"new_size": 2}}
    # The extension was waited for, wait: false or not: the fake Nova refuses to attach an
    # extending volume. The attachment itself was not waited for.
    assert volume["size"] == 2
    assert result["changed"] is True
    assert result["volume"]["status"] == "attaching"


def test_an_extension_cinder_cannot_do_fails_with_its_status(cloud, run):
    cloud.volume("data1", project="demo", size=1)
    cloud.extend_outcome = "error_extending"

    result = run({"name": "data1", "size": 2})

    assert result["failed"] is True
    assert result["status"] == "error_extending"
    assert "Cinder could not extend it" in result["msg"]


def test_extend_without_wait(cloud, run):
    volume = cloud.volume("data1", project="demo", size=1)
    cloud.settle_polls = 10 ** 6

    result = run({"name": "data1", "size": 2, "wait": False})

    assert result["changed"] is True
    assert result["volume"]["size"] == 2 and result["volume"]["status"] == "extending"
    assert volume["status"] == "extending"


def test_a_smaller_size_fails_before_any_write(cloud, run):
    volume = cloud.volume("data1", project="demo", size=5, description="old")

    result = run({"name": "data1", "size": 2, "description": "new"})

    assert result["failed"] is True
    assert "is 5 GiB; it cannot shrink to 2 GiB" in result["msg"]
    assert writes(cloud) == []
    assert volume["description"] == "old"


def test_description_is_updated(cloud, run):
    volume = cloud.volume("data1", project="demo", description="old")

    result = run({"name": "data1", "description": "new"})

    assert result["changed"] is True
    assert cinder_writes(cloud) == [("PUT", "volumes/%s" % volume["id"])]
    assert cloud.cinder_writes[0].json == {"volume": {"description": "new"}}
    assert volume["description"] == "new"
    assert result["volume"]["description"] == "new"


def test_an_empty_description_equals_none(cloud, run):
    cloud.volume("data1", project="demo", description=None)

    result = run({"name": "data1", "description": ""})

    assert result["changed"] is False
    assert writes(cloud) == []


def test_another_volume_type_fails_before_any_write(cloud, run):
    cloud.volume_type("lvm")
    cloud.volume("data1", project="demo")

    result = run({"name": "data1", "volume_type": "lvm", "size": 2})

    assert result["failed"] is True
    assert "has volume type __DEFAULT__, not lvm; this module does not retype volumes" in result["msg"]
    assert writes(cloud) == []


def test_the_volume_type_may_be_given_by_id(cloud, run):
    lvm = cloud.volume_type("lvm")
    cloud.volume("data1", project="demo", volume_type="lvm")

    result = run({"name": "data1", "volume_type": lvm["id"]})

    assert result["changed"] is False


def test_an_unknown_volume_type_fails_before_any_write(cloud, run):
    result = run({"name": "data1", "size": 1, "volume_type": "ceph"})

    assert result["failed"] is True
    assert "volume_type 'ceph' does not exist (known: __DEFAULT__)" in result["msg"]
    assert writes(cloud) == []


def test_update_check_mode_writes_nothing(cloud, run, vm1):
    volume = cloud.volume("data1", project="demo", size=1, description="old")

    result = run({"name": "data1", "size": 2, "description": "new", "server": "vm1", "device": "/dev/vdb"},
                 check_mode=True, diff=True)

    assert result["changed"] is True
    assert writes(cloud) == []
    assert volume["size"] == 1 and volume["status"] == "available" and volume["description"] == "old"
    after = result["diff"]["after"]
    assert after["size"] == 2 and after["description"] == "new" and after["status"] == "in-use"
    assert after["attachments"] == [{"server": "vm1", "server_id": vm1["id"], "device": "/dev/vdb"}]


# --- check mode on creation --------------------------------------------------------------------------

def test_check_mode_create_and_attach_writes_nothing(cloud, run, vm1):
    cloud.volume_type("lvm")

    result = run({"name": "data1", "size": 1, "volume_type": "lvm", "server": "vm1"}, check_mode=True, diff=True)

    assert result["changed"] is True
    assert writes(cloud) == []
    assert cloud.volumes == []
    assert result["diff"]["before"] == {}
    assert result["volume"] == {"id": None, "name": "data1", "size": 1, "status": "in-use", "volume_type": "lvm",
                                "description": None, "bootable": "false", "availability_zone": None,
                                "attachments": [{"server": "vm1", "server_id": vm1["id"], "device": None}]}


def test_check_mode_still_checks_the_input(cloud, run):
    result = run({"name": "data1", "size": 1, "server": "nowhere"}, check_mode=True)

    assert result["failed"] is True
    assert "server 'nowhere' does not exist" in result["msg"]


# --- absent -----------------------------------------------------------------------------------------

def test_absent_detaches_deletes_and_waits(cloud, run, vm1, sleeps):
    volume = cloud.volume("data1", project="demo")
    cloud.attach(volume, vm1)
    cloud.settle_polls = 2

    result = run({"name": "data1", "state": "absent"}, diff=True)

    assert result["changed"] is True
    assert writes(cloud) == [("DELETE", "servers/%s/os-volume_attachments/%s" % (vm1["id"], volume["id"])),
                             ("DELETE", "volumes/%s" % volume["id"])]
    assert cloud.volumes == []
    assert result["volume"] is None
    assert result["diff"]["before"]["attachments"][0]["server"] == "vm1"
    assert result["diff"]["after"] == {}
    assert len(sleeps) == 2  # one poll each for the detachment and the deletion


def test_absent_without_wait_leaves_it_deleting(cloud, run):
    volume = cloud.volume("data1", project="demo")

    result = run({"name": "data1", "state": "absent", "wait": False})

    assert result["changed"] is True
    assert volume["status"] == "deleting"


def test_absent_deletes_a_volume_in_error(cloud, run):
    cloud.volume("data1", project="demo", status="error")

    result = run({"name": "data1", "state": "absent"})

    assert result["changed"] is True
    assert cloud.volumes == []


def test_a_deletion_cinder_cannot_do_fails_with_its_status(cloud, run):
    cloud.volume("data1", project="demo")
    cloud.delete_outcome = "error_deleting"

    result = run({"name": "data1", "state": "absent"})

    assert result["failed"] is True
    assert result["status"] == "error_deleting"
    assert "reset its state" in result["msg"]

    again = run({"name": "data1", "state": "absent"})

    assert again["failed"] is True and again["status"] == "error_deleting"
    assert len(cloud.cinder_writes) == 1  # no second DELETE


def test_deletion_times_out(cloud, run):
    cloud.volume("data1", project="demo")
    cloud.settle_polls = 10 ** 6

    result = run({"name": "data1", "state": "absent", "timeout": 6})

    assert result["failed"] is True
    assert "to be deleted (status deleting)" in result["msg"]
    assert result["status"] == "deleting"


def test_absent_and_missing_is_a_no_op(cloud, run):
    result = run({"name": "data1", "state": "absent"})

    assert result["changed"] is False
    assert writes(cloud) == []


def test_absent_check_mode_writes_nothing(cloud, run, vm1):
    volume = cloud.volume("data1", project="demo")
    cloud.attach(volume, vm1)

    result = run({"name": "data1", "state": "absent"}, check_mode=True)

    assert result["changed"] is True
    assert writes(cloud) == []
    assert volume["status"] == "in-use"


def test_a_volume_of_another_project_is_not_seen(cloud, run):
    theirs = cloud.volume("data1", project="admin")

    result = run({"name": "data1", "state": "absent"})

    assert result["changed"] is False
    assert theirs in cloud.volumes


# --- bad input and listings ---------------------------------------------------------------------------

@pytest.mark.parametrize("params, msg", [
    ({"name": " ", "size": 1}, "name must not be empty"),
    ({"name": "data1", "size": 0}, "size must be 1 (GiB) or more, not 0"),
    ({"name": "data1", "size": 1, "timeout": -1}, "timeout must be 0 or more"),
    ({"name": "data1", "size": 1, "server": "vm1", "device": "vdb"}, "device 'vdb' is not a device path"),
    ({"name": "data1", "size": 1, "device": "/dev/vdb"}, "missing parameter(s) required by 'device': server"),
])
def test_bad_input_fails_before_any_request(cloud, run, params, msg):
    result = run(params)

    assert result["failed"] is True
    assert msg in result["msg"]
    assert cloud.cinder_calls == [] and cloud.nova_calls == []


def test_two_volumes_of_that_name_fail(cloud, run):
    first = cloud.volume("data1", project="demo")
    second = cloud.volume("data1", project="demo")

    result = run({"name": "data1", "state": "absent"})

    assert result["failed"] is True
    assert "2 volumes are named 'data1' (%s, %s)" % (first["id"], second["id"]) in result["msg"]
    assert writes(cloud) == []


def test_volumes_on_several_pages_are_all_read(cloud, run):
    cloud.page_size = 1
    first = cloud.volume("data1", project="demo")
    second = cloud.volume("data1", project="demo")

    result = run({"name": "data1", "state": "absent"})

    assert result["failed"] is True and second["id"] in result["msg"] and first["id"] in result["msg"]


def test_a_cinder_error_fails_with_its_message(cloud, run):
    cloud.answers[("POST", "volumes")] = nova_error(413, "VolumeSizeExceedsAvailableQuota: Requested volume or "
                                                         "snapshot exceeds allowed gigabytes quota.")

    result = run({"name": "data1", "size": 1000})

    assert result["failed"] is True
    assert "HTTP 413" in result["msg"] and "gigabytes quota" in result["msg"]
    assert cloud.volumes == []
