# -*- coding: utf-8 -*-
# Copyright: lab.openstack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""lab.openstack.nova_flavor end to end through main(), on a fake Nova and Keystone."""

from __future__ import annotations

import pytest

from ansible_collections.lab.openstack.plugins.modules import nova_flavor
from ansible_collections.lab.openstack.tests.unit.plugins.modules.fake_keystone import (
    ADMIN_PASSWORD, assert_not_shown, run_module)
from ansible_collections.lab.openstack.tests.unit.plugins.modules.fake_nova import (
    FakeNova, install_session, nova_error)


@pytest.fixture
def nova(monkeypatch):
    fake = FakeNova()
    install_session(monkeypatch, fake)
    yield fake
    assert fake.unexpected == [], "requests the fake Nova does not know"


@pytest.fixture
def run(monkeypatch, nova):
    def runner(params, check_mode=False, diff=False):
        return run_module(monkeypatch, nova_flavor, params, check_mode=check_mode, diff=diff)

    return runner


def tiny(**params):
    base = {"name": "m1.tiny", "id": "1", "ram": 512, "vcpus": 1, "disk": 1}
    base.update(params)
    return base


def writes(nova):
    return [(c.method, c.path) for c in nova.nova_writes]


# --- create ----------------------------------------------------------------------------------

def test_create_with_the_tutorial_id(nova, run):
    result = run(tiny())

    assert not result.get("failed"), result.get("msg")
    assert result["changed"] is True
    assert writes(nova) == [("POST", "flavors")]
    assert nova.nova_writes[0].json == {"flavor": {
        "name": "m1.tiny", "id": "1", "ram": 512, "vcpus": 1, "disk": 1, "OS-FLV-EXT-DATA:ephemeral": 0,
        "swap": 0, "os-flavor-access:is_public": True}}
    stored = nova.flavor_named("m1.tiny")
    assert stored["id"] == "1" and stored["ram"] == 512
    assert result["flavor"] == {"id": "1", "name": "m1.tiny", "ram": 512, "vcpus": 1, "disk": 1, "ephemeral": 0,
                                "swap": 0, "is_public": True, "description": None, "extra_specs": {}}


def test_every_request_pins_the_compute_microversion(nova, run):
    run(tiny())

    assert nova.microversions and set(nova.microversions) == {("compute", "2.79")}


def test_create_with_auto_id_lets_nova_choose(nova, run):
    result = run({"name": "lab.small", "ram": 256, "vcpus": 1, "disk": 0, "ephemeral": 2, "swap": 128,
                  "is_public": False})

    body = nova.nova_writes[0].json["flavor"]
    assert "id" not in body
    assert body["OS-FLV-EXT-DATA:ephemeral"] == 2 and body["swap"] == 128
    assert body["os-flavor-access:is_public"] is False
    stored = nova.flavor_named("lab.small")
    assert result["flavor"]["id"] == stored["id"]
    assert result["flavor"]["is_public"] is False


def test_create_with_description_and_extra_specs(nova, run):
    result = run(tiny(description="Smallest", extra_specs={"hw_rng:allowed": True, "hw:cpu_cores": 2,
                                                           "quota:cpu_shares": "512"}))

    assert writes(nova) == [("POST", "flavors"), ("POST", "flavors/1/os-extra_specs")]
    assert nova.nova_writes[0].json["flavor"]["description"] == "Smallest"
    assert nova.nova_writes[1].json == {"extra_specs": {"hw_rng:allowed": "true", "hw:cpu_cores": "2",
                                                        "quota:cpu_shares": "512"}}
    assert nova.extra_specs["1"] == {"hw_rng:allowed": "true", "hw:cpu_cores": "2", "quota:cpu_shares": "512"}
    assert result["flavor"]["extra_specs"]["hw_rng:allowed"] == "true"
    assert result["flavor"]["description"] == "Smallest"


def test_refused_extra_specs_delete_the_new_flavor(nova, run):
    result = run(tiny(extra_specs={"bad:key": "1"}))

    assert result["failed"] is True
    assert "the flavor was deleted" in result["msg"] and "bad:key is not registered" in result["msg"]
    assert writes(nova) == [("POST", "flavors"), ("POST", "flavors/1/os-extra_specs"), ("DELETE", "flavors/1")]
    assert nova.flavors == []


def test_second_run_changes_nothing(nova, run):
    params = tiny(description="Smallest", extra_specs={"hw_rng:allowed": True})
    first = run(params)
    count = len(nova.nova_writes)

    second = run(params)

    assert first["changed"] is True
    assert second["changed"] is False
    assert len(nova.nova_writes) == count
    assert second["flavor"] == first["flavor"]


def test_an_existing_flavor_without_sizes_given_is_kept(nova, run):
    nova.flavor("m1.tiny", flavor_id="1")

    result = run({"name": "m1.tiny"})

    assert result["changed"] is False
    assert nova.nova_writes == []
    assert result["flavor"]["id"] == "1"


def test_missing_sizes_to_create_fail(nova, run):
    result = run({"name": "m1.tiny", "ram": 512})

    assert result["failed"] is True
    assert "vcpus and disk are needed to create it" in result["msg"]
    assert nova.nova_writes == []


def test_a_private_flavor_is_found(nova, run):
    nova.flavor("secret", flavor_id="42", **{"os-flavor-access:is_public": False})

    result = run({"name": "secret", "id": "42", "is_public": False, "ram": 512, "vcpus": 1, "disk": 1})

    assert result["changed"] is False
    assert nova.nova_writes == []


def test_flavors_on_several_pages_are_all_read(nova, run):
    nova.page_size = 2
    for number in range(2, 7):
        nova.flavor("other%d" % number, flavor_id=str(number))
    nova.flavor("m1.tiny", flavor_id="1")

    result = run(tiny())

    assert result["changed"] is False
    assert nova.nova_writes == []
    listings = [c.path for c in nova.nova_calls if c.path.startswith("flavors/detail")]
    assert listings == ["flavors/detail?is_public=None", "flavors/detail?is_public=None&marker=3",
                        "flavors/detail?is_public=None&marker=5"]


# --- update in place ---------------------------------------------------------------------------

def test_description_is_updated_in_place(nova, run):
    nova.flavor("m1.tiny", flavor_id="1", description="old")

    result = run(tiny(description="new"), diff=True)

    assert result["changed"] is True
    assert writes(nova) == [("PUT", "flavors/1")]
    assert nova.nova_writes[0].json == {"flavor": {"description": "new"}}
    assert nova.flavor_named("m1.tiny")["description"] == "new"
    assert result["diff"]["before"]["description"] == "old"
    assert result["diff"]["after"]["description"] == "new"


def test_an_empty_description_removes_it(nova, run):
    nova.flavor("m1.tiny", flavor_id="1", description="old")

    result = run(tiny(description=""))

    assert result["changed"] is True
    assert nova.nova_writes[0].json == {"flavor": {"description": None}}
    assert nova.flavor_named("m1.tiny")["description"] is None


def test_extra_specs_are_updated_key_by_key(nova, run):
    nova.flavor("m1.tiny", flavor_id="1", extra_specs={"a": "1", "b": "2", "c": "3"})

    result = run(tiny(extra_specs={"a": "1", "b": "20", "d": 4}))

    assert result["changed"] is True
    assert writes(nova) == [("POST", "flavors/1/os-extra_specs"), ("DELETE", "flavors/1/os-extra_specs/c")]
    assert nova.nova_writes[0].json == {"extra_specs": {"b": "20", "d": "4"}}
    assert nova.extra_specs["1"] == {"a": "1", "b": "20", "d": "4"}
    assert result["flavor"]["extra_specs"] == {"a": "1", "b": "20", "d": "4"}


def test_extra_spec_keys_are_quoted_in_paths(nova, run):
    nova.flavor("m1.tiny", flavor_id="1", extra_specs={"hw:cpu_policy": "dedicated"})

    run(tiny(extra_specs={}))

    assert writes(nova) == [("DELETE", "flavors/1/os-extra_specs/hw%3Acpu_policy")]
    assert nova.extra_specs["1"] == {}


def test_extra_specs_not_given_are_left_alone(nova, run):
    nova.flavor("m1.tiny", flavor_id="1", extra_specs={"a": "1"})

    result = run(tiny())

    assert result["changed"] is False
    assert nova.extra_specs["1"] == {"a": "1"}
    assert nova.nova_writes == []


def test_update_check_mode_predicts_and_writes_nothing(nova, run):
    nova.flavor("m1.tiny", flavor_id="1", extra_specs={"a": "1"})

    result = run(tiny(description="new", extra_specs={"b": "2"}), check_mode=True, diff=True)

    assert result["changed"] is True
    assert nova.nova_writes == []
    assert nova.extra_specs["1"] == {"a": "1"}
    assert result["flavor"]["extra_specs"] == {"b": "2"}
    assert result["diff"]["after"]["description"] == "new"


# --- immutable attributes -----------------------------------------------------------------------

def test_a_fixed_difference_fails_naming_it(nova, run):
    nova.flavor("m1.tiny", flavor_id="1", ram=512, disk=1)

    result = run(tiny(ram=1024, disk=2, swap=64))

    assert result["failed"] is True
    assert "ram 512, not 1024" in result["msg"]
    assert "disk 1, not 2" in result["msg"]
    assert "swap 0, not 64" in result["msg"]
    assert "on_change: replace" in result["msg"] and "running servers keep" in result["msg"]
    assert nova.nova_writes == []
    assert nova.flavor_named("m1.tiny")["ram"] == 512


def test_another_id_is_a_fixed_difference(nova, run):
    nova.flavor("m1.tiny", flavor_id="6")

    result = run(tiny())

    assert result["failed"] is True
    assert "id 6, not 1" in result["msg"]
    assert nova.nova_writes == []


def test_replace_keeps_the_id_description_and_extra_specs(nova, run):
    nova.flavor("m1.tiny", flavor_id="1", ram=512, description="Smallest", extra_specs={"a": "1"})

    result = run(tiny(ram=1024, on_change="replace"), diff=True)

    assert result["changed"] is True
    assert result["replaced"] == "1"
    assert writes(nova) == [("DELETE", "flavors/1"), ("POST", "flavors"), ("POST", "flavors/1/os-extra_specs")]
    assert nova.nova_writes[1].json["flavor"]["id"] == "1"
    assert nova.nova_writes[1].json["flavor"]["description"] == "Smallest"
    stored = nova.flavor_named("m1.tiny")
    assert stored["ram"] == 1024 and stored["id"] == "1"
    assert nova.extra_specs["1"] == {"a": "1"}
    assert result["diff"]["before"]["ram"] == 512 and result["diff"]["after"]["ram"] == 1024


def test_replace_of_an_auto_id_flavor_keeps_its_id(nova, run):
    nova.flavor("lab.small", flavor_id="b5f1d2c4", ram=256, vcpus=1, disk=1)

    result = run({"name": "lab.small", "ram": 256, "vcpus": 2, "disk": 1, "on_change": "replace"})

    assert result["flavor"]["id"] == "b5f1d2c4"
    assert nova.flavor_named("lab.small")["vcpus"] == 2


def test_replace_with_another_id_and_new_extra_specs(nova, run):
    nova.flavor("m1.tiny", flavor_id="6", extra_specs={"a": "1"})

    result = run(tiny(on_change="replace", extra_specs={"b": "2"}, description=""))

    assert result["flavor"]["id"] == "1"
    assert [f["id"] for f in nova.flavors] == ["1"]
    assert nova.extra_specs == {"1": {"b": "2"}}
    assert "description" not in nova.nova_writes[1].json["flavor"]


def test_replace_check_mode_writes_nothing(nova, run):
    nova.flavor("m1.tiny", flavor_id="1", ram=512)

    result = run(tiny(ram=2048, on_change="replace"), check_mode=True)

    assert result["changed"] is True
    assert result["flavor"]["ram"] == 2048 and result["flavor"]["id"] == "1"
    assert nova.nova_writes == []
    assert nova.flavor_named("m1.tiny")["ram"] == 512


@pytest.mark.parametrize("on_change", ["fail", "replace"])
def test_an_id_held_by_another_flavor_fails_before_any_write(nova, run, on_change):
    nova.flavor("m1.small", flavor_id="1")
    nova.flavor("m1.tiny", flavor_id="7")

    result = run(tiny(on_change=on_change))

    assert result["failed"] is True
    assert "id 1 is held by flavor m1.small" in result["msg"]
    assert nova.nova_writes == []
    assert [f["id"] for f in nova.flavors] == ["1", "7"]


# --- check and diff mode on creation --------------------------------------------------------------

def test_check_mode_create_predicts_and_writes_nothing(nova, run):
    result = run(tiny(extra_specs={"a": 1}), check_mode=True, diff=True)

    assert result["changed"] is True
    assert nova.nova_writes == []
    assert nova.flavors == []
    assert result["flavor"]["id"] == "1"
    assert result["flavor"]["extra_specs"] == {"a": "1"}
    assert result["diff"]["before"] == {}
    assert result["diff"]["after"]["ram"] == 512


def test_check_mode_create_with_auto_id_has_no_id_yet(nova, run):
    result = run({"name": "x", "ram": 1, "vcpus": 1, "disk": 0}, check_mode=True)

    assert result["flavor"]["id"] is None
    assert nova.nova_writes == []


def test_the_password_is_never_in_the_result(nova, run):
    result = run(tiny(), diff=True)

    assert_not_shown(result, ADMIN_PASSWORD)


# --- absent ----------------------------------------------------------------------------------------

def test_absent_deletes(nova, run):
    nova.flavor("m1.tiny", flavor_id="1")

    result = run({"name": "m1.tiny", "state": "absent"}, diff=True)

    assert result["changed"] is True
    assert writes(nova) == [("DELETE", "flavors/1")]
    assert nova.flavors == []
    assert result["flavor"] is None
    assert result["diff"]["before"]["id"] == "1" and result["diff"]["after"] == {}


def test_absent_and_missing_is_a_no_op(nova, run):
    result = run({"name": "m1.tiny", "state": "absent"})

    assert result["changed"] is False
    assert nova.nova_writes == []


def test_absent_check_mode_writes_nothing(nova, run):
    nova.flavor("m1.tiny", flavor_id="1")

    result = run({"name": "m1.tiny", "state": "absent"}, check_mode=True)

    assert result["changed"] is True
    assert len(nova.flavors) == 1
    assert nova.nova_writes == []


# --- bad input and API errors ---------------------------------------------------------------------

@pytest.mark.parametrize("params, msg", [
    (tiny(ram=0), "ram must be 1 or more, not 0"),
    (tiny(vcpus=0), "vcpus must be 1 or more, not 0"),
    (tiny(disk=-1), "disk must be 0 or more, not -1"),
    (tiny(ephemeral=-1), "ephemeral must be 0 or more"),
    (tiny(swap=-5), "swap must be 0 or more"),
    (tiny(name=" "), "name must not be empty"),
    (tiny(name=" m1.tiny"), "without leading or trailing spaces"),
    (tiny(name="x" * 256), "at most 255 characters"),
    (tiny(id="a/b"), "id 'a/b' must be auto or"),
    (tiny(id=" 1"), "must be auto or"),
    (tiny(extra_specs={"bad/key": "1"}), "key 'bad/key' is not"),
    (tiny(extra_specs={"a": None}), "the value of a must be a string, a number or a boolean, not null"),
    (tiny(extra_specs={"a": {"b": 1}}), "not dict"),
    (tiny(extra_specs={"a": "x" * 256}), "longer than 255"),
])
def test_bad_input_fails_before_any_request(nova, run, params, msg):
    result = run(params)

    assert result["failed"] is True
    assert msg in result["msg"]
    assert nova.nova_calls == []


def test_an_api_error_fails_with_nova_s_message(nova, run):
    nova.answers[("POST", "flavors")] = nova_error(403, "Policy doesn't allow os_compute_api:os-flavor-manage:create")

    result = run(tiny())

    assert result["failed"] is True
    assert "HTTP 403" in result["msg"] and "os-flavor-manage:create" in result["msg"]
    assert nova.flavors == []


def test_an_older_microversion_reads_extra_specs_and_swap_apart(nova, run, monkeypatch):
    # Before 2.61 a flavor's view has no extra_specs, and before 2.75 no swap is "".
    monkeypatch.setattr(nova_flavor.FlavorModule, "compute_microversion", "2.55")
    nova.flavor("m1.tiny", flavor_id="1", extra_specs={"a": "1"})

    result = run(tiny(extra_specs={"a": "1"}))

    assert result["changed"] is False
    assert result["flavor"]["swap"] == 0
    assert result["flavor"]["extra_specs"] == {"a": "1"}
    assert ("GET", "flavors/1/os-extra_specs") in [(c.method, c.path) for c in nova.nova_calls]
    assert set(nova.microversions) == {("compute", "2.55")}
