#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: lab.openstack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: db_schema
short_description: Tell whether a service's database schema is at the heads of its installed code
version_added: "0.1.0"
description:
  - Reads the Alembic revisions a service's database holds (its C(alembic_version) table) and the
    heads of the Alembic migrations its installed package ships (the revisions no other migration
    names as its C(down_revision)), and reports whether they are the same.
  - A read in a few milliseconds where the service's manage command (C(keystone-manage db_sync
    --check), C(neutron-db-manage current), C(nova-manage db version)...) loads the whole service
    first, several seconds each. The roles run their sync only when this module does not find
    the schema current.
  - It never writes; C(changed) is always false.
author:
  - lab.openstack developers (@lab-openstack)
options:
  migrations:
    description:
      - The directory of the service's Alembic migrations (C(versions)), searched recursively, such
        as C(/usr/lib/python3/dist-packages/neutron/db/migration/alembic_migrations/versions).
    type: path
    required: true
  database:
    description: The service's database.
    type: str
    required: true
  login_host:
    description: The database server.
    type: str
    default: localhost
  login_port:
    description: The database server's port.
    type: int
    default: 3306
  login_user:
    description: The service's database user (it can read its own database).
    type: str
    required: true
  login_password:
    description: That user's password.
    type: str
    required: true
attributes:
  check_mode:
    support: full
    description: The module only reads; it runs alike in check mode.
  diff_mode:
    support: none
    description: Nothing is ever changed.
requirements:
  - python3-pymysql on the managed host (a dependency of every OpenStack service package that uses
    a database)
notes:
  - An empty database (no C(alembic_version) table, or an empty one) gives RV(revisions=[]) and
    RV(current=false).
"""

EXAMPLES = r"""
- name: Read the schema's revisions and the installed heads
  lab.openstack.db_schema:
    migrations: /usr/lib/python3/dist-packages/keystone/common/sql/migrations/versions
    database: keystone
    login_host: 192.168.1.250
    login_user: keystone
    login_password: "{{ keystone_db_password }}"
  register: __keystone_schema

- name: Create or upgrade the schema
  ansible.builtin.command:
    argv: [keystone-manage, db_sync]
  when: not __keystone_schema.current
  changed_when: true
"""

RETURN = r"""
revisions:
  description: The revisions in the database's C(alembic_version) table, sorted.
  returned: always
  type: list
  elements: str
  sample: ["29e87d24a316", "e25ffa003242"]
heads:
  description: The heads of the installed migrations, sorted.
  returned: always
  type: list
  elements: str
  sample: ["29e87d24a316", "e25ffa003242"]
current:
  description: Whether the database holds the installed heads and nothing older.
  returned: always
  type: bool
created:
  description: Whether the database holds any revision (its schema was created once).
  returned: always
  type: bool
"""

import os
import re
import traceback

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

try:
    import pymysql
except ImportError:  # pragma: no cover - reported by main()
    pymysql = None
    PYMYSQL_ERROR = traceback.format_exc()
else:
    PYMYSQL_ERROR = None

# revision = 'abc', down_revision = 'abc' | None | ('a', 'b'), depends_on = ..., possibly
# annotated (": str").
ASSIGN = re.compile(r"^(revision|down_revision|depends_on)\s*(?::[^=]*)?=\s*(.+?)\s*$", re.M)
QUOTED = re.compile(r"""['"]([^'"]+)['"]""")
# MariaDB's "Table doesn't exist".
NO_SUCH_TABLE = 1146


def read_migrations(path):
    """Every migration file's revision: {revision: ([down revisions], [depends_on])}."""
    graph = {}
    for top, dirs, files in os.walk(path):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            if not name.endswith(".py") or name == "__init__.py":
                continue
            filename = os.path.join(top, name)
            with open(filename, encoding="utf-8") as handle:
                found = dict(ASSIGN.findall(handle.read()))
            if "revision" not in found or "down_revision" not in found:
                # A file the regular expressions cannot read could hide a newer head: refuse to
                # call anything current rather than guess.
                raise ValueError("%s has no revision = ... and down_revision = ... lines" % filename)
            revision = QUOTED.findall(found["revision"])
            if len(revision) != 1:
                raise ValueError("%s: cannot read its revision (%s)" % (filename, found["revision"]))
            graph[revision[0]] = (QUOTED.findall(found["down_revision"]),
                                  QUOTED.findall(found.get("depends_on", "None")))
    return graph


def heads(graph, with_depends=False):
    """The revisions no other one follows (down_revision; also depends_on when with_depends)."""
    followed = set()
    for downs, depends in graph.values():
        followed.update(downs)
        if with_depends:
            followed.update(depends)
    return sorted(set(graph) - followed)


def read_revisions(params):
    connection = pymysql.connect(host=params["login_host"], port=params["login_port"],
                                 user=params["login_user"], password=params["login_password"],
                                 database=params["database"], connect_timeout=10)
    try:
        with connection.cursor() as cursor:
            try:
                cursor.execute("SELECT version_num FROM alembic_version")
            except pymysql.err.ProgrammingError as error:
                if error.args and error.args[0] == NO_SUCH_TABLE:
                    return []
                raise
            return sorted(row[0] for row in cursor.fetchall())
    finally:
        connection.close()


def main():
    module = AnsibleModule(
        argument_spec=dict(
            migrations=dict(type="path", required=True),
            database=dict(type="str", required=True),
            login_host=dict(type="str", default="localhost"),
            login_port=dict(type="int", default=3306),
            login_user=dict(type="str", required=True),
            login_password=dict(type="str", required=True, no_log=True),
        ),
        supports_check_mode=True,
    )
    if pymysql is None:
        module.fail_json(msg=missing_required_lib("pymysql (the python3-pymysql package)"),
                         exception=PYMYSQL_ERROR)
    params = module.params
    if not os.path.isdir(params["migrations"]):
        module.fail_json(msg="%s is not a directory: is the service's package installed, and is this "
                             "its migrations directory?" % params["migrations"])
    try:
        graph = read_migrations(params["migrations"])
    except (OSError, UnicodeDecodeError, ValueError) as error:
        module.fail_json(msg="cannot read the migrations in %s: %s" % (params["migrations"], error))
    installed = heads(graph)
    if not installed:
        module.fail_json(msg="no Alembic migration in %s" % params["migrations"])
    try:
        revisions = read_revisions(params)
    except pymysql.err.MySQLError as error:
        module.fail_json(msg="cannot read the schema's revisions of the database %s on %s:%s as %s: %s; "
                             "is MariaDB running (--tags mysql) and the password the one the mysql "
                             "section set?" % (params["database"], params["login_host"], params["login_port"],
                                               params["login_user"], error))
    # Alembic keeps one row per branch head (Keystone's and Neutron's expand and contract);
    # Glance's contract branch depends_on its expand branch and keeps the contract head alone.
    # Either way the rows are the newest revisions only: an older one is never a head.
    current = bool(revisions) and revisions in (installed, heads(graph, with_depends=True))
    module.exit_json(changed=False, revisions=revisions, heads=installed,
                     current=current, created=bool(revisions))


if __name__ == "__main__":
    main()
