#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: lab.openstack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: nova_server
short_description: Boot a Nova server, found by name in the project, idempotent
version_added: "0.1.0"
description:
  - Boots, updates or deletes a Compute v2.1 server. The server is found by name among the servers of
    the project of the credentials.
  - The tutorial's C(nova boot --image ... --flavor ... --key_name key1 myfirstvm) as one task. The task
    waits for C(ACTIVE). A server that goes to C(ERROR) fails the task with Nova's fault message, such as
    C(No valid host was found).
  - Idempotent by name. When a server of that name has the same image, flavor, networks and keypair, the
    task changes nothing.
  - O(metadata) and O(security_groups) are updated in place. The image, flavor, networks, keypair,
    O(user_data) and O(availability_zone) cannot change on a running server, so a difference in them
    follows O(on_change).
  - Bad input fails before anything is written. That covers an image, flavor, network, keypair or security
    group that matches nothing or several things (the message lists what exists), a O(networks) fixed IP
    outside the network's subnets or already in use, a flavor too small for the image, and O(user_data)
    or O(metadata) that Nova would refuse.
  - Talks to Nova with microversion 2.79, and to Glance and Neutron to resolve names.
author:
  - lab.openstack developers (@lab-openstack)
extends_documentation_fragment:
  - lab.openstack.openstack
options:
  name:
    description: Name of the server, unique in the project.
    type: str
    required: true
  image:
    description:
      - Name of the Glance image to boot. An image of the project wins over a public one of the same name.
      - Required with O(state=present).
    type: str
  flavor:
    description:
      - Name or ID of the flavor.
      - Required with O(state=present).
    type: str
  networks:
    description:
      - Networks to attach, one port each. Each item is a network name, or a dict with C(name) and
        C(fixed_ip) (an address of one of the network's subnets).
      - When not given, the server boots on the only network the project may boot on (its own or a shared
        one, not external), as C(nova boot) does without C(--nic). If there are none or several, the
        task fails and lists them. An existing server's networks are then not compared.
      - An empty list boots a server without any network.
    type: list
    elements: raw
  key_name:
    description:
      - Name of the keypair whose public key is injected (the tutorial's C(key1)). It must be a keypair of
        the user of the credentials.
      - An existing server's keypair is compared only when this is given. The keypair must exist when the
        server boots.
    type: str
  security_groups:
    description:
      - Names of security groups of the project. They are applied to every port of the server.
      - Updated in place on an existing server, which must not be in C(BUILD).
    type: list
    elements: str
    default: [default]
  user_data:
    description:
      - Text given to the instance (cloud-init reads it). At most 65535 characters once base64-encoded.
      - Compared with the server's only when Nova shows it (to an admin). A difference follows O(on_change).
    type: str
  availability_zone:
    description:
      - Availability zone to boot in. When not given, Nova chooses.
      - Nova's C(ZONE:HOST) (or C(ZONE:HOST:NODE)) form puts the server on that compute host; Nova allows it
        to admins only. The zone is compared with the server's, and the host with the server's host where
        Nova shows it (to an admin).
      - Compared with the server's only when given.
    type: str
  metadata:
    description:
      - Metadata key/value pairs. Values are stored as strings (C(true), C(false) for booleans).
      - Updated in place. Only the keys given are managed, others are left alone.
    type: dict
  state:
    description: Whether the server must exist. C(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
  wait:
    description:
      - With O(state=present), wait until a new server (or one found in C(BUILD)) is C(ACTIVE). A server that
        goes to C(ERROR) fails the task with its fault.
      - With O(state=absent), wait until the server is gone.
      - A replaced server is always waited for until it is gone, before the new one boots.
    type: bool
    default: true
  timeout:
    description: Seconds to wait for O(wait), and for a replaced server to be gone.
    type: int
    default: 600
  on_change:
    description:
      - What to do when the server of that name differs in what cannot change in place (image, flavor,
        networks, keypair, user data, availability zone), or is in C(ERROR).
      - C(fail) stops with a message naming each difference, or the server's fault.
      - C(replace) deletes the server, waits until it is gone and boots it again. Its IP addresses and its
        disk are lost.
    type: str
    choices: [fail, replace]
    default: fail
attributes:
  check_mode:
    support: full
    description: Resolves every name and reports what would be booted, updated, replaced or deleted, writing nothing.
  diff_mode:
    support: full
    description: Shows the server before and after, with the image, flavor and network names.
notes:
  - A server in C(ERROR) after a failed boot is left for inspection. Delete it with O(state=absent), or
    re-run with O(on_change=replace).
  - Nova accepts several servers with the same name. This module fails when it finds more than one.
"""

EXAMPLES = r"""
- name: The tutorial's first virtual machine
  lab.openstack.nova_server:
    cloud: lab-demo
    name: myfirstvm
    image: debian-12-lab
    flavor: m1.small
    key_name: key1

- name: A server with a fixed address, user data and metadata, booted again when its image changes
  lab.openstack.nova_server:
    cloud: lab-demo
    name: web1
    image: debian-12-lab
    flavor: m1.small
    key_name: key1
    networks:
      - name: private
        fixed_ip: 10.0.0.10
    security_groups: [default, web]
    user_data: |
      #cloud-config
      packages: [nginx]
    metadata:
      role: web
    on_change: replace

- name: Delete it
  lab.openstack.nova_server:
    cloud: lab-demo
    name: myfirstvm
    state: absent
"""

RETURN = r"""
server:
  description:
    - The server after the change (null when absent). Names, not IDs, for the image, flavor and networks.
    - C(id) is null for a server check mode predicts. C(host) is shown to an admin only.
  returned: always
  type: dict
  sample:
    id: 5b0c7a0e-5b8a-4e0b-9a52-8f1f3c0b9d11
    name: myfirstvm
    status: ACTIVE
    task_state: null
    image: debian-12-lab
    flavor: m1.small
    key_name: key1
    networks: [private]
    addresses: {private: [10.0.0.12, 192.168.1.225]}
    host: compute1
    security_groups: [default]
    availability_zone: nova
    metadata: {}
    fault: null
replaced:
  description: ID of the server deleted because it was replaced.
  returned: when a server was replaced
  type: str
"""

from urllib.parse import quote

from ansible_collections.lab.openstack.plugins.module_utils import nova_server as nova
from ansible_collections.lab.openstack.plugins.module_utils.nova import poll
from ansible_collections.lab.openstack.plugins.module_utils.openstack import OpenStackError

GIB = 1024 ** 3
# Keys of the view that describe what the task manages (changed is computed from them). Not
# the availability zone: the scheduler sets it when a server leaves BUILD.
MANAGED = ("id", "name", "image", "flavor", "key_name", "networks", "security_groups", "metadata")


class NovaServerModule(nova.ServerModule):
    argument_spec = dict(
        name=dict(type="str", required=True),
        image=dict(type="str"),
        flavor=dict(type="str"),
        networks=dict(type="list", elements="raw"),
        key_name=dict(type="str", no_log=False),
        security_groups=dict(type="list", elements="str", default=["default"]),
        user_data=dict(type="str"),
        availability_zone=dict(type="str"),
        metadata=dict(type="dict"),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        wait=dict(type="bool", default=True),
        timeout=dict(type="int", default=600),
        on_change=dict(type="str", default="fail", choices=["fail", "replace"]),
    )
    module_kwargs = dict(required_if=[("state", "present", ("image", "flavor"))])

    # --- what the task asks for -------------------------------------------------------------
    def desired(self):
        """Every name resolved and every value checked; raises before anything is written."""
        p = self.params
        user_data = nova.encode_user_data(p["user_data"])
        metadata = nova.metadata_strings(p["metadata"])
        requested = nova.parse_networks(p["networks"])
        groups = p["security_groups"] or []
        if not groups or any(not g or not g.strip() for g in groups):
            raise OpenStackError("security_groups must name at least one security group (default), "
                                 "and no empty name")
        for option in ("image", "flavor", "key_name", "availability_zone"):
            if p[option] is not None and not p[option].strip():
                raise OpenStackError("%s must not be empty" % option)

        image = self.image(p["image"])
        flavor = self.flavor(p["flavor"])
        self.check_fits(image, flavor)
        networks = None  # not given: chosen when booting, not compared
        if requested is not None:
            networks = []
            for name, fixed_ip in requested:
                network = self.network(name)
                if fixed_ip is not None and nova.in_subnets(fixed_ip, self.subnets(network["id"])) is None:
                    raise OpenStackError("networks: fixed_ip %s is in no subnet of network %s (%s)" % (
                        fixed_ip, name, ", ".join(s["cidr"] for s in self.subnets(network["id"])) or "no subnet"))
                networks.append({"id": network["id"], "name": name, "fixed_ip": fixed_ip})
        self.security_groups(groups)
        return {
            "image": image, "flavor": flavor, "networks": networks,
            "key_name": p["key_name"], "security_groups": sorted(set(groups)), "user_data": user_data,
            "metadata": metadata, "availability_zone": p["availability_zone"],
        }

    def check_fits(self, image, flavor):
        """Nova's own checks of an image against a flavor, made before booting."""
        problems = []
        if image.get("min_ram") and flavor.get("ram", 0) < image["min_ram"]:
            problems.append("the image needs %s MB of RAM, the flavor has %s" % (image["min_ram"], flavor.get("ram")))
        disk = flavor.get("disk") or 0
        if disk and image.get("min_disk") and disk < image["min_disk"]:
            problems.append("the image needs a %s GB disk, the flavor has %s GB" % (image["min_disk"], disk))
        if disk and image.get("size") and image["size"] > disk * GIB:
            problems.append("the image is %s bytes, more than the flavor's %s GB disk" % (image["size"], disk))
        if problems:
            raise OpenStackError("flavor %s is too small for image %s: %s" % (
                flavor["name"], image["name"], "; ".join(problems)))

    def prepare_boot(self, desired, current_id=None):
        """What only a boot needs, checked before anything is written (a replaced server is not
        deleted yet): the default network, the keypair, the fixed IPs."""
        if desired["networks"] is None:
            candidates = self.bootable_networks()
            if len(candidates) != 1:
                raise OpenStackError(
                    "networks is not given and the project can boot on %s network%s (%s); name them in networks"
                    % (len(candidates) or "no", "" if len(candidates) == 1 else "s",
                       nova.listing(candidates) if candidates else "create one first"))
            desired["networks"] = [{"id": candidates[0]["id"], "name": candidates[0]["name"], "fixed_ip": None}]
        if desired["key_name"]:
            self.keypair(desired["key_name"])
        self.check_fixed_ips(desired, current_id)

    def check_fixed_ips(self, desired, current_id=None):
        """A fixed IP held by another port would make the boot fail; current_id's ports do not count."""
        for network in desired["networks"]:
            if network["fixed_ip"] is None:
                continue
            for port in self.network_list("ports", network_id=network["id"]):
                if network["fixed_ip"] in nova.port_ips(port) and port.get("device_id") != current_id:
                    raise OpenStackError("networks: fixed_ip %s of network %s is in use by port %s (device %s, %s)" % (
                        network["fixed_ip"], network["name"], port["id"], port.get("device_id") or "none",
                        port.get("device_owner") or "no owner"))

    # --- views -------------------------------------------------------------------------------
    def view(self, server, ports=None):
        if not server:
            return None
        if ports is None:
            ports = self.server_ports(server["id"])
        image = server.get("image")
        image_id = image.get("id") if isinstance(image, dict) else None
        flavor = server.get("flavor") or {}
        return {
            "id": server["id"],
            "name": server.get("name"),
            "status": server.get("status"),
            "task_state": server.get(nova.TASK_STATE),
            "image": self.image_name(image_id),
            "flavor": flavor.get("original_name") or flavor.get("id"),
            "key_name": server.get("key_name"),
            "networks": sorted(self.network_label(p["network_id"]) for p in ports),
            "addresses": nova.addresses_of(server),
            "host": server.get(nova.HOST),
            "security_groups": nova.security_group_names(server),
            "availability_zone": server.get(nova.AVAILABILITY_ZONE) or None,
            "metadata": dict(server.get("metadata") or {}),
            "fault": nova.fault_message(server) if server.get("status") == "ERROR" else None,
        }

    def predicted(self, desired):
        """The view of the server a boot would give (check mode)."""
        addresses = {}
        for network in desired["networks"]:
            addresses.setdefault(network["name"], []).extend([network["fixed_ip"]] if network["fixed_ip"] else [])
        return {
            "id": None, "name": self.params["name"], "status": "ACTIVE" if self.params["wait"] else "BUILD",
            "task_state": None, "image": desired["image"]["name"], "flavor": desired["flavor"]["name"],
            "key_name": desired["key_name"], "networks": sorted(n["name"] for n in desired["networks"]),
            "addresses": dict(sorted(addresses.items())), "host": None,
            "security_groups": desired["security_groups"],
            "availability_zone": nova.split_availability_zone(desired["availability_zone"])[0] or None,
            "metadata": dict(desired["metadata"] or {}), "fault": None,
        }

    def result(self, before, after, **extra):
        return self.resource_result("server", before, after, managed=MANAGED, **extra)

    # --- comparing ----------------------------------------------------------------------------
    def differences(self, server, ports, desired):
        """What differs in what cannot change in place, as readable lines."""
        found = []
        image = server.get("image")
        image_id = image.get("id") if isinstance(image, dict) else None
        want = desired["image"]
        if image_id != want["id"]:
            had = self.image_name(image_id) if image_id else "none (booted from a volume)"
            if had == want["name"]:
                found.append("image %s is now another image (%s, was %s)" % (want["name"], want["id"], image_id))
            elif had == image_id:
                found.append("image %s (no longer in Glance), not %s (%s)" % (image_id, want["name"], want["id"]))
            else:
                found.append("image %s, not %s" % (had, want["name"]))
        flavor = (server.get("flavor") or {}).get("original_name")
        if flavor != desired["flavor"]["name"]:
            found.append("flavor %s, not %s" % (flavor, desired["flavor"]["name"]))
        wanted = [(n["id"], n["fixed_ip"]) for n in desired["networks"] or []]
        if desired["networks"] is not None and not nova.networks_match(ports, wanted):
            have = sorted("%s (%s)" % (self.network_label(p["network_id"]), ", ".join(nova.port_ips(p)))
                          for p in ports)
            asked = ["%s (%s)" % (n["name"], n["fixed_ip"]) if n["fixed_ip"] else n["name"]
                     for n in desired["networks"]]
            found.append("networks [%s], not [%s]" % (", ".join(have), ", ".join(asked)))
        if desired["key_name"] is not None and server.get("key_name") != desired["key_name"]:
            found.append("key_name %s, not %s" % (server.get("key_name"), desired["key_name"]))
        if (desired["user_data"] is not None and nova.USER_DATA in server
                and (server[nova.USER_DATA] or None) != desired["user_data"]):
            found.append("other user_data")
        if desired["availability_zone"] is not None:
            wanted_zone, wanted_host = nova.split_availability_zone(desired["availability_zone"])
            zone, host = server.get(nova.AVAILABILITY_ZONE), server.get(nova.HOST)
            if wanted_zone and zone != wanted_zone:
                found.append("availability_zone %s, not %s" % (zone, wanted_zone))
            if wanted_host and host is not None and host != wanted_host:
                found.append("host %s, not %s (availability_zone %s)" % (
                    host, wanted_host, desired["availability_zone"]))
        return found

    # --- writing ----------------------------------------------------------------------------------
    def boot(self, desired):
        p = self.params
        body = {"name": p["name"], "imageRef": desired["image"]["id"], "flavorRef": desired["flavor"]["id"],
                "security_groups": [{"name": g} for g in desired["security_groups"]]}
        networks = [dict({"uuid": n["id"]}, **({"fixed_ip": n["fixed_ip"]} if n["fixed_ip"] else {}))
                    for n in desired["networks"]]
        body["networks"] = networks or "none"
        for key in ("key_name", "user_data", "availability_zone", "metadata"):
            if desired[key] is not None:
                body[key] = desired[key]
        created = self.request("POST", "servers", json={"server": body}, ok=(202,)).json()["server"]
        if p["wait"]:
            return self.wait_active(created["id"])
        return self.fetch_server(created["id"]) or dict(created, name=p["name"], status="BUILD")

    def wait_active(self, server_id):
        timeout = self.params["timeout"]
        server, _done = poll(lambda: self.fetch_server(server_id),
                             lambda s: s is None or s.get("status") != "BUILD", timeout)
        if server is None:
            raise OpenStackError("server %s (%s) disappeared while it was building" % (self.params["name"], server_id))
        if server.get("status") == "ERROR":
            self.fail("server %s (%s) is ERROR: %s. It is left for inspection: delete it (state: absent) or "
                      "re-run with on_change: replace" % (self.params["name"], server_id, nova.fault_message(server)),
                      server=self.view(server))
        if server.get("status") == "BUILD":
            self.fail("server %s (%s) is still BUILD (task_state %s) after %s s (timeout)" % (
                self.params["name"], server_id, server.get(nova.TASK_STATE), timeout), server=self.view(server))
        return server

    def delete(self, server, wait):
        self.request("DELETE", "servers/%s" % quote(server["id"], safe=""), ok=(204, 404))
        if wait:
            self.wait_gone(server)

    def wait_gone(self, server):
        timeout = self.params["timeout"]
        last, done = poll(lambda: self.fetch_server(server["id"]), lambda s: s is None, timeout)
        if not done:
            self.fail("server %s (%s) still exists after %s s (timeout): status %s, task_state %s" % (
                server.get("name"), server["id"], timeout, last.get("status"), last.get(nova.TASK_STATE)),
                server=self.view(last))

    def update(self, server, desired, ports):
        """Metadata and security groups, in place: the server after."""
        metadata = server.get("metadata") or {}
        changes = {k: v for k, v in (desired["metadata"] or {}).items() if metadata.get(k) != v}
        have = set(nova.security_group_names(server))
        want = set(desired["security_groups"])
        # Security groups apply to ports: none on a server without any, or still building.
        add = remove = []
        if ports and server.get("status") != "BUILD":
            add, remove = sorted(want - have), sorted(have - want)
        if not (changes or add or remove):
            return server
        if self.check_mode:
            after = dict(server, metadata=dict(metadata, **changes))
            if add or remove:
                after["security_groups"] = [{"name": g} for g in sorted(want)]
            return after
        path = "servers/%s" % quote(server["id"], safe="")
        if changes:
            self.request("POST", path + "/metadata", json={"metadata": changes}, ok=(200,))
        # Added first: the server never has no security group.
        for name in add:
            self.request("POST", path + "/action", json={"addSecurityGroup": {"name": name}}, ok=(202,))
        for name in remove:
            self.request("POST", path + "/action", json={"removeSecurityGroup": {"name": name}}, ok=(202,))
        return self.fetch_server(server["id"]) or server

    # --- running --------------------------------------------------------------------------------
    def run(self):
        p = self.params
        if not p["name"] or not p["name"].strip():
            raise OpenStackError("name must not be empty")
        if len(p["name"]) > nova.NAME_MAX_LENGTH:
            raise OpenStackError("name is %d characters; Nova takes at most %d" % (
                len(p["name"]), nova.NAME_MAX_LENGTH))
        if p["timeout"] < 0:
            raise OpenStackError("timeout must be 0 or more, not %s" % p["timeout"])
        if p["state"] == "absent":
            return self.absent()
        desired = self.desired()
        current = self.one_server(p["name"], parameter="name")
        if current is None:
            self.prepare_boot(desired)
            after = self.predicted(desired) if self.check_mode else self.view(self.boot(desired))
            return self.result(None, after)

        ports = self.server_ports(current["id"])
        before = self.view(current, ports)
        if current.get("status") == "ERROR":
            if p["on_change"] != "replace":
                self.fail("server %s (%s) is ERROR: %s. Set on_change: replace to delete it and boot it again, "
                          "or delete it (state: absent)" % (p["name"], current["id"], nova.fault_message(current)),
                          server=before)
            return self.replace(current, before, desired)
        differences = self.differences(current, ports, desired)
        if differences:
            if p["on_change"] != "replace":
                raise OpenStackError(
                    "server %s (%s) differs in what cannot change in place: %s. Set on_change: replace to delete "
                    "it and boot it again" % (p["name"], current["id"], "; ".join(differences)))
            return self.replace(current, before, desired)

        server = current
        if server.get("status") == "BUILD" and p["wait"] and not self.check_mode:
            server = self.wait_active(server["id"])
        server = self.update(server, desired, ports)
        return self.result(before, self.view(server, ports if server is current else None))

    def replace(self, current, before, desired):
        self.prepare_boot(desired, current["id"])
        if self.check_mode:
            return self.result(before, self.predicted(desired), replaced=current["id"])
        # The old server must be gone first: its name and its fixed IPs are the new one's.
        self.delete(current, wait=True)
        return self.result(before, self.view(self.boot(desired)), replaced=current["id"])

    def absent(self):
        found = self.servers_named(self.params["name"])
        live = [s for s in found if not nova.going(s)]
        if len(live) > 1:
            raise OpenStackError("name: %d servers are named %r in the project (%s); delete them by ID" % (
                len(live), self.params["name"], ", ".join(s["id"] for s in live)))
        wait = self.params["wait"] and not self.check_mode
        if not live:
            # Already being deleted (or gone): nothing to do but wait.
            for server in found if wait else []:
                self.wait_gone(server)
            return self.result(None, None)
        before = self.view(live[0])
        if not self.check_mode:
            self.delete(live[0], wait)
        return self.result(before, None)


def main():
    NovaServerModule()()


if __name__ == "__main__":
    main()
