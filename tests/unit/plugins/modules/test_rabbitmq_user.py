# -*- coding: utf-8 -*-
# Copyright: lab.openstack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""lab.openstack.rabbitmq_user through main(), against a fake rabbitmqctl.

FakeBroker keeps users, passwords and permissions, and answers the rabbitmqctl argv lists
the module runs the way rabbitmqctl 3.10 does (JSON listings, exit 65 for a refused
password, the password read on standard input). Any other command fails the test.
"""

from __future__ import annotations

import json

import pytest

from ansible.module_utils import basic
from ansible_collections.lab.openstack.plugins.modules import rabbitmq_user
from ansible_collections.lab.openstack.tests.unit.plugins.modules.fake_keystone import patch_module_args

CTL = "/usr/sbin/rabbitmqctl"
SECRET = "Rabb1t-S3cret"
ALL = {"configure": ".*", "write": ".*", "read": ".*"}


class FakeBroker:
    def __init__(self):
        self.users = {}  # name -> password
        self.permissions = {}  # (name, vhost) -> dict
        self.calls = []  # (args, stdin)
        self.down = False

    def add(self, name, password, vhost="/", **permissions):
        self.users[name] = password
        if permissions:
            self.permissions[(name, vhost)] = permissions

    @property
    def writes(self):
        reads = ("list_users", "list_user_permissions", "authenticate_user")
        return [args for args, _stdin in self.calls if args[0] not in reads]

    def run_command(self, argv, data=None, **_kwargs):  # noqa: PLR0911 - one answer per verb
        assert argv[:2] == [CTL, "--quiet"], argv
        args = argv[2:]
        if args[:2] == ["--formatter", "json"]:
            args = args[2:]
        self.calls.append((args, data))
        if self.down:
            return 69, "", "Error: unable to perform an operation on node 'rabbit@aio'."
        verb, rest = args[0], args[1:]
        if verb == "list_users":
            return 0, json.dumps([{"user": name, "tags": []} for name in self.users]), ""
        if verb == "list_user_permissions":
            return 0, json.dumps([dict(vhost=vhost, **perms) for (user, vhost), perms in self.permissions.items()
                                  if user == rest[0]]), ""
        if verb == "authenticate_user":
            return (0, "Success", "") if self.users.get(rest[0]) == data else (
                65, "", "Error: failed to authenticate user \"%s\"" % rest[0])
        if verb == "add_user":
            self.users[rest[0]] = data
            return 0, "", ""
        if verb == "change_password":
            self.users[rest[0]] = data
            return 0, "", ""
        if verb == "delete_user":
            del self.users[rest[0]]
            self.permissions = {k: v for k, v in self.permissions.items() if k[0] != rest[0]}
            return 0, "", ""
        if verb == "set_permissions":
            assert rest[0] == "-p"
            self.permissions[(rest[2], rest[1])] = dict(zip(("configure", "write", "read"), rest[3:]))
            return 0, "", ""
        raise AssertionError("unexpected rabbitmqctl %s" % args)


class Done(Exception):
    pass


@pytest.fixture
def broker(monkeypatch):
    fake = FakeBroker()
    monkeypatch.setattr(basic.AnsibleModule, "run_command", lambda _self, argv, **kw: fake.run_command(argv, **kw))
    monkeypatch.setattr(basic.AnsibleModule, "get_bin_path", lambda _self, name, required=False: "/usr/sbin/" + name)
    return fake


def run(monkeypatch, params, check_mode=False, diff=False):
    def exit_json(_module, **result):
        raise Done(result)

    def fail_json(_module, **result):
        raise Done(dict(result, failed=True))

    monkeypatch.setattr(basic.AnsibleModule, "exit_json", exit_json)
    monkeypatch.setattr(basic.AnsibleModule, "fail_json", fail_json)
    args = dict(params, _ansible_check_mode=check_mode, _ansible_diff=diff)
    with patch_module_args(args), pytest.raises(Done) as caught:
        rabbitmq_user.main()
    return caught.value.args[0]


OPENSTACK = {"name": "openstack", "password": SECRET, "configure_priv": ".*", "write_priv": ".*", "read_priv": ".*"}


def test_create_with_the_password_on_stdin(monkeypatch, broker):
    result = run(monkeypatch, OPENSTACK, diff=True)

    assert result["changed"] is True
    assert result["commands"] == ["add_user openstack", "set_permissions -p / openstack .* .* .*"]
    assert broker.users == {"openstack": SECRET}
    assert broker.permissions == {("openstack", "/"): ALL}
    # The password only on standard input.
    assert ("add_user", SECRET) in [(args[0], stdin) for args, stdin in broker.calls]
    assert all(SECRET not in args for args, _stdin in broker.calls)
    assert result["diff"] == {"before": {}, "after": dict(name="openstack", vhost="/", password="set", **ALL)}
    assert SECRET not in json.dumps(result)


def test_nothing_to_do_is_three_reads(monkeypatch, broker):
    broker.add("openstack", SECRET, **ALL)
    result = run(monkeypatch, OPENSTACK)

    assert result["changed"] is False and result["commands"] == []
    assert [args[0] for args, _stdin in broker.calls] == ["list_users", "list_user_permissions", "authenticate_user"]


@pytest.mark.parametrize("check_mode", [False, True])
def test_a_password_that_no_longer_works_is_written(monkeypatch, broker, check_mode):
    broker.add("openstack", "old", **ALL)
    result = run(monkeypatch, OPENSTACK, check_mode=check_mode, diff=True)

    assert result["changed"] is True and result["commands"] == ["change_password openstack"]
    assert broker.users["openstack"] == ("old" if check_mode else SECRET)
    assert result["diff"]["after"]["password"] == "changed"
    assert "password" not in result["diff"]["before"]


def test_on_create_does_not_test_the_password(monkeypatch, broker):
    broker.add("openstack", "old", **ALL)
    result = run(monkeypatch, dict(OPENSTACK, update_password="on_create"))

    assert result["changed"] is False
    assert "authenticate_user" not in [args[0] for args, _stdin in broker.calls]


@pytest.mark.parametrize("check_mode", [False, True])
def test_permissions_are_set_on_the_vhost(monkeypatch, broker, check_mode):
    broker.add("openstack", SECRET, vhost="/", configure="^$", write=".*", read=".*")
    broker.add("openstack", SECRET, vhost="/other", **ALL)
    result = run(monkeypatch, OPENSTACK, check_mode=check_mode, diff=True)

    assert result["commands"] == ["set_permissions -p / openstack .* .* .*"]
    assert result["diff"]["before"] == {"name": "openstack", "vhost": "/", "configure": "^$", "write": ".*",
                                        "read": ".*"}
    assert broker.permissions[("openstack", "/")] == ({"configure": "^$", "write": ".*", "read": ".*"}
                                                      if check_mode else ALL)
    assert broker.permissions[("openstack", "/other")] == ALL


def test_no_permissions_on_the_vhost_yet(monkeypatch, broker):
    broker.add("openstack", SECRET)
    result = run(monkeypatch, dict(OPENSTACK, vhost="/lab"))

    assert result["commands"] == ["set_permissions -p /lab openstack .* .* .*"]


@pytest.mark.parametrize("check_mode", [False, True])
def test_absent(monkeypatch, broker, check_mode):
    broker.add("guest", "guest", **ALL)
    result = run(monkeypatch, {"name": "guest", "state": "absent"}, check_mode=check_mode, diff=True)

    assert result["changed"] is True and result["commands"] == ["delete_user guest"]
    assert ("guest" in broker.users) is check_mode
    assert result["diff"] == {"before": {"name": "guest", "vhost": "/"}, "after": {}}
    assert result["user"] is None


def test_absent_already_is_one_read(monkeypatch, broker):
    result = run(monkeypatch, {"name": "guest", "state": "absent"})

    assert result["changed"] is False
    assert [args[0] for args, _stdin in broker.calls] == ["list_users"]


def test_a_new_user_without_password_fails_before_any_write(monkeypatch, broker):
    result = run(monkeypatch, {"name": "openstack"})

    assert result["failed"]
    assert result["msg"] == "user openstack does not exist: password is required to create it"
    assert broker.writes == []


def test_an_empty_name_fails_before_rabbitmqctl(monkeypatch, broker):
    result = run(monkeypatch, {"name": " ", "password": SECRET})

    assert result["failed"] and result["msg"] == "name must not be empty"
    assert broker.calls == []


def test_a_broker_that_does_not_answer_fails_with_rabbitmqctls_words(monkeypatch, broker):
    broker.down = True
    result = run(monkeypatch, OPENSTACK)

    assert result["failed"] and result["rc"] == 69
    assert result["msg"] == ("rabbitmqctl list_users exited 69: "
                             "Error: unable to perform an operation on node 'rabbit@aio'.")


def test_an_unexpected_authenticate_exit_fails(monkeypatch, broker):
    broker.add("openstack", SECRET, **ALL)
    real = broker.run_command

    def crash_on_auth(argv, data=None, **kw):
        if "authenticate_user" in argv:
            broker.calls.append((argv[2:], data))
            return 70, "", "Error: Password is not provided via argument or stdin"
        return real(argv, data=data, **kw)

    monkeypatch.setattr(basic.AnsibleModule, "run_command", lambda _self, argv, **kw: crash_on_auth(argv, **kw))
    result = run(monkeypatch, OPENSTACK)

    assert result["failed"]
    assert result["msg"] == ("rabbitmqctl authenticate_user openstack exited 70: "
                             "Error: Password is not provided via argument or stdin")
    assert broker.writes == []


def test_output_that_is_not_json_fails(monkeypatch, broker):
    monkeypatch.setattr(basic.AnsibleModule, "run_command", lambda _self, argv, **kw: (0, "Listing users ...", ""))
    result = run(monkeypatch, OPENSTACK)

    assert result["failed"] and result["msg"] == "rabbitmqctl list_users printed no JSON: Listing users ..."
