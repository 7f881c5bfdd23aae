# -*- coding: utf-8 -*-
# Copyright: lab.openstack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""lab.openstack.nova_compute_node end to end through main(), on a fake Nova and Neutron."""

from __future__ import annotations

import pytest

from ansible_collections.lab.openstack.plugins.modules import nova_compute_node
from ansible_collections.lab.openstack.tests.unit.plugins.modules.fake_keystone import FakeResponse, run_module
from ansible_collections.lab.openstack.tests.unit.plugins.modules.fake_nova import (
    FakeNova, install_session, neutron_error, nova_error)

LINUXBRIDGE = "neutron-linuxbridge-agent"
UP_MSG = ("nova-compute on compute2 is up: stop it (and neutron-linuxbridge-agent) on that host first, as "
          "playbooks/remove_compute.yml does, or set force: true; a running nova-compute registers the host again")


@pytest.fixture
def cloud(monkeypatch):
    fake = FakeNova()
    install_session(monkeypatch, fake)
    yield fake
    assert fake.unexpected == [], "requests the fake APIs do not know"


@pytest.fixture
def run(monkeypatch, cloud):
    def runner(params, check_mode=False, diff=False):
        return run_module(monkeypatch, nova_compute_node, params, check_mode=check_mode, diff=diff)

    return runner


@pytest.fixture
def lab(cloud):
    """Two compute nodes: compute1 (with the controller) running, compute2 stopped (down, agent dead)."""
    cloud.compute_service("compute1")
    cloud.agent("compute1")
    cloud.agent("compute1", binary="neutron-l3-agent", agent_type="L3 agent")
    service = cloud.compute_service("compute2", state="down")
    agent = cloud.agent("compute2", alive=False)
    return service, agent


def writes(calls):
    return [(c.method, c.path) for c in calls if c.method != "GET"]


def gets(calls):
    return [c.path for c in calls if c.method == "GET"]


def absent(host="compute2", **params):
    return dict({"host": host, "state": "absent"}, **params)


def removed_view(host="compute2"):
    return {"host": host, "nova_compute": None, "network_agents": []}


# --- absent --------------------------------------------------------------------------------------

def test_absent_deletes_the_service_and_every_agent_of_the_host(cloud, lab, run):
    service, agent = lab
    dhcp = cloud.agent("compute2", binary="neutron-dhcp-agent", agent_type="DHCP agent", alive=False)

    result = run(absent())

    assert not result.get("failed"), result.get("msg")
    assert result["changed"] is True
    assert gets(cloud.nova_calls) == ["os-services?binary=nova-compute&host=compute2",
                                      "servers/detail?all_tenants=1&host=compute2"]
    assert gets(cloud.network_calls) == ["v2.0/agents?host=compute2"]
    assert writes(cloud.nova_calls) == [("DELETE", "os-services/%s" % service["id"])]
    assert writes(cloud.network_calls) == [("DELETE", "v2.0/agents/%s" % agent["id"]),
                                           ("DELETE", "v2.0/agents/%s" % dhcp["id"])]
    assert cloud.services_of("compute2") == [] and cloud.agents_of("compute2") == []
    assert [s["host"] for s in cloud.services] == ["compute1"]
    assert sorted(a["binary"] for a in cloud.agents_of("compute1")) == ["neutron-l3-agent", LINUXBRIDGE]
    assert result["node"] == removed_view()
    assert result["removed"] == {"services": [service["id"]],
                                 "agents": ["%s (%s)" % (LINUXBRIDGE, agent["id"]),
                                            "neutron-dhcp-agent (%s)" % dhcp["id"]]}
    assert set(cloud.microversions) == {("compute", "2.79")}


def test_absent_twice_changes_nothing_the_second_time(cloud, lab, run):
    first = run(absent())
    done = len(cloud.all_writes)

    second = run(absent(), diff=True)

    assert first["changed"] is True and second["changed"] is False
    assert done == 2 and len(cloud.all_writes) == done
    assert second["removed"] == {"services": [], "agents": []}
    assert second["node"] == removed_view()
    assert second["diff"] == {"before": removed_view(), "after": removed_view()}


def test_absent_check_mode_writes_nothing_and_shows_the_diff(cloud, lab, run):
    service, agent = lab
    state = cloud.state()

    result = run(absent(), check_mode=True, diff=True)

    assert result["changed"] is True
    assert cloud.all_writes == []
    assert cloud.state() == state
    assert result["diff"] == {
        "before": {"host": "compute2", "nova_compute": {"status": "enabled", "state": "down", "zone": "nova",
                                                        "disabled_reason": None},
                   "network_agents": [LINUXBRIDGE]},
        "after": removed_view()}
    assert result["removed"] == {"services": [service["id"]], "agents": ["%s (%s)" % (LINUXBRIDGE, agent["id"])]}


def test_absent_on_a_host_nova_and_neutron_do_not_know_changes_nothing(cloud, lab, run):
    result = run(absent("compute9"))

    assert not result.get("failed"), result.get("msg")
    assert result["changed"] is False
    assert result["node"] == removed_view("compute9")
    assert result["removed"] == {"services": [], "agents": []}
    assert cloud.all_writes == []
    assert gets(cloud.nova_calls) == ["os-services?binary=nova-compute&host=compute9"]  # no servers to look for


def test_absent_deletes_the_agents_a_deleted_service_left(cloud, run):
    agent = cloud.agent("compute2", alive=False)

    result = run(absent())

    assert result["changed"] is True
    assert writes(cloud.nova_calls) == []
    assert writes(cloud.network_calls) == [("DELETE", "v2.0/agents/%s" % agent["id"])]
    assert result["removed"] == {"services": [], "agents": ["%s (%s)" % (LINUXBRIDGE, agent["id"])]}


def test_absent_deletes_every_compute_service_of_the_host(cloud, run):
    first = cloud.compute_service("compute2", state="down")
    second = cloud.compute_service("compute2", state="down", zone="az2")

    result = run(absent())

    assert result["changed"] is True
    assert writes(cloud.nova_calls) == [("DELETE", "os-services/%s" % first["id"]),
                                        ("DELETE", "os-services/%s" % second["id"])]
    assert cloud.services == []


def test_absent_never_touches_a_host_the_api_returned_by_mistake(cloud, lab, run):
    """An API that ignored the filters must not make the module delete another host's records."""
    service, agent = lab
    cloud.answers[("GET", "os-services?binary=nova-compute&host=compute2")] = FakeResponse(
        200, {"services": cloud.services + [dict(cloud.services[0], binary="nova-scheduler", host="compute2")]})
    cloud.answers[("GET", "v2.0/agents?host=compute2")] = FakeResponse(200, {"agents": cloud.agents})

    result = run(absent())

    assert result["changed"] is True
    assert writes(cloud.nova_calls) == [("DELETE", "os-services/%s" % service["id"])]
    assert writes(cloud.network_calls) == [("DELETE", "v2.0/agents/%s" % agent["id"])]
    assert len(cloud.services_of("compute1")) == 1 and len(cloud.agents_of("compute1")) == 2


# --- absent: refusals ------------------------------------------------------------------------------

@pytest.mark.parametrize("force", [False, True])
def test_absent_refuses_while_servers_are_on_the_host(cloud, lab, run, force):
    cloud.server("web2", project="demo", availability_zone="nova:compute2")
    cloud.server("db2", availability_zone="nova:compute2")
    cloud.server("web1", project="demo")  # on compute1

    result = run(absent(force=force))

    assert result["failed"] is True
    assert result["msg"] == ("compute2 still hosts 2 servers: db2, web2; delete them or migrate them to another "
                             "host first")
    assert cloud.all_writes == []


def test_servers_are_named_before_the_services_that_still_run(cloud, run):
    cloud.compute_service("compute2", state="up")
    cloud.agent("compute2", alive=True)
    cloud.server("web2", availability_zone="nova:compute2")

    result = run(absent())

    assert result["msg"] == "compute2 still hosts 1 server: web2; delete it or migrate it to another host first"
    assert cloud.all_writes == []


def test_absent_names_every_server_across_pages(cloud, lab, run):
    for name in ("c", "a", "b"):
        cloud.server(name, availability_zone="nova:compute2")
    cloud.page_size = 1

    result = run(absent())

    assert result["msg"].startswith("compute2 still hosts 3 servers: a, b, c;")
    assert gets(cloud.nova_calls)[1:] == [
        "servers/detail?all_tenants=1&host=compute2",
        "servers/detail?all_tenants=1&host=compute2&marker=%s" % cloud.servers[0]["id"],
        "servers/detail?all_tenants=1&host=compute2&marker=%s" % cloud.servers[1]["id"]]
    assert cloud.all_writes == []


def test_absent_in_check_mode_refuses_while_servers_are_on_the_host(cloud, lab, run):
    cloud.server("web2", availability_zone="nova:compute2")

    result = run(absent(force=True), check_mode=True)

    assert result["failed"] is True
    assert result["msg"] == "compute2 still hosts 1 server: web2; delete it or migrate it to another host first"


def test_absent_refuses_while_nova_compute_is_up(cloud, run):
    cloud.compute_service("compute2", state="up")
    cloud.agent("compute2", alive=False)

    result = run(absent())

    assert result["failed"] is True
    assert result["msg"] == UP_MSG
    assert cloud.all_writes == []


def test_absent_refuses_while_nova_compute_is_up_naming_the_live_agents(cloud, run):
    cloud.compute_service("compute2", state="up")
    cloud.agent("compute2", alive=True)
    cloud.agent("compute2", binary="neutron-dhcp-agent", agent_type="DHCP agent", alive=True)

    result = run(absent())

    assert result["msg"] == UP_MSG.replace("(and neutron-linuxbridge-agent)",
                                           "(and neutron-dhcp-agent, neutron-linuxbridge-agent)")
    assert cloud.all_writes == []


def test_absent_refuses_while_an_agent_is_alive(cloud, run):
    cloud.compute_service("compute2", state="down")
    cloud.agent("compute2", alive=True)

    result = run(absent())

    assert result["failed"] is True
    assert result["msg"] == ("neutron-linuxbridge-agent on compute2 is alive: stop it on that host first, as "
                             "playbooks/remove_compute.yml does, or set force: true; a running agent registers "
                             "itself again")
    assert cloud.all_writes == []


def test_absent_check_mode_refuses_too(cloud, run):
    cloud.compute_service("compute2", state="up")

    result = run(absent(), check_mode=True)

    assert result["failed"] is True
    assert result["msg"] == UP_MSG


def test_force_removes_a_host_whose_services_still_run(cloud, run):
    service = cloud.compute_service("compute2", state="up")
    agent = cloud.agent("compute2", alive=True)

    result = run(absent(force=True))

    assert result["changed"] is True
    assert writes(cloud.nova_calls) == [("DELETE", "os-services/%s" % service["id"])]
    assert writes(cloud.network_calls) == [("DELETE", "v2.0/agents/%s" % agent["id"])]
    assert cloud.services == [] and cloud.agents == []


# --- enabled / disabled ----------------------------------------------------------------------------

def node_of(host="compute2", status="enabled", state="down", reason=None, agents=(LINUXBRIDGE,)):
    return {"host": host, "nova_compute": {"status": status, "state": state, "zone": "nova",
                                           "disabled_reason": reason},
            "network_agents": list(agents)}


def test_disable_without_a_reason(cloud, lab, run):
    service, _agent = lab

    result = run({"host": "compute2", "state": "disabled"})

    assert result["changed"] is True
    assert writes(cloud.nova_calls) == [("PUT", "os-services/%s" % service["id"])]
    assert cloud.nova_writes[0].json == {"status": "disabled"}
    assert cloud.network_writes == []
    assert service["status"] == "disabled" and service["disabled_reason"] is None
    assert result["node"] == node_of(status="disabled")
    assert "removed" not in result


def test_disable_with_a_reason(cloud, lab, run):
    service, _agent = lab

    result = run({"host": "compute2", "state": "disabled", "disabled_reason": "maintenance"}, diff=True)

    assert result["changed"] is True
    assert cloud.nova_writes[0].json == {"status": "disabled", "disabled_reason": "maintenance"}
    assert service["disabled_reason"] == "maintenance"
    assert result["diff"] == {"before": node_of(), "after": node_of(status="disabled", reason="maintenance")}


def test_disable_a_disabled_host_keeps_its_reason(cloud, run):
    cloud.compute_service("compute2", status="disabled", disabled_reason="maintenance")

    result = run({"host": "compute2", "state": "disabled"})

    assert result["changed"] is False
    assert cloud.all_writes == []
    assert result["node"] == node_of(status="disabled", state="up", reason="maintenance", agents=())


def test_disable_with_the_same_reason_changes_nothing(cloud, run):
    cloud.compute_service("compute2", status="disabled", disabled_reason="maintenance")

    result = run({"host": "compute2", "state": "disabled", "disabled_reason": "maintenance"})

    assert result["changed"] is False
    assert cloud.all_writes == []


def test_disable_with_another_reason_updates_it(cloud, run):
    service = cloud.compute_service("compute2", status="disabled", disabled_reason="maintenance")

    result = run({"host": "compute2", "state": "disabled", "disabled_reason": "disk failure"})

    assert result["changed"] is True
    assert writes(cloud.nova_calls) == [("PUT", "os-services/%s" % service["id"])]
    assert cloud.nova_writes[0].json == {"status": "disabled", "disabled_reason": "disk failure"}
    assert service["disabled_reason"] == "disk failure"


def test_enable_a_disabled_host_clears_its_reason(cloud, run):
    service = cloud.compute_service("compute2", status="disabled", disabled_reason="maintenance")

    result = run({"host": "compute2", "state": "enabled"}, diff=True)

    assert result["changed"] is True
    assert cloud.nova_writes[0].json == {"status": "enabled"}
    assert service["status"] == "enabled" and service["disabled_reason"] is None
    assert result["diff"]["before"]["nova_compute"] == {"status": "disabled", "state": "up", "zone": "nova",
                                                        "disabled_reason": "maintenance"}
    assert result["node"] == node_of(state="up", agents=())


def test_enable_an_enabled_host_changes_nothing(cloud, lab, run):
    result = run({"host": "compute2", "state": "enabled"}, diff=True)

    assert result["changed"] is False
    assert cloud.all_writes == []
    assert result["diff"] == {"before": node_of(), "after": node_of()}


@pytest.mark.parametrize("params, before, after", [
    ({"state": "disabled", "disabled_reason": "maintenance"}, ("enabled", None), ("disabled", "maintenance")),
    ({"state": "disabled"}, ("enabled", None), ("disabled", None)),
    ({"state": "enabled"}, ("disabled", "maintenance"), ("enabled", None)),
])
def test_switch_check_mode_predicts_without_writing(cloud, run, params, before, after):
    service = cloud.compute_service("compute2", status=before[0], disabled_reason=before[1])

    result = run(dict(params, host="compute2"), check_mode=True, diff=True)

    assert result["changed"] is True
    assert cloud.all_writes == []
    assert (service["status"], service["disabled_reason"]) == before
    assert result["diff"]["after"]["nova_compute"] == {"status": after[0], "state": "up", "zone": "nova",
                                                       "disabled_reason": after[1]}
    assert result["node"] == result["diff"]["after"]


@pytest.mark.parametrize("state", ["enabled", "disabled"])
def test_switch_on_an_unknown_host_fails_naming_the_compute_hosts(cloud, lab, run, state):
    cloud.compute_service("controller", binary="nova-scheduler")

    result = run({"host": "compute9", "state": state})

    assert result["failed"] is True
    assert result["msg"] == "host compute9 has no nova-compute service; the compute hosts are: compute1, compute2"
    assert gets(cloud.nova_calls) == ["os-services?binary=nova-compute&host=compute9",
                                      "os-services?binary=nova-compute"]
    assert cloud.all_writes == []


def test_switch_on_a_host_with_two_compute_services_fails(cloud, run):
    first = cloud.compute_service("compute2")
    second = cloud.compute_service("compute2")

    result = run({"host": "compute2", "state": "disabled"})

    assert result["failed"] is True
    assert result["msg"] == ("host compute2 has 2 nova-compute services (%s, %s), in several cells; delete the extra "
                             "ones first" % (first["id"], second["id"]))
    assert cloud.all_writes == []


# --- bad input and errors ----------------------------------------------------------------------------

@pytest.mark.parametrize("params, msg", [
    ({"host": ""}, "host must not be empty"),
    ({"host": "  "}, "host must not be empty"),
    ({"host": " compute2"}, "host ' compute2' must not have leading or trailing spaces"),
    ({"host": "compute2", "state": "enabled", "disabled_reason": "x"},
     "disabled_reason is only used with state: disabled, not enabled"),
    ({"host": "compute2", "disabled_reason": "x"}, "disabled_reason is only used with state: disabled, not absent"),
    ({"host": "compute2", "state": "disabled", "disabled_reason": ""}, "disabled_reason must be 1 to 255 characters"),
    ({"host": "compute2", "state": "disabled", "disabled_reason": "x" * 256},
     "disabled_reason must be 1 to 255 characters, not 256"),
    ({"host": "compute2", "state": "present"}, "value of state must be one of: absent, disabled, enabled"),
])
def test_bad_input_fails_before_any_request(cloud, lab, run, params, msg):
    result = run(params)

    assert result["failed"] is True
    assert msg in result["msg"]
    assert cloud.nova_calls == [] and cloud.network_calls == []


def test_a_refused_delete_fails_with_the_status(cloud, lab, run):
    service, _agent = lab
    cloud.answers[("DELETE", "os-services/%s" % service["id"])] = nova_error(
        409, "Unable to delete compute service that has in-progress migrations.")

    result = run(absent())

    assert result["failed"] is True
    assert result["msg"] == ("compute DELETE os-services/%s answered HTTP 409: Unable to delete compute service "
                             "that has in-progress migrations." % service["id"])
    assert writes(cloud.network_calls) == []  # the agents stay until the service is gone
    assert len(cloud.services_of("compute2")) == 1


def test_a_refused_agent_delete_fails_with_the_status(cloud, lab, run):
    _service, agent = lab
    cloud.answers[("DELETE", "v2.0/agents/%s" % agent["id"])] = neutron_error(
        403, "PolicyNotAuthorized", "rule:delete_agent is disallowed by policy")

    result = run(absent())

    assert result["failed"] is True
    assert result["msg"] == ("network DELETE v2.0/agents/%s answered HTTP 403: rule:delete_agent is disallowed by "
                             "policy" % agent["id"])


def test_without_admin_rights_the_server_listing_fails_with_the_status(cloud, lab, run):
    cloud.admin = False

    result = run(absent())

    assert result["failed"] is True
    assert result["msg"] == ("compute GET servers/detail answered HTTP 403: Policy doesn't allow "
                             "os_compute_api:servers:detail:get_all_tenants to be performed.")
    assert cloud.all_writes == []


def test_a_refused_update_fails_with_the_status(cloud, lab, run):
    service, _agent = lab
    cloud.answers[("PUT", "os-services/%s" % service["id"])] = nova_error(404, "Service %s not found." % service["id"])

    result = run({"host": "compute2", "state": "disabled"})

    assert result["failed"] is True
    assert result["msg"] == "compute PUT os-services/%s answered HTTP 404: Service %s not found." % (
        service["id"], service["id"])
    assert service["status"] == "enabled"


# --- the fake's Nova -----------------------------------------------------------------------------------

def test_the_fake_refuses_to_delete_a_compute_service_hosting_servers(cloud):
    service = cloud.compute_service("compute2")
    cloud.server("web2", availability_zone="nova:compute2")

    answer = cloud.request("os-services/%s" % service["id"], "DELETE", raise_exc=False,
                           endpoint_filter={"service_type": "compute"},
                           headers={"OpenStack-API-Version": "compute 2.79", "X-OpenStack-Nova-API-Version": "2.79"})

    assert answer.status_code == 409
    assert cloud.services == [service]
