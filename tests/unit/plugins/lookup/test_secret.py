# -*- coding: utf-8 -*-
# Copyright: lab.openstack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import json
import multiprocessing
import os
import stat
import subprocess
import sys
import textwrap
import time

import pytest

from ansible_collections.lab.openstack.plugins.lookup import secret

ALPHANUMERIC = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


# --- parse / render / generate ---------------------------------------------------------------

def test_parse():
    text = ("# a comment\n"
            "\n"
            "mysql_root: abc123\n"
            "   # an indented comment\n"
            "  rabbit_openstack :  'Quoted9'  \n"
            'keystone_admin: "dq"\n')
    assert secret.parse(text) == {"mysql_root": "abc123", "rabbit_openstack": "Quoted9", "keystone_admin": "dq"}


def test_parse_empty():
    assert secret.parse("") == {}
    assert secret.parse(secret.HEADER) == {}


@pytest.mark.parametrize("line", [
    "no_separator",
    "name:",                      # no value
    "name: ''",                   # empty value
    ": value",                    # no name
    "9name: value",               # name starting with a digit
    "bad-name: value",
    "name: has space",
    "name: not-alnum",
    "name: a:b",
])
def test_parse_rejects_malformed_line(line):
    with pytest.raises(ValueError, match=r"^/x/secrets\.yml line 3 is not 'name: value'"):
        secret.parse("# header\nok: fine\n%s\n" % line, "/x/secrets.yml")


def test_parse_default_path_in_message():
    with pytest.raises(ValueError, match=r"^secrets file line 1 "):
        secret.parse("garbage\n")


def test_render_is_sorted_with_header_and_parses_back():
    values = {"zeta": "Z1", "alpha": "A1", "mid_dle": "M1"}
    text = secret.render(values)
    assert text == secret.HEADER + "alpha: A1\nmid_dle: M1\nzeta: Z1\n"
    assert secret.parse(text) == values


@pytest.mark.parametrize("length", [16, 32, 64])
def test_generate(length):
    values = {secret.generate(length) for _attempt in range(20)}
    assert len(values) == 20  # random: no repeat
    for value in values:
        assert len(value) == length
        assert set(value) <= ALPHANUMERIC


# --- fetch ---------------------------------------------------------------------------------------

def test_fetch_generates_missing_names(tmp_path):
    path = str(tmp_path / "lab.secrets.yml")
    first = secret.fetch(path, ["mysql_root", "rabbit_openstack"])
    assert len(first) == 2 and first[0] != first[1]
    assert all(len(v) == 32 and set(v) <= ALPHANUMERIC for v in first)
    with open(path) as handle:
        assert secret.parse(handle.read()) == {"mysql_root": first[0], "rabbit_openstack": first[1]}


def test_fetch_reuses_existing_values(tmp_path):
    path = tmp_path / "lab.secrets.yml"
    path.write_text("# kept\nmysql_root: Existing1234567890\n")
    os.chmod(path, 0o600)
    assert secret.fetch(str(path), ["mysql_root"]) == ["Existing1234567890"]
    assert path.read_text() == "# kept\nmysql_root: Existing1234567890\n"  # not rewritten


def test_fetch_keeps_old_values_when_adding(tmp_path):
    path = tmp_path / "lab.secrets.yml"
    path.write_text("old_one: Existing1234567890\n")
    old, new = secret.fetch(str(path), ["old_one", "new_one"])
    assert old == "Existing1234567890"
    assert secret.parse(path.read_text()) == {"old_one": "Existing1234567890", "new_one": new}
    assert secret.fetch(str(path), ["new_one", "old_one", "new_one"]) == [new, old, new]


def test_fetch_same_name_twice_in_one_call(tmp_path):
    first, second = secret.fetch(str(tmp_path / "s.yml"), ["twice", "twice"])
    assert first == second


def test_fetch_creates_file_mode_0600_and_directories(tmp_path):
    path = tmp_path / "secrets" / "deep" / "lab.secrets.yml"
    secret.fetch(str(path), ["a_name"])
    assert mode(path) == 0o600
    assert mode(tmp_path / "secrets" / "deep") == 0o700
    assert [p.name for p in path.parent.iterdir() if p.name.startswith(".secrets.")] == []  # no temp file left


def test_fetch_tightens_an_existing_open_file(tmp_path):
    path = tmp_path / "lab.secrets.yml"
    path.write_text("name: Value1234567890abcd\n")
    os.chmod(path, 0o644)
    assert secret.fetch(str(path), ["name"]) == ["Value1234567890abcd"]
    assert mode(path) == 0o600


def test_fetch_rewrites_mode_0600_when_adding(tmp_path):
    path = tmp_path / "lab.secrets.yml"
    path.write_text("name: Value1234567890abcd\n")
    os.chmod(path, 0o644)
    secret.fetch(str(path), ["other"])
    assert mode(path) == 0o600


def test_fetch_creates_the_file_even_with_no_name(tmp_path):
    path = tmp_path / "lab.secrets.yml"
    assert secret.fetch(str(path), []) == []
    assert path.read_text() == secret.HEADER
    assert mode(path) == 0o600


@pytest.mark.parametrize("name", ["", None, "bad-name", "1abc", "with space", "dotted.name", "é"])
def test_fetch_rejects_bad_names(tmp_path, name):
    path = tmp_path / "lab.secrets.yml"
    with pytest.raises(ValueError, match="must be letters, digits and underscores"):
        secret.fetch(str(path), ["good", name])
    assert not path.exists()  # nothing generated for the good name either


def test_fetch_rejects_name_with_trailing_newline(tmp_path):
    path = tmp_path / "lab.secrets.yml"
    try:
        secret.fetch(str(path), ["abc\n"])
    except ValueError:
        pass
    assert secret.fetch(str(path), ["other"])  # the file can still be read


def test_fetch_rejects_a_name_that_is_not_a_string(tmp_path):
    with pytest.raises(ValueError, match="must be letters, digits and underscores"):
        secret.fetch(str(tmp_path / "lab.secrets.yml"), [5])


@pytest.mark.parametrize("length", [0, 8, 15])
def test_fetch_rejects_short_length(tmp_path, length):
    path = tmp_path / "lab.secrets.yml"
    with pytest.raises(ValueError, match="length %d is too short" % length):
        secret.fetch(str(path), ["name"], length)
    assert not path.exists()


def test_fetch_length(tmp_path):
    path = str(tmp_path / "lab.secrets.yml")
    assert [len(v) for v in secret.fetch(path, ["short"], 16)] == [16]
    assert [len(v) for v in secret.fetch(path, ["long"], 100)] == [100]
    assert len(secret.fetch(path, ["short"], 100)[0]) == 16  # an existing value keeps its length


def test_fetch_rejects_malformed_file(tmp_path):
    path = tmp_path / "lab.secrets.yml"
    path.write_text("good: Value1234567890abcd\nthis is not a secret\n")
    with pytest.raises(ValueError, match=r"lab\.secrets\.yml line 2 is not 'name: value'"):
        secret.fetch(str(path), ["good"])
    assert path.read_text() == "good: Value1234567890abcd\nthis is not a secret\n"  # left alone


# --- several processes at once -------------------------------------------------------------------

def _fetch_in_child(path, names, barrier, queue):
    real_generate = secret.generate

    def slow_generate(length):
        # Yield the CPU between reading the file and writing it back: without the lock, the
        # other processes would read the old file meanwhile and generate their own values.
        time.sleep(0.005)
        return real_generate(length)

    secret.generate = slow_generate  # in this forked child only
    try:
        barrier.wait(10)
        queue.put(("ok", names, secret.fetch(path, names)))
    except Exception as exc:  # reported to the parent, which fails the test
        queue.put(("error", names, repr(exc)))


def test_concurrent_fetches_agree(tmp_path):
    context = multiprocessing.get_context("fork")
    path = str(tmp_path / "lab.secrets.yml")
    names = ["mysql_root", "mysql_keystone", "rabbit_openstack", "keystone_admin"]
    # Second round: the file exists, and two new names are asked by everyone at once again.
    for wanted in (names, names + ["late_one", "late_two"]):
        barrier, queue = context.Barrier(4), context.Queue()
        # Each process asks the same names, in its own order.
        workers = [context.Process(target=_fetch_in_child,
                                   args=(path, wanted[i:] + wanted[:i], barrier, queue)) for i in range(4)]
        for worker in workers:
            worker.start()
        results = [queue.get(timeout=20) for _worker in workers]
        for worker in workers:
            worker.join(10)
            assert worker.exitcode == 0
        assert [status for status, _names, _values in results] == ["ok"] * 4, results
        seen = [dict(zip(asked, values)) for _status, asked, values in results]
        with open(path) as handle:
            stored = secret.parse(handle.read())
        # One value per name: the one in the file, given to all four processes.
        assert sorted(stored) == sorted(wanted)
        assert seen == [stored] * 4
        assert len(set(stored.values())) == len(wanted)
    assert mode(path) == 0o600


# --- through ansible's lookup loader (in a subprocess: the collection loader is global state) ----

LOOKUP_SCRIPT = textwrap.dedent("""
    import json, sys
    from ansible.errors import AnsibleError
    from ansible.parsing.dataloader import DataLoader
    from ansible.plugins.loader import init_plugin_loader, lookup_loader
    from ansible.template import Templar

    collections, path = sys.argv[1:]
    init_plugin_loader([collections])
    loader = DataLoader()
    lookup = lookup_loader.get("lab.openstack.secret", loader=loader, templar=Templar(loader=loader))
    out = {"class": type(lookup).__module__ + "." + type(lookup).__name__}
    out["by_var"] = lookup.run(["mysql_root", "mysql_nova"], variables={"lab_secrets_file": path})
    out["by_option"] = lookup.run(["mysql_nova"], variables={}, file=path)
    out["long"] = lookup.run(["long_one"], variables={"lab_secrets_file": path}, length=40)
    for key, terms, kwargs in (("bad_name", ["bad-name"], {}), ("short", ["x"], {"length": 8})):
        try:
            lookup.run(terms, variables={"lab_secrets_file": path}, **kwargs)
            out[key] = None
        except AnsibleError as exc:
            out[key] = str(exc)
    print(json.dumps(out))
""")


def test_lookup_through_the_plugin_loader(tmp_path, collections_root):
    path = tmp_path / "lab.secrets.yml"
    proc = subprocess.run([sys.executable, "-c", LOOKUP_SCRIPT, str(collections_root), str(path)],
                          cwd=str(tmp_path), capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    stored = secret.parse(path.read_text())
    assert out["class"] == "ansible_collections.lab.openstack.plugins.lookup.secret.LookupModule"
    assert out["by_var"] == [stored["mysql_root"], stored["mysql_nova"]]
    assert out["by_option"] == [stored["mysql_nova"]]
    assert out["long"] == [stored["long_one"]] and len(stored["long_one"]) == 40
    assert len(stored["mysql_root"]) == 32
    assert out["bad_name"] == "lab.openstack.secret: secret name 'bad-name' must be letters, digits and underscores"
    assert out["short"] == "lab.openstack.secret: length 8 is too short for a generated secret (16 at least)"
    assert mode(path) == 0o600
