#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: lab.openstack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: nova_compute_node
short_description: Take a compute node out of the cloud, or enable or disable it, by host name
version_added: "0.1.0"
description:
  - Manages a compute node by the name Nova gives its host, the C(Host) column of
    C(openstack compute service list). No ID is needed.
  - O(state=absent) deletes the host's C(nova-compute) service and every Neutron agent of the host
    (C(openstack network agent list --host HOST)). When its compute service is deleted, Nova deletes
    the host's resource provider in Placement and its host mapping in the cell with it.
  - O(state=absent) checks the host before anything is written. It fails when servers of any project
    are still on the host, naming them. It also fails while the host's C(nova-compute) is up or one of
    its agents alive, unless O(force) is set, because a running C(nova-compute) registers the host
    again.
  - O(state=disabled) stops the scheduler from placing new servers on the host, and O(state=enabled)
    lets it place them again. Servers already on the host keep running.
author:
  - lab.openstack developers (@lab-openstack)
extends_documentation_fragment:
  - lab.openstack.openstack
options:
  host:
    description:
      - The compute host, as Nova names it (C(openstack compute service list)). Usually the short
        host name of the node, such as C(compute1).
    type: str
    required: true
  state:
    description:
      - C(absent) deletes the host's compute service and network agents. A host Nova and Neutron do
        not know is left as it is.
      - C(disabled) disables the host's C(nova-compute) service, and C(enabled) enables it. The service
        must exist; otherwise the task fails, naming the compute hosts Nova knows.
    type: str
    choices: [absent, disabled, enabled]
    default: absent
  disabled_reason:
    description:
      - Why the host is disabled (1 to 255 characters), shown by C(openstack compute service list --long).
      - Only with O(state=disabled). When not given, the reason of a disabled host is left as it is, and
        a host that gets disabled has none.
    type: str
  force:
    description:
      - With O(state=absent), delete even while the host's C(nova-compute) is up or one of its network
        agents alive. The module stops nothing, and a C(nova-compute) still running registers the host again.
      - Servers on the host still make the task fail.
    type: bool
    default: false
attributes:
  check_mode:
    support: full
    description: Makes the same checks and reports what would be deleted, disabled or enabled, writing nothing.
  diff_mode:
    support: full
    description: Shows the host's compute service (status, state, zone, disabled reason) and agents before and after.
notes:
  - Needs an admin's credentials (Nova's and Neutron's default policies for services and agents, and for
    listing the servers of every project).
  - Nothing is done on the node itself. C(playbooks/remove_compute.yml) stops and disables
    C(nova-compute) and C(neutron-linuxbridge-agent) there before this module deletes their records.
  - Nova reports a stopped C(nova-compute) as C(down) after its C(service_down_time) (60 s by default),
    Neutron a stopped agent as not alive after its C(agent_down_time) (75 s). Until then, O(state=absent)
    fails unless O(force) is set.
"""

EXAMPLES = r"""
- name: Take compute2 out of the cloud (its services stopped on the node first)
  lab.openstack.nova_compute_node:
    cloud: lab-admin
    host: compute2
    state: absent

- name: No new servers on compute1 during its maintenance
  lab.openstack.nova_compute_node:
    cloud: lab-admin
    host: compute1
    state: disabled
    disabled_reason: maintenance, back on Monday

- name: Servers may be placed on compute1 again
  lab.openstack.nova_compute_node:
    cloud: lab-admin
    host: compute1
    state: enabled

- name: Would compute2 be removed? (fails naming its servers, or what still runs on it)
  lab.openstack.nova_compute_node:
    cloud: lab-admin
    host: compute2
    state: absent
  check_mode: true
"""

RETURN = r"""
node:
  description: The compute node after the change (what Nova and Neutron still know of the host).
  returned: always
  type: dict
  contains:
    host:
      description: The host, as given.
      type: str
    nova_compute:
      description: The host's C(nova-compute) service; null when there is none (after O(state=absent)).
      type: dict
      contains:
        status:
          description: C(enabled) or C(disabled) (whether the scheduler places servers on the host).
          type: str
        state:
          description: C(up) or C(down) (whether the service reports to Nova).
          type: str
        zone:
          description: The availability zone of the host.
          type: str
        disabled_reason:
          description: Why the service is disabled, or null.
          type: str
    network_agents:
      description: The binaries of the host's Neutron agents, sorted.
      type: list
      elements: str
  sample:
    host: compute1
    nova_compute:
      status: disabled
      state: up
      zone: nova
      disabled_reason: maintenance
    network_agents:
      - neutron-linuxbridge-agent
removed:
  description: What O(state=absent) deleted (would delete, in check mode).
  returned: when O(state=absent)
  type: dict
  contains:
    services:
      description: IDs of the C(nova-compute) services deleted.
      type: list
      elements: str
    agents:
      description: The Neutron agents deleted, as C(BINARY (ID)).
      type: list
      elements: str
  sample:
    services:
      - 5e27c1d0-57b4-4a42-9a3c-6b1e0f2d3c41
    agents:
      - neutron-linuxbridge-agent (0b6e2f0a-7c1d-4e55-8a1b-2f9c4d3e5a67)
"""

from urllib.parse import quote

from ansible_collections.lab.openstack.plugins.module_utils.nova import NovaModule, with_query
from ansible_collections.lab.openstack.plugins.module_utils.nova_server import listing
from ansible_collections.lab.openstack.plugins.module_utils.openstack import OpenStackError

BINARY = "nova-compute"
SERVICE_VIEW = ("status", "state", "zone", "disabled_reason")
HOST_ATTR = "OS-EXT-SRV-ATTR:host"
REASON_MAX = 255  # Nova's disabled_reason: 1 to 255 characters


def service_view(service):
    return {k: service.get(k) for k in SERVICE_VIEW} if service else None


def node_view(host, services, agents):
    """The host as the module shows it: its (first) compute service and its agents' binaries."""
    return {"host": host, "nova_compute": service_view(services[0] if services else None),
            "network_agents": sorted(str(a.get("binary")) for a in agents)}


def running_message(host, compute_up, alive):
    """Why a host whose services still run is not removed, and what to do."""
    if compute_up:
        return ("nova-compute on %s is up: stop it (and %s) on that host first, as playbooks/remove_compute.yml "
                "does, or set force: true; a running nova-compute registers the host again"
                % (host, ", ".join(alive) or "neutron-linuxbridge-agent"))
    return ("%s on %s %s alive: stop %s on that host first, as playbooks/remove_compute.yml does, or set force: "
            "true; a running agent registers itself again" % (
                ", ".join(alive), host, "is" if len(alive) == 1 else "are", "it" if len(alive) == 1 else "them"))


class ComputeNodeModule(NovaModule):
    argument_spec = dict(
        host=dict(type="str", required=True),
        state=dict(type="str", default="absent", choices=["absent", "disabled", "enabled"]),
        disabled_reason=dict(type="str"),
        force=dict(type="bool", default=False),
    )

    # --- input ----------------------------------------------------------------------------
    def validate(self):
        p = self.params
        host, reason = p["host"], p["disabled_reason"]
        if not host or not host.strip():
            raise OpenStackError("host must not be empty; give the host as openstack compute service list shows it")
        if host != host.strip():
            raise OpenStackError("host %r must not have leading or trailing spaces" % host)
        if reason is not None:
            if p["state"] != "disabled":
                raise OpenStackError("disabled_reason is only used with state: disabled, not %s" % p["state"])
            if not 1 <= len(reason) <= REASON_MAX:
                raise OpenStackError("disabled_reason must be 1 to %d characters, not %d" % (REASON_MAX, len(reason)))

    # --- reading ----------------------------------------------------------------------------
    def compute_services(self, host=None):
        """The nova-compute services of host (of every host when None). Filtered here too: deleting
        must never reach another host's service, whatever the API made of the query."""
        services = self.get(with_query("os-services", binary=BINARY, host=host))["services"]
        return [s for s in services if s.get("binary") == BINARY and (host is None or s.get("host") == host)]

    def network_agents(self, host):
        agents = self.get(with_query("v2.0/agents", host=host), service_type="network")["agents"]
        return [a for a in agents if a.get("host") == host]

    def servers_on(self, host):
        """The servers of every project on host (an admin-only filter: Nova shows the host to admins)."""
        servers = self.listing(with_query("servers/detail", all_tenants="1", host=host), "servers")
        return [s for s in servers if s.get(HOST_ATTR, host) == host]

    # --- running ----------------------------------------------------------------------------
    def remove(self, host, services):
        agents = self.network_agents(host)
        removed = {"services": [str(s["id"]) for s in services],
                   "agents": ["%s (%s)" % (a.get("binary"), a["id"]) for a in agents]}
        if services or agents:
            servers = self.servers_on(host)
            if servers:
                one = len(servers) == 1
                raise OpenStackError("%s still hosts %d server%s: %s; delete %s or migrate %s to another host first" % (
                    host, len(servers), "" if one else "s", listing(servers), *(["it"] * 2 if one else ["them"] * 2)))
            alive = sorted({str(a.get("binary")) for a in agents if a.get("alive")})
            compute_up = any(s.get("state") == "up" for s in services)
            if (compute_up or alive) and not self.params["force"]:
                raise OpenStackError(running_message(host, compute_up, alive))
            if not self.check_mode:
                for service in services:
                    self.request("DELETE", "os-services/%s" % quote(str(service["id"]), safe=""), ok=(204,))
                for agent in agents:
                    self.request("DELETE", "v2.0/agents/%s" % quote(str(agent["id"]), safe=""), ok=(204,),
                                 service_type="network")
        return self.resource_result("node", node_view(host, services, agents), node_view(host, [], []),
                                    removed=removed)

    def switch(self, host, services):
        """Enable or disable the host's compute service."""
        p = self.params
        if not services:
            known = self.compute_services()
            raise OpenStackError("host %s has no nova-compute service; the compute hosts are: %s" % (
                host, listing(known, key="host")))
        if len(services) > 1:
            raise OpenStackError("host %s has %d nova-compute services (%s), in several cells; delete the extra ones "
                                 "first" % (host, len(services), ", ".join(str(s["id"]) for s in services)))
        service = services[0]
        before = node_view(host, services, self.network_agents(host))
        current = before["nova_compute"]
        wanted = dict(current)
        if current["status"] != p["state"]:
            # Nova sets the reason given when it disables (none when not given), and clears it when it enables.
            wanted.update(status=p["state"], disabled_reason=p["disabled_reason"])
        elif p["disabled_reason"] is not None:
            wanted["disabled_reason"] = p["disabled_reason"]
        if wanted != current and not self.check_mode:
            body = {"status": p["state"]}
            if p["disabled_reason"] is not None:
                body["disabled_reason"] = p["disabled_reason"]
            answer = self.request("PUT", "os-services/%s" % quote(str(service["id"]), safe=""), json=body, ok=(200,))
            wanted = service_view(answer.json()["service"])
        return self.resource_result("node", before, dict(before, nova_compute=wanted))

    def run(self):
        self.validate()
        host = self.params["host"]
        services = self.compute_services(host)
        if self.params["state"] == "absent":
            return self.remove(host, services)
        return self.switch(host, services)


def main():
    ComputeNodeModule()()


if __name__ == "__main__":
    main()
