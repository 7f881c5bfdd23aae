# -*- coding: utf-8 -*-
# Copyright: lab.openstack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""lab.openstack.db_schema through main(): migration trees written in a temporary directory,
the database a fake pymysql connection."""

from __future__ import annotations

import pymysql
import pytest

from ansible.module_utils import basic
from ansible_collections.lab.openstack.plugins.modules import db_schema
# The same fallback for ansible-core < 2.19 as every module test.
from ansible_collections.lab.openstack.tests.unit.plugins.modules.fake_keystone import patch_module_args


class Done(Exception):
    def __init__(self, result):
        super().__init__(result)
        self.result = result


class FakeCursor:
    def __init__(self, db):
        self.db = db

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def execute(self, query):
        self.db.queries.append(query)
        if self.db.rows is None:
            raise pymysql.err.ProgrammingError(1146, "Table 'keystone.alembic_version' doesn't exist")
        if self.db.rows == "denied":
            raise pymysql.err.ProgrammingError(1142, "SELECT command denied to user")

    def fetchall(self):
        return [(row,) for row in self.db.rows]


class FakeDatabase:
    """rows: the alembic_version rows; None: no such table; 'denied': another SQL error."""

    def __init__(self, rows=(), refuse=None):
        self.rows = list(rows) if isinstance(rows, (list, tuple)) else rows
        self.refuse = refuse
        self.queries = []
        self.connected = {}
        self.closed = False

    def connect(self, **kwargs):
        if self.refuse:
            raise pymysql.err.OperationalError(2003, self.refuse)
        self.connected = kwargs
        return self

    def cursor(self):
        return FakeCursor(self)

    def close(self):
        self.closed = True


def migration(tree, path, revision, down, *, depends=None, annotated=False):
    lines = ['"""A migration."""', ""]
    colon = ": str" if annotated else ""
    lines.append("revision%s = %r" % (colon, revision))
    lines.append("down_revision%s = %s" % (colon, repr(down) if down is not None else "None"))
    if depends is not None:
        lines.append("depends_on = %r" % (depends,))
    target = tree / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("\n".join(lines) + "\n\n\ndef upgrade():\n    pass\n")


@pytest.fixture
def keystone_tree(tmp_path):
    """Keystone's shape: an initial revision, then an expand and a contract branch."""
    tree = tmp_path / "versions"
    migration(tree, "27e647c0fad4_initial_version.py", "27e647c0fad4", None)
    migration(tree, "yoga/expand/e25ffa003242_initial.py", "e25ffa003242", "27e647c0fad4")
    migration(tree, "yoga/contract/29e87d24a316_initial.py", "29e87d24a316", "27e647c0fad4")
    (tree / "__init__.py").write_text("")
    (tree / "EXPAND_HEAD").write_text("e25ffa003242\n")
    (tree / "yoga/__pycache__").mkdir()
    (tree / "yoga/__pycache__/junk.py").write_text("not a migration")
    return tree


@pytest.fixture
def glance_tree(tmp_path):
    """Glance's shape: the contract branch depends_on the expand branch."""
    tree = tmp_path / "versions"
    migration(tree, "liberty_initial.py", "liberty", None)
    migration(tree, "wallaby_expand01.py", "wallaby_expand01", "liberty")
    migration(tree, "wallaby_contract01.py", "wallaby_contract01", "liberty", depends="wallaby_expand01")
    return tree


def run(monkeypatch, db, **params):
    monkeypatch.setattr(db_schema.pymysql, "connect", db.connect)

    def exit_json(self, **result):
        raise Done(result)

    def fail_json(self, msg, **result):
        result.update(failed=True, msg=msg)
        raise Done(result)

    monkeypatch.setattr(basic.AnsibleModule, "exit_json", exit_json)
    monkeypatch.setattr(basic.AnsibleModule, "fail_json", fail_json)
    args = dict(database="keystone", login_host="192.0.2.10", login_user="keystone",
                login_password="s3cret")
    args.update(params)
    with patch_module_args(args), pytest.raises(Done) as done:
        db_schema.main()
    return done.value.result


def test_a_schema_at_both_heads_is_current(monkeypatch, keystone_tree):
    db = FakeDatabase(["e25ffa003242", "29e87d24a316"])
    result = run(monkeypatch, db, migrations=str(keystone_tree))
    assert result["current"] is True and result["created"] is True
    assert result["changed"] is False
    assert result["heads"] == ["29e87d24a316", "e25ffa003242"]
    assert result["revisions"] == ["29e87d24a316", "e25ffa003242"]
    assert db.connected == dict(host="192.0.2.10", port=3306, user="keystone", password="s3cret",
                                database="keystone", connect_timeout=10)
    assert db.queries == ["SELECT version_num FROM alembic_version"]
    assert db.closed


def test_a_schema_behind_a_new_migration_is_not_current(monkeypatch, keystone_tree):
    migration(keystone_tree, "2023.1/expand/b4f8b3f584e0_new.py", "b4f8b3f584e0", "e25ffa003242",
              annotated=True)
    result = run(monkeypatch, FakeDatabase(["e25ffa003242", "29e87d24a316"]), migrations=str(keystone_tree))
    assert result["current"] is False and result["created"] is True
    assert result["heads"] == ["29e87d24a316", "b4f8b3f584e0"]


def test_one_branch_missing_is_not_current(monkeypatch, keystone_tree):
    result = run(monkeypatch, FakeDatabase(["29e87d24a316"]), migrations=str(keystone_tree))
    assert result["current"] is False


def test_an_empty_database_is_neither_created_nor_current(monkeypatch, keystone_tree):
    result = run(monkeypatch, FakeDatabase(None), migrations=str(keystone_tree))
    assert result == dict(changed=False, revisions=[], heads=["29e87d24a316", "e25ffa003242"],
                          current=False, created=False)


def test_an_empty_version_table_is_not_created(monkeypatch, keystone_tree):
    result = run(monkeypatch, FakeDatabase([]), migrations=str(keystone_tree))
    assert result["created"] is False and result["current"] is False


def test_a_contract_head_that_depends_on_the_expand_head_is_current(monkeypatch, glance_tree):
    result = run(monkeypatch, FakeDatabase(["wallaby_contract01"]), migrations=str(glance_tree),
                 database="glance")
    assert result["current"] is True
    assert result["heads"] == ["wallaby_contract01", "wallaby_expand01"]


def test_an_older_revision_is_never_current(monkeypatch, glance_tree):
    result = run(monkeypatch, FakeDatabase(["liberty"]), migrations=str(glance_tree), database="glance")
    assert result["current"] is False and result["created"] is True


def test_the_port_is_passed(monkeypatch, glance_tree):
    db = FakeDatabase(["wallaby_contract01"])
    run(monkeypatch, db, migrations=str(glance_tree), login_port=3307)
    assert db.connected["port"] == 3307


def test_a_missing_directory_fails_before_connecting(monkeypatch, tmp_path):
    db = FakeDatabase(["x"])
    result = run(monkeypatch, db, migrations=str(tmp_path / "nowhere"))
    assert result["failed"] and "is not a directory: is the service's package installed" in result["msg"]
    assert db.connected == {}


def test_a_directory_without_migrations_fails(monkeypatch, tmp_path):
    (tmp_path / "README").write_text("nothing")
    result = run(monkeypatch, FakeDatabase(["x"]), migrations=str(tmp_path))
    assert result["failed"] and result["msg"] == "no Alembic migration in %s" % tmp_path


def test_an_unreadable_migration_fails_rather_than_guessing(monkeypatch, keystone_tree):
    (keystone_tree / "yoga/expand/odd.py").write_text("REVISION = get_revision()\n")
    db = FakeDatabase(["e25ffa003242", "29e87d24a316"])
    result = run(monkeypatch, db, migrations=str(keystone_tree))
    assert result["failed"] and "odd.py has no revision = ... and down_revision = ... lines" in result["msg"]
    assert db.connected == {}


def test_a_revision_that_is_not_a_string_fails(monkeypatch, keystone_tree):
    (keystone_tree / "computed.py").write_text("revision = make()\ndown_revision = None\n")
    result = run(monkeypatch, FakeDatabase([]), migrations=str(keystone_tree))
    assert result["failed"] and "computed.py: cannot read its revision (make())" in result["msg"]


def test_a_database_that_does_not_answer_fails_naming_it(monkeypatch, keystone_tree):
    result = run(monkeypatch, FakeDatabase(refuse="Can't connect to MySQL server on '192.0.2.10'"),
                 migrations=str(keystone_tree))
    assert result["failed"]
    assert "cannot read the schema's revisions of the database keystone on 192.0.2.10:3306 as keystone" \
        in result["msg"]
    assert "is MariaDB running (--tags mysql)" in result["msg"]
    assert "s3cret" not in result["msg"]


def test_another_sql_error_fails(monkeypatch, keystone_tree):
    result = run(monkeypatch, FakeDatabase("denied"), migrations=str(keystone_tree))
    assert result["failed"] and "SELECT command denied" in result["msg"]


def test_the_password_is_no_log():
    spec = {}

    class Capture(Exception):
        pass

    def capture(**kwargs):
        spec.update(kwargs["argument_spec"])
        raise Capture()

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(db_schema, "AnsibleModule", capture)
        with pytest.raises(Capture):
            db_schema.main()
    assert spec["login_password"]["no_log"] is True
