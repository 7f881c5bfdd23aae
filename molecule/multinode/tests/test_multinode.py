"""What a user sees once compute1 is added to the controller (scripts/multinode.sh): two
compute nodes, an instance placed on compute1 that answers from the controller, the
controller's services untouched by the addition, and compute1 holding only what a compute
node needs. The tests marked removed run after playbooks/remove_compute.yml.
"""

import ipaddress
import json
import re
from pathlib import Path

import pytest
import testinfra
from labtest import EPHEMERAL, ansible_playbook, openstack
from services import UNITS, parse, show_command

CONTROLLER = "lab-molecule-controller"
COMPUTE1 = "lab-molecule-compute1"
VM = "vm-compute1"
RECORD = EPHEMERAL / "controller-services.before"
# The inventory without compute1 (scripts/multinode.sh writes it before the removal).
INVENTORY_WITHOUT_COMPUTE1 = EPHEMERAL / "inventory-without-compute1"


@pytest.fixture(scope="module")
def compute1():
    return testinfra.get_host("podman://%s" % COMPUTE1)


def compute_services(host):
    return {(s["Host"], s["Binary"]): (s["State"], s["Status"])
            for s in openstack(host, "lab-admin", "compute", "service", "list")}


def agents_by_host(host):
    found = {}
    for agent in openstack(host, "lab-admin", "network", "agent", "list"):
        found.setdefault(agent["Host"], []).append((agent["Agent Type"], agent["Alive"]))
    return {h: sorted(a) for h, a in found.items()}


# --- compute1 added (scripts/multinode.sh selects these with -m "not removed") ----------------------------
def test_two_nova_compute_services_are_up(host):
    services = compute_services(host)
    assert services[(CONTROLLER, "nova-compute")] == ("up", "enabled")
    assert services[(COMPUTE1, "nova-compute")] == ("up", "enabled")
    assert sorted(b for _h, b in services) == ["nova-compute", "nova-compute", "nova-conductor", "nova-scheduler"]


def test_two_hypervisors_are_up(host):
    hypervisors = openstack(host, "lab-admin", "hypervisor", "list", "--long")
    assert sorted((h["Hypervisor Hostname"], h["State"]) for h in hypervisors) == [
        (COMPUTE1, "up"), (CONTROLLER, "up")]


def test_compute1_is_mapped_to_cell1(host):
    out = host.check_output("runuser -u nova -- nova-manage cell_v2 list_hosts")
    assert re.search(r"\|\s*cell1\s*\|\s*\S+\s*\|\s*%s\s*\|" % COMPUTE1, out), out


def test_compute1_runs_its_own_linuxbridge_agent(host):
    agents = agents_by_host(host)
    assert agents[COMPUTE1] == [("Linux bridge agent", True)]
    assert agents[CONTROLLER] == [("DHCP agent", True), ("L3 agent", True), ("Linux bridge agent", True),
                                  ("Metadata agent", True)]


@pytest.mark.parametrize("unit", ["nova-compute", "neutron-linuxbridge-agent", "libvirtd.socket"])
def test_compute1_runs_the_compute_services(compute1, unit):
    assert compute1.service(unit).is_running
    assert compute1.service(unit).is_enabled


@pytest.mark.parametrize("package", ["mariadb-server", "rabbitmq-server", "keystone", "glance-api", "nova-api",
                                     "nova-conductor", "neutron-server", "neutron-l3-agent", "cinder-volume",
                                     "placement-api", "memcached"])
def test_compute1_has_no_controller_service(compute1, package):
    assert not compute1.package(package).is_installed


@pytest.mark.parametrize(("path", "group", "sections"), [
    ("/etc/nova/nova.conf", "nova", {"DEFAULT", "placement", "neutron", "service_user", "vnc", "libvirt"}),
    ("/etc/neutron/neutron.conf", "neutron", {"DEFAULT", "agent", "oslo_concurrency"}),
])
def test_compute1_holds_no_database_or_token_secret(compute1, secrets, path, group, sections):
    f = compute1.file(path)
    assert (f.user, f.group, f.mode) == ("root", group, 0o640)
    text = f.content_string
    found = set(re.findall(r"^\[(\w+)\]", text, re.M))
    assert sections <= found
    assert not found & {"database", "api_database", "keystone_authtoken"}
    leaked = [name for name, value in secrets.items()
              if (name.startswith("mysql_") or name in ("keystone_admin", "metadata_proxy")) and value in text]
    assert leaked == []


def test_compute1_reaches_the_controller_on_the_management_network(compute1):
    conf = compute1.file("/etc/nova/nova.conf").content_string
    assert re.search(r"^my_ip = 10\.42\.0\.11$", conf, re.M)
    assert re.search(r"^transport_url = rabbit://openstack:[^@]+@10\.42\.0\.10:5672/$", conf, re.M)


def test_the_instance_is_active_on_compute1(host):
    server = openstack(host, "lab-admin", "server", "show", VM)
    assert server["status"] == "ACTIVE"
    assert server["OS-EXT-SRV-ATTR:host"] == COMPUTE1
    assert compute1_domains() == ["instance"], "the guest runs in compute1's libvirt"


def compute1_domains():
    out = testinfra.get_host("podman://%s" % COMPUTE1).check_output("virsh list --name")
    return [re.sub(r"-[0-9a-f]+$", "", name) for name in out.split()]


@pytest.fixture(scope="module")
def floating_ip(host):
    addresses = openstack(host, "lab-admin", "server", "show", VM)["addresses"]
    floating = [ip for ips in addresses.values() for ip in ips
                if ipaddress.ip_address(ip) in ipaddress.ip_network("192.168.100.224/27")]
    assert len(floating) == 1, addresses
    return floating[0]


def test_the_instance_answers_ping_from_the_controller(host, floating_ip):
    host.check_output("ping -c 3 -W 5 %s", floating_ip)


def test_ssh_into_the_instance_from_the_controller(host, floating_ip):
    out = host.check_output("ssh -i /root/.ssh/id_ed25519 -o BatchMode=yes -o StrictHostKeyChecking=no "
                            "-o UserKnownHostsFile=/dev/null -o ConnectTimeout=10 root@%s hostname", floating_ip)
    assert out.strip() == VM


def test_adding_compute1_restarted_no_controller_service(host):
    assert RECORD.exists(), "no record of the controller's services: scripts/multinode.sh writes %s" % RECORD
    before = parse(RECORD.read_text())
    now = parse(host.check_output(" ".join(show_command())))
    assert sorted(before) == sorted(UNITS)
    assert all(state == "active" for state, _pid, _since in before.values()), before
    restarted = {unit: (before[unit], now[unit]) for unit in UNITS if now[unit] != before[unit]}
    assert restarted == {}


# --- compute1 removed by playbooks/remove_compute.yml (scripts/multinode.sh: -m removed) ------------------


@pytest.mark.removed
def test_only_the_controllers_nova_compute_is_left(host):
    assert compute_services(host) == {
        (CONTROLLER, "nova-compute"): ("up", "enabled"), (CONTROLLER, "nova-conductor"): ("up", "enabled"),
        (CONTROLLER, "nova-scheduler"): ("up", "enabled")}


@pytest.mark.removed
def test_one_hypervisor_is_left(host):
    hypervisors = openstack(host, "lab-admin", "hypervisor", "list", "--long")
    assert [(h["Hypervisor Hostname"], h["State"]) for h in hypervisors] == [(CONTROLLER, "up")]


@pytest.mark.removed
def test_compute1_is_no_longer_mapped(host):
    out = host.check_output("runuser -u nova -- nova-manage cell_v2 list_hosts")
    assert COMPUTE1 not in out
    assert CONTROLLER in out


@pytest.mark.removed
def test_no_agent_of_compute1_is_left_and_the_controllers_are_alive(host):
    agents = agents_by_host(host)
    assert sorted(agents) == [CONTROLLER]
    assert all(alive for _type, alive in agents[CONTROLLER])


@pytest.mark.removed
@pytest.mark.parametrize("unit", ["nova-compute", "neutron-linuxbridge-agent"])
def test_compute1_services_are_stopped_and_disabled(compute1, unit):
    assert not compute1.service(unit).is_running
    assert not compute1.service(unit).is_enabled


@pytest.mark.removed
def test_the_controller_still_boots_an_instance(host):
    name = "after-removal"
    host.run("openstack --os-cloud lab-admin server delete --wait %s", name)
    server = json.loads(host.check_output(
        "openstack --os-cloud lab-admin server create --wait --image debian-12-lab --flavor lab.small "
        "--network private -f json %s", name))
    try:
        assert server["status"] == "ACTIVE"
        assert server["OS-EXT-SRV-ATTR:host"] == CONTROLLER
    finally:
        host.check_output("openstack --os-cloud lab-admin server delete --wait %s", name)


@pytest.mark.removed
def test_site_yml_without_compute1_changes_nothing_on_the_controller(tmp_path):
    inventory = Path(INVENTORY_WITHOUT_COMPUTE1)
    assert inventory.exists(), "scripts/multinode.sh writes the inventory without compute1: %s" % inventory
    assert COMPUTE1 not in (inventory / "ansible_inventory.yml").read_text()
    run = ansible_playbook("site.yml", "--skip-tags", "horizon", inventory=inventory, tmp_path=tmp_path)
    assert run.rc == 0, run.failures()
    assert run.stats["failures"] == 0
    assert run.changed() == []
