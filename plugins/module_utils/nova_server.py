# -*- coding: utf-8 -*-
# Copyright: lab.openstack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What nova_server and nova_floating_ip need besides NovaModule: Glance and Neutron lookups.

``ServerModule`` is NovaModule (the microversion, pages, waits and errors of nova.py) with
the lookups of the names a task gives: images (Glance), flavors and keypairs (Nova),
networks, subnets, ports and security groups (Neutron), servers of the project. They fail,
before anything is written, when a name matches nothing or several things, listing what
exists. The pure functions at the bottom are unit-tested without any API.
"""

from __future__ import annotations

import base64
import ipaddress
from urllib.parse import quote, urlencode

from ansible_collections.lab.openstack.plugins.module_utils import nova
from ansible_collections.lab.openstack.plugins.module_utils.openstack import OpenStackError

# Nova's schema: user_data is base64, at most 65535 characters once encoded.
USER_DATA_MAX = 65535
# Nova's metadata: keys and values 1-255 and 0-255 characters, 128 items (the default quota).
METADATA_MAX_ITEMS = 128
METADATA_MAX_LENGTH = 255
NAME_MAX_LENGTH = 255
# How many names a failure message lists.
LISTED = 25
# Servers that are going away: not the server a task manages any more.
GOING = ("DELETED", "SOFT_DELETED")

TASK_STATE = "OS-EXT-STS:task_state"
HOST = "OS-EXT-SRV-ATTR:host"
USER_DATA = "OS-EXT-SRV-ATTR:user_data"
AVAILABILITY_ZONE = "OS-EXT-AZ:availability_zone"
EXTERNAL = "router:external"


class ServerModule(nova.NovaModule):
    """NovaModule with name lookups for Nova, Neutron and Glance (cached per run)."""

    # --- requests ---------------------------------------------------------------------------
    def network_list(self, collection, **filters):
        path = "v2.0/%s" % collection
        if filters:
            path += "?" + urlencode(filters)
        return self.get(path, service_type="network")[collection.replace("-", "_")]

    @property
    def project_id(self):
        if "project_id" not in self._cache:
            self._cache["project_id"] = self.session.get_project_id()
        return self._cache["project_id"]

    # --- images -------------------------------------------------------------------------------
    def glance_images(self, **filters):
        path = "v2/images" + ("?" + urlencode(filters) if filters else "")
        found = []
        while path:
            page = self.get(path, service_type="image")
            found.extend(page.get("images", []))
            following = page.get("next")
            path = following.lstrip("/") if following else None
        return found

    def image(self, name, parameter="image"):
        """The active image called name: the project's own, else the only one it sees."""
        matches = self.glance_images(name=name)
        if not matches:
            raise OpenStackError("%s %r not found; the images the project sees: %s; upload it first "
                                 "(lab.openstack.glance_image)" % (parameter, name, listing(self.glance_images())))
        own = [i for i in matches if i.get("owner") == self.project_id]
        chosen = own or matches
        if len(chosen) > 1:
            raise OpenStackError("%s: %d images are named %r (%s); give a unique name" % (
                parameter, len(chosen), name, ", ".join(
                    "%s owned by %s, %s" % (i["id"], i.get("owner"), i.get("visibility")) for i in chosen)))
        if chosen[0].get("status") != "active":
            raise OpenStackError("%s %r (%s) is %s, not active: it cannot boot a server" % (
                parameter, name, chosen[0]["id"], chosen[0].get("status")))
        self._cache[("image", chosen[0]["id"])] = chosen[0]["name"]
        return chosen[0]

    def image_name(self, image_id):
        """The name of an image by ID (its ID when it is gone or not visible)."""
        if not image_id:
            return None
        key = ("image", image_id)
        if key not in self._cache:
            response = self.request("GET", "v2/images/%s" % quote(image_id, safe=""), ok=(200, 403, 404),
                                    service_type="image")
            self._cache[key] = response.json().get("name") if response.status_code == 200 else image_id
        return self._cache[key]

    # --- flavors and keypairs -----------------------------------------------------------------
    def flavor(self, name_or_id, parameter="flavor"):
        flavors = self.flavors()
        by_id = [f for f in flavors if f["id"] == name_or_id]
        if by_id:
            return by_id[0]
        named = [f for f in flavors if f["name"] == name_or_id]
        if not named:
            raise OpenStackError("%s %r not found (by name or ID); the flavors: %s" % (
                parameter, name_or_id, listing(flavors)))
        if len(named) > 1:
            raise OpenStackError("%s: %d flavors are named %r (IDs %s); give the ID" % (
                parameter, len(named), name_or_id, ", ".join(f["id"] for f in named)))
        return named[0]

    def keypair(self, name, parameter="key_name"):
        found = self.keypair_named(name)
        if found is not None:
            return found
        pairs = [k["keypair"] for k in self.listing("os-keypairs", "keypairs")]
        raise OpenStackError("%s %r not found among the keypairs of the user: %s; create it first" % (
            parameter, name, listing(pairs)))

    # --- networks -------------------------------------------------------------------------------
    def networks(self):
        if "networks" not in self._cache:
            self._cache["networks"] = self.network_list("networks")
        return self._cache["networks"]

    def network_by_id(self, network_id):
        return next((n for n in self.networks() if n["id"] == network_id), None)

    def network_label(self, network_id):
        found = self.network_by_id(network_id)
        return found["name"] if found and found.get("name") else network_id

    def network(self, name, parameter="networks"):
        """The network called name: the project's own, else the only shared or external one."""
        named = [n for n in self.networks() if n.get("name") == name]
        if not named:
            raise OpenStackError("%s: network %r not found; the networks the project sees: %s" % (
                parameter, name, listing(self.networks())))
        own = [n for n in named if n.get("project_id") == self.project_id]
        chosen = own or [n for n in named if n.get("shared") or n.get(EXTERNAL)] or named
        if len(chosen) > 1:
            raise OpenStackError("%s: %d networks are named %r (%s); give them distinct names" % (
                parameter, len(chosen), name, ", ".join(
                    "%s of project %s" % (n["id"], n.get("project_id")) for n in chosen)))
        return chosen[0]

    def bootable_networks(self):
        """The networks a server of the project boots on when none is named (Nova's choice)."""
        return [n for n in self.networks()
                if (n.get("project_id") == self.project_id or n.get("shared")) and not n.get(EXTERNAL)]

    def subnets(self, network_id):
        key = ("subnets", network_id)
        if key not in self._cache:
            self._cache[key] = self.network_list("subnets", network_id=network_id)
        return self._cache[key]

    def security_groups(self, names, parameter="security_groups"):
        """Check that each name is one security group of the project; their names."""
        groups = self.network_list("security-groups", project_id=self.project_id)
        for name in names:
            found = [g for g in groups if g.get("name") == name]
            if not found:
                raise OpenStackError("%s: %r not found in the project; its security groups: %s" % (
                    parameter, name, listing(groups)))
            if len(found) > 1:
                raise OpenStackError("%s: %d security groups are named %r (%s); Nova cannot choose" % (
                    parameter, len(found), name, ", ".join(g["id"] for g in found)))
        return names

    # --- servers ----------------------------------------------------------------------------------
    def servers_named(self, name):
        """The servers of the caller's project called name, going ones included (every server is
        listed: Nova's name filter is a regular expression, the exact match is made here)."""
        return [s for s in self.listing("servers/detail", "servers") if s.get("name") == name]

    def one_server(self, name, parameter="server", include_going=False):
        """The server called name in the caller's project, or None; fails when several are."""
        found = self.servers_named(name)
        if not include_going:
            found = [s for s in found if not going(s)]
        if len(found) > 1:
            raise OpenStackError("%s: %d servers are named %r in the project (%s); delete the extra ones" % (
                parameter, len(found), name, ", ".join("%s %s" % (s["id"], s.get("status")) for s in found)))
        return found[0] if found else None

    def server_ports(self, server_id):
        return self.network_list("ports", device_id=server_id)


# --- pure functions -------------------------------------------------------------------------------

def listing(items, key="name", limit=LISTED):
    """The sorted distinct names of items, for a failure message."""
    names = sorted({str(i.get(key) or i.get("id")) for i in items})
    if not names:
        return "none"
    shown = ", ".join(names[:limit])
    if len(names) > limit:
        shown += ", ... (%d more)" % (len(names) - limit)
    return shown


def going(server):
    return server.get("status") in GOING or server.get(TASK_STATE) == "deleting"


def split_availability_zone(value):
    """Nova's ZONE, ZONE:HOST or ZONE:HOST:NODE as (zone, host); either may be empty."""
    parts = (value or "").split(":")
    return parts[0], parts[1] if len(parts) > 1 else ""


def encode_user_data(text, parameter="user_data"):
    """user_data as Nova takes it (base64 of the UTF-8 text); fails when Nova would refuse it."""
    if text is None:
        return None
    encoded = base64.b64encode(text.encode("utf-8")).decode("ascii")
    if len(encoded) > USER_DATA_MAX:
        raise OpenStackError("%s is %d bytes, %d once base64-encoded: Nova accepts at most %d (about 48 KiB of "
                             "text); compress it (cloud-init reads gzip) or fetch the rest from the instance"
                             % (parameter, len(text.encode("utf-8")), len(encoded), USER_DATA_MAX))
    return encoded


def metadata_strings(metadata, parameter="metadata"):
    """Metadata as Nova stores it (strings); fails on what Nova would refuse."""
    if metadata is None:
        return None
    if len(metadata) > METADATA_MAX_ITEMS:
        raise OpenStackError("%s has %d items; Nova's default quota is %d" % (
            parameter, len(metadata), METADATA_MAX_ITEMS))
    result = {}
    for given, value in metadata.items():
        key = str(given)
        if not key or len(key) > METADATA_MAX_LENGTH:
            raise OpenStackError("%s: key %r must be 1 to %d characters" % (parameter, key, METADATA_MAX_LENGTH))
        if value is None:
            raise OpenStackError("%s: %s has no value; Nova's metadata values are strings" % (parameter, key))
        text = str(value).lower() if isinstance(value, bool) else str(value)
        if len(text) > METADATA_MAX_LENGTH:
            raise OpenStackError("%s: the value of %s is %d characters, more than %d" % (
                parameter, key, len(text), METADATA_MAX_LENGTH))
        result[key] = text
    return result


def parse_networks(entries, parameter="networks"):
    """[(name, fixed_ip or None)] of the networks option (names, or dicts with name and fixed_ip)."""
    if entries is None:
        return None
    parsed = []
    for index, entry in enumerate(entries):
        where = "%s[%d]" % (parameter, index)
        if isinstance(entry, str):
            name, fixed_ip = entry, None
        elif isinstance(entry, dict):
            unknown = sorted(set(entry) - {"name", "fixed_ip"})
            if unknown:
                raise OpenStackError("%s: unknown keys %s (name and fixed_ip are known)" % (where, ", ".join(unknown)))
            name, fixed_ip = entry.get("name"), entry.get("fixed_ip")
        else:
            raise OpenStackError("%s must be a network name or a dict with name (and fixed_ip), not %r" % (
                where, entry))
        if not isinstance(name, str) or not name.strip():
            raise OpenStackError("%s: the network name must not be empty" % where)
        if fixed_ip is not None:
            try:
                fixed_ip = str(ipaddress.ip_address(str(fixed_ip).strip()))
            except ValueError as exc:
                raise OpenStackError("%s: fixed_ip %r is not an IP address" % (where, fixed_ip)) from exc
        parsed.append((name, fixed_ip))
    ips = [ip for _name, ip in parsed if ip]
    twice = sorted({ip for ip in ips if ips.count(ip) > 1})
    if twice:
        raise OpenStackError("%s: fixed_ip %s is given twice" % (parameter, ", ".join(twice)))
    return parsed


def port_ips(port):
    return [f["ip_address"] for f in port.get("fixed_ips") or []]


def networks_match(ports, desired):
    """True when the server's ports are the desired [(network_id, fixed_ip or None)],
    one port each, in any order."""
    remaining = list(ports)
    # The entries with a fixed IP first: an entry without one must not take their port.
    for network_id, fixed_ip in sorted(desired, key=lambda d: d[1] is None):
        match = next((p for p in remaining if p["network_id"] == network_id
                      and (fixed_ip is None or fixed_ip in port_ips(p))), None)
        if match is None:
            return False
        remaining.remove(match)
    return not remaining


def addresses_of(server):
    """{network name: [addresses]} of a server as Nova shows it (fixed then floating)."""
    return {net: [a.get("addr") for a in entries] for net, entries in sorted((server.get("addresses") or {}).items())}


def floating_addresses(server):
    """The floating addresses Nova shows for a server."""
    return sorted(a.get("addr") for entries in (server.get("addresses") or {}).values() for a in entries
                  if a.get("OS-EXT-IPS:type") == "floating")


def security_group_names(server):
    return sorted({g.get("name") for g in server.get("security_groups") or [] if g.get("name")})


def fault_message(server):
    fault = server.get("fault") or {}
    message = (fault.get("message") or "").strip()
    return message or "no fault recorded"


def in_subnets(address, subnets):
    """The subnet (of subnets) whose CIDR holds address, or None."""
    ip = ipaddress.ip_address(address)
    for subnet in subnets:
        try:
            if ip in ipaddress.ip_network(subnet["cidr"], strict=False):
                return subnet
        except (KeyError, ValueError):
            continue
    return None
