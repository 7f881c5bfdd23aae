# -*- coding: utf-8 -*-
# Copyright: lab.openstack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""An in-memory Nova (compute v2.1) and Cinder (block storage v3) next to the fake Keystone.

Requests whose endpoint filter names ``compute`` go to a small Nova: flavors with their
``os-extra_specs``, keypairs per user, servers (id, name, status, project) and their
``os-volume_attachments``. Those naming ``volumev3`` go to a small Cinder: volumes with their
statuses and attachments, and volume types. Identity requests still go to FakeKeystone.

Both check the microversion headers of every request and behave by them where the modules
depend on it: a flavor's description needs 2.55, its extra specs are in its view from 2.61, its
swap is 0 rather than "" from 2.75; an ``in-use`` volume is extended only with volume 3.42.

Volumes move through statuses as Cinder's do. A write puts the volume in a transient status
(creating, attaching, extending, detaching, deleting) and the volume reaches its next status
after ``settle_polls`` reads of it. ``create_outcome``, ``attach_outcome``, ``extend_outcome``
and ``delete_outcome`` choose that next status, to play Cinder's and Nova's failures. The
calling user and project are those of the module's credentials (``install_session``), so
keypairs belong to the user who creates them and server listings show the caller's project.
"""

from __future__ import annotations

import base64
import binascii
import copy
import hashlib
import itertools
import re
import string
from urllib.parse import parse_qsl, unquote

from ansible_collections.lab.openstack.plugins.module_utils import openstack
from ansible_collections.lab.openstack.tests.unit.plugins.modules.fake_keystone import (
    Call, FakeKeystone, FakeResponse)

NOVA_URL = "http://192.168.1.250:8774/v2.1"
CINDER_URL = "http://192.168.1.250:8776/v3/prj-caller"
NOVA_ERRORS = {400: "badRequest", 403: "forbidden", 404: "itemNotFound", 409: "conflictingRequest"}
DELETABLE = ("available", "error", "error_restoring", "error_extending", "error_managing")
KEYPAIR_SAFE = set("_- " + string.digits + string.ascii_letters)


def nova_error(code, message):
    """An error in Nova's (and Cinder's) format."""
    return FakeResponse(code, {NOVA_ERRORS.get(code, "computeFault"): {"code": code, "message": message}})


def version(text):
    return tuple(int(part) for part in text.split("."))


def md5_fingerprint(blob):
    digest = hashlib.md5(base64.b64decode(blob)).hexdigest()
    return ":".join(digest[i:i + 2] for i in range(0, len(digest), 2))


class FakeNovaCinder(FakeKeystone):
    """FakeKeystone plus Nova and Cinder; ``nova_calls`` and ``cinder_calls`` record their requests."""

    def __init__(self):
        super().__init__()
        self.flavors = []
        self.extra_specs = {}
        self.keypairs = {}  # user name -> {keypair name: keypair}
        self.servers = []
        self.volumes = []
        self.volume_types = [{"id": "vt-0000", "name": "__DEFAULT__", "is_public": True, "description": None}]
        self.nova_calls = []
        self.cinder_calls = []
        self.microversions = []  # (service, version) of each request
        self.user_name = "admin"
        self.project_name = "admin"
        self.settle_polls = 1
        self.create_outcome = "available"
        self.attach_outcome = "in-use"
        self.extend_outcome = None  # None: the status the volume had
        self.delete_outcome = None  # None: the volume goes away
        self.page_size = None  # listings answer pages of this size, with a next link
        self._ids = itertools.count(1)

    # --- building the state --------------------------------------------------------------
    def _id(self, prefix):
        return "%s-%04d" % (prefix, next(self._ids))

    def flavor(self, name, ram=512, vcpus=1, disk=1, *, flavor_id=None, extra_specs=None, **attrs):
        item = {"id": flavor_id or self._id("flv"), "name": name, "ram": ram, "vcpus": vcpus, "disk": disk,
                "OS-FLV-EXT-DATA:ephemeral": 0, "swap": 0, "os-flavor-access:is_public": True,
                "description": None, "rxtx_factor": 1.0, "OS-FLV-DISABLED:disabled": False}
        item.update(attrs)
        self.flavors.append(item)
        self.extra_specs[item["id"]] = dict(extra_specs or {})
        return item

    def keypair(self, name, public_key, user="admin"):
        item = {"name": name, "public_key": public_key, "fingerprint": md5_fingerprint(public_key.split()[1]),
                "type": "ssh", "user_id": "uid-" + user, "id": next(self._ids), "deleted": False,
                "created_at": "2026-11-25T00:00:00.000000", "updated_at": None, "deleted_at": None}
        self.keypairs.setdefault(user, {})[name] = item
        return item

    def server(self, name, project="admin", status="ACTIVE"):
        item = {"id": self._id("srv"), "name": name, "status": status, "project": project}
        self.servers.append(item)
        return item

    def volume(self, name, size=1, status="available", project="admin", **attrs):
        item = {"id": self._id("vol"), "name": name, "size": size, "status": status,
                "volume_type": "__DEFAULT__", "description": None, "bootable": "false",
                "availability_zone": "nova", "attachments": [], "multiattach": False, "metadata": {},
                "_project": project}
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

    # --- reading the state ---------------------------------------------------------------
    def flavor_named(self, name):
        return next((f for f in self.flavors if f["name"] == name), None)

    def volume_named(self, name):
        return next((v for v in self.volumes if v["name"] == name), None)

    def keypair_of(self, user, name):
        return self.keypairs.get(user, {}).get(name)

    @property
    def nova_writes(self):
        return [c for c in self.nova_calls if c.method != "GET"]

    @property
    def cinder_writes(self):
        return [c for c in self.cinder_calls if c.method != "GET"]

    @property
    def all_writes(self):
        return self.writes + self.nova_writes + self.cinder_writes

    def state(self):
        return copy.deepcopy((self.flavors, self.extra_specs, self.keypairs, self.servers,
                              [{k: v for k, v in vol.items() if k != "_pending"} for vol in self.volumes]))

    # --- the session -----------------------------------------------------------------------
    def request(self, url, method, json=None, *, raise_exc=True, endpoint_filter=None, authenticated=None,
                **kwargs):
        service = (endpoint_filter or {}).get("service_type")
        if service not in ("compute", "volumev3"):
            return super().request(url, method, json=json, raise_exc=raise_exc, endpoint_filter=endpoint_filter,
                                   authenticated=authenticated, **kwargs)
        if raise_exc is not False:
            self.unexpected.append(("raise_exc is not False", method, url))
        calls = self.nova_calls if service == "compute" else self.cinder_calls
        calls.append(Call(method, url, copy.deepcopy(json)))
        if self.fail_with is not None:
            raise self.fail_with
        if (method, url) in self.answers:
            return self.answers[(method, url)]
        headers = kwargs.get("headers") or {}
        if service == "compute":
            return self._nova(method, url, json, headers)
        return self._cinder(method, url, json, headers)

    def _unknown(self, method, url):
        self.unexpected.append((method, url))
        return nova_error(404, "The resource could not be found.")

    def _paged(self, items, key, query, base):
        marker = query.get("marker")
        if marker is not None:
            ids = [i["id"] for i in items]
            if marker not in ids:
                return nova_error(400, "marker [%s] not found" % marker)
            items = items[ids.index(marker) + 1:]
        body = {key: items}
        if self.page_size and len(items) > self.page_size:
            body[key] = items[:self.page_size]
            body[key + "_links"] = [{"rel": "next", "href": "%s?limit=%s&marker=%s" % (
                base, self.page_size, items[self.page_size - 1]["id"])}]
        return FakeResponse(200, copy.deepcopy(body))

    # --- Nova -------------------------------------------------------------------------------
    def _nova_version(self, headers):
        pinned = headers.get("OpenStack-API-Version", "")
        legacy = headers.get("X-OpenStack-Nova-API-Version")
        if not pinned.startswith("compute ") or legacy != pinned[len("compute "):]:
            self.unexpected.append(("compute microversion headers", headers))
            return (2, 1)
        self.microversions.append(("compute", legacy))
        return version(legacy)

    def _nova(self, method, url, body, headers):
        mv = self._nova_version(headers)
        path, _sep, query = url.partition("?")
        parts = [unquote(p) for p in path.split("/")]
        query = dict(parse_qsl(query, keep_blank_values=True))
        if parts[0] == "flavors":
            return self._flavors(method, url, parts, query, body, mv)
        if parts[0] == "os-keypairs":
            return self._keypairs(method, url, parts, body, mv)
        if parts[0] == "servers":
            return self._servers(method, url, parts, query, body)
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
            return self._paged([self.flavor_view(f, mv) for f in self.flavors], "flavors", query,
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

    def _keypairs(self, method, url, parts, body, mv):
        mine = self.keypairs.setdefault(self.user_name, {})
        if len(parts) == 1 and method == "POST":
            return self._keypair_create((body or {}).get("keypair") or {}, mine, mv)
        if len(parts) != 2:
            return self._unknown(method, url)
        keypair = mine.get(parts[1])
        if keypair is None:
            return nova_error(404, "Keypair %s not found for user uid-%s" % (parts[1], self.user_name))
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

    def visible_server(self, server_id):
        return next((s for s in self.servers if s["id"] == server_id and s["project"] == self.project_name), None)

    def server_view(self, server):
        return {"id": server["id"], "name": server["name"], "status": server["status"],
                "tenant_id": server["project"], "links": []}

    def _servers(self, method, url, parts, query, body):
        if len(parts) == 2 and parts[1] == "detail" and method == "GET":
            if set(query) - {"name", "marker", "limit"}:
                self.unexpected.append(("server listing query", query))
            pattern = re.compile(query.get("name", ""))
            items = [self.server_view(s) for s in self.servers
                     if s["project"] == self.project_name and pattern.search(s["name"])]
            return self._paged(items, "servers", query, NOVA_URL + "/servers/detail")
        server = self.visible_server(parts[1]) if len(parts) > 1 else None
        if server is None:
            return nova_error(404, "Instance %s could not be found." % (parts[1] if len(parts) > 1 else "?"))
        if len(parts) == 2 and method == "GET":
            return FakeResponse(200, {"server": self.server_view(server)})
        if len(parts) >= 3 and parts[2] == "os-volume_attachments":
            return self._attachments(method, url, server, parts, body)
        return self._unknown(method, url)

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

    # --- Cinder -------------------------------------------------------------------------------
    def _volume_of(self, volume_id):
        return next((v for v in self.volumes if v["id"] == volume_id and v["_project"] == self.project_name), None)

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

    def _cinder_version(self, headers):
        pinned = headers.get("OpenStack-API-Version", "")
        if not pinned.startswith("volume ") or "X-OpenStack-Nova-API-Version" in headers:
            self.unexpected.append(("volume microversion header", headers))
            return (3, 0)
        self.microversions.append(("volume", pinned[len("volume "):]))
        return version(pinned[len("volume "):])

    def _cinder(self, method, url, body, headers):  # noqa: PLR0911, PLR0912 - one answer per route
        mv = self._cinder_version(headers)
        path, _sep, query = url.partition("?")
        parts = [unquote(p) for p in path.split("/")]
        query = dict(parse_qsl(query, keep_blank_values=True))
        if parts == ["types"] and method == "GET":
            return FakeResponse(200, {"volume_types": copy.deepcopy(self.volume_types)})
        if parts[0] != "volumes":
            return self._unknown(method, url)
        if parts == ["volumes", "detail"] and method == "GET":
            if set(query) - {"name", "marker", "limit"}:
                self.unexpected.append(("volume listing query", query))
            mine = [v for v in self.volumes if v["_project"] == self.project_name
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
        volume = self.volume(attrs.get("name"), attrs["size"], status="creating", project=self.project_name,
                             volume_type=type_name, description=attrs.get("description"))
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
            self._session = fake
        return self._session

    monkeypatch.setattr(openstack.OpenStackModule, "session", property(session))
