# -*- coding: utf-8 -*-
# Copyright: lab.openstack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""KeystoneModule's cached lookups (on a fake Keystone) and the pure diff helpers."""

from __future__ import annotations

from typing import ClassVar

import pytest

from ansible_collections.lab.openstack.plugins.module_utils.keystone import (
    KeystoneModule, changes, project_view, require_name)
from ansible_collections.lab.openstack.plugins.module_utils.openstack import OpenStackError
from ansible_collections.lab.openstack.tests.unit.plugins.modules.fake_keystone import (
    FakeKeystone, install_session, module_args, patch_module_args)


class Probe(KeystoneModule):
    argument_spec: ClassVar[dict] = {}

    def run(self):
        return {"changed": False}


@pytest.fixture
def keystone(monkeypatch):
    fake = FakeKeystone()
    fake.domain("lab", id="dom-lab")
    fake.domain("odd name", id="odd id/1")
    fake.project("demo")
    fake.project("demo", domain_id="dom-lab", description="the lab's demo")
    fake.user("demo")
    fake.user("demo", domain_id="dom-lab")
    fake.group("ops")
    fake.role("member")
    fake.role("reader", domain_id="dom-lab")
    install_session(monkeypatch, fake)
    yield fake
    assert fake.unexpected == []


@pytest.fixture
def module(keystone):
    with patch_module_args(module_args({})):
        return Probe()


def paths(keystone):
    return [c.path for c in keystone.gets]


# --- domains -------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["lab", "dom-lab"], ids=["by-name", "by-id"])
def test_domain_by_name_or_id(module, keystone, name):
    assert module.domain(name)["id"] == "dom-lab"
    assert module.domain_id(name) == "dom-lab"
    assert paths(keystone) == ["domains"]  # listed once, then cached


def test_the_default_domain(module):
    assert module.domain_id("Default") == module.domain_id("default") == "default"


def test_unknown_domain(module):
    with pytest.raises(OpenStackError) as info:
        module.domain("Nope")

    assert str(info.value) == "domain 'Nope' does not exist"
    assert module.domain("Nope", required=False) is None


def test_unknown_domain_names_the_parameter(module):
    with pytest.raises(OpenStackError) as info:
        module.domain_id("Nope", parameter="user_domain")

    assert str(info.value) == "user_domain 'Nope' does not exist"


@pytest.mark.parametrize("name", ["", None])
def test_empty_domain(module, keystone, name):
    with pytest.raises(OpenStackError) as info:
        module.domain(name, parameter="project_domain")

    assert str(info.value) == "project_domain must not be empty"
    assert keystone.calls == []


# --- projects, users, groups in a domain ---------------------------------------------------------

def test_project_by_name_in_a_domain(module, keystone):
    assert module.project("demo", "Default")["domain_id"] == "default"
    assert module.project("demo", "lab")["description"] == "the lab's demo"
    assert module.project("demo", "dom-lab")["domain_id"] == "dom-lab"

    assert paths(keystone) == ["domains", "projects?domain_id=default", "projects?domain_id=dom-lab"]


def test_users_and_groups_are_listed_once_per_domain(module, keystone):
    for _round in range(3):
        assert module.user("demo", "Default")["domain_id"] == "default"
        assert module.user("demo", "lab")["domain_id"] == "dom-lab"
        assert module.group("ops", "Default")["name"] == "ops"

    assert paths(keystone) == ["domains", "users?domain_id=default", "users?domain_id=dom-lab",
                               "groups?domain_id=default"]


def test_a_domain_id_is_quoted_in_the_query(module, keystone):
    assert module.project("x", "odd name", required=False) is None

    assert paths(keystone) == ["domains", "projects?domain_id=odd%20id/1"]


@pytest.mark.parametrize(("lookup", "msg"), [
    (lambda m: m.project("nope", "Default"), "project 'nope' does not exist in domain default"),
    (lambda m: m.project("nope", "lab", parameter="default_project"),
     "default_project 'nope' does not exist in domain dom-lab"),
    (lambda m: m.project("demo", "Nope"), "project_domain 'Nope' does not exist"),
    (lambda m: m.project("demo", "Nope", parameter="default_project"), "default_project_domain 'Nope' does not exist"),
    (lambda m: m.user("nope", "Default"), "user 'nope' does not exist in domain default"),
    (lambda m: m.user("demo", "Nope"), "user_domain 'Nope' does not exist"),
    (lambda m: m.group("ops", "lab"), "group 'ops' does not exist in domain dom-lab"),
    (lambda m: m.group("ops", "Nope"), "group_domain 'Nope' does not exist"),
    (lambda m: m.role("nope"), "role 'nope' does not exist"),
    (lambda m: m.role("nope", parameter="grants.role"), "grants.role 'nope' does not exist"),
], ids=["project", "project-parameter", "project_domain", "parameter_domain", "user", "user_domain", "group",
        "group_domain", "role", "role-parameter"])
def test_not_found_messages_name_the_parameter(module, lookup, msg):
    with pytest.raises(OpenStackError) as info:
        lookup(module)

    assert str(info.value) == msg


def test_not_required_lookups_give_none(module):
    assert module.project("nope", "Default", required=False) is None
    assert module.user("nope", "lab", required=False) is None
    assert module.group("nope", "Default", required=False) is None
    assert module.role("nope", required=False) is None


# --- roles ---------------------------------------------------------------------------------------

def test_roles_are_global_only(module, keystone):
    assert module.role("member")["name"] == "member"
    assert module.role("reader", required=False) is None  # a domain role
    assert paths(keystone) == ["roles"]


def test_forget_lists_again(module, keystone):
    module.role("member")
    keystone.role("new")
    assert module.role("new", required=False) is None  # still the cached listing

    module.forget("roles")
    module.forget("never-listed")

    assert module.role("new")["name"] == "new"
    assert paths(keystone) == ["roles", "roles"]


# --- pure helpers --------------------------------------------------------------------------------

@pytest.mark.parametrize(("current", "desired", "expected"), [
    ({"description": "a", "enabled": True}, {"description": "b", "enabled": True}, {"description": "b"}),
    ({"description": "a", "enabled": True}, {"description": None, "enabled": None}, {}),
    ({"description": "a", "enabled": True}, {"description": "a", "enabled": False}, {"enabled": False}),
    ({"enabled": True}, {"email": "x@lab.test"}, {"email": "x@lab.test"}),
    ({"description": "a"}, {"description": ""}, {"description": ""}),
    ({"enabled": True}, {"enabled": 1}, {}),
    ({}, {}, {}),
], ids=["differs", "none-means-leave", "enabled", "missing-attribute", "emptied", "equal-values", "empty"])
def test_changes(current, desired, expected):
    assert changes(current, desired) == expected


def test_project_view():
    resource = {"id": "p1", "name": "demo", "links": {"self": "..."}, "tags": []}

    assert project_view(resource, ("id", "name", "description")) == {"id": "p1", "name": "demo",
                                                                     "description": None}
    assert project_view(resource, ()) == {}


@pytest.mark.parametrize("value", [None, "", " ", "\t\n"])
def test_require_name_refuses_empty(value):
    with pytest.raises(OpenStackError) as info:
        require_name(value, "users[3].name")

    assert str(info.value) == "users[3].name must not be empty"


@pytest.mark.parametrize("value", ["demo", " demo ", 0])
def test_require_name_returns_the_value(value):
    assert require_name(value, "name") == value
