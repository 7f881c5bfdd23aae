# -*- coding: utf-8 -*-
# Copyright: lab.openstack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The pure functions of module_utils/glance.py."""

from __future__ import annotations

import hashlib
import io

import pytest

from ansible_collections.lab.openstack.plugins.module_utils.glance import (
    ChecksumError, HashingReader, apply_patch, bad_property_names, creation_body, hash_file, hash_stream,
    metadata_patch, parse_checksum, properties_of, same_content, view)

DATA = b"x" * 3000 + b"y" * 3000


@pytest.mark.parametrize("value, expected", [
    ("sha256:" + "A" * 64, ("sha256", "a" * 64)),
    (" md5:" + "0" * 32 + " ", ("md5", "0" * 32)),
    ("0" * 32, ("md5", "0" * 32)),
    ("0" * 40, ("sha1", "0" * 40)),
    ("0" * 64, ("sha256", "0" * 64)),
    ("0" * 128, ("sha512", "0" * 128)),
    ("SHA512:" + "f" * 128, ("sha512", "f" * 128)),
])
def test_parse_checksum(value, expected):
    assert parse_checksum(value) == expected


@pytest.mark.parametrize("value, message", [
    ("", "is not ALGORITHM:HEXDIGEST"),
    ("sha256:", "is not ALGORITHM:HEXDIGEST"),
    ("sha256:zz", "is not ALGORITHM:HEXDIGEST"),
    ("abc", "names no algorithm"),
    ("crc32:abcd", "unknown algorithm"),
    ("md5:" + "0" * 31, "a md5 digest has 32 hex digits, not 31"),
])
def test_parse_checksum_refuses(value, message):
    with pytest.raises(ChecksumError, match=message):
        parse_checksum(value)


def test_hash_stream_reads_in_chunks_and_feeds_the_sink():
    sink = []
    digests, size = hash_stream(io.BytesIO(DATA), ["md5", "sha512", "md5"], chunk=1000, sink=sink.append)

    assert size == len(DATA)
    assert digests == {"md5": hashlib.md5(DATA).hexdigest(), "sha512": hashlib.sha512(DATA).hexdigest()}
    assert [len(b) for b in sink] == [1000] * 6


def test_hash_file(tmp_path):
    path = tmp_path / "f"
    path.write_bytes(DATA)

    assert hash_file(str(path), ["sha256"]) == ({"sha256": hashlib.sha256(DATA).hexdigest()}, len(DATA))


IMAGE = {"id": "i1", "name": "n", "status": "active", "size": len(DATA), "checksum": hashlib.md5(DATA).hexdigest(),
         "os_hash_algo": "sha512", "os_hash_value": hashlib.sha512(DATA).hexdigest(), "visibility": "shared",
         "protected": False, "min_disk": 0, "min_ram": 0, "os_distro": "debian", "tags": [], "owner": "p"}


def test_same_content():
    sha = {"sha512": IMAGE["os_hash_value"]}
    assert same_content(IMAGE, sha, len(DATA)) is True
    assert same_content(IMAGE, {"md5": IMAGE["checksum"]}, None) is True
    assert same_content(IMAGE, sha, len(DATA) + 1) is False
    assert same_content(IMAGE, {"sha512": "0" * 128}, None) is False
    assert same_content(IMAGE, {"md5": "0" * 32, "sha512": IMAGE["os_hash_value"]}, None) is False
    assert same_content(IMAGE, {"sha256": "0" * 64}, None) is None  # nothing to compare with


def test_properties_and_view():
    assert properties_of(IMAGE) == {"os_distro": "debian"}
    shown = view(IMAGE)
    assert shown["properties"] == {"os_distro": "debian"}
    assert "tags" not in shown and shown["id"] == "i1"
    assert view(None) is None


def test_metadata_patch_replaces_adds_and_leaves_alone():
    image = dict(IMAGE, kernel_id=None)
    patch = metadata_patch(image, {"name": "n", "visibility": "public", "min_ram": None, "kernel_id": "k",
                                   "properties": {"os_distro": "debian", "hw_rng_model": "virtio", "n": 1}})

    assert patch == [
        {"op": "replace", "path": "/visibility", "value": "public"},
        {"op": "add", "path": "/kernel_id", "value": "k"},
        {"op": "add", "path": "/hw_rng_model", "value": "virtio"},
        {"op": "add", "path": "/n", "value": "1"},
    ]
    assert apply_patch(image, patch)["n"] == "1"
    assert metadata_patch(IMAGE, {"visibility": "shared", "properties": {"os_distro": "debian"}}) == []


def test_creation_body_stringifies_properties_and_drops_unset():
    assert creation_body({"name": "n", "min_ram": None, "protected": False, "properties": {"a": 1}}) == {
        "name": "n", "protected": False, "a": "1"}


def test_bad_property_names():
    assert bad_property_names({"owner": "x", "os_distro": "d", "a/b": 1, "": 2}) == ["", "a/b", "owner"]
    assert bad_property_names(None) == []


def test_hashing_reader_gives_big_blocks_its_length_and_the_digests():
    reader = HashingReader(io.BytesIO(DATA), ["md5", "sha512"], len(DATA), chunk=4000)

    assert len(reader) == len(DATA)
    first = reader.read(10)
    assert len(first) == 4000  # at least a chunk, whatever the caller asks
    assert len(reader) == len(DATA) - 4000
    rest = reader.read(8192)
    assert reader.read(8192) == b""
    assert first + rest == DATA and reader.size == len(DATA) and len(reader) == 0
    assert reader.digests() == {"md5": hashlib.md5(DATA).hexdigest(), "sha512": hashlib.sha512(DATA).hexdigest()}
