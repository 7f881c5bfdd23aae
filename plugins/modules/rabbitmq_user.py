#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: lab.openstack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: rabbitmq_user
short_description: Manage a RabbitMQ user, its password and its permissions on one vhost
version_added: "0.1.0"
description:
  - Creates, updates or removes a user of RabbitMQ's internal database with C(rabbitmqctl),
    on the host that runs the broker.
  - The password goes to C(rabbitmqctl) on its standard input, never on its command line,
    where any local user could read it in C(/proc) while the command runs.
  - Each C(rabbitmqctl) call starts an Erlang VM (0.75 to 1.2 s on the machines this was
    measured on). A run that changes nothing makes three calls for a user that must be
    present (the users, its permissions, its password) and one for a user that must be absent.
  - The password of an existing user is tested with C(rabbitmqctl authenticate_user) and
    written only when it no longer works (O(update_password=always)).
author:
  - lab.openstack developers (@lab-openstack)
options:
  name:
    description: The user's name.
    type: str
    required: true
  password:
    description:
      - The user's password. Required to create the user.
    type: str
  update_password:
    description:
      - V(always) tests the password of an existing user and writes it when it does not work;
        V(on_create) sets it only when the user is created.
    type: str
    choices: [always, on_create]
    default: always
  vhost:
    description: The virtual host the permissions apply to.
    type: str
    default: /
  configure_priv:
    description: The regular expression of the resources the user may configure on O(vhost).
    type: str
    default: ^$
  write_priv:
    description: The regular expression of the resources the user may write to on O(vhost).
    type: str
    default: ^$
  read_priv:
    description: The regular expression of the resources the user may read from on O(vhost).
    type: str
    default: ^$
  state:
    description: Whether the user must exist.
    type: str
    choices: [present, absent]
    default: present
attributes:
  check_mode:
    support: full
    description: Reads the users, the permissions and tests the password; writes nothing.
  diff_mode:
    support: full
    description:
      - Shows the user and its permissions on O(vhost) before and after.
      - A password only as C(changed) or C(set).
requirements:
  - rabbitmq-server 3.8 or later on the managed host (C(rabbitmqctl) reading a password on standard input)
seealso:
  - module: community.rabbitmq.rabbitmq_user
"""

EXAMPLES = r"""
- name: The OpenStack services' user, with every permission on /
  lab.openstack.rabbitmq_user:
    name: openstack
    password: "{{ rabbitmq_password }}"
    configure_priv: .*
    write_priv: .*
    read_priv: .*

- name: Remove the guest user
  lab.openstack.rabbitmq_user:
    name: guest
    state: absent
"""

RETURN = r"""
user:
  description: The user and its permissions on O(vhost) after the run (predicted in check mode); null when absent.
  returned: always
  type: dict
  sample: {"name": "openstack", "vhost": "/", "configure": ".*", "write": ".*", "read": ".*"}
commands:
  description: The C(rabbitmqctl) commands run (or that would run, in check mode), without the password.
  returned: always
  type: list
  elements: str
  sample: ["change_password openstack", "set_permissions -p / openstack .* .* .*"]
"""

import json

from ansible.module_utils.basic import AnsibleModule

# rabbitmqctl's exit code when authenticate_user is refused (EX_DATAERR).
REFUSED = 65


class RabbitmqCtl:
    """rabbitmqctl, one call per method; an unexpected exit fails the module."""

    def __init__(self, module):
        self.module = module
        self.binary = module.get_bin_path("rabbitmqctl", required=True)

    def run(self, args, password=None, ok=(0,)):
        rc, out, err = self.module.run_command([self.binary, "--quiet"] + args, data=password)
        if rc not in ok:
            command = args[2:] if args[0] == "--formatter" else args
            self.module.fail_json(msg="rabbitmqctl %s exited %s: %s" % (
                " ".join(command[:2]), rc, (err or out).strip()), rc=rc)
        return rc, out

    def json(self, args):
        _rc, out = self.run(["--formatter", "json"] + args)
        try:
            return json.loads(out or "[]")
        except ValueError:
            self.module.fail_json(msg="rabbitmqctl %s printed no JSON: %s" % (" ".join(args), out.strip()[:300]))

    def users(self):
        return {entry["user"] for entry in self.json(["list_users"])}

    def permissions(self, name, vhost):
        for entry in self.json(["list_user_permissions", name]):
            if entry.get("vhost") == vhost:
                return {key: entry[key] for key in ("configure", "write", "read")}
        return None

    def password_works(self, name, password):
        rc, _out = self.run(["authenticate_user", name], password=password, ok=(0, REFUSED))
        return rc == 0


def plan(params, exists, permissions, password_works):
    """The rabbitmqctl commands (argv lists, and whether each takes the password) that bring
    the user to params (pure). password_works is called only when the password must be tested."""
    name, vhost = params["name"], params["vhost"]
    if params["state"] == "absent":
        return [(["delete_user", name], False)] if exists else []
    commands = []
    if not exists:
        commands.append((["add_user", name], True))
    elif params["update_password"] == "always" and params["password"] and not password_works():  # noqa: S105
        commands.append((["change_password", name], True))
    wanted = {"configure": params["configure_priv"], "write": params["write_priv"], "read": params["read_priv"]}
    if permissions != wanted:
        commands.append((["set_permissions", "-p", vhost, name, wanted["configure"], wanted["write"],
                          wanted["read"]], False))
    return commands


def view(name, vhost, permissions):
    return dict({"name": name, "vhost": vhost}, **(permissions or {}))


def main():
    module = AnsibleModule(
        argument_spec=dict(
            name=dict(type="str", required=True),
            password=dict(type="str", no_log=True),
            update_password=dict(type="str", default="always", choices=["always", "on_create"], no_log=False),
            vhost=dict(type="str", default="/"),
            configure_priv=dict(type="str", default="^$"),
            write_priv=dict(type="str", default="^$"),
            read_priv=dict(type="str", default="^$"),
            state=dict(type="str", default="present", choices=["present", "absent"]),
        ),
        supports_check_mode=True,
    )
    params = module.params
    if not params["name"].strip():
        module.fail_json(msg="name must not be empty")
    ctl = RabbitmqCtl(module)
    exists = params["name"] in ctl.users()
    if params["state"] == "present" and not exists and not params["password"]:
        module.fail_json(msg="user %s does not exist: password is required to create it" % params["name"])
    permissions = ctl.permissions(params["name"], params["vhost"]) if exists and params["state"] == "present" else None
    commands = plan(params, exists, permissions, lambda: ctl.password_works(params["name"], params["password"]))

    before = view(params["name"], params["vhost"], permissions) if exists else None
    after = None
    if params["state"] == "present":
        after = view(params["name"], params["vhost"], {
            "configure": params["configure_priv"], "write": params["write_priv"], "read": params["read_priv"]})
    if not module.check_mode:
        for argv, with_password in commands:
            ctl.run(argv, password=params["password"] if with_password else None)
    shown_commands = [" ".join(argv) for argv, _with_password in commands]
    result = {"changed": bool(commands), "user": after, "commands": shown_commands}
    if module._diff:
        shown = dict(after or {})
        if any(argv[0] in ("add_user", "change_password") for argv, _with_password in commands):
            shown["password"] = "set" if not exists else "changed"
        result["diff"] = {"before": before or {}, "after": shown if after else {}}
    module.exit_json(**result)


if __name__ == "__main__":
    main()
