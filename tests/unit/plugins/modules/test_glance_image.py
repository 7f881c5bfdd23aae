# -*- coding: utf-8 -*-
# Copyright: lab.openstack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""lab.openstack.glance_image end to end through main(), on a fake Glance and Keystone."""

from __future__ import annotations

import hashlib
import io
import os

import pytest

from ansible_collections.lab.openstack.plugins.modules import glance_image
from ansible_collections.lab.openstack.tests.unit.plugins.modules.fake_glance import CALLER_PROJECT, FakeGlance
from ansible_collections.lab.openstack.tests.unit.plugins.modules.fake_keystone import (
    ADMIN_PASSWORD, FakeResponse, assert_not_shown, install_session, run_module)

DATA = b"lab-openstack image\n" * 5000  # 100 kB: several reads of the upload stream
OTHER = b"another image\n" * 3000


def sha512(data):
    return hashlib.sha512(data).hexdigest()


@pytest.fixture
def glance(monkeypatch):
    fake = FakeGlance()
    install_session(monkeypatch, fake)
    monkeypatch.setattr(glance_image, "POLL", 0)
    monkeypatch.setattr(glance_image, "UPLOAD_CHUNK", 4096)
    yield fake
    assert fake.unexpected == [], "requests the fake Glance does not know"


@pytest.fixture
def run(monkeypatch, glance):
    def runner(params, check_mode=False, diff=False):
        return run_module(monkeypatch, glance_image, params, check_mode=check_mode, diff=diff)

    return runner


@pytest.fixture
def image_file(tmp_path):
    path = tmp_path / "lab.qcow2"
    path.write_bytes(DATA)
    return str(path)


@pytest.fixture
def other_file(tmp_path):
    path = tmp_path / "other.qcow2"
    path.write_bytes(OTHER)
    return str(path)


class FakeDownload:
    """fetch_url's response: read(n) in chunks."""

    def __init__(self, data):
        self.stream = io.BytesIO(data)
        self.reads = 0

    def read(self, size=-1):
        self.reads += 1
        return self.stream.read(size)


@pytest.fixture
def downloads(monkeypatch):
    """URL -> (status, bytes); the calls made are recorded."""
    served = {}
    calls = []

    def fetch_url(module, url, timeout=None, **kwargs):
        calls.append(url)
        status, data = served.get(url, (404, b""))
        if status != 200:
            return None, {"status": status, "msg": "HTTP Error %s: Not Found" % status, "url": url}
        return FakeDownload(data), {"status": 200, "msg": "OK", "url": url}

    monkeypatch.setattr(glance_image, "fetch_url", fetch_url)
    served["calls"] = calls
    return served


def base(**params):
    params.setdefault("name", "debian-12-lab")
    return params


# --- create --------------------------------------------------------------------------------------

def test_create_streams_the_file_and_waits_for_active(glance, run, image_file):
    result = run(base(filename=image_file, disk_format="qcow2", visibility="public",
                      properties={"os_distro": "debian", "hw_rng_model": "virtio"}))

    assert not result.get("failed"), result.get("msg")
    assert result["changed"] is True
    assert [(c.method, c.path.split("?")[0]) for c in glance.image_writes] == [
        ("POST", "v2/images"), ("PUT", "v2/images/img-0001/file")]
    assert glance.image_writes[0].json == {"name": "debian-12-lab", "disk_format": "qcow2",
                                           "container_format": "bare", "visibility": "public",
                                           "os_distro": "debian", "hw_rng_model": "virtio"}
    stored = glance.named_images("debian-12-lab")[0]
    assert glance.blobs[stored["id"]] == DATA
    assert max(glance.read_sizes) <= 8192 and len(glance.read_sizes) > 10  # streamed, not read whole
    image = result["image"]
    assert image["status"] == "active"
    assert image["size"] == len(DATA)
    assert image["os_hash_value"] == sha512(DATA)
    assert image["checksum"] == hashlib.md5(DATA).hexdigest()
    assert image["properties"] == {"os_distro": "debian", "hw_rng_model": "virtio"}
    assert image["owner"] == CALLER_PROJECT


def test_create_defaults_to_raw_bare(glance, run, image_file):
    result = run(base(filename=image_file))

    assert result["changed"] is True
    assert result["image"]["disk_format"] == "raw"
    assert result["image"]["container_format"] == "bare"


def test_same_name_and_content_is_a_no_op(glance, run, image_file):
    glance.image("debian-12-lab", data=DATA, disk_format="qcow2", visibility="public", os_distro="debian")

    result = run(base(filename=image_file, disk_format="qcow2", visibility="public",
                      properties={"os_distro": "debian"}))

    assert result["changed"] is False
    assert glance.image_writes == []
    assert result["image"]["os_hash_value"] == sha512(DATA)


def test_check_mode_predicts_the_upload_and_writes_nothing(glance, run, image_file):
    result = run(base(filename=image_file), check_mode=True, diff=True)

    assert result["changed"] is True
    assert glance.image_writes == []
    assert result["image"]["os_hash_value"] == sha512(DATA)
    assert result["image"]["size"] == len(DATA)
    assert result["diff"]["before"] == {}
    assert result["diff"]["after"]["status"] == "active"


def test_diff_shows_before_and_after(glance, run, image_file):
    glance.image("debian-12-lab", data=DATA, visibility="private")

    result = run(base(filename=image_file, visibility="shared", min_ram=256), diff=True)

    assert result["diff"]["before"]["visibility"] == "private"
    assert result["diff"]["after"]["visibility"] == "shared"
    assert result["diff"]["after"]["min_ram"] == 256


def test_the_password_is_never_in_the_result(glance, run, image_file):
    result = run(base(filename=image_file), diff=True)

    assert_not_shown(result, ADMIN_PASSWORD)


# --- metadata ------------------------------------------------------------------------------------

def test_metadata_is_patched_not_uploaded(glance, run, image_file):
    image = glance.image("debian-12-lab", data=DATA, visibility="private", os_distro="debian", keep="me")

    result = run(base(filename=image_file, visibility="public", protected=True, min_disk=2,
                      properties={"os_distro": "debian", "hw_disk_bus": "virtio"}))

    assert result["changed"] is True
    assert [(c.method, c.path) for c in glance.image_writes] == [("PATCH", "v2/images/%s" % image["id"])]
    assert glance.image_writes[0].json == [
        {"op": "replace", "path": "/visibility", "value": "public"},
        {"op": "replace", "path": "/protected", "value": True},
        {"op": "replace", "path": "/min_disk", "value": 2},
        {"op": "add", "path": "/hw_disk_bus", "value": "virtio"},
    ]
    assert image["keep"] == "me"  # properties not given are left alone
    assert result["image"]["properties"]["hw_disk_bus"] == "virtio"


def test_metadata_without_a_source(glance, run):
    image = glance.image("debian-12-lab", data=DATA, tier="gold")

    result = run(base(properties={"tier": 3}))

    assert result["changed"] is True
    assert glance.image_writes[0].json == [{"op": "replace", "path": "/tier", "value": "3"}]
    assert image["tier"] == "3"


def test_metadata_check_mode_predicts_the_patch(glance, run):
    image = glance.image("debian-12-lab", data=DATA, visibility="private")

    result = run(base(visibility="public"), check_mode=True)

    assert result["changed"] is True
    assert result["image"]["visibility"] == "public"
    assert image["visibility"] == "private"
    assert glance.image_writes == []


# --- other content -------------------------------------------------------------------------------

def test_other_content_fails_by_default_naming_both_checksums(glance, run, other_file):
    glance.image("debian-12-lab", data=DATA)

    result = run(base(filename=other_file))

    assert result["failed"] is True
    assert "holds other content" in result["msg"]
    assert sha512(DATA) in result["msg"] and sha512(OTHER) in result["msg"]
    assert "on_content_change: replace" in result["msg"]
    assert glance.image_writes == []


def test_other_content_replace_uploads_then_deletes_the_old(glance, run, other_file):
    old = glance.image("debian-12-lab", data=DATA, visibility="public", min_ram=128, os_distro="debian")

    result = run(base(filename=other_file, on_content_change="replace", properties={"os_distro": "debian"}))

    assert result["changed"] is True
    assert result["replaced"] == old["id"]
    assert [c.method for c in glance.image_writes] == ["POST", "PUT", "DELETE"]
    (new,) = glance.named_images("debian-12-lab")
    assert glance.blobs[new["id"]] == OTHER
    assert new["visibility"] == "public" and new["min_ram"] == 128  # kept from the old image


def test_other_content_replace_in_check_mode(glance, run, other_file):
    glance.image("debian-12-lab", data=DATA)

    result = run(base(filename=other_file, on_content_change="replace"), check_mode=True)

    assert result["changed"] is True
    assert result["image"]["os_hash_value"] == sha512(OTHER)
    assert glance.image_writes == []


def test_a_protected_image_is_not_replaced(glance, run, other_file):
    glance.image("debian-12-lab", data=DATA, protected=True)

    result = run(base(filename=other_file, on_content_change="replace"))

    assert result["failed"] is True
    assert "protected" in result["msg"]
    assert glance.image_writes == []


def test_other_content_keep_only_updates_metadata(glance, run, other_file):
    image = glance.image("debian-12-lab", data=DATA)

    result = run(base(filename=other_file, on_content_change="keep", min_ram=64))

    assert result["changed"] is True
    assert [c.method for c in glance.image_writes] == ["PATCH"]
    assert glance.blobs[image["id"]] == DATA


def test_other_disk_format_is_other_content(glance, run, image_file):
    glance.image("debian-12-lab", data=DATA, disk_format="raw")

    failed = run(base(filename=image_file, disk_format="qcow2"))
    assert failed["failed"] is True
    assert "disk_format raw, not qcow2" in failed["msg"]
    assert glance.image_writes == []

    replaced = run(base(filename=image_file, disk_format="qcow2", on_content_change="replace"))
    assert replaced["changed"] is True
    assert glance.named_images("debian-12-lab")[0]["disk_format"] == "qcow2"


def test_other_disk_format_without_a_source_fails(glance, run):
    glance.image("debian-12-lab", data=DATA, disk_format="raw")

    result = run(base(disk_format="qcow2"))

    assert result["failed"] is True
    assert "fixed at upload" in result["msg"]
    assert glance.image_writes == []


def test_a_leftover_queued_image_is_uploaded_again(glance, run, image_file):
    leftover = glance.image("debian-12-lab")  # queued, no data: an interrupted upload

    result = run(base(filename=image_file))

    assert result["changed"] is True
    assert result["replaced"] == leftover["id"]
    assert [i["status"] for i in glance.named_images("debian-12-lab")] == ["active"]


def test_a_protected_leftover_is_refused_before_any_write(glance, run, image_file):
    glance.image("debian-12-lab", protected=True)

    result = run(base(filename=image_file))

    assert result["failed"] is True
    assert "is protected and cannot be replaced" in result["msg"]
    assert glance.image_writes == []


def test_a_leftover_queued_image_without_a_source_fails(glance, run):
    glance.image("debian-12-lab")

    result = run(base())

    assert result["failed"] is True
    assert "without content" in result["msg"]


# --- bad input, before any write ----------------------------------------------------------------

@pytest.mark.parametrize("params, message", [
    ({"filename": "/nonexistent/lab.qcow2"}, "does not exist"),
    ({"filename": "/"}, "is not a regular file"),
    ({"disk_format": "qcow3"}, "value of disk_format must be one of"),
    ({"container_format": "tar"}, "value of container_format must be one of"),
    ({"checksum": "sha256:xyz"}, "is not ALGORITHM:HEXDIGEST"),
    ({"checksum": "abc123"}, "names no algorithm"),
    ({"checksum": "whirlpool:abcd"}, "unknown algorithm"),
    ({"checksum": "sha256:abcd"}, "a sha256 digest has 64 hex digits"),
    ({"url": "http://mirror.example/x.img"}, "required by 'url': checksum"),
    ({"url": "file:///etc/passwd", "checksum": "md5:" + "0" * 32}, "is not an http(s) or ftp URL"),
    ({"filename": "/etc/hostname", "url": "http://x/y", "checksum": "md5:" + "0" * 32}, "mutually exclusive"),
    ({"min_disk": -1}, "min_disk must be 0 or more"),
    ({"properties": {"visibility": "public"}}, "Glance's own attributes"),
    ({"name": " "}, "name must not be empty"),
    ({}, "does not exist; give filename or url"),
])
def test_bad_input_fails_before_any_write(glance, run, params, message):
    result = run(base(**params))

    assert result["failed"] is True
    assert message in result["msg"]
    assert glance.image_writes == []


def test_checksum_mismatch_of_a_file(glance, run, image_file):
    result = run(base(filename=image_file, checksum="sha256:" + "0" * 64))

    assert result["failed"] is True
    assert "checksum mismatch" in result["msg"]
    assert hashlib.sha256(DATA).hexdigest() in result["msg"]
    assert glance.image_writes == []


def test_checksum_mismatch_is_caught_even_when_the_image_exists(glance, run, image_file):
    glance.image("debian-12-lab", data=DATA)

    result = run(base(filename=image_file, checksum="md5:" + "1" * 32))

    assert result["failed"] is True
    assert "checksum mismatch" in result["msg"]


def test_a_matching_checksum_of_a_file(glance, run, image_file):
    result = run(base(filename=image_file, checksum=hashlib.sha256(DATA).hexdigest()))

    assert result["changed"] is True


def test_two_images_of_that_name_fail(glance, run, image_file):
    glance.image("debian-12-lab", data=DATA)
    glance.image("debian-12-lab", data=DATA)

    result = run(base(filename=image_file))

    assert result["failed"] is True
    assert "2 images are named 'debian-12-lab'" in result["msg"]
    assert glance.image_writes == []


def test_images_of_other_projects_are_not_this_one(glance, run, image_file):
    glance.image("debian-12-lab", data=OTHER, owner="prj-other", visibility="public")

    result = run(base(filename=image_file))

    assert result["changed"] is True
    assert len(glance.named_images("debian-12-lab")) == 2


# --- URL -----------------------------------------------------------------------------------------

URL = "https://cloud.debian.org/images/cloud/bookworm/latest/debian-12-genericcloud-amd64.qcow2"


def test_url_is_downloaded_checked_uploaded_and_the_download_removed(glance, run, downloads, tmp_path,
                                                                     monkeypatch):
    downloads[URL] = (200, DATA)
    monkeypatch.setattr(glance_image.tempfile, "tempdir", str(tmp_path))
    seen = []
    real = glance_image.GlanceImageModule.upload

    def upload(self, body, path, digests, size):
        seen.append(path)
        return real(self, body, path, digests, size)

    monkeypatch.setattr(glance_image.GlanceImageModule, "upload", upload)

    result = run(base(url=URL, checksum="sha256:" + hashlib.sha256(DATA).hexdigest(), disk_format="qcow2"))

    assert result["changed"] is True
    assert downloads["calls"] == [URL]
    assert glance.blobs[result["image"]["id"]] == DATA
    assert seen and not os.path.exists(seen[0])


def test_url_answering_404_fails_before_any_write(glance, run, downloads):
    result = run(base(url=URL, checksum="sha512:" + "0" * 128))

    assert result["failed"] is True
    assert "answered HTTP 404" in result["msg"]
    assert glance.image_writes == []


def test_url_checksum_mismatch_fails_before_any_write(glance, run, downloads):
    downloads[URL] = (200, OTHER)

    result = run(base(url=URL, checksum="sha256:" + hashlib.sha256(DATA).hexdigest()))

    assert result["failed"] is True
    assert "checksum mismatch: the download of %s" % URL in result["msg"]
    assert glance.image_writes == []


def test_url_with_glance_s_own_checksum_needs_no_download(glance, run, downloads):
    glance.image("debian-12-lab", data=DATA)

    result = run(base(url=URL, checksum="sha512:" + sha512(DATA)))

    assert result["changed"] is False
    assert downloads["calls"] == []


def test_url_with_another_algorithm_is_downloaded_to_compare(glance, run, downloads):
    glance.image("debian-12-lab", data=DATA)
    downloads[URL] = (200, DATA)

    result = run(base(url=URL, checksum="sha256:" + hashlib.sha256(DATA).hexdigest()))

    assert result["changed"] is False
    assert downloads["calls"] == [URL]
    assert glance.image_writes == []


def test_url_with_a_new_sha512_replaces_after_downloading(glance, run, downloads):
    glance.image("debian-12-lab", data=DATA)
    downloads[URL] = (200, OTHER)

    result = run(base(url=URL, checksum="sha512:" + sha512(OTHER), on_content_change="replace"))

    assert result["changed"] is True
    assert downloads["calls"] == [URL]
    assert glance.blobs[glance.named_images("debian-12-lab")[0]["id"]] == OTHER


# --- kernel, ramdisk, owner -------------------------------------------------------------------------

def test_kernel_and_ramdisk_by_name(glance, run, image_file):
    kernel = glance.image("ttylinux-kernel", data=b"k", disk_format="aki", container_format="aki")
    ramdisk = glance.image("ttylinux-ramdisk", data=b"r", disk_format="ari", container_format="ari")

    result = run(base(name="ttylinux", filename=image_file, disk_format="ami", container_format="ami",
                      kernel="ttylinux-kernel", ramdisk="ttylinux-ramdisk"))

    assert result["changed"] is True
    assert glance.image_writes[0].json["kernel_id"] == kernel["id"]
    assert glance.image_writes[0].json["ramdisk_id"] == ramdisk["id"]
    assert result["image"]["kernel_id"] == kernel["id"]


def test_a_new_kernel_is_a_metadata_change(glance, run, image_file):
    glance.image("ttylinux", data=DATA, disk_format="ami", container_format="ami", kernel_id=None)
    kernel = glance.image("ttylinux-kernel", data=b"k", disk_format="aki")

    result = run(base(name="ttylinux", filename=image_file, kernel="ttylinux-kernel"))

    assert result["changed"] is True
    assert glance.image_writes[0].json == [{"op": "add", "path": "/kernel_id", "value": kernel["id"]}]


def test_kernel_not_found_fails_before_any_write(glance, run, image_file):
    result = run(base(filename=image_file, kernel="vmlinuz-missing"))

    assert result["failed"] is True
    assert "kernel image 'vmlinuz-missing' not found" in result["msg"]
    assert glance.image_writes == []


def test_ambiguous_ramdisk_fails(glance, run, image_file):
    glance.image("initrd", data=b"a", owner="prj-a", visibility="public")
    glance.image("initrd", data=b"b", owner="prj-b", visibility="public")

    result = run(base(filename=image_file, ramdisk="initrd"))

    assert result["failed"] is True
    assert "2 images are named 'initrd'" in result["msg"]


def test_the_owner_s_own_kernel_wins_over_another_project_s(glance, run, image_file):
    glance.image("vmlinuz", data=b"a", owner="prj-other", visibility="public")
    mine = glance.image("vmlinuz", data=b"b")

    result = run(base(filename=image_file, kernel="vmlinuz"))

    assert result["image"]["kernel_id"] == mine["id"]


def test_owner_by_name(glance, run, image_file):
    demo = glance.project("demo")

    result = run(base(filename=image_file, owner="demo"))

    assert result["changed"] is True
    assert glance.image_writes[0].json["owner"] == demo["id"]
    assert result["image"]["owner"] == demo["id"]


def test_owner_not_found_fails_before_any_write(glance, run, image_file):
    result = run(base(filename=image_file, owner="nobody"))

    assert result["failed"] is True
    assert "owner 'nobody' does not exist" in result["msg"]
    assert glance.image_writes == []


# --- failed uploads leave nothing behind -----------------------------------------------------------

@pytest.mark.parametrize("fault", ["http-500", "other-bytes", "killed"])
def test_a_failed_upload_deletes_the_new_image(glance, run, image_file, fault):
    if fault == "http-500":
        glance.upload_error = FakeResponse(500, {"message": "store full"})
    elif fault == "other-bytes":
        glance.stored_bytes = b"truncated"
    else:
        glance.final_status = "killed"

    result = run(base(filename=image_file))

    assert result["failed"] is True
    assert "the new image was deleted" in result["msg"]
    assert glance.images == []
    assert [c.method for c in glance.image_writes][-1] == "DELETE"


def test_the_upload_is_never_retried(glance, run, image_file):
    run(base(filename=image_file))

    assert glance.unexpected == []  # the fake records a PUT sent with retries


# --- absent ----------------------------------------------------------------------------------------

def test_absent_deletes(glance, run):
    image = glance.image("debian-12-lab", data=DATA)

    result = run(base(state="absent"), diff=True)

    assert result["changed"] is True
    assert glance.images == []
    assert result["diff"]["before"]["id"] == image["id"]
    assert result["image"] is None


def test_absent_when_missing_changes_nothing(glance, run):
    result = run(base(state="absent"))

    assert result["changed"] is False
    assert glance.image_writes == []


def test_absent_in_check_mode(glance, run):
    glance.image("debian-12-lab", data=DATA)

    result = run(base(state="absent"), check_mode=True)

    assert result["changed"] is True
    assert len(glance.images) == 1


def test_absent_refuses_a_protected_image(glance, run):
    glance.image("debian-12-lab", data=DATA, protected=True)

    result = run(base(state="absent"))

    assert result["failed"] is True
    assert "is protected" in result["msg"]
    assert len(glance.images) == 1


# --- one pass over the file -------------------------------------------------------------------------

def test_a_first_upload_reads_the_file_once(glance, run, image_file, monkeypatch):
    hashed = []
    monkeypatch.setattr(glance_image, "hash_file", lambda *a, **k: hashed.append(a) or ({}, 0))

    result = run(base(filename=image_file))

    assert result["changed"] is True
    assert hashed == []  # hashed on its way to Glance, not before
    assert result["image"]["os_hash_value"] == sha512(DATA)


def test_a_file_that_changes_during_the_upload_is_not_kept(glance, run, image_file, monkeypatch):
    real_getsize = glance_image.os.path.getsize
    monkeypatch.setattr(glance_image.os.path, "getsize", lambda p: real_getsize(p) + 1)

    result = run(base(filename=image_file))

    assert result["failed"] is True
    assert "changed while it was uploaded" in result["msg"]
    assert glance.images == []


def test_glance_hashing_with_another_algorithm(glance, run, image_file, other_file):
    glance.hash_algo = "sha384"

    created = run(base(filename=image_file))
    again = run(base(filename=image_file))
    other = run(base(filename=other_file))

    assert created["changed"] is True and created["image"]["os_hash_algo"] == "sha384"
    assert again["changed"] is False  # compared through sha384, computed for that image
    assert other["failed"] is True and hashlib.sha384(OTHER).hexdigest() in other["msg"]
