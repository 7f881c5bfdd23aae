# -*- coding: utf-8 -*-
# Copyright: lab.openstack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One way to run a command from a module: argv lists only, never a shell string."""

from __future__ import annotations

import os


class CommandError(Exception):
    """A command exited non-zero; carries what a user needs to read."""

    def __init__(self, argv, rc, stdout, stderr):
        self.argv = list(argv)
        self.rc = rc
        self.stdout = stdout
        self.stderr = stderr
        super().__init__(self.message())

    def message(self):
        detail = (self.stderr or self.stdout or "").strip()
        return "command %s failed (rc=%s)%s" % (
            " ".join(self.argv), self.rc, (": " + detail) if detail else "")


class CommandRunner:
    """Runs argv lists through AnsibleModule.run_command.

    ``read`` is for commands that only look; ``write`` for commands that change
    the system: in check mode it records the argv and runs nothing, so a module
    can return the commands it would have run.
    """

    def __init__(self, module, environ_update=None):
        self.module = module
        self.environ_update = dict(environ_update or {})
        self.executed = []

    def binary(self, name):
        return self.module.get_bin_path(name, required=True)

    def read(self, argv, allowed_rc=(0,)):
        rc, out, err = self.module.run_command(
            list(argv), check_rc=False, environ_update=self.environ_update)
        if rc not in allowed_rc:
            raise CommandError(argv, rc, out, err)
        return rc, out, err

    def write(self, argv):
        argv = [str(a) for a in argv]
        self.executed.append(" ".join(os.path.basename(a) if i == 0 else a for i, a in enumerate(argv)))
        if self.module.check_mode:
            return 0, "", ""
        return self.read(argv)
