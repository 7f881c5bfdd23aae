"""Dry runs that tell the truth, and faults that fail clearly (issue #7).

These tests run ansible-playbook from the control node against the converged instance,
as a user would, with the JSON callback to read what each task did. They come last in the
verifier (the file names sort so): they change the deployment (a keystone.conf override, a
user, a flavor, a security group rule) and stop MariaDB, RabbitMQ and Keystone for a while.

The tests marked `long` (the whole site.yml in check mode, 6 min here; the Nova section's
cases, 12 min) run in scripts/reliability.sh; scripts/test.sh deselects them (-m "not long")
to keep CI under an hour.
"""

import json
import secrets as random_secrets
import time

import pytest
import yaml
from labtest import PROJECT, ansible_playbook

NOVA_DEFAULTS = yaml.safe_load((PROJECT / "roles/nova/defaults/main.yml").read_text())
TINY_RAM = 1024

# Each case adds one input to those of the cases before it (they stay applied): the
# section's tag, the extra variables, and a text the check run's diff must show.
CASES = [
    ("keystone.conf override", "keystone",
     {"keystone_conf_overrides": {"token": {"expiration": 7200}}}, "expiration = 7200"),
    ("new user", "keystone",
     {"keystone_users": [{"name": "robust", "password": random_secrets.token_urlsafe(24), "project": "demo"}]},
     "robust"),
    pytest.param("flavor RAM", "nova",
                 {"nova_flavors": [dict(f, ram=TINY_RAM) if f["name"] == "m1.tiny" else f
                                   for f in NOVA_DEFAULTS["nova_flavors"]]},
                 str(TINY_RAM), marks=pytest.mark.long),
    pytest.param("security group rule", "nova",
                 {"nova_secgroup_rules": NOVA_DEFAULTS["nova_secgroup_rules"]
                  + [{"protocol": "tcp", "from_port": 80, "to_port": 80, "cidr": "0.0.0.0/0"}]},
                 "80", marks=pytest.mark.long),
]
INPUTS = {}


@pytest.mark.long
def test_check_mode_on_the_converged_deployment_changes_nothing():
    run = ansible_playbook("site.yml", "--check", "--diff")
    assert run.failures() == []
    assert run.rc == 0, run.output[-3000:]
    assert run.changed() == []


@pytest.mark.parametrize(("name", "tag", "extra", "shown"), CASES,
                         ids=["keystone.conf override", "new user", "flavor RAM", "security group rule"])
def test_check_mode_predicts_exactly_what_the_run_changes(tmp_path, name, tag, extra, shown):
    INPUTS.update(extra)
    predicted = ansible_playbook("site.yml", "--check", "--diff", "--tags", tag, extra_vars=INPUTS,
                                 tmp_path=tmp_path)
    assert predicted.failures() == []
    assert predicted.changed(), "the check run predicts no change for the %s" % name
    assert shown in predicted.diffs(), "the check run's diff does not show %r" % shown

    applied = ansible_playbook("site.yml", "--diff", "--tags", tag, extra_vars=INPUTS, tmp_path=tmp_path)
    assert applied.failures() == []
    assert applied.changed() == predicted.changed()

    again = ansible_playbook("site.yml", "--check", "--tags", tag, extra_vars=INPUTS, tmp_path=tmp_path)
    assert again.failures() == []
    assert again.changed() == []


def test_the_keystone_changes_are_in_the_cloud(host):
    conf = host.file("/etc/keystone/keystone.conf").content_string
    assert "expiration = 7200" in conf
    users = json.loads(host.check_output("openstack --os-cloud lab-admin user list -f json"))
    assert "robust" in {u["Name"] for u in users}
    token = json.loads(host.check_output("openstack --os-cloud lab-admin token issue -f json"))
    assert token["id"]


@pytest.mark.long
def test_the_nova_changes_are_in_the_cloud(host):
    tiny = json.loads(host.check_output("openstack --os-cloud lab-admin flavor show m1.tiny -f json"))
    assert (tiny["id"], tiny["ram"]) == ("1", TINY_RAM)
    rules = json.loads(host.check_output(
        "openstack --os-cloud lab-demo security group rule list default --protocol tcp -f json"))
    assert "80:80" in {r["Port Range"] for r in rules}


# --- Faults --------------------------------------------------------------------------------------

def test_a_module_waits_for_keystone_restarting(host, tmp_path):
    # Keystone down when the module starts, back 6 s later: its first connections are refused.
    host.check_output("systemctl stop keystone")
    # A timer fires within AccuracySec of its time, one minute by default: 100 ms here.
    host.check_output("systemd-run --collect --unit lab-robustness-keystone --on-active=6 "
                      "--timer-property=AccuracySec=100ms systemctl start keystone")
    started = time.monotonic()
    run = ansible_playbook("molecule/aio/tests/playbooks/keystone_probe.yml", extra_vars={"probe": "restart-probe"},
                           tmp_path=tmp_path)
    elapsed = time.monotonic() - started
    assert run.failures() == []
    assert ("Create a project while Keystone restarts", None) in run.changed()
    assert elapsed >= 6, "the module did not meet Keystone stopped (%.1f s)" % elapsed
    assert elapsed < 60
    assert host.service("keystone").is_running
    project = json.loads(host.check_output("openstack --os-cloud lab-admin project show restart-probe -f json"))
    assert project["name"] == "restart-probe"


def test_a_module_fails_in_one_line_when_keystone_stays_down(host, tmp_path):
    host.run("systemctl stop lab-robustness-keystone.timer")  # none left from the test above
    host.check_output("systemctl stop keystone")
    try:
        run = ansible_playbook("molecule/aio/tests/playbooks/keystone_probe.yml",
                               extra_vars={"probe": "never-created"}, tmp_path=tmp_path)
    finally:
        host.check_output("systemctl start keystone")
    [(_task, msg)] = run.failures()
    assert msg.startswith("cannot reach identity (auth_url http://")
    assert "Connection refused" in msg
    assert "Traceback" not in run.output
    assert run.stats["changed"] == 0


# (service, its unit, a section that needs it, its port, the section that runs it)
@pytest.mark.parametrize("case", [
    ("MariaDB", "mariadb", "keystone", 3306, "mysql"),
    ("RabbitMQ", "rabbitmq-server", "neutron", 5672, "rabbitmq"),
], ids=["mariadb", "rabbitmq"])
def test_a_stopped_service_fails_clearly_and_a_rerun_converges(host, mgmt, case):
    service, unit, tag, port, fix = case
    host.check_output("systemctl stop %s", unit)
    failed = ansible_playbook("site.yml", "--tags", tag)
    assert failed.rc != 0
    [(_task, msg)] = failed.failures()
    assert msg.startswith("%s does not answer on %s:%d" % (service, mgmt, port)), msg
    assert "--tags %s" % fix in msg
    assert "Traceback" not in failed.output
    assert failed.stats["changed"] == 0

    rerun = ansible_playbook("site.yml", "--tags", "%s,%s" % (fix, tag))
    assert rerun.failures() == []
    assert rerun.rc == 0
    assert host.service(unit).is_running
