# -*- coding: utf-8 -*-
# Copyright: lab.openstack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Image v2 helpers for glance_image: pure functions, unit-tested without any API.

Checksums are "algorithm:hex" strings (or a bare hex digest, its algorithm told by its
length), files are hashed in one streaming pass whatever the number of algorithms, and
metadata changes become one JSON-patch document (Glance's PATCH format).
"""

from __future__ import annotations

import hashlib
import re

DISK_FORMATS = ["ami", "ari", "aki", "vhd", "vhdx", "vmdk", "raw", "qcow2", "vdi", "iso", "ploop"]
CONTAINER_FORMATS = ["ami", "ari", "aki", "bare", "ovf", "ova", "docker", "compressed"]
VISIBILITIES = ["public", "private", "shared", "community"]

# What Glance itself sets or owns; every other key of an image is a custom property.
CORE = frozenset([
    "id", "name", "status", "visibility", "protected", "checksum", "os_hash_algo", "os_hash_value",
    "size", "virtual_size", "min_disk", "min_ram", "disk_format", "container_format", "owner",
    "created_at", "updated_at", "tags", "file", "schema", "self", "direct_url", "locations",
    "os_hidden", "stores", "kernel_id", "ramdisk_id",
])
# The attributes a JSON patch may replace after upload.
MUTABLE = ("name", "visibility", "protected", "min_disk", "min_ram", "owner", "kernel_id", "ramdisk_id")
# The attributes fixed by the upload: a difference means another image.
CONTENT = ("disk_format", "container_format")
# Shown in results and diffs.
VIEW = ("id", "name", "status", "disk_format", "container_format", "size", "checksum", "os_hash_algo",
        "os_hash_value", "visibility", "protected", "min_disk", "min_ram", "owner", "kernel_id", "ramdisk_id")

HEX_LENGTHS = {32: "md5", 40: "sha1", 64: "sha256", 128: "sha512"}
ALGORITHMS = ("md5", "sha1", "sha224", "sha256", "sha384", "sha512")
CHUNK = 1024 * 1024


class ChecksumError(ValueError):
    """A checksum option that cannot be understood."""


def parse_checksum(value):
    """("sha256", "ab12...") from "sha256:AB12..." or a bare hex digest."""
    text = (value or "").strip()
    algorithm, sep, digest = text.partition(":")
    if not sep:
        algorithm, digest = None, text
    algorithm = (algorithm or "").strip().lower() or None
    digest = digest.strip().lower()
    if not re.fullmatch(r"[0-9a-f]+", digest or "-"):
        raise ChecksumError("checksum %r is not ALGORITHM:HEXDIGEST (such as sha256:6a8f...)" % value)
    if algorithm is None:
        algorithm = HEX_LENGTHS.get(len(digest))
        if algorithm is None:
            raise ChecksumError("checksum %r: a bare digest of %d hex digits names no algorithm; "
                                "write it as ALGORITHM:HEXDIGEST" % (value, len(digest)))
    if algorithm not in ALGORITHMS:
        raise ChecksumError("checksum %r: unknown algorithm %r (one of %s)" % (value, algorithm, ", ".join(ALGORITHMS)))
    expected = hashlib.new(algorithm).digest_size * 2
    if len(digest) != expected:
        raise ChecksumError("checksum %r: a %s digest has %d hex digits, not %d"
                            % (value, algorithm, expected, len(digest)))
    return algorithm, digest


def hash_stream(stream, algorithms, chunk=CHUNK, sink=None):
    """({algorithm: hexdigest}, size) of a binary stream read in chunks; each chunk also
    goes to sink(chunk) when given (a download's temporary file)."""
    hashers = {a: hashlib.new(a) for a in set(algorithms)}
    size = 0
    while True:
        block = stream.read(chunk)
        if not block:
            break
        size += len(block)
        for hasher in hashers.values():
            hasher.update(block)
        if sink is not None:
            sink(block)
    return {a: h.hexdigest() for a, h in hashers.items()}, size


class HashingReader:
    """A file to upload that hashes what is read from it. read() returns big blocks whatever
    the size asked (http.client asks 8 KiB at a time), and len() gives the bytes left, so
    that requests sends a Content-Length and streams the body."""

    def __init__(self, stream, algorithms, length, chunk=CHUNK):
        self.stream = stream
        self.hashers = {a: hashlib.new(a) for a in set(algorithms)}
        self.remaining = length
        self.chunk = chunk
        self.size = 0

    def __len__(self):
        return max(self.remaining, 0)

    def read(self, size=-1):
        block = self.stream.read(max(size, self.chunk) if size and size > 0 else self.chunk)
        self.size += len(block)
        self.remaining -= len(block)
        for hasher in self.hashers.values():
            hasher.update(block)
        return block

    def digests(self):
        return {a: h.hexdigest() for a, h in self.hashers.items()}


def hash_file(path, algorithms, chunk=CHUNK):
    with open(path, "rb") as handle:
        return hash_stream(handle, algorithms, chunk)


def properties_of(image):
    """The custom properties of an image as Glance returns it."""
    return {k: v for k, v in (image or {}).items() if k not in CORE}


def view(image, keys=VIEW):
    if not image:
        return None
    shown = {k: image.get(k) for k in keys}
    shown["properties"] = properties_of(image)
    return shown


def same_content(image, digests, size):
    """True when the image holds the bytes whose digests (and size) are given; None when
    none of the image's checksums can be compared with them."""
    if image.get("size") is not None and size is not None and image["size"] != size:
        return False
    compared = None
    algo = image.get("os_hash_algo")
    if algo and image.get("os_hash_value") and algo in digests:
        if digests[algo] != image["os_hash_value"]:
            return False
        compared = True
    if image.get("checksum") and "md5" in digests:
        if digests["md5"] != image["checksum"]:
            return False
        compared = True
    return compared


def metadata_patch(image, desired):
    """The JSON patch taking image to desired (None values are left alone); custom
    properties are under desired["properties"] and only those given are managed."""
    patch = []
    for key in MUTABLE:
        value = desired.get(key)
        if value is None or image.get(key) == value:
            continue
        op = "replace" if key in image and image.get(key) is not None else "add"
        patch.append({"op": op, "path": "/" + key, "value": value})
    current = properties_of(image)
    for key, given in sorted((desired.get("properties") or {}).items()):
        value = str(given)
        if current.get(key) == value:
            continue
        patch.append({"op": "replace" if key in current else "add", "path": "/" + key, "value": value})
    return patch


def apply_patch(image, patch):
    """The image as the patch leaves it (to predict the result in check mode)."""
    after = dict(image)
    for op in patch:
        after[op["path"][1:]] = op["value"]
    return after


def creation_body(desired):
    """The POST body creating the image record."""
    body = {k: v for k, v in desired.items() if k != "properties" and v is not None}
    for key, value in (desired.get("properties") or {}).items():
        body[key] = str(value)
    return body


def bad_property_names(properties):
    """Property names Glance would refuse or that would shadow a core attribute."""
    return sorted(k for k in properties or {} if k in CORE or not k or "/" in k)
