# -*- coding: utf-8 -*-
# Copyright: lab.openstack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""lab.openstack.nova_keypair end to end through main(), on a fake Nova and Keystone."""

from __future__ import annotations

import base64
import hashlib
import struct

import pytest

from ansible_collections.lab.openstack.plugins.modules import nova_keypair
from ansible_collections.lab.openstack.tests.unit.plugins.modules.fake_keystone import AUTH, run_module
from ansible_collections.lab.openstack.tests.unit.plugins.modules.fake_nova import (
    FakeNova, install_session, nova_error)

DEMO_AUTH = dict(AUTH, username="demo", password="demo-pw", project_name="demo")


def ssh_string(data):
    data = data.encode() if isinstance(data, str) else data
    return struct.pack(">I", len(data)) + data


def blob(*fields):
    return base64.b64encode(b"".join(ssh_string(f) for f in fields)).decode()


ED25519 = blob("ssh-ed25519", b"\x11" * 32)
ED25519_OTHER = blob("ssh-ed25519", b"\x22" * 32)
RSA = blob("ssh-rsa", b"\x01\x00\x01", b"\x00" + b"\xc3" * 256)
ECDSA = blob("ecdsa-sha2-nistp256", "nistp256", b"\x04" + b"\x33" * 64)


def md5(blob_text):
    digest = hashlib.md5(base64.b64decode(blob_text)).hexdigest()
    return ":".join(digest[i:i + 2] for i in range(0, 32, 2))


@pytest.fixture
def nova(monkeypatch):
    fake = FakeNova()
    install_session(monkeypatch, fake)
    yield fake
    assert fake.unexpected == [], "requests the fake Nova does not know"


@pytest.fixture
def run(monkeypatch, nova):
    def runner(params, check_mode=False, diff=False):
        params = dict(params)
        params.setdefault("auth", dict(DEMO_AUTH))
        return run_module(monkeypatch, nova_keypair, params, check_mode=check_mode, diff=diff)

    return runner


def writes(nova):
    return [(c.method, c.path) for c in nova.nova_writes]


# --- import -----------------------------------------------------------------------------------

def test_import_as_the_calling_user(nova, run):
    result = run({"name": "mykey", "public_key": "ssh-ed25519 %s root@controller\n" % ED25519})

    assert not result.get("failed"), result.get("msg")
    assert result["changed"] is True
    assert writes(nova) == [("POST", "os-keypairs")]
    assert nova.nova_writes[0].json == {"keypair": {
        "name": "mykey", "public_key": "ssh-ed25519 %s root@controller" % ED25519, "type": "ssh"}}
    assert nova.keypair_of("demo", "mykey")["public_key"].split()[1] == ED25519
    assert nova.keypair_of("admin", "mykey") is None
    assert result["keypair"] == {"name": "mykey", "type": "ssh", "fingerprint": md5(ED25519),
                                 "public_key": "ssh-ed25519 %s root@controller" % ED25519}
    assert result["keypair"]["fingerprint"] == nova.keypair_of("demo", "mykey")["fingerprint"]
    assert set(nova.microversions) == {("compute", "2.79")}


def test_import_from_a_file_on_the_host(nova, run, tmp_path):
    path = tmp_path / "id_rsa.pub"
    path.write_text("ssh-rsa %s me@laptop\n" % RSA)

    result = run({"name": "laptop", "public_key_file": str(path)})

    assert result["changed"] is True
    assert nova.keypair_of("demo", "laptop")["public_key"] == "ssh-rsa %s me@laptop" % RSA
    assert result["keypair"]["fingerprint"] == md5(RSA)


def test_an_ecdsa_key_without_comment(nova, run):
    result = run({"name": "ec", "public_key": "ecdsa-sha2-nistp256 %s" % ECDSA})

    assert result["changed"] is True
    assert nova.keypair_of("demo", "ec")["public_key"] == "ecdsa-sha2-nistp256 %s" % ECDSA


def test_spaces_are_normalised_because_nova_splits_on_one(nova, run):
    run({"name": "mykey", "public_key": "  ssh-ed25519 \t %s   root at   controller  " % ED25519})

    assert nova.keypair_of("demo", "mykey")["public_key"] == "ssh-ed25519 %s root at   controller" % ED25519


def test_each_user_has_their_own_keypairs(nova, run):
    nova.keypair("mykey", "ssh-ed25519 %s admin" % ED25519_OTHER, user="admin")

    result = run({"name": "mykey", "public_key": "ssh-ed25519 %s demo" % ED25519})

    assert result["changed"] is True
    assert nova.keypair_of("admin", "mykey")["public_key"].split()[1] == ED25519_OTHER
    assert nova.keypair_of("demo", "mykey")["public_key"].split()[1] == ED25519


def test_the_same_key_with_another_comment_changes_nothing(nova, run):
    nova.keypair("mykey", "ssh-ed25519 %s old-comment" % ED25519, user="demo")

    result = run({"name": "mykey", "public_key": "ssh-ed25519 %s new-comment" % ED25519})

    assert result["changed"] is False
    assert nova.nova_writes == []
    assert result["keypair"]["public_key"] == "ssh-ed25519 %s old-comment" % ED25519


def test_second_run_changes_nothing(nova, run):
    params = {"name": "mykey", "public_key": "ssh-ed25519 %s me" % ED25519}
    first = run(params)

    second = run(params)

    assert first["changed"] is True and second["changed"] is False
    assert len(nova.nova_writes) == 1
    assert second["keypair"] == first["keypair"]


# --- another key -----------------------------------------------------------------------------

def test_another_key_fails_showing_both_fingerprints(nova, run):
    nova.keypair("mykey", "ssh-ed25519 %s me" % ED25519_OTHER, user="demo")

    result = run({"name": "mykey", "public_key": "ssh-ed25519 %s me" % ED25519})

    assert result["failed"] is True
    assert md5(ED25519_OTHER) in result["msg"] and md5(ED25519) in result["msg"]
    assert "on_change: replace" in result["msg"]
    assert nova.nova_writes == []
    assert nova.keypair_of("demo", "mykey")["public_key"].split()[1] == ED25519_OTHER


def test_replace_deletes_and_imports_again(nova, run):
    nova.keypair("mykey", "ssh-ed25519 %s me" % ED25519_OTHER, user="demo")

    result = run({"name": "mykey", "public_key": "ssh-rsa %s me" % RSA, "on_change": "replace"}, diff=True)

    assert result["changed"] is True
    assert writes(nova) == [("DELETE", "os-keypairs/mykey"), ("POST", "os-keypairs")]
    assert nova.keypair_of("demo", "mykey")["public_key"] == "ssh-rsa %s me" % RSA
    assert result["diff"]["before"]["fingerprint"] == md5(ED25519_OTHER)
    assert result["diff"]["after"]["fingerprint"] == md5(RSA)


def test_replace_check_mode_writes_nothing(nova, run):
    nova.keypair("mykey", "ssh-ed25519 %s me" % ED25519_OTHER, user="demo")

    result = run({"name": "mykey", "public_key": "ssh-ed25519 %s me" % ED25519, "on_change": "replace"},
                 check_mode=True)

    assert result["changed"] is True
    assert result["keypair"]["fingerprint"] == md5(ED25519)
    assert nova.nova_writes == []
    assert nova.keypair_of("demo", "mykey")["public_key"].split()[1] == ED25519_OTHER


def test_check_mode_import_predicts_nova_s_fingerprint(nova, run):
    result = run({"name": "mykey", "public_key": "ssh-ed25519 %s me" % ED25519}, check_mode=True, diff=True)

    assert result["changed"] is True
    assert nova.nova_writes == []
    assert nova.keypairs.get("demo", {}) == {}
    assert result["diff"]["before"] == {}
    assert result["diff"]["after"] == {"name": "mykey", "type": "ssh", "fingerprint": md5(ED25519),
                                       "public_key": "ssh-ed25519 %s me" % ED25519}


def test_a_key_with_a_name_nova_needs_quoted(nova, run):
    nova.keypair("my key", "ssh-ed25519 %s me" % ED25519_OTHER, user="demo")

    result = run({"name": "my key", "public_key": "ssh-ed25519 %s me" % ED25519, "on_change": "replace"})

    assert result["changed"] is True
    assert writes(nova) == [("DELETE", "os-keypairs/my%20key"), ("POST", "os-keypairs")]


# --- absent ------------------------------------------------------------------------------------

def test_absent_deletes_without_a_key(nova, run):
    nova.keypair("mykey", "ssh-ed25519 %s me" % ED25519, user="demo")

    result = run({"name": "mykey", "state": "absent"}, diff=True)

    assert result["changed"] is True
    assert writes(nova) == [("DELETE", "os-keypairs/mykey")]
    assert nova.keypair_of("demo", "mykey") is None
    assert result["keypair"] is None
    assert result["diff"]["after"] == {}


def test_absent_touches_only_the_caller_s_keypair(nova, run):
    nova.keypair("mykey", "ssh-ed25519 %s me" % ED25519, user="admin")

    result = run({"name": "mykey", "state": "absent"})

    assert result["changed"] is False
    assert nova.keypair_of("admin", "mykey") is not None
    assert nova.nova_writes == []


def test_absent_check_mode_writes_nothing(nova, run):
    nova.keypair("mykey", "ssh-ed25519 %s me" % ED25519, user="demo")

    result = run({"name": "mykey", "state": "absent"}, check_mode=True)

    assert result["changed"] is True
    assert nova.keypair_of("demo", "mykey") is not None
    assert nova.nova_writes == []


# --- bad input ----------------------------------------------------------------------------------

@pytest.mark.parametrize("key, msg", [
    ("", "public_key is empty"),
    ("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjE=\n-----END OPENSSH PRIVATE KEY-----",
     "is a private key"),
    ("ssh-ed25519 %s a\nssh-ed25519 %s b" % (ED25519, ED25519_OTHER), "holds 2 lines"),
    ("ssh-ed25519", "is not an OpenSSH public key"),
    ("ssh-dss AAAAB3NzaC1kc3M= me", "key type 'ssh-dss' is not supported"),
    ("ssh-ed25519 not*base64 me", "base64 blob does not decode"),
    ("ssh-ed25519 %s me" % ED25519[:-8], "does not decode"),
    ("ssh-rsa %s me" % ED25519, "the line says ssh-rsa but its blob holds a ssh-ed25519 key"),
    ("ssh-ed25519 %s me" % blob("ssh-ed25519", b"\x11" * 31), "an ssh-ed25519 key is 32 bytes, not 31"),
    ("ssh-ed25519 %s me" % blob("ssh-ed25519"), "has 1 fields instead of 2"),
    ("ssh-rsa %s me" % blob("ssh-rsa", b"\x01\x00\x01"), "has 2 fields instead of 3"),
    ("ecdsa-sha2-nistp384 %s me" % blob("ecdsa-sha2-nistp384", "nistp256", b"\x04" + b"\x33" * 64),
     "is for curve nistp256"),
])
def test_a_bad_key_fails_before_any_request(nova, run, key, msg):
    result = run({"name": "mykey", "public_key": key})

    assert result["failed"] is True
    assert msg in result["msg"]
    assert nova.nova_calls == []


@pytest.mark.parametrize("name", ["", "my.key", "me@lab", " lead", "x" * 256])
def test_a_bad_name_fails_before_any_request(nova, run, name):
    result = run({"name": name, "public_key": "ssh-ed25519 %s me" % ED25519})

    assert result["failed"] is True
    assert "must be 1 to 255 letters" in result["msg"]
    assert nova.nova_calls == []


def test_a_missing_file_fails(nova, run, tmp_path):
    result = run({"name": "mykey", "public_key_file": str(tmp_path / "nope.pub")})

    assert result["failed"] is True
    assert "nope.pub does not exist" in result["msg"]
    assert nova.nova_calls == []


def test_a_huge_file_fails(nova, run, tmp_path):
    path = tmp_path / "big.pub"
    path.write_bytes(b"x" * (nova_keypair.MAX_KEY_FILE + 1))

    result = run({"name": "mykey", "public_key_file": str(path)})

    assert result["failed"] is True
    assert "too big for a public key" in result["msg"]
    assert nova.nova_calls == []


def test_a_binary_file_fails(nova, run, tmp_path):
    path = tmp_path / "key.pub"
    path.write_bytes(b"\xff\xfe\x00binary")

    result = run({"name": "mykey", "public_key_file": str(path)})

    assert result["failed"] is True
    assert "is not text" in result["msg"]
    assert nova.nova_calls == []


def test_a_file_with_a_bad_key_names_the_file(nova, run, tmp_path):
    path = tmp_path / "id.pub"
    path.write_text("ssh-rsa %s me\n" % ED25519)

    result = run({"name": "mykey", "public_key_file": str(path)})

    assert result["failed"] is True
    assert "public_key_file %s: the line says ssh-rsa" % path in result["msg"]


@pytest.mark.parametrize("params, msg", [
    ({"name": "mykey"}, "state is present but any of the following are missing: public_key, public_key_file"),
    ({"name": "mykey", "public_key": "x", "public_key_file": "/x"}, "mutually exclusive"),
])
def test_option_rules_fail_before_any_request(nova, run, params, msg):
    result = run(params)

    assert result["failed"] is True
    assert msg in result["msg"]
    assert nova.nova_calls == []


def test_a_nova_refusal_fails_with_its_message(nova, run):
    nova.answers[("POST", "os-keypairs")] = nova_error(403, "Quota exceeded, too many key pairs.")

    result = run({"name": "mykey", "public_key": "ssh-ed25519 %s me" % ED25519})

    assert result["failed"] is True
    assert "HTTP 403" in result["msg"] and "Quota exceeded" in result["msg"]
    assert nova.keypairs.get("demo", {}) == {}


# --- the key parser alone ---------------------------------------------------------------------------

def test_parse_returns_type_blob_and_comment():
    assert nova_keypair.parse_public_key("ssh-ed25519 %s a b c" % ED25519) == ("ssh-ed25519", ED25519, "a b c")


def test_fingerprint_is_nova_s():
    assert nova_keypair.fingerprint(RSA) == md5(RSA)


@pytest.mark.parametrize("public_key, same", [
    ("ssh-ed25519 %s x" % ED25519, True),
    ("ssh-ed25519 %s" % ED25519, True),
    ("ssh-ed25519 %s x" % ED25519_OTHER, False),
    ("ssh-rsa %s x" % ED25519, False),
    ("", False),
    (None, False),
])
def test_same_key_ignores_the_comment(public_key, same):
    assert nova_keypair.same_key(public_key, "ssh-ed25519", ED25519) is same
