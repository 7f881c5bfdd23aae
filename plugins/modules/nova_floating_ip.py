#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: lab.openstack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: nova_floating_ip
short_description: Give a Nova server a floating IP from an external network, idempotent
version_added: "0.1.0"
description:
  - Associates a Neutron floating IP with the port of a server, found by name in the project of the
    credentials, or releases it.
  - The tutorial's C(nova floating-ip-create) then C(nova add-floating-ip myfirstvm <ip>) as one task.
  - Idempotent. If the server's port already has a floating IP from O(network), nothing changes. Otherwise
    an unassociated floating IP of the project on that network is reused, or a new one is allocated, and it
    is associated with the port in the same request.
  - Bad input fails before anything is written. That covers a server that is not found or not C(ACTIVE),
    a server without a port (or with several and no O(fixed_network)), a network that is not found or not
    external, and a O(floating_ip_address) taken elsewhere or outside the network.
  - When no router links the external network with the subnet of the server's port, Neutron refuses the
    association. The task then fails, saying that a router must link the two, and nothing is left allocated.
author:
  - lab.openstack developers (@lab-openstack)
extends_documentation_fragment:
  - lab.openstack.openstack
options:
  server:
    description: Name of the server, in the project of the credentials.
    type: str
    required: true
  network:
    description: Name of the external network the floating IP comes from (the tutorial's C(public)).
    type: str
    required: true
  fixed_network:
    description:
      - Name of the server's network whose port gets the floating IP (NAT to its fixed IPv4 address).
      - Needed when the server has ports on several networks.
      - With O(state=absent), when not given, the floating IPs of every port of the server are released.
    type: str
  floating_ip_address:
    description:
      - A specific floating IP. It is used when the project holds it unassociated, and otherwise allocated.
        Allocating a given address is an admin right in Neutron's default policy.
      - When the port already has another floating IP from O(network), the task fails. Release it first with
        O(state=absent).
      - With O(state=absent), only this address is released.
    type: str
  state:
    description:
      - C(present) gives the port a floating IP from O(network).
      - C(absent) disassociates and releases the port's floating IPs from O(network).
    type: str
    choices: [present, absent]
    default: present
  wait:
    description:
      - Wait until Nova's addresses of the server show the floating IP (or no longer show it, with
        O(state=absent)). Nova learns of it from Neutron's notifications.
    type: bool
    default: true
  timeout:
    description: Seconds to wait for O(wait).
    type: int
    default: 120
attributes:
  check_mode:
    support: full
    description: Resolves the server, its port and the network, and reports what would be associated or released.
  diff_mode:
    support: full
    description: Shows the server's floating IPs from O(network) before and after.
"""

EXAMPLES = r"""
- name: The tutorial's floating IP for myfirstvm
  lab.openstack.nova_floating_ip:
    cloud: lab-demo
    server: myfirstvm
    network: public
  register: fip

- name: Reach it
  ansible.builtin.wait_for:
    host: "{{ fip.floating_ip_address }}"
    port: 22

- name: A given address, NATed to the server's port on the private network
  lab.openstack.nova_floating_ip:
    cloud: lab-admin
    server: web1
    network: public
    fixed_network: private
    floating_ip_address: 192.168.1.230

- name: Release it
  lab.openstack.nova_floating_ip:
    cloud: lab-demo
    server: myfirstvm
    network: public
    state: absent
"""

RETURN = r"""
floating_ip_address:
  description: The server's floating IP from O(network) (null when absent, or when check mode would allocate one).
  returned: always
  type: str
  sample: 192.168.1.225
fixed_ip_address:
  description: The fixed IP address the floating IP is NATed to (null when absent).
  returned: always
  type: str
  sample: 10.0.0.12
network:
  description: The external network, O(network).
  returned: always
  type: str
  sample: public
fixed_network:
  description: The network of the server's port (null when absent).
  returned: always
  type: str
  sample: private
server:
  description: The server, O(server).
  returned: always
  type: str
released:
  description: The floating IP addresses released.
  returned: with O(state=absent)
  type: list
  elements: str
"""

import ipaddress
from urllib.parse import quote

from ansible_collections.lab.openstack.plugins.module_utils import nova_server as nova
from ansible_collections.lab.openstack.plugins.module_utils.nova import poll
from ansible_collections.lab.openstack.plugins.module_utils.openstack import OpenStackError, error_message

NOT_REACHABLE = "ExternalGatewayForFloatingIPNotFound"


def ipv4s(port):
    return [ip for ip in nova.port_ips(port) if ipaddress.ip_address(ip).version == 4]


class NovaFloatingIpModule(nova.ServerModule):
    argument_spec = dict(
        server=dict(type="str", required=True),
        network=dict(type="str", required=True),
        fixed_network=dict(type="str"),
        floating_ip_address=dict(type="str"),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        wait=dict(type="bool", default=True),
        timeout=dict(type="int", default=120),
    )

    # --- reading ----------------------------------------------------------------------------
    def external_network(self, name):
        externals = [n for n in self.networks() if n.get(nova.EXTERNAL)]
        named = [n for n in self.networks() if n.get("name") == name]
        if not named:
            raise OpenStackError("network %r not found; the external networks: %s" % (
                name, nova.listing(externals)))
        external = [n for n in named if n.get(nova.EXTERNAL)]
        if not external:
            raise OpenStackError("network %s is not external (router:external is false): floating IPs come from an "
                                 "external network; the external networks: %s" % (name, nova.listing(externals)))
        if len(external) > 1:
            raise OpenStackError("network: %d external networks are named %r (%s)" % (
                len(external), name, ", ".join(n["id"] for n in external)))
        return external[0]

    def ports_of(self, server, one):
        """The server's ports on fixed_network (all of them when it is not given, unless one)."""
        name, wanted = self.params["server"], self.params["fixed_network"]
        ports = self.server_ports(server["id"])
        if not ports and not one:
            return []
        if not ports:
            raise OpenStackError("server %s (%s) has no port: it was booted without a network" % (name, server["id"]))
        if wanted:
            chosen = [p for p in ports if self.network_label(p["network_id"]) == wanted]
            if not chosen:
                raise OpenStackError("server %s has no port on network %s; its networks: %s" % (
                    name, wanted, ", ".join(sorted(self.network_label(p["network_id"]) for p in ports))))
            if one and len(chosen) > 1:
                raise OpenStackError("server %s has %d ports on network %s (%s); cannot choose" % (
                    name, len(chosen), wanted, ", ".join(p["id"] for p in chosen)))
            return chosen
        if one and len(ports) > 1:
            raise OpenStackError("server %s has ports on networks %s; give fixed_network" % (
                name, ", ".join(sorted(self.network_label(p["network_id"]) for p in ports))))
        return ports

    def floating_ips(self, port, external):
        return [f for f in self.network_list("floatingips", port_id=port["id"])
                if f.get("floating_network_id") == external["id"]]

    # --- views ------------------------------------------------------------------------------
    def entry(self, address, fixed_ip, port):
        return {"floating_ip_address": address, "fixed_ip_address": fixed_ip,
                "fixed_network": self.network_label(port["network_id"])}

    def result(self, external, before, after, **extra):
        shown = (after or [{}])[0]
        result = dict({
            "changed": before != after,
            "floating_ip_address": shown.get("floating_ip_address"),
            "fixed_ip_address": shown.get("fixed_ip_address"),
            "fixed_network": shown.get("fixed_network") if after else None,
            "network": external["name"],
            "server": self.params["server"],
        }, **extra)
        if self.ansible._diff:
            view = {"server": self.params["server"], "network": external["name"]}
            result["diff"] = {"before": dict(view, floating_ips=before), "after": dict(view, floating_ips=after)}
        return result

    # --- writing ------------------------------------------------------------------------------
    def neutron_write(self, method, path, body, *, port, fixed_ip, external):
        response = self.request(method, path, json={"floatingip": body}, ok=(200, 201, 400, 403, 404, 409),
                                service_type="network")
        if response.status_code in (200, 201):
            return response.json()["floatingip"]
        message = error_message(response)
        try:
            kind = (response.json().get("NeutronError") or {}).get("type")
        except (ValueError, AttributeError):
            kind = None
        if kind == NOT_REACHABLE or "is not reachable from subnet" in message:
            subnet = nova.in_subnets(fixed_ip, self.subnets(port["network_id"])) or {}
            label = subnet.get("name") or subnet.get("id") or "?"
            raise OpenStackError(
                "external network %s is not reachable from subnet %s (%s) of server %s's port on network %s: a router "
                "must link the two, with its gateway on %s and an interface on %s (openstack router set ROUTER "
                "--external-gateway %s; openstack router add subnet ROUTER %s). Neutron: %s" % (
                    external["name"], label, subnet.get("cidr", "?"), self.params["server"],
                    self.network_label(port["network_id"]), external["name"], label, external["name"], label,
                    message))
        raise OpenStackError("network %s %s answered HTTP %s: %s" % (
            method, path, response.status_code, message))

    def wait_shown(self, server, addresses, shown):
        """Wait until Nova's addresses of the server show (or no longer show) addresses."""
        def done(current):
            return current is None or bool(set(addresses) & set(nova.floating_addresses(current))) == shown

        timeout = self.params["timeout"]
        last, finished = poll(lambda: self.fetch_server(server["id"]), done, timeout)
        if last is None:
            raise OpenStackError("server %s (%s) disappeared" % (self.params["server"], server["id"]))
        if not finished:
            self.fail("floating IP %s is %s in Neutron, but Nova's addresses of server %s %s it after %s s (timeout). "
                      "Nova learns of it from Neutron's notifications ([nova] section and "
                      "notify_nova_on_port_data_changes in neutron.conf) or, later, from its periodic refresh "
                      "(heal_instance_info_cache_interval)" % (
                          ", ".join(addresses), "associated" if shown else "released", self.params["server"],
                          "do not show" if shown else "still show", timeout),
                      floating_ip_address=addresses[0] if shown else None, addresses=nova.addresses_of(last))

    # --- running --------------------------------------------------------------------------------
    def run(self):
        p = self.params
        for option in ("server", "network", "fixed_network"):
            if p[option] is not None and not p[option].strip():
                raise OpenStackError("%s must not be empty" % option)
        if p["timeout"] < 0:
            raise OpenStackError("timeout must be 0 or more, not %s" % p["timeout"])
        address = p["floating_ip_address"]
        if address is not None:
            try:
                address = str(ipaddress.ip_address(address.strip()))
            except ValueError as exc:
                raise OpenStackError("floating_ip_address %r is not an IP address" % address) from exc
        external = self.external_network(p["network"])
        server = self.one_server(p["server"], parameter="server")
        if p["state"] == "absent":
            return self.absent(server, external, address)
        if server is None:
            raise OpenStackError("server %r not found in the project; its servers: %s" % (
                p["server"], nova.listing(self.listing("servers/detail", "servers"))))
        if server.get("status") != "ACTIVE":
            raise OpenStackError("server %s (%s) is %s, not ACTIVE%s" % (
                p["server"], server["id"], server.get("status"),
                ": wait for it (lab.openstack.nova_server wait: true)" if server.get("status") == "BUILD" else ""))
        port = self.ports_of(server, one=True)[0]
        fixed = ipv4s(port)
        if not fixed:
            raise OpenStackError("server %s's port on network %s has no IPv4 address to NAT a floating IP to" % (
                p["server"], self.network_label(port["network_id"])))
        return self.present(server, port, fixed[0], external, address)

    def present(self, server, port, fixed_ip, external, address):
        p = self.params
        on_port = self.network_list("floatingips", port_id=port["id"])
        mine = [f for f in on_port if f.get("floating_network_id") == external["id"]]
        before = [self.entry(f["floating_ip_address"], f.get("fixed_ip_address"), port)
                  for f in sorted(mine, key=lambda f: ipaddress.ip_address(f["floating_ip_address"]))]
        if mine:
            addresses = [f["floating_ip_address"] for f in mine]
            if address is not None and address not in addresses:
                raise OpenStackError(
                    "server %s already has floating IP %s from network %s, not %s; release it first (state: absent)"
                    % (p["server"], ", ".join(addresses), external["name"], address))
            if address is not None:
                before = [e for e in before if e["floating_ip_address"] == address] + [
                    e for e in before if e["floating_ip_address"] != address]
            if p["wait"] and not self.check_mode:
                self.wait_shown(server, [before[0]["floating_ip_address"]], True)
            return self.result(external, before, before)
        taken = [f for f in on_port if f.get("fixed_ip_address") == fixed_ip]
        if taken:
            raise OpenStackError("fixed IP %s of server %s already has floating IP %s from network %s; release it "
                                 "first" % (fixed_ip, p["server"], taken[0]["floating_ip_address"],
                                            self.network_label(taken[0].get("floating_network_id"))))
        reuse = self.choose(external, address)
        after_address = reuse["floating_ip_address"] if reuse else address
        if self.check_mode:
            return self.result(external, before, [self.entry(after_address, fixed_ip, port)])
        body = {"port_id": port["id"], "fixed_ip_address": fixed_ip}
        if reuse:
            fip = self.neutron_write("PUT", "v2.0/floatingips/%s" % quote(reuse["id"], safe=""), body, port=port,
                                     fixed_ip=fixed_ip, external=external)
        else:
            body["floating_network_id"] = external["id"]
            if address is not None:
                body["floating_ip_address"] = address
            fip = self.neutron_write("POST", "v2.0/floatingips", body, port=port, fixed_ip=fixed_ip,
                                     external=external)
        if p["wait"]:
            self.wait_shown(server, [fip["floating_ip_address"]], True)
        return self.result(external, before, [self.entry(fip["floating_ip_address"], fip.get("fixed_ip_address"),
                                                         port)])

    def choose(self, external, address):
        """The floating IP to associate (None: allocate one); fails when address cannot be used."""
        if address is None:
            free = [f for f in self.network_list("floatingips", floating_network_id=external["id"],
                                                 project_id=self.project_id) if not f.get("port_id")]
            free.sort(key=lambda f: ipaddress.ip_address(f["floating_ip_address"]))
            return free[0] if free else None
        existing = self.network_list("floatingips", floating_ip_address=address)
        if not existing:
            subnets = self.subnets(external["id"])
            if nova.in_subnets(address, subnets) is None:
                raise OpenStackError("floating_ip_address %s is in no subnet of network %s (%s)" % (
                    address, external["name"], ", ".join(s["cidr"] for s in subnets) or "no subnet"))
            return None
        fip = existing[0]
        if fip.get("floating_network_id") != external["id"]:
            raise OpenStackError("floating_ip_address %s is a floating IP of network %s, not %s" % (
                address, self.network_label(fip.get("floating_network_id")), external["name"]))
        if fip.get("project_id") != self.project_id:
            raise OpenStackError("floating_ip_address %s belongs to project %s, not to the project of the "
                                 "credentials" % (address, fip.get("project_id")))
        if fip.get("port_id"):
            raise OpenStackError("floating_ip_address %s is associated with port %s (fixed IP %s); release it first" % (
                address, fip["port_id"], fip.get("fixed_ip_address")))
        return fip

    def absent(self, server, external, address):
        if server is None:
            return self.result(external, [], [], released=[])
        entries, releasing = [], []
        for port in self.ports_of(server, one=False):
            for fip in self.floating_ips(port, external):
                if address is None or fip["floating_ip_address"] == address:
                    releasing.append(fip)
                    entries.append(self.entry(fip["floating_ip_address"], fip.get("fixed_ip_address"), port))
        entries.sort(key=lambda e: ipaddress.ip_address(e["floating_ip_address"]))
        released = [e["floating_ip_address"] for e in entries]
        if releasing and not self.check_mode:
            # Releasing disassociates too: one request each.
            for fip in releasing:
                self.request("DELETE", "v2.0/floatingips/%s" % quote(fip["id"], safe=""), ok=(204, 404),
                             service_type="network")
            if self.params["wait"]:
                self.wait_shown(server, released, False)
        return self.result(external, entries, [], released=released)


def main():
    NovaFloatingIpModule()()


if __name__ == "__main__":
    main()
