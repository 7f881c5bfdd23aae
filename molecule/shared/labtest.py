"""What every scenario's testinfra tests share: the scenario's secrets and -v log on the
control node, and the management address of the host under test.

Each scenario's tests/conftest.py puts molecule/shared on sys.path and imports this.
"""

import json
import os
import subprocess
from pathlib import Path

import pytest

EPHEMERAL = Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"])
SECRETS_FILE = EPHEMERAL / "secrets.yml"
LOG_FILE = EPHEMERAL / "ansible.log"


def read_secrets():
    values = {}
    for line in SECRETS_FILE.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, value = line.split(":", 1)
            values[name.strip()] = value.strip()
    return values


def leaked_secrets(secrets, log_text):
    """Names of the secrets whose value appears in the log."""
    return sorted(name for name, value in secrets.items() if value in log_text)


def listeners(host, port):
    """The addresses a TCP port listens on in the container."""
    out = host.check_output("ss -Hltn 'sport = :%s'" % port)
    return sorted({line.split()[3].rsplit(":", 1)[0] for line in out.splitlines()})


def openstack(host, cloud, *args):
    """The openstack client in the container, as a clouds.yaml cloud, its JSON output parsed."""
    out = host.check_output("openstack --os-cloud %s " + " ".join(["%s"] * len(args)) + " -f json", cloud, *args)
    return json.loads(out)


@pytest.fixture(scope="module")
def secrets():
    return read_secrets()


@pytest.fixture(scope="module")
def mgmt(host):
    """The management address: the address of the default route's interface."""
    route = json.loads(host.check_output("ip -j -4 route show default"))[0]
    addrs = json.loads(host.check_output("ip -j -4 addr show dev %s", route["dev"]))
    return addrs[0]["addr_info"][0]["local"]


PROJECT = Path(__file__).resolve().parents[2]


class Run:
    """One ansible-playbook run against the scenario's instance, its JSON report parsed."""

    def __init__(self, proc, report):
        self.rc = proc.returncode
        self.output = proc.stdout + proc.stderr
        self.report = report

    @property
    def stats(self):
        return next(iter(self.report["stats"].values()))

    def results(self):
        """(task name, item label or None, result) of every task result, loops item by item."""
        for play in self.report["plays"]:
            for task in play["tasks"]:
                for result in task["hosts"].values():
                    if result.get("results") and isinstance(result["results"], list):
                        for item in result["results"]:
                            label = item.get("_ansible_item_label", item.get("item"))
                            yield task["task"]["name"], json.dumps(label, sort_keys=True), item
                    else:
                        yield task["task"]["name"], None, result

    def changed(self):
        return sorted({(name, label) for name, label, result in self.results() if result.get("changed")})

    def failures(self):
        """(task name, message) of each failed task; a loop's failed items' messages joined."""
        failed = {}
        for name, _label, result in self.results():
            if result.get("failed") and not result.get("ignored"):
                failed.setdefault(name, []).append(str(result.get("msg", "")))
        return [(name, " | ".join(messages)) for name, messages in failed.items()]

    def diffs(self):
        """Every diff of the run, as text."""
        text = []
        for _name, _label, result in self.results():
            diffs = result.get("diff") or []
            # A module's diff is one dict; template and copy give a list of them.
            for diff in [diffs] if isinstance(diffs, dict) else diffs:
                if isinstance(diff, dict):
                    text.extend(str(diff.get(key, "")) for key in ("before", "after", "prepared"))
        return "\n".join(text)


def ansible_playbook(playbook, *args, extra_vars=None, tmp_path=None, inventory=None):
    """ansible-playbook of the project's playbook against the scenario's inventory (or another),
    with the JSON callback; extra_vars go through a 0600 file, never the command line."""
    env = dict(os.environ, ANSIBLE_STDOUT_CALLBACK="ansible.posix.json", ANSIBLE_VERBOSITY="0",
               ANSIBLE_LOG_PATH=str(EPHEMERAL / "robustness.log"), ANSIBLE_FORCE_COLOR="0")
    command = ["ansible-playbook", "-i", str(inventory or EPHEMERAL / "inventory"), str(PROJECT / playbook), *args]
    if extra_vars is not None:
        vars_file = Path(tmp_path) / "extra-vars.json"
        vars_file.write_text(json.dumps(extra_vars))
        vars_file.chmod(0o600)
        command += ["-e", "@%s" % vars_file]
    proc = subprocess.run(command, env=env, capture_output=True, text=True, cwd=PROJECT, check=False)
    start = proc.stdout.find("{")
    assert start >= 0, "no JSON report from %s:\n%s" % (" ".join(command), proc.stdout[-3000:] + proc.stderr[-3000:])
    return Run(proc, json.loads(proc.stdout[start:]))
