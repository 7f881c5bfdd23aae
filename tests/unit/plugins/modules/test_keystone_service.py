# -*- coding: utf-8 -*-
# Copyright: lab.openstack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""lab.openstack.keystone_service: url_error(), then main() on a fake Keystone."""

from __future__ import annotations

import pytest

from ansible_collections.lab.openstack.plugins.modules import keystone_service
from ansible_collections.lab.openstack.plugins.modules.keystone_service import url_error
from ansible_collections.lab.openstack.tests.unit.plugins.modules.fake_keystone import (
    ADMIN_PASSWORD, assert_not_shown, keystone_error)

PUBLIC = "http://192.168.1.250:8774/v2.1"
INTERNAL = "http://10.0.0.11:8774/v2.1"
ADMIN = "http://10.0.0.11:8774/v2.1"
NEW_URL = "https://compute.lab.test:8774/v2.1"
NOVA = {"name": "nova", "type": "compute", "endpoints": {"public": PUBLIC, "internal": INTERNAL, "admin": ADMIN}}


# --- url_error -----------------------------------------------------------------------------------

@pytest.mark.parametrize("url", [
    "http://192.168.1.250:5000/v3", "https://keystone.lab.test/identity", "http://[fd00::1]:5000/v3",
    "http://controller:9292",
])
def test_url_error_accepts_http_urls(url):
    assert url_error("public", url) is None


@pytest.mark.parametrize("url", [
    "ftp://192.168.1.250/", "192.168.1.250:5000/v3", "controller:5000", "http://", "https:///v3", "", None,
    "file:///etc/passwd",
])
def test_url_error_refuses(url):
    assert url_error("internal", url) == (
        "endpoints.internal: %r is not an http(s) URL such as http://192.168.1.250:5000/v3" % (url,))


# --- end to end ----------------------------------------------------------------------------------

@pytest.fixture
def region_one(keystone):
    return keystone.region("RegionOne")


@pytest.fixture
def nova(keystone, region_one):
    service = keystone.service("nova", "compute", description="OpenStack Compute")
    endpoints = {interface: keystone.endpoint(service, interface, url)
                 for interface, url in NOVA["endpoints"].items()}
    return service, endpoints


def endpoint_body(service_id, interface, url, region="RegionOne"):
    return {"endpoint": {"service_id": service_id, "interface": interface, "url": url,
                         "region_id": region, "enabled": True}}


def test_create_service_and_endpoints(keystone, run, region_one):
    result = run(keystone_service, dict(NOVA, description="OpenStack Compute"))

    assert not result.get("failed"), result.get("msg")
    assert result["changed"] is True
    service = keystone.named("services", "nova")
    assert keystone.writes == [
        ("POST", "services", {"service": {"name": "nova", "type": "compute", "description": "OpenStack Compute",
                                          "enabled": True}}),
        ("POST", "endpoints", endpoint_body(service["id"], "public", PUBLIC)),
        ("POST", "endpoints", endpoint_body(service["id"], "internal", INTERNAL)),
        ("POST", "endpoints", endpoint_body(service["id"], "admin", ADMIN)),
    ]
    assert result["service"] == {"id": service["id"], "name": "nova", "type": "compute", "enabled": True,
                                 "description": "OpenStack Compute",
                                 "endpoints": {"admin": ADMIN, "internal": INTERNAL, "public": PUBLIC}}


def test_create_a_service_without_endpoints(keystone, run):
    result = run(keystone_service, {"name": "cinderv3", "type": "volumev3", "enabled": False})

    assert result["changed"] is True
    assert keystone.writes == [("POST", "services", {"service": {
        "name": "cinderv3", "type": "volumev3", "description": "", "enabled": False}})]
    assert result["service"]["endpoints"] == {}
    assert "regions" not in [c.path for c in keystone.calls]


def test_the_region_is_created_when_missing(keystone, run):
    result = run(keystone_service, dict(NOVA, region="RegionTwo"))

    assert result["changed"] is True
    assert [(w.method, w.path) for w in keystone.writes] == [
        ("POST", "services"), ("POST", "regions"), ("POST", "endpoints"), ("POST", "endpoints"),
        ("POST", "endpoints")]
    assert keystone.writes[1].json == {"region": {"id": "RegionTwo"}}
    assert keystone.find("regions", "RegionTwo") is not None
    assert {e["region_id"] for e in keystone.data["endpoints"]} == {"RegionTwo"}


def test_an_existing_region_is_not_created(keystone, run, nova):
    run(keystone_service, dict(NOVA, endpoints={"public": NEW_URL}))

    assert "regions" not in [w.path for w in keystone.writes]


def test_a_changed_url_is_patched(keystone, run, nova):
    endpoints = nova[1]

    result = run(keystone_service, dict(NOVA, endpoints={"public": NEW_URL, "internal": INTERNAL}))

    assert result["changed"] is True
    assert keystone.writes == [("PATCH", "endpoints/%s" % endpoints["public"]["id"],
                                {"endpoint": {"url": NEW_URL}})]
    assert endpoints["public"]["url"] == NEW_URL
    assert result["service"]["endpoints"] == {"admin": ADMIN, "internal": INTERNAL, "public": NEW_URL}


def test_a_missing_interface_is_created(keystone, run, region_one):
    service = keystone.service("glance", "image", description="")
    keystone.endpoint(service, "public", "http://192.168.1.250:9292")

    result = run(keystone_service, {"name": "glance", "type": "image", "endpoints": {
        "public": "http://192.168.1.250:9292", "internal": "http://10.0.0.11:9292"}})

    assert result["changed"] is True
    assert keystone.writes == [("POST", "endpoints", endpoint_body(service["id"], "internal",
                                                                   "http://10.0.0.11:9292"))]


def test_endpoints_of_another_region_are_left_alone(keystone, run, nova):
    service = nova[0]
    keystone.region("RegionTwo")
    other = keystone.endpoint(service, "public", "http://other:8774/v2.1", region="RegionTwo")

    result = run(keystone_service, dict(NOVA, region="RegionTwo", endpoints={"public": NEW_URL}))

    assert keystone.writes == [("PATCH", "endpoints/%s" % other["id"], {"endpoint": {"url": NEW_URL}})]
    assert result["service"]["endpoints"] == {"public": NEW_URL}
    assert nova[1]["public"]["url"] == PUBLIC


def test_the_service_description_alone_is_patched(keystone, run, nova):
    service = nova[0]

    result = run(keystone_service, dict(NOVA, description="Compute", enabled=True))

    assert result["changed"] is True
    assert keystone.writes == [("PATCH", "services/%s" % service["id"], {"service": {"description": "Compute"}})]
    assert result["service"]["description"] == "Compute"


def test_a_service_of_the_same_name_and_another_type_is_another_service(keystone, run, nova):
    result = run(keystone_service, {"name": "nova", "type": "computev2"})

    assert result["changed"] is True
    assert keystone.writes[0].path == "services"
    assert keystone.gets[0].path == "services?type=computev2"


@pytest.mark.parametrize("params", [
    NOVA,
    dict(NOVA, endpoints={"public": PUBLIC}),
    dict(NOVA, endpoints={}),
    dict(NOVA, description="OpenStack Compute", enabled=True),
], ids=["all", "public-only", "no-endpoints", "same-description"])
def test_no_op(keystone, run, nova, params):
    result = run(keystone_service, params)

    assert not result.get("failed"), result.get("msg")
    assert result["changed"] is False
    assert keystone.writes == []


def test_absent_deletes_the_service_and_its_endpoints(keystone, run, nova):
    service = nova[0]

    result = run(keystone_service, {"name": "nova", "type": "compute", "state": "absent"}, diff=True)

    assert result["changed"] is True
    assert result["service"] is None
    assert keystone.writes == [("DELETE", "services/%s" % service["id"], None)]
    assert keystone.data["services"] == keystone.data["endpoints"] == []
    assert result["diff"]["before"]["endpoints"] == {"admin": ADMIN, "internal": INTERNAL, "public": PUBLIC}
    assert result["diff"]["after"] == {}


def test_absent_and_missing_is_a_no_op(keystone, run):
    result = run(keystone_service, {"name": "nova", "type": "compute", "state": "absent"})

    assert result == {"changed": False, "service": None}
    assert keystone.writes == []


@pytest.mark.parametrize(("params", "changed"), [
    (dict(NOVA, name="placement", type="placement"), True),
    (dict(NOVA, region="RegionTwo"), True),
    (dict(NOVA, endpoints={"public": NEW_URL}), True),
    (dict(NOVA, description="new"), True),
    ({"name": "nova", "type": "compute", "state": "absent"}, True),
    (NOVA, False),
], ids=["create", "new-region", "url", "description", "delete", "no-op"])
def test_check_mode_predicts_and_writes_nothing(keystone, run, nova, params, changed):
    state = keystone.state()

    result = run(keystone_service, params, check_mode=True, diff=True)

    assert not result.get("failed"), result.get("msg")
    assert result["changed"] is changed
    assert keystone.writes == []
    assert keystone.state() == state


def test_check_mode_shows_the_service_it_would_make(keystone, run, region_one):
    result = run(keystone_service, NOVA, check_mode=True)

    assert result["service"] == {"id": None, "name": "nova", "type": "compute", "enabled": True, "description": "",
                                 "endpoints": {"admin": ADMIN, "internal": INTERNAL, "public": PUBLIC}}


def test_diff_of_a_url_change(keystone, run, nova):
    result = run(keystone_service, dict(NOVA, endpoints={"admin": NEW_URL}), diff=True)

    assert result["diff"]["before"]["endpoints"]["admin"] == ADMIN
    assert result["diff"]["after"]["endpoints"]["admin"] == NEW_URL
    assert {k: v for k, v in result["diff"]["before"].items() if k != "endpoints"} == {
        k: v for k, v in result["diff"]["after"].items() if k != "endpoints"}
    assert_not_shown(result, ADMIN_PASSWORD)


@pytest.mark.parametrize(("interface", "url"), [
    ("public", "ftp://192.168.1.250/"), ("internal", "controller:8774"), ("admin", "http://"),
])
def test_a_url_that_is_not_http_fails_before_any_request(keystone, run, nova, interface, url):
    endpoints = dict(NOVA["endpoints"], **{interface: url})

    result = run(keystone_service, dict(NOVA, endpoints=endpoints))

    assert result["failed"] is True
    assert result["msg"].startswith("endpoints.%s: %r is not an http(s) URL" % (interface, url))
    assert keystone.calls == []


@pytest.mark.parametrize(("params", "msg"), [
    (dict(NOVA, name=""), "name must not be empty"),
    (dict(NOVA, type=" "), "type must not be empty"),
    (dict(NOVA, region=""), "region must not be empty"),
    ({"name": "nova"}, "missing required arguments: type"),
    (dict(NOVA, endpoints={"public": PUBLIC, "private": PUBLIC}), "private"),
])
def test_bad_arguments_fail_before_any_request(keystone, run, params, msg):
    result = run(keystone_service, params)

    assert result["failed"] is True
    assert msg in result["msg"]
    assert keystone.calls == []


def test_an_endpoint_refused_by_the_api_is_reported(keystone, run, nova):
    keystone.answers[("PATCH", "endpoints/%s" % nova[1]["public"]["id"])] = keystone_error(
        400, "Bad Request", "Invalid input for field 'url'.")

    result = run(keystone_service, dict(NOVA, endpoints={"public": NEW_URL}))

    assert result["failed"] is True
    assert result["msg"] == ("identity PATCH endpoints/%s answered HTTP 400: Invalid input for field 'url'."
                             % nova[1]["public"]["id"])
