# -*- coding: utf-8 -*-
# Copyright: lab.openstack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""An in-memory Glance (Image v2) next to the fake Keystone, behind one fake session.

Requests whose endpoint filter names the ``image`` service go to a small Image v2 API
that really stores what is uploaded: the file is read from the stream the module gives,
in the chunks it offers, and hashed as Glance does (md5 ``checksum``, sha512
``os_hash_value``). Identity requests (the owner's project) still go to FakeKeystone.
Faults are injected through ``upload_error`` (an HTTP answer to the PUT), ``stored_bytes``
(what Glance keeps instead of the upload) and ``final_status``.
"""

from __future__ import annotations

import copy
import hashlib
import itertools
from urllib.parse import parse_qsl

from ansible_collections.lab.openstack.tests.unit.plugins.modules.fake_keystone import (
    Call, FakeKeystone, FakeResponse)

CALLER_PROJECT = "prj-caller"
PATCH_TYPE = "application/openstack-images-v2.1-json-patch"
BASE_ATTRS = ("kernel_id", "ramdisk_id")


def glance_error(code, message):
    return FakeResponse(code, {"code": code, "title": {403: "Forbidden", 404: "Not Found", 409: "Conflict",
                                                       400: "Bad Request"}.get(code, "Error"),
                               "message": message})


class FakeGlance(FakeKeystone):
    """FakeKeystone plus an image store; ``images`` is the store, ``image_calls`` its calls."""

    def __init__(self):
        super().__init__()
        self.images = []
        self.image_calls = []
        self.blobs = {}
        self.read_sizes = []
        self.upload_error = None
        self.stored_bytes = None
        self.final_status = "active"
        self.hash_algo = "sha512"  # Glance's [DEFAULT] hashing_algorithm
        self.project_id = CALLER_PROJECT
        self._ids = itertools.count(1)

    # --- building the state --------------------------------------------------------------
    def image(self, name, data=None, **attrs):
        item = {
            "id": "img-%04d" % next(self._ids), "name": name, "status": "queued", "visibility": "shared",
            "protected": False, "min_disk": 0, "min_ram": 0, "disk_format": "raw", "container_format": "bare",
            "owner": self.project_id, "size": None, "checksum": None, "os_hash_algo": None,
            "os_hash_value": None, "tags": [], "created_at": "2026-11-25T00:00:00Z",
            "updated_at": "2026-11-25T00:00:00Z", "file": None, "schema": "/v2/schemas/image",
        }
        item["file"] = "/v2/images/%s/file" % item["id"]
        item["self"] = "/v2/images/%s" % item["id"]
        if data is not None:
            self._store(item, data)
        item.update(attrs)
        self.images.append(item)
        return item

    def _store(self, item, data):
        self.blobs[item["id"]] = data
        algo = getattr(self, "hash_algo", "sha512")
        item.update(size=len(data), checksum=hashlib.md5(data).hexdigest(), os_hash_algo=algo,
                    os_hash_value=hashlib.new(algo, data).hexdigest(), status="active")

    def named_images(self, name):
        return [i for i in self.images if i["name"] == name]

    @property
    def image_writes(self):
        return [c for c in self.image_calls if c.method != "GET"]

    # --- the session -----------------------------------------------------------------------
    def get_project_id(self):
        return self.project_id

    def request(self, url, method, json=None, *, raise_exc=True, endpoint_filter=None, authenticated=None,
                **kwargs):
        if not endpoint_filter or endpoint_filter.get("service_type") != "image":
            return super().request(url, method, json=json, raise_exc=raise_exc, endpoint_filter=endpoint_filter,
                                   authenticated=authenticated, **kwargs)
        if raise_exc is not False:
            self.unexpected.append(("raise_exc is not False", method, url))
        if self.fail_with is not None:
            self.image_calls.append(Call(method, url, copy.deepcopy(json)))
            raise self.fail_with
        self.image_calls.append(Call(method, url, copy.deepcopy(json)))
        return self._image_route(method, url, json, kwargs)

    def _image_route(self, method, url, body, kwargs):  # noqa: PLR0911 - one answer per route
        path, _sep, query = url.partition("?")
        parts = path.split("/")
        if parts[:2] != ["v2", "images"]:
            self.unexpected.append((method, url))
            return glance_error(404, "no such API")
        if len(parts) == 2 and method == "GET":
            return self._image_list(dict(parse_qsl(query)))
        if len(parts) == 2 and method == "POST":
            return self._image_create(body)
        item = next((i for i in self.images if i["id"] == parts[2]), None) if len(parts) > 2 else None
        if item is None:
            return glance_error(404, "No image found with ID %s" % (parts[2] if len(parts) > 2 else "?"))
        if len(parts) == 3 and method == "GET":
            return FakeResponse(200, copy.deepcopy(item))
        if len(parts) == 3 and method == "PATCH":
            return self._patch(item, body, kwargs)
        if len(parts) == 3 and method == "DELETE":
            if item["protected"]:
                return glance_error(403, "Image %s is protected and cannot be deleted." % item["id"])
            self.images.remove(item)
            return FakeResponse(204)
        if len(parts) == 4 and parts[3] == "file" and method == "PUT":
            return self._upload(item, kwargs)
        self.unexpected.append((method, url))
        return glance_error(404, "no such API")

    def _image_list(self, filters):
        unknown = set(filters) - {"name", "owner"}
        if unknown:
            self.unexpected.append(("image list filters", unknown))
        items = [i for i in self.images if all(i.get(k) == v for k, v in filters.items())]
        return FakeResponse(200, {"images": copy.deepcopy(items), "schema": "/v2/schemas/images",
                                  "first": "/v2/images"})

    def _image_create(self, body):
        attrs = dict(body or {})
        if not attrs.get("name"):
            return glance_error(400, "name is required")
        name = attrs.pop("name")
        item = self.image(name, **attrs)
        return FakeResponse(201, copy.deepcopy(item))

    def _upload(self, item, kwargs):
        if item["status"] != "queued":
            return glance_error(409, "Image status transition from %s to saving is not allowed" % item["status"])
        if (kwargs.get("headers") or {}).get("Content-Type") != "application/octet-stream":
            self.unexpected.append(("upload content type", kwargs.get("headers")))
        if kwargs.get("connect_retries") or kwargs.get("status_code_retries"):
            self.unexpected.append(("upload retried", kwargs.get("connect_retries"),
                                    kwargs.get("status_code_retries")))
        stream = kwargs.get("data")
        chunks = []
        while True:  # like http.client: small reads from the stream, never the whole file at once
            block = stream.read(8192)
            if not block:
                break
            self.read_sizes.append(len(block))
            chunks.append(block)
        if self.upload_error is not None:
            item["status"] = "killed" if self.upload_error.status_code >= 500 else "queued"
            return self.upload_error
        self._store(item, self.stored_bytes if self.stored_bytes is not None else b"".join(chunks))
        item["status"] = self.final_status
        return FakeResponse(204)

    def _patch(self, item, patch, kwargs):
        if (kwargs.get("headers") or {}).get("Content-Type") != PATCH_TYPE:
            return glance_error(415, "Unsupported Content-Type")
        updated = dict(item)
        for op in patch:
            key = op["path"].lstrip("/")
            present = key in updated and (updated[key] is not None or key not in BASE_ATTRS)
            core = ("name", "visibility", "protected", "min_disk", "min_ram", "owner")
            if op["op"] == "add" and present and key not in core:
                return glance_error(409, "Property %s already present." % key)
            if op["op"] == "replace" and not present:
                return glance_error(409, "Property %s does not exist." % key)
            if op["op"] not in ("add", "replace"):
                return glance_error(400, "unsupported op %s" % op["op"])
            updated[key] = op["value"]
        item.clear()
        item.update(updated)
        return FakeResponse(200, copy.deepcopy(item))
