# -*- coding: utf-8 -*-
# Copyright: lab.openstack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""NovaModule and CinderModule: microversion headers, pages, name lookups, waits, detailed errors."""

from __future__ import annotations

import re
from typing import ClassVar

import pytest

from ansible_collections.lab.openstack.plugins.module_utils import nova
from ansible_collections.lab.openstack.plugins.module_utils.cinder import (
    CinderModule, attached_servers, is_error)
from ansible_collections.lab.openstack.plugins.module_utils.nova import (
    DetailedError, NovaModule, exact_name_filter, next_marker, with_query)
from ansible_collections.lab.openstack.plugins.module_utils.openstack import OpenStackError
from ansible_collections.lab.openstack.tests.unit.plugins.modules.fake_keystone import (
    AUTH, ExitJson, FailJson, module_args, patch_exits, patch_module_args)
from ansible_collections.lab.openstack.tests.unit.plugins.modules.fake_nova import FakeNova, install_session


class Probe(NovaModule):
    argument_spec: ClassVar[dict] = {"action": {"type": "str"}}

    def run(self):
        if self.params["action"] == "detailed":
            raise DetailedError("volume broken", status="error", extra=1)
        if self.params["action"] == "plain":
            raise OpenStackError("plain failure")
        return {"changed": False, "flavors": [f["name"] for f in self.listing(
            "flavors/detail?is_public=None", "flavors")]}


class VolumeProbe(CinderModule):
    argument_spec: ClassVar[dict] = {}

    def run(self):
        return {"changed": False}


@pytest.fixture
def cloud(monkeypatch):
    fake = FakeNova()
    install_session(monkeypatch, fake)
    yield fake
    assert fake.unexpected == []


@pytest.fixture
def clock(monkeypatch):
    now = [0.0]
    slept = []

    def sleep(seconds):
        slept.append(seconds)
        now[0] += seconds

    monkeypatch.setattr(nova, "sleep", sleep)
    monkeypatch.setattr(nova, "clock", lambda: now[0])
    return slept


def make(cls=Probe, **params):
    params.setdefault("auth", dict(AUTH))
    with patch_module_args(module_args(params)):
        return cls()


def call(monkeypatch, module):
    patch_exits(monkeypatch)
    with pytest.raises((ExitJson, FailJson)) as info:
        module()
    return info.value.result


# --- pure helpers ------------------------------------------------------------------------------

@pytest.mark.parametrize("path, params, expected", [
    ("servers/detail", {"name": "^a$"}, "servers/detail?name=%5Ea%24"),
    ("flavors/detail?is_public=None", {"marker": "3"}, "flavors/detail?is_public=None&marker=3"),
    ("flavors/detail?is_public=None&marker=3", {"marker": "5"}, "flavors/detail?is_public=None&marker=5"),
    ("volumes/detail", {"name": None}, "volumes/detail"),
])
def test_with_query(path, params, expected):
    assert with_query(path, **params) == expected


def test_next_marker():
    body = {"flavors_links": [{"rel": "next", "href": "http://nova/v2.1/flavors/detail?limit=2&marker=abc"}]}
    assert next_marker(body, "flavors") == "abc"
    assert next_marker({"flavors_links": [{"rel": "prev", "href": "x?marker=1"}]}, "flavors") is None
    assert next_marker({}, "flavors") is None


@pytest.mark.parametrize("name", ["vm1", "vm(1)", "a.b", "web+db", "x*"])
def test_exact_name_filter_matches_the_name_only(name):
    pattern = re.compile(exact_name_filter(name))
    assert pattern.search(name)
    assert not pattern.search(name + "x")
    assert not pattern.search("x" + name)


def test_is_error_and_attached_servers():
    assert is_error("error") and is_error("error_extending")
    assert not is_error("available") and not is_error(None)
    assert attached_servers({"attachments": [{"server_id": "a"}, {"server_id": None}, {"server_id": "b"}]}) == [
        "a", "b"]
    assert attached_servers({"attachments": None}) == []


def test_find_named():
    items = [{"id": "1", "name": "a"}, {"id": "2", "name": "b"}, {"id": "3", "name": "b"}]
    assert NovaModule.find_named(items, "a", "flavor")["id"] == "1"
    assert NovaModule.find_named(items, "c", "flavor", required=False) is None
    with pytest.raises(OpenStackError, match="flavor 'c' does not exist; hint"):
        NovaModule.find_named(items, "c", "flavor", hint="; hint")
    with pytest.raises(OpenStackError, match=r"name: 2 flavors are named 'b' \(2, 3\)"):
        NovaModule.find_named(items, "b", "flavor", "name")


# --- requests ------------------------------------------------------------------------------------

def test_compute_requests_carry_both_microversion_headers(cloud):
    module = make()
    module.request("GET", "flavors/detail?is_public=None", headers={"X-Extra": "1"})

    assert cloud.microversions == [("compute", "2.79")]
    assert len(cloud.nova_calls) == 1


def test_volume_requests_carry_the_volume_microversion_and_compute_ones_theirs(cloud):
    module = make(VolumeProbe)
    module.get("types")
    module.request("GET", "servers/detail", service_type="compute")

    assert cloud.microversions == [("volume", "3.42"), ("compute", "2.79")]


def test_identity_requests_carry_no_microversion(cloud, monkeypatch):
    seen = []
    original = FakeNova.request

    def spy(self, url, method, **kwargs):
        seen.append(kwargs.get("headers"))
        return original(self, url, method, **kwargs)

    monkeypatch.setattr(FakeNova, "request", spy)
    make().get("users", service_type="identity")

    assert seen == [None]


def test_listing_follows_pages(cloud, monkeypatch):
    cloud.page_size = 2
    for number in range(5):
        cloud.flavor("f%d" % number)

    result = call(monkeypatch, make(action="ok"))

    assert result["flavors"] == ["f0", "f1", "f2", "f3", "f4"]
    assert len(cloud.nova_calls) == 3


def test_server_lookup(cloud):
    mine = cloud.server("vm1", project="admin")
    cloud.server("vm1", project="demo")
    cloud.server("vm10", project="admin")
    module = make()

    assert module.server("vm1")["id"] == mine["id"]
    assert module.server("vm2", required=False) is None
    with pytest.raises(OpenStackError, match="server 'vm2' does not exist in the project"):
        module.server("vm2")
    with pytest.raises(OpenStackError, match="server must not be empty"):
        module.server(" ")
    assert module.server_name(mine["id"]) == "vm1"
    assert module.server_name("nope") is None


def test_server_names_are_cached(cloud):
    server = cloud.server("vm1", project="admin")
    module = make()

    module.server_name(server["id"])
    module.server_name(server["id"])

    assert [c.path for c in cloud.nova_calls] == ["servers/%s" % server["id"]]


# --- failures ----------------------------------------------------------------------------------------

def test_a_detailed_error_puts_its_details_in_the_result(cloud, monkeypatch):
    result = call(monkeypatch, make(action="detailed"))

    assert result["msg"] == "volume broken"
    assert result["status"] == "error" and result["extra"] == 1


def test_a_plain_error_fails_with_its_message(cloud, monkeypatch):
    result = call(monkeypatch, make(action="plain"))

    assert result["msg"] == "plain failure"
    assert "status" not in result


def test_resource_result_diff_only_when_asked(cloud):
    module = make()
    assert module.resource_result("x", {"a": 1}, {"a": 1}) == {"changed": False, "x": {"a": 1}}
    expected = {"changed": True, "x": {"a": 1}, "replaced": "1"}
    assert module.resource_result("x", None, {"a": 1}, replaced="1") == expected
    with patch_module_args(module_args({"auth": dict(AUTH)}, diff=True)):
        diffing = Probe()
    assert diffing.resource_result("x", None, {"a": 1})["diff"] == {"before": {}, "after": {"a": 1}}


# --- waiting -----------------------------------------------------------------------------------------

def test_wait_for_polls_until_ready(cloud, clock):
    states = iter(["creating", "creating", "available"])

    item = make().wait_for(lambda: next(states), lambda s: s == "available", 60, "it")

    assert item == "available"
    assert clock == [nova.POLL, nova.POLL]


def test_wait_for_fails_at_once_on_a_failed_state(cloud, clock):
    with pytest.raises(DetailedError, match="it broke") as info:
        make().wait_for(lambda: "error", lambda s: s == "available", 60, "it",
                        failed=lambda s: "it broke" if s == "error" else None,
                        details=lambda s: {"status": s})

    assert info.value.details == {"status": "error"}
    assert clock == []


def test_wait_for_times_out_with_the_last_state(cloud, clock):
    with pytest.raises(DetailedError) as info:
        make().wait_for(lambda: "creating", lambda s: s == "available", 7, lambda s: "x (status %s)" % s,
                        details=lambda s: {"status": s})

    assert str(info.value) == "timed out after 7 s waiting for x (status creating)"
    assert info.value.details == {"status": "creating"}
    assert sum(clock) >= 7 and len(clock) == 4


# --- poll: the one polling loop of the Compute modules -----------------------------------------------
def test_poll_returns_as_soon_as_done(clock):
    values = iter([1, 2, 3, 4])

    assert nova.poll(lambda: next(values), lambda v: v == 3, 100) == (3, True)
    assert clock == [nova.POLL, nova.POLL]


def test_poll_gives_up_after_the_timeout_with_the_last_value(clock):
    calls = []

    value, done = nova.poll(lambda: calls.append(1) or len(calls), lambda v: False, 5)

    assert done is False
    assert value == len(calls) == 4  # at 0, 2, 4 and 6 s
    assert sum(clock) == 6


def test_poll_with_no_timeout_looks_once(clock):
    assert nova.poll(lambda: "BUILD", lambda v: False, 0) == ("BUILD", False)
    assert clock == []


def test_the_real_clock_is_used_by_default():
    assert nova.clock() > 0
    nova.sleep(0)
