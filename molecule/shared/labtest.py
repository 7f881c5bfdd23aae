"""What every scenario's testinfra tests share: the scenario's secrets and -v log on the
control node, and the management address of the host under test.

Each scenario's tests/conftest.py puts molecule/shared on sys.path and imports this.
"""

import json
import os
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
