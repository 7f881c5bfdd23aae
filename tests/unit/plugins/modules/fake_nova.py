# -*- coding: utf-8 -*-
# Copyright: lab.openstack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""An in-memory Nova (compute v2.1) with the Neutron and Cinder it works with, behind one fake session.

Requests are routed by the service type of their endpoint filter: ``compute`` to a small Nova
(flavors and their ``os-extra_specs``, keypairs per user, servers with their metadata,
security-group actions and ``os-volume_attachments``, compute services), ``network`` to a small
Neutron (networks, subnets, ports, security groups, floating IPs, routers, agents), ``volumev3`` to a small
Cinder (volumes and volume types). Images stay with FakeGlance, identity with FakeKeystone.
The APIs really store what they are told; ``nova_calls``, ``network_calls`` and
``cinder_calls`` record the requests, ``answers[(method, path)]`` replaces an answer.

Microversions: every compute request must carry both of Nova's headers with one version,
every volume request Cinder's, and no network request either; ``microversions`` records
them. The APIs behave by them where the modules depend on it: a server's flavor is embedded
(with ``original_name``) from 2.47, a flavor's description needs 2.55, its extra specs are in
its view from 2.61, its swap is 0 rather than "" from 2.75, keypairs answer 201/204 from 2.2;
an ``in-use`` volume is extended only with volume 3.42.

The caller is the user and project of the module's credentials (``install_session``): the
user owns the keypairs it creates, and the project sees its own servers and volumes. AUTH's
project (admin) has the ID CALLER_PROJECT, another project ``prj-<name>`` (project_id_of).

Time passes with reads. A server boots in BUILD and, after ``build_polls`` GETs of it, is
ACTIVE, or ERROR with a fault when ``build_fault`` is set. Booting creates one Neutron port per
network (device_id = the server's ID, fixed IPs allocated from the network's subnet, or the one
asked). A deleted server is gone after ``delete_polls`` GETs, and its ports with it, which
disassociates their floating IPs. Nova shows a floating IP in the server's ``addresses`` only
``cache_lag`` GETs after Neutron associated it, as its network info cache does (None: never).
Associating a floating IP needs a router with its gateway on the floating IP's network and an
interface on the port's subnet; without one, Neutron's ExternalGatewayForFloatingIPNotFound is
the answer. A volume write puts the volume in a transient status (creating, attaching,
extending, detaching, deleting) and the volume reaches its next status after ``settle_polls``
reads of it; ``create_outcome``, ``attach_outcome``, ``extend_outcome`` and ``delete_outcome``
choose that status, to play Cinder's and Nova's failures. Listings answer pages of
``page_size`` items with a next link when it is set.

Compute hosts: ``compute_service`` adds a host's nova-compute service (its ``state``, up or down,
is what the test says, as Nova's servicegroup would report it) and ``agent`` a Neutron agent
of a host (``alive`` likewise). Deleting a compute service that still hosts servers is refused
with Nova's 409. An admin lists every project's servers with ``all_tenants`` and filters them
by ``host``; Nova ignores the ``host`` filter of anyone else and refuses their ``all_tenants``.
"""

from __future__ import annotations

import base64
import binascii
import copy
import hashlib
import ipaddress
import itertools
import math
import re
import string
import struct
from urllib.parse import parse_qsl, unquote

from ansible_collections.lab.openstack.plugins.module_utils import openstack
from ansible_collections.lab.openstack.tests.unit.plugins.modules.fake_glance import CALLER_PROJECT, FakeGlance
from ansible_collections.lab.openstack.tests.unit.plugins.modules.fake_keystone import AUTH, Call, FakeResponse

NOVA_URL = "http://192.168.1.250:8774/v2.1"
CINDER_URL = "http://192.168.1.250:8776/v3/" + CALLER_PROJECT
OTHER_PROJECT = "prj-other"
HOST = "compute1"
ADMIN_ONLY = ("OS-EXT-SRV-ATTR:host", "OS-EXT-SRV-ATTR:hypervisor_hostname", "OS-EXT-SRV-ATTR:instance_name",
              "OS-EXT-SRV-ATTR:user_data")
NEUTRON_FILTERS = {
    "networks": {"name", "id", "router:external", "shared", "project_id"},
    "subnets": {"network_id", "id"},
    "ports": {"device_id", "network_id", "id"},
    "security-groups": {"project_id", "name"},
    "floatingips": {"port_id", "floating_network_id", "project_id", "floating_ip_address", "id"},
    "routers": set(),
    "agents": {"host", "binary", "agent_type", "id"},
}
NOVA_ERRORS = {400: "badRequest", 403: "forbidden", 404: "itemNotFound", 409: "conflictingRequest"}
DELETABLE = ("available", "error", "error_restoring", "error_extending", "error_managing")
KEYPAIR_SAFE = set("_- " + string.digits + string.ascii_letters)
CREATED = "2026-11-25T00:00:00Z"


def nova_error(code, message):
    """An error in Nova's (and Cinder's) format."""
    return FakeResponse(code, {NOVA_ERRORS.get(code, "computeFault"): {"code": code, "message": message}})


def neutron_error(code, kind, message):
    return FakeResponse(code, {"NeutronError": {"type": kind, "message": message, "detail": ""}})


def version(text):
    return tuple(int(part) for part in text.split("."))


def md5_fingerprint(blob):
    digest = hashlib.md5(base64.b64decode(blob)).hexdigest()
    return ":".join(digest[i:i + 2] for i in range(0, len(digest), 2))


def ed25519_key(comment):
    """A well-formed ssh-ed25519 public key line (its key bytes derived from comment)."""
    fields = (b"ssh-ed25519", hashlib.sha256(comment.encode()).digest())
    blob = b"".join(struct.pack(">I", len(f)) + f for f in fields)
    return "ssh-ed25519 %s %s" % (base64.b64encode(blob).decode(), comment)


def ips_of(port):
    return [f["ip_address"] for f in port["fixed_ips"]]


def project_id_of(name):
    """The ID of the project called name: CALLER_PROJECT for AUTH's."""
    return CALLER_PROJECT if name == AUTH["project_name"] else "prj-%s" % name


class FakeNova(FakeGlance):
    """FakeGlance plus Nova, Neutron and Cinder; each collection is a list of dicts."""

    def __init__(self):
        super().__init__()
        self.flavors = []
        self.extra_specs = {}  # flavor ID -> {key: value}
        self.keypairs = {}  # user name -> {keypair name: keypair}
        self.servers = []
        self.networks = []
        self.subnets = []
        self.ports = []
        self.security_groups = []
        self.floatingips = []
        self.routers = []
        self.volumes = []
        self.volume_types = [{"id": "vt-0000", "name": "__DEFAULT__", "is_public": True, "description": None}]
        self.services = []  # Nova's compute services (os-services)
        self.agents = []  # Neutron's agents
        self.nova_calls = []
        self.network_calls = []
        self.cinder_calls = []
        self.microversions = []  # (service, version) of each compute and volume request
        self.user_name = AUTH["username"]
        self.project_name = AUTH["project_name"]
        self.admin = True  # shows admin-only server fields and private flavors
        self.page_size = None
        self.build_polls = 1
        self.build_fault = None
        self.delete_polls = 1
        self.cache_lag = 1
        self.settle_polls = 1
        self.create_outcome = "available"
        self.attach_outcome = "in-use"
        self.extend_outcome = None  # None: the status the volume had
        self.delete_outcome = None  # None: the volume goes away
        self._nova_ids = itertools.count(1)
        self.security_group("default")
        self.security_group("default", project_id=OTHER_PROJECT)

    def _id(self, prefix):
        return "%s-%04d" % (prefix, next(self._nova_ids))

    # --- building the state: Nova --------------------------------------------------------------
    def flavor(self, name, ram=512, vcpus=1, disk=1, *, flavor_id=None, public=True, extra_specs=None, **attrs):
        item = {"id": flavor_id or self._id("flv"), "name": name, "ram": ram, "vcpus": vcpus, "disk": disk,
                "OS-FLV-EXT-DATA:ephemeral": 0, "swap": 0, "os-flavor-access:is_public": public,
                "description": None, "rxtx_factor": 1.0, "OS-FLV-DISABLED:disabled": False}
        item.update(attrs)
        self.flavors.append(item)
        self.extra_specs[item["id"]] = dict(extra_specs or {})
        return item

    def keypair(self, name, public_key=None, user=AUTH["username"]):
        public_key = public_key or ed25519_key("lab@%s" % name)
        item = {"name": name, "public_key": public_key, "fingerprint": md5_fingerprint(public_key.split()[1]),
                "type": "ssh", "user_id": "usr-" + user, "id": next(self._nova_ids), "deleted": False,
                "created_at": "2026-11-25T00:00:00.000000", "updated_at": None, "deleted_at": None}
        self.keypairs.setdefault(user, {})[name] = item
        return item

    def server(self, name, image=None, flavor=None, networks=(), *, status="ACTIVE", project=None,
               project_id=None, **attrs):
        """A server already there (ACTIVE unless told) of project (a name) or project_id, the caller's
        by default. With an image and a flavor it is booted as Nova would, with a port on each of
        networks (a network, or (network, fixed_ip)); without, it is a bare server, as volume tests
        need. Either is on the host of availability_zone ZONE:HOST when given, on HOST otherwise."""
        project_id = project_id or (project_id_of(project) if project else self.project_id)
        if image is None:
            item = self._new_server({"name": name, "availability_zone": attrs.get("availability_zone")}, project_id,
                                    None, flavor, ["default"])
            self.servers.append(item)
        else:
            body = {"name": name, "imageRef": image["id"], "flavorRef": flavor["id"],
                    "networks": [{"uuid": n[0]["id"], "fixed_ip": n[1]} if isinstance(n, tuple)
                                 else {"uuid": n["id"]} for n in networks] or "none"}
            body.update({k: v for k, v in attrs.items() if k in ("key_name", "metadata", "availability_zone")})
            body["security_groups"] = [{"name": g} for g in attrs.get("security_groups", ["default"])]
            if "user_data" in attrs:
                body["user_data"] = base64.b64encode(attrs["user_data"].encode()).decode()
            answer = self._boot(body, project_id)
            if answer.status_code != 202:
                raise AssertionError(answer.text)
            item = self.find_server(answer.json()["server"]["id"])
        if status == "BUILD":
            return item
        if item["status"] == "BUILD":
            self._finish(item, error=attrs.get("fault", "No valid host was found. ") if status == "ERROR" else None)
        item["status"] = status
        return item

    def compute_service(self, host, status="enabled", state="up", *, zone="nova", disabled_reason=None,
                        binary="nova-compute"):
        """A service of host as os-services shows it from microversion 2.53 (its ID a UUID)."""
        item = {"id": "5e27c1d0-0000-4000-8000-%012d" % next(self._nova_ids), "binary": binary, "host": host,
                "zone": zone, "status": status, "state": state, "disabled_reason": disabled_reason,
                "updated_at": "2026-11-25T00:00:00.000000", "forced_down": False}
        self.services.append(item)
        return item

    # --- building the state: Neutron -----------------------------------------------------------
    def network(self, name, cidr=None, project_id=CALLER_PROJECT, shared=False, external=False, **attrs):
        item = {"id": self._id("net"), "name": name, "project_id": project_id, "tenant_id": project_id,
                "shared": shared, "router:external": external, "status": "ACTIVE", "admin_state_up": True,
                "subnets": []}
        item.update(attrs)
        self.networks.append(item)
        if cidr:
            self.subnet(item, cidr)
        return item

    def subnet(self, network, cidr, name=None):
        net = ipaddress.ip_network(cidr)
        hosts = list(itertools.islice(net.hosts(), 256))
        item = {"id": self._id("sub"), "name": name or "%s-subnet" % network["name"], "network_id": network["id"],
                "cidr": str(net), "ip_version": net.version, "gateway_ip": str(hosts[0]),
                "allocation_pools": [{"start": str(hosts[1]), "end": str(hosts[-1])}],
                "project_id": network["project_id"]}
        self.subnets.append(item)
        network["subnets"].append(item["id"])
        return item

    def security_group(self, name, project_id=CALLER_PROJECT):
        item = {"id": self._id("sg"), "name": name, "project_id": project_id, "tenant_id": project_id,
                "description": "", "security_group_rules": []}
        self.security_groups.append(item)
        return item

    def router(self, name, external=None, subnets=(), project_id=CALLER_PROJECT):
        """A router with its gateway on external and an interface on each of subnets."""
        item = {"id": self._id("rtr"), "name": name, "project_id": project_id, "status": "ACTIVE",
                "external_gateway_info": {"network_id": external["id"]} if external else None}
        self.routers.append(item)
        if external is not None:
            self.port(external, device_id=item["id"], device_owner="network:router_gateway", project_id="")
        used = {ip for p in self.ports for ip in ips_of(p)}
        for subnet in subnets:
            # The subnet's gateway address, or another one when a router already has it.
            self.port(self._network(subnet["network_id"]), device_id=item["id"],
                      device_owner="network:router_interface",
                      ip=subnet["gateway_ip"] if subnet["gateway_ip"] not in used else None)
        return item

    def agent(self, host, binary="neutron-linuxbridge-agent", agent_type="Linux bridge agent", alive=True):
        item = {"id": self._id("agt"), "host": host, "binary": binary, "agent_type": agent_type, "alive": alive,
                "admin_state_up": True, "topic": "N/A", "availability_zone": None,
                "heartbeat_timestamp": "2026-11-25 00:00:00", "configurations": {}}
        self.agents.append(item)
        return item

    def port(self, network, device_id="", device_owner="", ip=None, project_id=CALLER_PROJECT):
        allocated = self._allocate(network, ip)
        if isinstance(allocated, FakeResponse):
            raise AssertionError("cannot allocate %s on %s" % (ip, network["name"]))
        subnet, address = allocated
        item = {"id": self._id("prt"), "name": "", "network_id": network["id"], "device_id": device_id,
                "device_owner": device_owner, "fixed_ips": [{"subnet_id": subnet["id"], "ip_address": address}],
                "mac_address": "fa:16:3e:00:00:%02x" % (len(self.ports) % 256), "project_id": project_id,
                "status": "ACTIVE", "security_groups": []}
        self.ports.append(item)
        return item

    def floatingip(self, network, address=None, port=None, project_id=CALLER_PROJECT):
        allocated = self._allocate(network, address)
        if isinstance(allocated, FakeResponse):
            raise AssertionError("cannot allocate %s on %s" % (address, network["name"]))
        item = {"id": self._id("fip"), "floating_ip_address": allocated[1], "floating_network_id": network["id"],
                "port_id": None, "fixed_ip_address": None, "router_id": None, "project_id": project_id,
                "tenant_id": project_id, "status": "DOWN", "description": ""}
        self.floatingips.append(item)
        if port is not None:
            error = self._associate(item, port["id"], None)
            if error is not None:
                raise AssertionError(error.text)
            self._refresh(self._owner(port["id"]))
        return item

    # --- building the state: Cinder ------------------------------------------------------------
    def volume(self, name, size=1, status="available", project=None, **attrs):
        item = {"id": self._id("vol"), "name": name, "size": size, "status": status,
                "volume_type": "__DEFAULT__", "description": None, "bootable": "false",
                "availability_zone": "nova", "attachments": [], "multiattach": False, "metadata": {},
                "_project": project_id_of(project) if project else self.project_id}
        item.update(attrs)
        self.volumes.append(item)
        return item

    def attach(self, volume, server, device="/dev/vdb"):
        volume["attachments"].append(self._attachment(volume, server, device))
        volume["status"] = "in-use"

    def volume_type(self, name):
        item = {"id": self._id("vt"), "name": name, "is_public": True, "description": None}
        self.volume_types.append(item)
        return item

    def pending(self, volume, apply, polls=None):
        """volume reaches apply(volume)'s state after polls reads (settle_polls by default)."""
        volume["_pending"] = {"left": self.settle_polls if polls is None else polls, "apply": apply}

    # --- reading the state ---------------------------------------------------------------------
    def flavor_named(self, name):
        return next((f for f in self.flavors if f["name"] == name), None)

    def keypair_of(self, user, name):
        return self.keypairs.get(user, {}).get(name)

    def find_server(self, server_id):
        return next((s for s in self.servers if s["id"] == server_id), None)

    def named_servers(self, name):
        return [s for s in self.servers if s["name"] == name]

    def ports_of(self, server):
        return [p for p in self.ports if p["device_id"] == server["id"]]

    def fips_of(self, port):
        return [f for f in self.floatingips if f["port_id"] == port["id"]]

    def volume_named(self, name):
        return next((v for v in self.volumes if v["name"] == name), None)

    def services_of(self, host):
        return [s for s in self.services if s["host"] == host]

    def agents_of(self, host):
        return [a for a in self.agents if a["host"] == host]

    @property
    def nova_writes(self):
        return [c for c in self.nova_calls if c.method != "GET"]

    @property
    def network_writes(self):
        return [c for c in self.network_calls if c.method != "GET"]

    @property
    def cinder_writes(self):
        return [c for c in self.cinder_calls if c.method != "GET"]

    @property
    def all_writes(self):
        return self.writes + self.image_writes + self.nova_writes + self.network_writes + self.cinder_writes

    def state(self):
        """What Nova, Neutron and Cinder hold, to compare before and after a run."""
        return copy.deepcopy((self.flavors, self.extra_specs, self.keypairs, self.servers, self.networks,
                              self.subnets, self.ports, self.floatingips,
                              [{k: v for k, v in vol.items() if k != "_pending"} for vol in self.volumes],
                              self.services, self.agents))

    def _network(self, network_id):
        return next((n for n in self.networks if n["id"] == network_id), None)

    # --- the session ---------------------------------------------------------------------------
    def request(self, url, method, json=None, *, raise_exc=True, endpoint_filter=None, authenticated=None,
                **kwargs):
        service = (endpoint_filter or {}).get("service_type")
        calls = {"compute": self.nova_calls, "network": self.network_calls, "volumev3": self.cinder_calls}.get(service)
        if calls is None:
            return super().request(url, method, json=json, raise_exc=raise_exc, endpoint_filter=endpoint_filter,
                                   authenticated=authenticated, **kwargs)
        if raise_exc is not False:
            self.unexpected.append(("raise_exc is not False", method, url))
        calls.append(Call(method, url, copy.deepcopy(json)))
        if self.fail_with is not None:
            raise self.fail_with
        headers = kwargs.get("headers") or {}
        mv = self._microversion(service, headers)
        if (method, url) in self.answers:
            return self.answers[(method, url)]
        path, _sep, query = url.partition("?")
        parts = [unquote(p) for p in path.split("/")]
        query = dict(parse_qsl(query, keep_blank_values=True))
        if service == "compute":
            return self._nova(method, url, parts, query, json, mv)
        if service == "volumev3":
            return self._cinder(method, url, parts, query, json, mv)
        return self._neutron(method, url, parts, query, json)

    def _microversion(self, service, headers):
        """The version a request asks for, by the headers its service reads; unexpected when they are wrong."""
        pinned = headers.get("OpenStack-API-Version", "")
        legacy = headers.get("X-OpenStack-Nova-API-Version")
        if service == "compute":
            if not pinned.startswith("compute ") or legacy != pinned[len("compute "):]:
                self.unexpected.append(("compute microversion headers", headers))
                return (2, 1)
            self.microversions.append(("compute", legacy))
            return version(legacy)
        if service == "volumev3":
            if not pinned.startswith("volume ") or legacy is not None:
                self.unexpected.append(("volume microversion header", headers))
                return (3, 0)
            self.microversions.append(("volume", pinned[len("volume "):]))
            return version(pinned[len("volume "):])
        if pinned or legacy:
            self.unexpected.append(("microversion header on a %s request" % service, headers))
        return None

    def _unknown(self, method, url):
        self.unexpected.append((method, url))
        return nova_error(404, "The resource could not be found.")

    def _paged(self, items, key, query, base, marker_of=lambda item: item["id"]):
        """items from the marker on, page_size of them with a next link when there are more."""
        marker = query.get("marker")
        if marker is not None:
            markers = [marker_of(i) for i in items]
            if marker not in markers:
                return nova_error(400, "marker [%s] not found" % marker)
            items = items[markers.index(marker) + 1:]
        body = {key: items}
        if self.page_size and len(items) > self.page_size:
            body[key] = items[:self.page_size]
            body[key + "_links"] = [{"rel": "next", "href": "%s?limit=%s&marker=%s" % (
                base, self.page_size, marker_of(items[self.page_size - 1]))}]
        return FakeResponse(200, copy.deepcopy(body))

    # --- Nova ----------------------------------------------------------------------------------
    def _nova(self, method, url, parts, query, body, mv):  # noqa: PLR0917 - the request, parsed
        if parts[0] == "flavors":
            return self._flavors(method, url, parts, query, body, mv)
        if parts[0] == "os-keypairs":
            return self._keypairs(method, url, parts, query, body, mv)
        if parts[0] == "servers":
            return self._servers(method, url, parts, query, body, mv)
        if parts[0] == "os-services":
            return self._services(method, url, parts, query, body, mv)
        return self._unknown(method, url)

    def flavor_view(self, flavor, mv):
        view = copy.deepcopy(flavor)
        if mv < (2, 75) and not view["swap"]:
            view["swap"] = ""
        if mv < (2, 55):
            view.pop("description")
        if mv >= (2, 61):
            view["extra_specs"] = dict(self.extra_specs[flavor["id"]])
        view["links"] = [{"rel": "self", "href": "%s/flavors/%s" % (NOVA_URL, flavor["id"])}]
        return view

    def _flavors(self, method, url, parts, query, body, mv):  # noqa: PLR0911, PLR0912, PLR0917 - the flavor API
        if len(parts) == 2 and parts[1] == "detail" and method == "GET":
            if query.get("is_public") != "None" or set(query) - {"is_public", "marker", "limit"}:
                self.unexpected.append(("flavor listing query", query))
            public_only = query.get("is_public") != "None" or not self.admin
            return self._paged([self.flavor_view(f, mv) for f in self.flavors
                                if f["os-flavor-access:is_public"] or not public_only], "flavors", query,
                               NOVA_URL + "/flavors/detail")
        if len(parts) == 1 and method == "POST":
            return self._flavor_create((body or {}).get("flavor") or {}, mv)
        flavor = next((f for f in self.flavors if f["id"] == parts[1]), None) if len(parts) > 1 else None
        if flavor is None:
            return nova_error(404, "Flavor %s could not be found." % (parts[1] if len(parts) > 1 else "?"))
        specs = self.extra_specs[flavor["id"]]
        if len(parts) == 2 and method == "GET":
            return FakeResponse(200, {"flavor": self.flavor_view(flavor, mv)})
        if len(parts) == 2 and method == "PUT":
            attrs = (body or {}).get("flavor") or {}
            if mv < (2, 55) or set(attrs) != {"description"}:
                return nova_error(400, "Invalid input for field/attribute flavor.")
            flavor["description"] = attrs["description"]
            return FakeResponse(200, {"flavor": self.flavor_view(flavor, mv)})
        if len(parts) == 2 and method == "DELETE":
            self.flavors.remove(flavor)
            del self.extra_specs[flavor["id"]]
            return FakeResponse(202)
        if len(parts) == 3 and parts[2] == "os-extra_specs" and method == "GET":
            return FakeResponse(200, {"extra_specs": dict(specs)})
        if len(parts) == 3 and parts[2] == "os-extra_specs" and method == "POST":
            new = (body or {}).get("extra_specs")
            if not isinstance(new, dict) or not all(isinstance(v, str) for v in new.values()):
                return nova_error(400, "Invalid input for field/attribute extra_specs.")
            if "bad:key" in new:
                return nova_error(400, "Validation failed; extra spec bad:key is not registered")
            specs.update(new)
            return FakeResponse(200, {"extra_specs": dict(new)})
        if len(parts) == 4 and parts[2] == "os-extra_specs" and method == "DELETE":
            if parts[3] not in specs:
                return nova_error(404, "Flavor %s has no extra specs with key %s." % (flavor["id"], parts[3]))
            del specs[parts[3]]
            return FakeResponse(200)
        return self._unknown(method, url)

    def _flavor_create(self, attrs, mv):
        if "description" in attrs and mv < (2, 55):
            return nova_error(400, "Additional properties are not allowed ('description' was unexpected)")
        for key, least in (("ram", 1), ("vcpus", 1), ("disk", 0), ("OS-FLV-EXT-DATA:ephemeral", 0), ("swap", 0)):
            if not isinstance(attrs.get(key, 0), int) or attrs.get(key, least) < least:
                return nova_error(400, "Invalid input for field/attribute %s." % key)
        if not attrs.get("name") or any(k not in attrs for k in ("ram", "vcpus", "disk")):
            return nova_error(400, "Invalid input for field/attribute flavor.")
        if self.flavor_named(attrs["name"]):
            return nova_error(409, "Flavor with name %s already exists." % attrs["name"])
        flavor_id = attrs.get("id") or self._id("flv-uuid")
        if any(f["id"] == flavor_id for f in self.flavors):
            return nova_error(409, "Flavor with ID %s already exists." % flavor_id)
        extra = {k: attrs[k] for k in ("OS-FLV-EXT-DATA:ephemeral", "swap", "os-flavor-access:is_public",
                                       "description") if k in attrs}
        flavor = self.flavor(attrs["name"], attrs["ram"], attrs["vcpus"], attrs["disk"], flavor_id=flavor_id, **extra)
        return FakeResponse(200, {"flavor": self.flavor_view(flavor, mv)})

    def _keypairs(self, method, url, parts, query, body, mv):  # noqa: PLR0911, PLR0917 - one answer per route
        mine = self.keypairs.setdefault(self.user_name, {})
        if len(parts) == 1 and method == "GET":
            if set(query) - {"marker", "limit"}:
                self.unexpected.append(("keypair listing query", query))
            items = [{"keypair": copy.deepcopy(mine[name])} for name in sorted(mine)]
            return self._paged(items, "keypairs", query, NOVA_URL + "/os-keypairs",
                               marker_of=lambda item: item["keypair"]["name"])
        if len(parts) == 1 and method == "POST":
            return self._keypair_create((body or {}).get("keypair") or {}, mine, mv)
        if len(parts) != 2 or query:
            return self._unknown(method, url)
        keypair = mine.get(parts[1])
        if keypair is None:
            return nova_error(404, "Keypair %s not found for user usr-%s" % (parts[1], self.user_name))
        if method == "GET":
            return FakeResponse(200, {"keypair": copy.deepcopy(keypair)})
        if method == "DELETE":
            del mine[parts[1]]
            return FakeResponse(204 if mv >= (2, 2) else 202)
        return self._unknown(method, url)

    def _keypair_create(self, attrs, mine, mv):
        name = attrs.get("name") or ""
        if not 1 <= len(name) <= 255 or set(name) - KEYPAIR_SAFE:
            return nova_error(400, "Keypair data is invalid: Keypair name contains unsafe characters")
        if not attrs.get("public_key"):
            return nova_error(400, "keypair generation is not exercised by these tests")
        fields = attrs["public_key"].split(" ")  # Nova splits on one space
        try:
            if len(fields) < 2 or not fields[0].startswith(("ssh-", "ecdsa-")):
                raise ValueError(fields[0])
            fingerprint = md5_fingerprint(fields[1])
        except (ValueError, binascii.Error):
            return nova_error(400, "Keypair data is invalid: failed to generate fingerprint")
        if name in mine:
            return nova_error(409, "Key pair '%s' already exists." % name)
        keypair = self.keypair(name, attrs["public_key"], self.user_name)
        keypair["fingerprint"] = fingerprint
        view = {k: keypair[k] for k in ("name", "public_key", "fingerprint", "user_id")}
        if mv >= (2, 2):
            view["type"] = attrs.get("type", "ssh")
        return FakeResponse(201 if mv >= (2, 2) else 200, {"keypair": view})

    def _servers(self, method, url, parts, query, body, mv):  # noqa: PLR0911, PLR0912, PLR0917 - one answer per route
        if parts == ["servers", "detail"] and method == "GET":
            if set(query) - {"name", "marker", "limit", "all_tenants", "host"}:
                self.unexpected.append(("server listing query", query))
            if "all_tenants" in query and not self.admin:
                return nova_error(403, "Policy doesn't allow os_compute_api:servers:detail:get_all_tenants to be "
                                       "performed.")
            everyone = query.get("all_tenants", "0").lower() not in ("0", "false", "off", "no")
            host = query.get("host") if self.admin else None  # an admin-only filter, ignored for others
            pattern = re.compile(query.get("name", ""))
            mine = [self._server_view(s, mv) for s in self.servers
                    if (everyone or s["tenant_id"] == self.project_id) and pattern.search(s["name"])
                    and (host is None or s["OS-EXT-SRV-ATTR:host"] == host)]
            return self._paged(mine, "servers", query, NOVA_URL + "/servers/detail")
        if parts == ["servers"] and method == "POST" and not query:
            return self._boot((body or {}).get("server") or {}, self.project_id)
        if query:
            return self._unknown(method, url)
        server = self.find_server(parts[1]) if len(parts) > 1 else None
        if server is None or server["tenant_id"] != self.project_id:
            return nova_error(404, "Instance %s could not be found." % (parts[1] if len(parts) > 1 else "?"))
        if len(parts) == 2 and method == "GET":
            server = self._advance(server)
            if server is None:
                return nova_error(404, "Instance %s could not be found." % parts[1])
            return FakeResponse(200, {"server": self._server_view(server, mv)})
        if len(parts) == 2 and method == "DELETE":
            if server["_deleting"] is None:
                server["OS-EXT-STS:task_state"] = "deleting"
                server["_deleting"] = math.inf if self.delete_polls is None else self.delete_polls
                if server["_deleting"] <= 0:
                    self._remove(server)
            return FakeResponse(204)
        if parts[2:] == ["metadata"] and method == "POST":
            return self._metadata(server, body)
        if parts[2:] == ["action"] and method == "POST":
            return self._action(server, body or {})
        if parts[2:3] == ["os-volume_attachments"]:
            return self._attachments(method, url, server, parts, body)
        return self._unknown(method, url)

    def _boot(self, attrs, project_id):  # noqa: PLR0911, PLR0912 - Nova's checks, one by one
        for key in ("name", "imageRef", "flavorRef", "networks"):
            if not attrs.get(key):
                return nova_error(400, "Invalid input for field/attribute server. '%s' is a required property" % key)
        image = next((i for i in self.images if i["id"] == attrs["imageRef"]), None)
        if image is None or image["status"] != "active":
            return nova_error(400, "Image %s could not be found." % attrs["imageRef"])
        flavor = next((f for f in self.flavors if f["id"] == attrs["flavorRef"]), None)
        if flavor is None:
            return nova_error(400, "Flavor %s could not be found." % attrs["flavorRef"])
        if attrs.get("key_name") and self.keypair_of(self.user_name, attrs["key_name"]) is None:
            return nova_error(400, "Invalid key_name provided.")
        groups = [g["name"] for g in attrs.get("security_groups") or [{"name": "default"}]]
        for name in groups:
            if not any(g["name"] == name and g["project_id"] == project_id for g in self.security_groups):
                return nova_error(400, "Unable to find security_group with name or id '%s'." % name)
        user_data = attrs.get("user_data")
        if user_data is not None:
            if len(user_data) > 65535:
                return nova_error(400, "Invalid input for field/attribute user_data. Value too long")
            base64.b64decode(user_data, validate=True)
        if any(not isinstance(v, str) for v in (attrs.get("metadata") or {}).values()):
            return nova_error(400, "Invalid input for field/attribute metadata.")
        requested = [] if attrs["networks"] == "none" else attrs["networks"]
        if not isinstance(requested, list):
            return nova_error(400, "networks %r is not supported here" % attrs["networks"])
        for entry in requested:
            network = self._network(entry.get("uuid"))
            if network is None:
                return nova_error(400, "Network %s could not be found." % entry.get("uuid"))
            fixed_ip = entry.get("fixed_ip")
            if fixed_ip and any(fixed_ip in ips_of(p) for p in self.ports if p["network_id"] == network["id"]):
                return nova_error(409, "Fixed IP address %s is already in use on instance" % fixed_ip)
        server = self._new_server(attrs, project_id, image, flavor, groups)
        self.servers.append(server)
        for entry in requested:
            port = self.port(self._network(entry["uuid"]), device_id=server["id"], device_owner="compute:nova",
                             ip=entry.get("fixed_ip"), project_id=project_id)
            port["security_groups"] = list(groups)
        if server["_build"] <= 0:
            self._finish(server, error=self.build_fault)
        return FakeResponse(202, {"server": {"id": server["id"], "links": [], "OS-DCF:diskConfig": "MANUAL",
                                             "security_groups": [{"name": g} for g in groups],
                                             "adminPass": "Fake-Admin-Pass"}})

    def _new_server(self, attrs, project_id, image, flavor, groups):
        """A server in BUILD as Nova records it (without an image: booted from a volume)."""
        embedded = {"original_name": flavor["name"] if flavor else "m1.tiny", "vcpus": flavor["vcpus"] if flavor
                    else 1, "ram": flavor["ram"] if flavor else 512, "disk": flavor["disk"] if flavor else 1,
                    "ephemeral": 0, "swap": 0, "extra_specs": dict(self.extra_specs[flavor["id"]]) if flavor else {}}
        return {
            "id": self._id("srv"), "name": attrs["name"], "tenant_id": project_id, "user_id": "usr-" + self.user_name,
            "status": "BUILD", "OS-EXT-STS:task_state": "scheduling", "OS-EXT-STS:vm_state": "building",
            "OS-EXT-STS:power_state": 0, "image": {"id": image["id"], "links": []} if image else "",
            "flavor": embedded, "key_name": attrs.get("key_name"), "metadata": dict(attrs.get("metadata") or {}),
            "security_groups": [{"name": g} for g in groups],
            "OS-EXT-AZ:availability_zone": "", "OS-EXT-SRV-ATTR:host": None,
            "OS-EXT-SRV-ATTR:hypervisor_hostname": None, "OS-EXT-SRV-ATTR:instance_name": "instance-%08x" % (
                len(self.servers) + 1), "OS-EXT-SRV-ATTR:user_data": attrs.get("user_data"),
            "created": CREATED, "updated": CREATED, "accessIPv4": "",
            "_flavor_id": flavor["id"] if flavor else None,
            # Nova's ZONE:HOST forces the host (admins only); the server shows the zone alone.
            "_zone": (attrs.get("availability_zone") or "nova").split(":")[0] or "nova",
            "_host": ((attrs.get("availability_zone") or "").split(":") + ["", ""])[1] or HOST,
            "_build": math.inf if self.build_polls is None else self.build_polls, "_deleting": None,
            "_fips": {}, "_lag": None,
        }

    def _finish(self, server, error=None):
        server["_build"] = None
        server["OS-EXT-STS:task_state"] = None
        if error:
            server.update({"status": "ERROR", "OS-EXT-STS:vm_state": "error",
                           "fault": {"code": 500, "created": "2026-11-25T00:00:01Z", "message": error}})
            for port in self.ports_of(server):  # Nova deallocates the network of a failed build
                self._delete_port(port)
            return
        server.update({"status": "ACTIVE", "OS-EXT-STS:vm_state": "active", "OS-EXT-STS:power_state": 1,
                       "OS-EXT-SRV-ATTR:host": server["_host"], "OS-EXT-SRV-ATTR:hypervisor_hostname": server["_host"],
                       "OS-EXT-AZ:availability_zone": server["_zone"]})

    def _advance(self, server):
        """One GET's worth of time for a server: None once it is gone."""
        if server["_deleting"] is not None:
            server["_deleting"] -= 1
            if server["_deleting"] <= 0:
                self._remove(server)
                return None
        if server["status"] == "BUILD" and server["_build"] is not None:
            server["_build"] -= 1
            if server["_build"] <= 0:
                self._finish(server, error=self.build_fault)
        if server["_lag"] is not None:
            server["_lag"] -= 1
            if server["_lag"] <= 0:
                self._refresh(server)
        return server

    def _remove(self, server):
        self.servers.remove(server)
        for port in self.ports_of(server):
            self._delete_port(port)

    def _delete_port(self, port):
        self.ports.remove(port)
        for fip in self.fips_of(port):  # Neutron disassociates the floating IPs of a deleted port
            fip.update(port_id=None, fixed_ip_address=None, router_id=None, status="DOWN")

    def _server_view(self, server, mv=None):
        """The server as Nova shows it at microversion mv (the latest when None)."""
        view = {k: copy.deepcopy(v) for k, v in server.items() if not k.startswith("_")}
        if mv is not None and mv < (2, 47):
            view["flavor"] = {"id": server["_flavor_id"], "links": []}
        if server["status"] != "ERROR":
            view.pop("fault", None)
        if not self.admin:
            for key in ADMIN_ONLY:
                view.pop(key, None)
        addresses = {}
        for port in self.ports_of(server):
            name = self._network(port["network_id"])["name"]
            entries = addresses.setdefault(name, [])
            for ip in ips_of(port):
                entries.append({"version": ipaddress.ip_address(ip).version, "addr": ip,
                                "OS-EXT-IPS:type": "fixed", "OS-EXT-IPS-MAC:mac_addr": port["mac_address"]})
            for address in server["_fips"].get(port["id"], []):
                entries.append({"version": 4, "addr": address, "OS-EXT-IPS:type": "floating",
                                "OS-EXT-IPS-MAC:mac_addr": port["mac_address"]})
        view["addresses"] = addresses
        if not self.ports_of(server):  # Nova reads a server's security groups from its ports
            view["security_groups"] = []
        return view

    def _metadata(self, server, body):
        metadata = (body or {}).get("metadata")
        if not isinstance(metadata, dict) or any(not isinstance(v, str) for v in metadata.values()):
            return nova_error(400, "Invalid input for field/attribute metadata.")
        server["metadata"].update(metadata)
        return FakeResponse(200, {"metadata": copy.deepcopy(server["metadata"])})

    def _action(self, server, body):
        if len(body) != 1 or next(iter(body)) not in ("addSecurityGroup", "removeSecurityGroup"):
            self.unexpected.append(("server action", body))
            return nova_error(400, "unsupported action")
        action, args = next(iter(body.items()))
        if server["status"] == "BUILD":
            return nova_error(409, "Cannot '%s' instance %s while it is in vm_state building" % (action, server["id"]))
        name = (args or {}).get("name")
        names = [g["name"] for g in server["security_groups"]]
        if not any(g["name"] == name and g["project_id"] == server["tenant_id"] for g in self.security_groups):
            return nova_error(404, "Security group %s not found for project %s." % (name, server["tenant_id"]))
        if action == "addSecurityGroup":
            if name in names:
                return nova_error(400, "Security group %s is already associated with the instance %s" % (
                    name, server["id"]))
            server["security_groups"].append({"name": name})
        else:
            if name not in names:
                return nova_error(400, "Security group %s not associated with the instance %s" % (
                    name, server["id"]))
            server["security_groups"] = [g for g in server["security_groups"] if g["name"] != name]
        for port in self.ports_of(server):
            port["security_groups"] = [g["name"] for g in server["security_groups"]]
        return FakeResponse(202)

    def _attachment(self, volume, server, device):
        return {"server_id": server["id"], "attachment_id": self._id("att"), "volume_id": volume["id"],
                "device": device, "id": volume["id"], "host_name": None,
                "attached_at": "2026-11-25T00:00:00.000000"}

    def _attachments(self, method, url, server, parts, body):
        if len(parts) == 3 and method == "GET":
            found = [{"id": v["id"], "volumeId": v["id"], "serverId": server["id"], "device": a["device"],
                      "tag": None, "delete_on_termination": False}
                     for v in self.volumes for a in v["attachments"] if a["server_id"] == server["id"]]
            return FakeResponse(200, {"volumeAttachments": found})
        if len(parts) == 3 and method == "POST":
            return self._attach(server, (body or {}).get("volumeAttachment") or {})
        if len(parts) == 4 and method == "DELETE":
            volume = self._volume_of(parts[3])
            if volume is None or not any(a["server_id"] == server["id"] for a in volume["attachments"]):
                return nova_error(404, "volume_id not found: %s" % parts[3])
            volume["status"] = "detaching"

            def detached(vol):
                vol["attachments"] = [a for a in vol["attachments"] if a["server_id"] != server["id"]]
                vol["status"] = "in-use" if vol["attachments"] else "available"

            self.pending(volume, detached)
            return FakeResponse(202)
        return self._unknown(method, url)

    def _attach(self, server, attrs):
        volume = self._volume_of(attrs.get("volumeId"))
        if volume is None:
            return nova_error(404, "Volume %s could not be found." % attrs.get("volumeId"))
        if volume["status"] != "available":
            return nova_error(400, "Invalid volume: volume %s status must be available or downloading"
                              % volume["id"])
        taken = {a["device"] for v in self.volumes for a in v["attachments"] if a["server_id"] == server["id"]}
        device = attrs.get("device") or next("/dev/vd%s" % c for c in "bcdefgh" if "/dev/vd%s" % c not in taken)
        volume["status"] = "attaching"
        outcome = self.attach_outcome

        def attached(vol):
            if outcome == "in-use":
                vol["attachments"].append(self._attachment(vol, server, device))
            vol["status"] = outcome

        self.pending(volume, attached)
        return FakeResponse(200, {"volumeAttachment": {
            "id": volume["id"], "volumeId": volume["id"], "serverId": server["id"], "device": device,
            "tag": None, "delete_on_termination": False}})

    def _services(self, method, url, parts, query, body, mv):  # noqa: PLR0911, PLR0917 - one answer per route
        if len(parts) == 1 and method == "GET":
            unknown = sorted(set(query) - {"host", "binary"})
            if unknown:  # refused from 2.75
                self.unexpected.append(("service listing query", query))
                return nova_error(400, "Invalid input for query parameters %s." % ", ".join(unknown))
            found = [s for s in self.services if all(s[k] == v for k, v in query.items())]
            return FakeResponse(200, {"services": copy.deepcopy(found)})
        if len(parts) != 2 or query or mv < (2, 53):
            return self._unknown(method, url)
        service = next((s for s in self.services if s["id"] == parts[1]), None)
        if service is None:
            return nova_error(404, "Service %s not found." % parts[1])
        if method == "PUT":
            return self._service_update(service, body or {})
        if method == "DELETE":
            if service["binary"] == "nova-compute" and any(
                    s["OS-EXT-SRV-ATTR:host"] == service["host"] for s in self.servers):
                return nova_error(409, "Unable to delete compute service that is hosting instances. Migrate or "
                                       "delete the instances first.")
            self.services.remove(service)  # with it, Nova deletes the host's resource provider and host mapping
            return FakeResponse(204)
        return self._unknown(method, url)

    @staticmethod
    def _service_update(service, attrs):
        """PUT os-services/<id> as Nova answers it from 2.53."""
        status, reason = attrs.get("status"), attrs.get("disabled_reason")
        if set(attrs) - {"status", "disabled_reason", "forced_down"} or status not in (None, "enabled", "disabled"):
            return nova_error(400, "Invalid input for field/attribute service.")
        if reason is not None and (not isinstance(reason, str) or not 1 <= len(reason) <= 255):
            return nova_error(400, "Invalid input for field/attribute disabled_reason.")
        if status == "enabled" and "disabled_reason" in attrs:
            return nova_error(400, "Specifying 'disabled_reason' with status 'enabled' is invalid.")
        if status is None and "forced_down" not in attrs:
            return nova_error(400, "No updates were requested. Fields 'status' or 'forced_down' should be specified.")
        if status is not None:
            service.update(status=status, disabled_reason=reason if status == "disabled" else None)
        if "forced_down" in attrs:
            service["forced_down"] = bool(attrs["forced_down"])
        return FakeResponse(200, {"service": copy.deepcopy(service)})

    # --- Neutron -------------------------------------------------------------------------------
    def _neutron(self, method, url, parts, query, body):  # noqa: PLR0911 - one answer per route
        if parts[0] != "v2.0" or len(parts) < 2 or parts[1] not in NEUTRON_FILTERS:
            self.unexpected.append((method, url))
            return neutron_error(404, "HTTPNotFound", "The resource could not be found.")
        collection = parts[1]
        if len(parts) == 2 and method == "GET":
            if set(query) - NEUTRON_FILTERS[collection]:
                self.unexpected.append(("neutron filters", url))
            items = getattr(self, collection.replace("-", "_"))
            found = [i for i in items if all(self._matches(i.get(k), v) for k, v in query.items())]
            return FakeResponse(200, {collection.replace("-", "_"): copy.deepcopy(found)})
        if collection == "agents" and len(parts) == 3 and method == "DELETE" and not query:
            agent = next((a for a in self.agents if a["id"] == parts[2]), None)
            if agent is None:
                return neutron_error(404, "AgentNotFound", "Agent %s could not be found." % parts[2])
            self.agents.remove(agent)
            return FakeResponse(204)
        if collection != "floatingips" or query:
            self.unexpected.append((method, url))
            return neutron_error(404, "HTTPNotFound", "The resource could not be found.")
        if len(parts) == 2 and method == "POST":
            return self._fip_create((body or {}).get("floatingip") or {})
        fip = next((f for f in self.floatingips if f["id"] == parts[2]), None) if len(parts) == 3 else None
        if fip is None:
            return neutron_error(404, "FloatingIPNotFound", "Floating IP %s could not be found" % parts[-1])
        if method == "PUT":
            return self._fip_update(fip, (body or {}).get("floatingip") or {})
        if method == "DELETE":
            port_id = fip["port_id"]
            self.floatingips.remove(fip)
            self._touch(port_id)
            return FakeResponse(204)
        self.unexpected.append((method, url))
        return neutron_error(404, "HTTPNotFound", "The resource could not be found.")

    @staticmethod
    def _matches(value, wanted):
        if isinstance(value, bool):
            return str(value).lower() == wanted.lower()
        return ("" if value is None else str(value)) == wanted

    def _allocate(self, network, wanted=None):
        """(subnet, address) for a new port or floating IP on network, or Neutron's error."""
        subnets = [s for s in self.subnets if s["network_id"] == network["id"]]
        used = {ip for p in self.ports for ip in ips_of(p)} | {f["floating_ip_address"] for f in self.floatingips}
        if wanted is not None:
            subnet = next((s for s in subnets if ipaddress.ip_address(wanted) in ipaddress.ip_network(s["cidr"])),
                          None)
            if subnet is None:
                return neutron_error(400, "InvalidIpForNetwork",
                                     "IP address %s is not a valid IP for any of the subnets on the specified "
                                     "network." % wanted)
            if wanted in used:
                return neutron_error(409, "IpAddressAlreadyAllocated", "IP address %s already allocated in "
                                     "subnet %s" % (wanted, subnet["id"]))
            return subnet, wanted
        for subnet in subnets:
            pool = subnet["allocation_pools"][0]
            start, end = ipaddress.ip_address(pool["start"]), ipaddress.ip_address(pool["end"])
            address = start
            while address <= end:
                if str(address) not in used:
                    return subnet, str(address)
                address += 1
        return neutron_error(409, "IpAddressGenerationFailure",
                             "No more IP addresses available on network %s." % network["id"])

    def _owner(self, port_id):
        port = next((p for p in self.ports if p["id"] == port_id), None)
        return self.find_server(port["device_id"]) if port else None

    def _touch(self, port_id):
        """Nova learns of a floating IP change of its server's port, after cache_lag GETs."""
        server = self._owner(port_id)
        if server is None:
            return
        if self.cache_lag == 0:
            self._refresh(server)
        else:
            server["_lag"] = math.inf if self.cache_lag is None else self.cache_lag

    def _refresh(self, server):
        if server is None:
            return
        server["_lag"] = None
        server["_fips"] = {p["id"]: [f["floating_ip_address"] for f in self.fips_of(p)] for p in self.ports_of(server)}

    def _associate(self, fip, port_id, fixed_ip):
        """Neutron's checks of an association, then the association; the error response or None."""
        port = next((p for p in self.ports if p["id"] == port_id), None)
        if port is None:
            return neutron_error(404, "PortNotFound", "Port %s could not be found." % port_id)
        v4 = [f for f in port["fixed_ips"] if ipaddress.ip_address(f["ip_address"]).version == 4]
        if fixed_ip is None:
            if len(v4) != 1:
                return neutron_error(400, "BadRequest", "Port %s has multiple fixed IPv4 addresses. Must provide a "
                                     "specific IPv4 address when assigning a floating IP" % port_id)
            fixed = v4[0]
        else:
            fixed = next((f for f in v4 if f["ip_address"] == fixed_ip), None)
            if fixed is None:
                return neutron_error(400, "BadRequest", "Port %s does not have fixed ip %s" % (port_id, fixed_ip))
        other = next((f for f in self.floatingips if f is not fip and f["port_id"] == port_id
                      and f["fixed_ip_address"] == fixed["ip_address"]), None)
        if other is not None:
            return neutron_error(409, "FloatingIPPortAlreadyAssociated",
                                 "Cannot associate floating IP %s (%s) with port %s using fixed IP %s, as that fixed "
                                 "IP already has a floating IP on external network %s." % (
                                     fip["floating_ip_address"], fip["id"], port_id, fixed["ip_address"],
                                     other["floating_network_id"]))
        router = next((r for r in self.routers
                       if (r["external_gateway_info"] or {}).get("network_id") == fip["floating_network_id"]
                       and any(p["device_id"] == r["id"] and p["device_owner"] == "network:router_interface"
                               and any(f["subnet_id"] == fixed["subnet_id"] for f in p["fixed_ips"])
                               for p in self.ports)), None)
        if router is None:
            return neutron_error(404, "ExternalGatewayForFloatingIPNotFound",
                                 "External network %s is not reachable from subnet %s.  Therefore, cannot associate "
                                 "Port %s with a Floating IP." % (fip["floating_network_id"], fixed["subnet_id"],
                                                                  port_id))
        fip.update(port_id=port_id, fixed_ip_address=fixed["ip_address"], router_id=router["id"], status="ACTIVE")
        return None

    def _fip_create(self, attrs):
        network = self._network(attrs.get("floating_network_id"))
        if network is None:
            return neutron_error(404, "NetworkNotFound", "Network %s could not be found." % (
                attrs.get("floating_network_id")))
        if not network["router:external"]:
            return neutron_error(400, "BadRequest", "Bad floatingip request: Network %s is not a valid external "
                                 "network." % network["id"])
        allocated = self._allocate(network, attrs.get("floating_ip_address"))
        if isinstance(allocated, FakeResponse):
            return allocated
        fip = {"id": self._id("fip"), "floating_ip_address": allocated[1], "floating_network_id": network["id"],
               "port_id": None, "fixed_ip_address": None, "router_id": None, "project_id": self.project_id,
               "tenant_id": self.project_id, "status": "DOWN", "description": ""}
        if attrs.get("port_id"):
            error = self._associate(fip, attrs["port_id"], attrs.get("fixed_ip_address"))
            if error is not None:
                return error  # nothing is created
        self.floatingips.append(fip)
        self._touch(fip["port_id"])
        return FakeResponse(201, {"floatingip": copy.deepcopy(fip)})

    def _fip_update(self, fip, attrs):
        if set(attrs) - {"port_id", "fixed_ip_address", "description"}:
            return neutron_error(400, "BadRequest", "Cannot update %s" % sorted(attrs))
        previous = fip["port_id"]
        if attrs.get("port_id"):
            error = self._associate(fip, attrs["port_id"], attrs.get("fixed_ip_address"))
            if error is not None:
                return error
        elif "port_id" in attrs:
            fip.update(port_id=None, fixed_ip_address=None, router_id=None, status="DOWN")
        self._touch(previous)
        self._touch(fip["port_id"])
        return FakeResponse(200, {"floatingip": copy.deepcopy(fip)})

    # --- Cinder --------------------------------------------------------------------------------
    def _volume_of(self, volume_id):
        return next((v for v in self.volumes if v["id"] == volume_id and v["_project"] == self.project_id), None)

    def _tick(self, volume):
        pending = volume.get("_pending")
        if pending is None:
            return
        pending["left"] -= 1
        if pending["left"] <= 0:
            del volume["_pending"]
            pending["apply"](volume)

    @staticmethod
    def volume_view(volume):
        return {k: copy.deepcopy(v) for k, v in volume.items() if not k.startswith("_")}

    def _cinder(self, method, url, parts, query, body, mv):  # noqa: PLR0911, PLR0912, PLR0917 - one answer per route
        if parts == ["types"] and method == "GET":
            return FakeResponse(200, {"volume_types": copy.deepcopy(self.volume_types)})
        if parts[0] != "volumes":
            return self._unknown(method, url)
        if parts == ["volumes", "detail"] and method == "GET":
            if set(query) - {"name", "marker", "limit"}:
                self.unexpected.append(("volume listing query", query))
            mine = [v for v in self.volumes if v["_project"] == self.project_id
                    and ("name" not in query or v["name"] == query["name"])]
            for volume in mine:
                self._tick(volume)
            return self._paged([self.volume_view(v) for v in mine if v in self.volumes], "volumes", query,
                               CINDER_URL + "/volumes/detail")
        if parts == ["volumes"] and method == "POST":
            return self._volume_create((body or {}).get("volume") or {})
        volume = self._volume_of(parts[1]) if len(parts) > 1 else None
        if volume is None:
            return nova_error(404, "Volume %s could not be found." % (parts[1] if len(parts) > 1 else "?"))
        if len(parts) == 2 and method == "GET":
            self._tick(volume)
            if volume not in self.volumes:
                return nova_error(404, "Volume %s could not be found." % parts[1])
            return FakeResponse(200, {"volume": self.volume_view(volume)})
        if len(parts) == 2 and method == "PUT":
            attrs = (body or {}).get("volume") or {}
            if set(attrs) - {"name", "description", "metadata"}:
                return nova_error(400, "Invalid input for field/attribute volume.")
            volume.update(attrs)
            return FakeResponse(200, {"volume": self.volume_view(volume)})
        if len(parts) == 2 and method == "DELETE":
            return self._volume_delete(volume)
        if len(parts) == 3 and parts[2] == "action" and method == "POST":
            return self._volume_action(volume, body or {}, mv)
        return self._unknown(method, url)

    def _volume_create(self, attrs):
        if not isinstance(attrs.get("size"), int) or attrs["size"] < 1:
            return nova_error(400, "Invalid input received: Volume size must be an integer and greater than 0")
        type_name = attrs.get("volume_type", "__DEFAULT__")
        if not any(type_name in (t["name"], t["id"]) for t in self.volume_types):
            return nova_error(404, "Volume type with name %s could not be found." % type_name)
        volume = self.volume(attrs.get("name"), attrs["size"], status="creating", volume_type=type_name,
                             description=attrs.get("description"))
        outcome = self.create_outcome

        def created(vol):
            vol["status"] = outcome

        self.pending(volume, created)
        return FakeResponse(202, {"volume": self.volume_view(volume)})

    def _volume_delete(self, volume):
        if volume["status"] not in DELETABLE or volume["attachments"]:
            return nova_error(400, "Invalid volume: Volume status must be available or error or error_restoring or "
                                   "error_extending or error_managing and must not be migrating, attached, belong to "
                                   "a group, have snapshots or be disassociated from snapshots after volume transfer.")
        volume["status"] = "deleting"
        outcome = self.delete_outcome

        def deleted(vol):
            if outcome is None:
                self.volumes.remove(vol)
            else:
                vol["status"] = outcome

        self.pending(volume, deleted)
        return FakeResponse(202)

    def _volume_action(self, volume, body, mv):
        if set(body) != {"os-extend"}:
            self.unexpected.append(("volume action", body))
            return nova_error(400, "There is no such action: %s" % ", ".join(body))
        new_size = (body["os-extend"] or {}).get("new_size")
        if not isinstance(new_size, int) or new_size <= volume["size"]:
            return nova_error(400, "Invalid input received: New size for extend must be greater than current size.")
        allowed = ("available", "in-use") if mv >= (3, 42) else ("available",)
        if volume["status"] not in allowed:
            return nova_error(400, "Invalid volume: Volume %s status must be %s to extend, currently %s." % (
                volume["id"], " or ".join(allowed), volume["status"]))
        before = volume["status"]
        volume["status"] = "extending"
        outcome = self.extend_outcome

        def extended(vol):
            if outcome is None:
                vol["size"] = new_size
            vol["status"] = outcome or before

        self.pending(volume, extended)
        return FakeResponse(202)


def install_session(monkeypatch, fake):
    """Make every OpenStackModule talk to fake, as the user and project of its credentials."""

    def session(self):
        if self._session is None:
            self._auth, self._region = self.auth_params()
            fake.user_name = self._auth.get("username")
            fake.project_name = self._auth.get("project_name")
            fake.project_id = project_id_of(fake.project_name)
            self._session = fake
        return self._session

    monkeypatch.setattr(openstack.OpenStackModule, "session", property(session))
