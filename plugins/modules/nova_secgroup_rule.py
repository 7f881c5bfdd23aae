#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: lab.openstack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: nova_secgroup_rule
short_description: One security group rule as C(nova secgroup-add-rule) wrote it, on Neutron
version_added: "0.1.0"
description:
  - Adds or removes one rule of a Neutron security group. It takes the arguments of the tutorial's
    C(nova secgroup-add-rule default tcp 22 22 0.0.0.0/0) as options.
  - Nova's conventions are translated to Neutron's. A port of C(-1) means any port, or for ICMP any type or
    code; Neutron stores that as no value. So C(icmp -1 -1) matches the ICMP rule Neutron shows with empty
    port ranges, and creates no duplicate.
  - Rules are compared the way Neutron compares them for duplicates. Protocol names and numbers are the
    same protocol, C(0.0.0.0/0) and C(::/0) are the same as no prefix, and an address is the same as its
    C(/32) (C(/128) for IPv6). If the same rule is already there, nothing is done.
  - Bad input fails before anything is written. That covers an unknown protocol, ports the protocol
    cannot take, a malformed address, a prefix with host bits set, and an unknown project or group.
  - A create that Neutron refuses as a duplicate (HTTP 409), for example because another run created the
    same rule meanwhile, counts as the rule being already there, but only if reading the rules again finds
    it. Otherwise the task fails with Neutron's message.
author:
  - lab.openstack developers (@lab-openstack)
extends_documentation_fragment:
  - lab.openstack.openstack
options:
  security_group:
    description: Name of the security group holding the rule, in O(project).
    type: str
    default: default
  project:
    description:
      - Name of the project owning the group. Resolving it goes through Keystone, which needs an admin.
      - When not given, the project of the credentials.
      - Neutron creates a project's C(default) group the first time the group is listed, so an admin
        can set rules in the C(default) group of a project that has never used the network yet.
    type: str
  project_domain:
    description: Domain of O(project).
    type: str
    default: Default
  protocol:
    description:
      - C(icmp), C(tcp), C(udp), C(any), or an IP protocol number from 0 to 255. The numbers 1, 6 and 17
        are the same as icmp, tcp and udp.
      - With an IPv6 O(cidr), C(icmp) is ICMPv6 (Neutron's C(ipv6-icmp)).
    type: str
    required: true
  from_port:
    description:
      - First port of the range for tcp and udp (1 to 65535; required for them).
      - The ICMP type for icmp (0 to 255). C(-1), or leaving it out, means any type.
      - For any other protocol, leave it out or give C(-1).
    type: int
  to_port:
    description:
      - Last port of the range for tcp and udp (1 to 65535, at least O(from_port); required for them).
      - The ICMP code for icmp (0 to 255). C(-1), or leaving it out, means any code. A code needs a type.
    type: int
  cidr:
    description:
      - The addresses the rule allows (Neutron's C(remote_ip_prefix)), such as C(0.0.0.0/0) or C(10.0.0.0/8).
      - An address without a prefix is that one address (C(/32), or C(/128) for IPv6). A prefix with host bits
        set, such as C(10.0.0.1/8), fails. Write the network (C(10.0.0.0/8)) or the address (C(10.0.0.1/32)).
      - When neither O(cidr) nor O(remote_group) is given, C(0.0.0.0/0) (C(::/0) with O(ethertype=IPv6)).
      - Mutually exclusive with O(remote_group).
    type: str
  remote_group:
    description:
      - Name of a security group of the same project, whose members the rule allows (instead of O(cidr)).
    type: str
  direction:
    description: Traffic the rule applies to.
    type: str
    choices: [ingress, egress]
    default: ingress
  ethertype:
    description:
      - C(IPv4) or C(IPv6). Derived from O(cidr) when it is given, and must then agree with it.
      - With O(remote_group), C(IPv4) when not given.
    type: str
    choices: [IPv4, IPv6]
  description:
    description:
      - Description of the rule, set when the rule is created.
      - Neutron cannot update a rule, so an existing rule keeps its description and is not compared on it.
    type: str
  state:
    description: Whether the rule must exist. C(absent) deletes every rule that is the same rule.
    type: str
    choices: [present, absent]
    default: present
attributes:
  check_mode:
    support: full
    description: Reads the group's rules and reports whether the rule would be added or removed, writing nothing.
  diff_mode:
    support: full
    description: Shows the rule before and after, with the names of the group, project and remote group.
notes:
  - Addresses are checked with the Python standard library (ipaddress); netaddr is not needed on the
    managed host.
"""

EXAMPLES = r"""
- name: The tutorial's nova secgroup-add-rule default icmp -1 -1 0.0.0.0/0
  lab.openstack.nova_secgroup_rule:
    cloud: lab-demo
    protocol: icmp
    from_port: -1
    to_port: -1
    cidr: 0.0.0.0/0

- name: The tutorial's nova secgroup-add-rule default tcp 22 22 0.0.0.0/0
  lab.openstack.nova_secgroup_rule:
    cloud: lab-demo
    protocol: tcp
    from_port: 22
    to_port: 22
    cidr: 0.0.0.0/0

- name: The admin opens SSH in the default group of the demo project
  lab.openstack.nova_secgroup_rule:
    cloud: lab-admin
    project: demo
    protocol: tcp
    from_port: 22
    to_port: 22

- name: Members of the web group may reach the database
  lab.openstack.nova_secgroup_rule:
    cloud: lab-demo
    security_group: db
    remote_group: web
    protocol: tcp
    from_port: 5432
    to_port: 5432

- name: No more ping from anywhere
  lab.openstack.nova_secgroup_rule:
    cloud: lab-demo
    protocol: icmp
    state: absent
"""

RETURN = r"""
rule:
  description: The rule after the change (null when absent). C(id) is null in check mode before creation.
  returned: always
  type: dict
  sample:
    id: 0b5c4a8e-3e1f-4b7b-9d52-9a4a5c0e2f11
    security_group: default
    project: demo
    direction: ingress
    ethertype: IPv4
    protocol: tcp
    port_range_min: 22
    port_range_max: 22
    remote_ip_prefix: 0.0.0.0/0
    remote_group: null
    description: null
"""

from ansible_collections.lab.openstack.plugins.module_utils.keystone import require_name
from ansible_collections.lab.openstack.plugins.module_utils.neutron import (
    NeutronModule, parse_protocol, remote_prefix, rule_key, rule_ports, wire_protocol, with_id)
from ansible_collections.lab.openstack.plugins.module_utils.openstack import OpenStackError

RULE_ATTRS = ("direction", "ethertype", "protocol", "port_range_min", "port_range_max", "remote_ip_prefix",
              "remote_group_id")


class SecgroupRuleModule(NeutronModule):
    argument_spec = dict(
        security_group=dict(type="str", default="default"),
        project=dict(type="str"),
        project_domain=dict(type="str", default="Default"),
        protocol=dict(type="str", required=True),
        from_port=dict(type="int"),
        to_port=dict(type="int"),
        cidr=dict(type="str"),
        remote_group=dict(type="str"),
        direction=dict(type="str", default="ingress", choices=["ingress", "egress"]),
        ethertype=dict(type="str", choices=["IPv4", "IPv6"]),
        description=dict(type="str"),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    )
    module_kwargs = dict(mutually_exclusive=[("cidr", "remote_group")])

    # --- input ----------------------------------------------------------------------------
    def wanted(self):
        """The rule's attributes (but the group IDs) from the options; fails on bad input."""
        p = self.params
        require_name(p["security_group"], "security_group")
        protocol = parse_protocol(p["protocol"])
        low, high = rule_ports(protocol, p["from_port"], p["to_port"])
        ethertype = p["ethertype"]
        prefix = None
        if p["remote_group"] is not None:
            require_name(p["remote_group"], "remote_group")
            ethertype = ethertype or "IPv4"
        else:
            given = p["cidr"]
            if given is None:
                given = "::/0" if ethertype == "IPv6" else "0.0.0.0/0"
            prefix, derived = remote_prefix(given)
            if ethertype and ethertype != derived:
                raise OpenStackError("ethertype %s does not match cidr %s, an %s network; leave ethertype out or "
                                     "change it" % (ethertype, prefix, derived))
            ethertype = derived
        return {
            "direction": p["direction"],
            "ethertype": ethertype,
            "protocol": wire_protocol(protocol, ethertype),
            "port_range_min": low,
            "port_range_max": high,
            "remote_ip_prefix": prefix,
            "remote_group_id": None,
        }

    def owner(self):
        """(project ID, project name) owning the group."""
        p = self.params
        if p["project"]:
            require_name(p["project"], "project")
            return self.project(p["project"], p["project_domain"], domain_parameter="project_domain")["id"], \
                p["project"]
        project_id = self.caller_project_id()
        if not project_id:
            raise OpenStackError("the credentials are not scoped to a project (a system-scoped token?): give "
                                 "project, the project owning the security group")
        return project_id, (self._auth or {}).get("project_name") or project_id

    def security_group(self, name, project_id, project_name, parameter):
        return self.by_name("security-groups", name, parameter, what="security group", project_id=project_id,
                            where=" in project %s" % project_name,
                            hint="; create the group first (openstack security group create %s)" % name)

    # --- reading ----------------------------------------------------------------------------
    def matching(self, group_id, key):
        rules = self.list("security-group-rules", security_group_id=group_id)
        return [r for r in rules if r.get("security_group_id") == group_id and rule_key(r) == key]

    def view(self, rule, group, project_name, remote):
        if not rule:
            return None
        shown = {
            "security_group": group["name"],
            "project": project_name,
            "description": rule.get("description") or None,
            "remote_group": remote["name"] if remote and rule.get("remote_group_id") == remote["id"] else None,
        }
        shown.update({k: rule.get(k) for k in RULE_ATTRS if k != "remote_group_id"})
        return shown

    # --- running ------------------------------------------------------------------------------
    def run(self):
        p = self.params
        desired = self.wanted()
        project_id, project_name = self.owner()
        group = self.security_group(p["security_group"], project_id, project_name, "security_group")
        remote = None
        if p["remote_group"] is not None:
            remote = group if p["remote_group"] == group["name"] else self.security_group(
                p["remote_group"], project_id, project_name, "remote_group")
            desired["remote_group_id"] = remote["id"]
        desired["security_group_id"] = group["id"]
        key = rule_key(desired)
        found = self.matching(group["id"], key)
        before = self.view(found[0], group, project_name, remote) if found else None

        if p["state"] == "absent":
            if found and not self.check_mode:
                for rule in found:
                    self.delete("security-group-rules", rule["id"], ok=(204, 404))
            return self.result(before, None, None)

        if found:
            return self.result(before, before, found[0])
        body = {k: v for k, v in desired.items() if v is not None}
        if p["description"]:
            body["description"] = p["description"]
        if self.check_mode:
            predicted = dict(desired, description=p["description"], id=None)
            return self.result(None, self.view(predicted, group, project_name, remote), predicted)
        response = self.request("POST", self.path("security-group-rules"), json={"security_group_rule": body},
                                ok=(201, 409))
        if response.status_code == 409:
            # Neutron says the rule exists: only a rule read back proves it is this one.
            found = self.matching(group["id"], key)
            if not found:
                raise OpenStackError("Neutron refused the rule as a duplicate (%s) but no such rule is in security "
                                     "group %s of project %s" % (self.reason(response), group["name"], project_name))
            view = self.view(found[0], group, project_name, remote)
            return self.result(view, view, found[0])
        created = response.json()["security_group_rule"]
        return self.result(None, self.view(created, group, project_name, remote), created)

    def result(self, before, after, rule):
        result = {"changed": before != after, "rule": with_id(after, rule)}
        if self.ansible._diff:
            result["diff"] = {"before": before or {}, "after": after or {}}
        return result


def main():
    SecgroupRuleModule()()


if __name__ == "__main__":
    main()
