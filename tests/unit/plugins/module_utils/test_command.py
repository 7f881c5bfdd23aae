# -*- coding: utf-8 -*-
# Copyright: lab.openstack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest

from ansible_collections.lab.openstack.plugins.module_utils.command import CommandError, CommandRunner


class FakeModule:
    """The part of AnsibleModule that CommandRunner uses; run_command answers from a table."""

    def __init__(self, results=None, check_mode=False):
        self.results = dict(results or {})
        self.check_mode = check_mode
        self.calls = []
        self.bin_requests = []

    def get_bin_path(self, arg, required=False, opt_dirs=None):
        self.bin_requests.append((arg, required))
        return "/usr/sbin/" + arg

    def run_command(self, args, check_rc=True, environ_update=None, **kwargs):
        self.calls.append({"args": args, "check_rc": check_rc, "environ_update": environ_update})
        key = tuple(args)
        if key not in self.results:
            raise AssertionError("unexpected command %r" % (args,))
        return self.results[key]


def test_binary_is_required():
    module = FakeModule()
    assert CommandRunner(module).binary("vgs") == "/usr/sbin/vgs"
    assert module.bin_requests == [("vgs", True)]


def test_read_returns_the_result_and_passes_argv_as_a_list():
    module = FakeModule({("/usr/sbin/vgs", "-o", "vg_name"): (0, "  vg0\n", "")})
    runner = CommandRunner(module, environ_update={"LC_ALL": "C"})
    assert runner.read(("/usr/sbin/vgs", "-o", "vg_name")) == (0, "  vg0\n", "")
    assert module.calls == [{"args": ["/usr/sbin/vgs", "-o", "vg_name"], "check_rc": False,
                             "environ_update": {"LC_ALL": "C"}}]
    assert runner.executed == []  # a read is not a change


def test_environ_update_is_copied():
    environ = {"LC_ALL": "C"}
    module = FakeModule({("true",): (0, "", "")})
    runner = CommandRunner(module, environ_update=environ)
    environ["LC_ALL"] = "fr_FR.UTF-8"
    runner.read(["true"])
    assert module.calls[0]["environ_update"] == {"LC_ALL": "C"}


def test_environ_update_defaults_to_empty():
    module = FakeModule({("true",): (0, "", "")})
    CommandRunner(module).read(["true"])
    assert module.calls[0]["environ_update"] == {}


def test_read_bad_rc_raises_command_error():
    argv = ["/usr/sbin/vgs", "--noheadings"]
    module = FakeModule({tuple(argv): (5, "partial\n", "  Volume group \"x\" not found\n")})
    with pytest.raises(CommandError) as info:
        CommandRunner(module).read(argv)
    error = info.value
    assert (error.argv, error.rc, error.stdout, error.stderr) == (
        argv, 5, "partial\n", "  Volume group \"x\" not found\n")
    assert str(error) == 'command /usr/sbin/vgs --noheadings failed (rc=5): Volume group "x" not found'


def test_read_allowed_rc():
    argv = ["/usr/sbin/blkid", "-p", "/dev/sdb"]
    runner = CommandRunner(FakeModule({tuple(argv): (2, "", "")}))
    assert runner.read(argv, allowed_rc=(0, 2)) == (2, "", "")
    with pytest.raises(CommandError):
        runner.read(argv)  # rc 2 is an error when only 0 is allowed


def test_read_rc_outside_allowed_rc():
    argv = ["/usr/sbin/blkid", "-p", "/dev/sdb"]
    runner = CommandRunner(FakeModule({tuple(argv): (4, "", "usage error")}))
    with pytest.raises(CommandError, match=r"rc=4\): usage error$"):
        runner.read(argv, allowed_rc=(0, 2))


@pytest.mark.parametrize("stdout, stderr, message", [
    ("out\n", "  err\n", "command a b failed (rc=3): err"),
    ("  out only \n", "", "command a b failed (rc=3): out only"),
    ("", "", "command a b failed (rc=3)"),
    (None, None, "command a b failed (rc=3)"),
])
def test_command_error_message(stdout, stderr, message):
    error = CommandError(("a", "b"), 3, stdout, stderr)
    assert error.message() == message
    assert str(error) == message
    assert error.argv == ["a", "b"]


def test_write_runs_and_records():
    module = FakeModule({("/usr/sbin/vgcreate", "-s", "4", "vg0", "/dev/sdb"): (0, "created", "")})
    runner = CommandRunner(module, environ_update={"LC_ALL": "C"})
    assert runner.write(["/usr/sbin/vgcreate", "-s", 4, "vg0", "/dev/sdb"]) == (0, "created", "")
    assert module.calls == [{"args": ["/usr/sbin/vgcreate", "-s", "4", "vg0", "/dev/sdb"], "check_rc": False,
                             "environ_update": {"LC_ALL": "C"}}]
    assert runner.executed == ["vgcreate -s 4 vg0 /dev/sdb"]


def test_write_records_in_order():
    module = FakeModule({("/usr/sbin/pvcreate", "-y", "/dev/sdb"): (0, "", ""),
                         ("/usr/sbin/vgcreate", "vg0", "/dev/sdb"): (0, "", "")})
    runner = CommandRunner(module)
    runner.write(["/usr/sbin/pvcreate", "-y", "/dev/sdb"])
    runner.write(["/usr/sbin/vgcreate", "vg0", "/dev/sdb"])
    assert runner.executed == ["pvcreate -y /dev/sdb", "vgcreate vg0 /dev/sdb"]


def test_write_in_check_mode_runs_nothing():
    module = FakeModule(check_mode=True)  # any command would be "unexpected"
    runner = CommandRunner(module)
    assert runner.write(["/usr/sbin/pvcreate", "-y", "/dev/sdb"]) == (0, "", "")
    assert runner.write(["/usr/sbin/vgcreate", "vg0", "/dev/sdb"]) == (0, "", "")
    assert module.calls == []
    assert runner.executed == ["pvcreate -y /dev/sdb", "vgcreate vg0 /dev/sdb"]


def test_read_in_check_mode_still_runs():
    module = FakeModule({("/usr/sbin/vgs",): (0, "vg0\n", "")}, check_mode=True)
    assert CommandRunner(module).read(["/usr/sbin/vgs"]) == (0, "vg0\n", "")
    assert len(module.calls) == 1


def test_failed_write_is_recorded_and_raises():
    module = FakeModule({("/usr/sbin/vgremove", "vg0"): (5, "", "  Volume group \"vg0\" not found\n")})
    runner = CommandRunner(module)
    with pytest.raises(CommandError, match=r'^command /usr/sbin/vgremove vg0 failed \(rc=5\): Volume group "vg0"'):
        runner.write(["/usr/sbin/vgremove", "vg0"])
    assert runner.executed == ["vgremove vg0"]
