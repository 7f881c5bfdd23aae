"""What a user of the system preparation sections sees on the converged host.

Runs against the container through testinfra's podman backend. The secrets come from
the scenario's secrets file on the control node, the -v log from ANSIBLE_LOG_PATH.
"""

import json
import re
from pathlib import Path

import pytest
from labtest import LOG_FILE, SECRETS_FILE, ansible_playbook, leaked_secrets, listeners

AMQP_LOGIN = (Path(__file__).parent / "amqp_login.py").read_text()
# ping without iputils-ping (not on the system sections' host): one ICMP echo, rc 0 on its reply
ICMP_ECHO = """
import socket, struct, sys
def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff)
    return ~(s + (s >> 16)) & 0xffff
sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
sock.settimeout(3)
body = struct.pack("!BBHHH", 8, 0, 0, 4242, 1) + b"lab.openstack!"
sock.sendto(body[:2] + struct.pack("!H", csum(body)) + body[4:], (sys.argv[1], 0))
while True:
    packet, peer = sock.recvfrom(2048)
    icmp = packet[(packet[0] & 15) * 4:]
    if peer[0] == sys.argv[1] and icmp[0] == 0 and struct.unpack("!H", icmp[4:6])[0] == 4242:
        break
"""

SERVICE_DATABASES = {
    "keystone": {"keystone"},
    "glance": {"glance"},
    "nova": {"nova", "nova_api", "nova_cell0"},
    "placement": {"placement"},
    "neutron": {"neutron"},
    "cinder": {"cinder"},
}


def link(host, name):
    return json.loads(host.check_output("ip -j -d addr show dev %s", name))[0]


# --- Pré-requis -----------------------------------------------------------------------
def test_hypervisor_type_recorded(host):
    cpu_virt = re.search(r"\b(vmx|svm)\b", host.file("/proc/cpuinfo").content_string)
    expected = "kvm" if cpu_virt and host.file("/dev/kvm").exists else "qemu"
    fact = json.loads(host.file("/etc/ansible/facts.d/lab_openstack.fact").content_string)
    assert fact == {"virt_type": expected}


# --- Réseau ---------------------------------------------------------------------------
def test_public_bridge_up_with_its_address(host):
    br0 = link(host, "br0")
    assert br0["operstate"] == "UP"
    assert br0["linkinfo"]["info_kind"] == "bridge"
    addresses = ["%s/%s" % (a["local"], a["prefixlen"]) for a in br0["addr_info"] if a["family"] == "inet"]
    assert addresses == ["192.168.100.1/24"]


def test_private_bridge_up_without_address(host):
    # As in the tutorial (iface br1 inet manual): the fixed range belongs to the instances.
    br1 = link(host, "br1")
    assert br1["operstate"] == "UP"
    assert [a for a in br1["addr_info"] if a["family"] == "inet"] == []


@pytest.mark.parametrize("bridge", ["br0", "br1"])
def test_bridges_have_a_veth_pair_with_a_free_end(host, bridge):
    port = link(host, bridge + "-port")
    assert port.get("master") == bridge
    assert port["operstate"] == "UP"
    free = link(host, bridge + "-ext")
    assert free.get("master") is None
    assert free["link"] == bridge + "-port"


def test_bridges_persist_across_reboot(host):
    assert host.service("systemd-networkd").is_enabled
    for name in ("50-lab-br0.netdev", "50-lab-br0.network", "50-lab-br1.netdev", "50-lab-br1.network"):
        assert host.file("/etc/systemd/network/" + name).exists
    out = host.check_output("networkctl list --no-legend --no-pager")
    states = {cols[1]: cols[-1] for cols in (line.split() for line in out.splitlines())}
    assert states["br0"] == "configured" and states["br1"] == "configured"


def test_public_network_is_masqueraded_behind_the_default_route(host):
    """A machine on br0's network reaches the default gateway as the host: a network
    namespace on a veth in br0 pings it, and conntrack shows the reply going to the
    host's own address."""
    gateway = json.loads(host.check_output("ip -j -4 route show default"))[0]["gateway"]
    own = host.check_output("ip -4 -o route get %s", gateway).split(" src ")[1].split()[0]
    host.run("ip netns del natprobe; ip link del natprobe-br")
    try:
        host.check_output(
            "ip netns add natprobe && ip link add natprobe-br type veth peer name natprobe-ns netns natprobe"
            " && ip link set natprobe-br master br0 up"
            " && ip -n natprobe addr add 192.168.100.50/24 dev natprobe-ns && ip -n natprobe link set natprobe-ns up"
            " && ip -n natprobe route add default via 192.168.100.1"
        )
        ping = host.run("ip netns exec natprobe python3 -c %s %s", ICMP_ECHO, gateway)
        flows = host.file("/proc/net/nf_conntrack").content_string
    finally:
        host.run("ip netns del natprobe; ip link del natprobe-br")
    assert ping.rc == 0, ping.stdout + ping.stderr
    assert re.search(r"src=192\.168\.100\.50 dst=%s .* src=%s dst=%s " % (
        re.escape(gateway), re.escape(gateway), re.escape(own)), flows)


def test_nat_is_the_roles_own_table_loaded_at_boot(host):
    unit = host.service("lab-openstack-nat")
    assert unit.is_enabled and unit.is_running
    table = host.check_output("nft list table ip lab_openstack_nat")
    assert ('ip saddr 192.168.100.0/24 ip daddr != 192.168.100.0/24 oifname != "brq*" oifname != "br0" '
            'oifname != "br1" masquerade') in table
    assert 'iifname "brq*" ct zone set 4096' in table
    # networkd's IPMasquerade (no exclusion for bridged packets) is not used
    assert "IPMasquerade" not in host.file("/etc/systemd/network/50-lab-br0.network").content_string


def test_ip_forward_on_and_persisted(host):
    assert host.file("/proc/sys/net/ipv4/ip_forward").content_string.strip() == "1"
    assert "net.ipv4.ip_forward=1" in host.file("/etc/sysctl.d/60-lab-openstack.conf").content_string.replace(" ", "")


# --- Serveur NTP ------------------------------------------------------------------------
def test_chronyd_runs_with_its_sources(host):
    chrony = host.service("chrony")
    assert chrony.is_running and chrony.is_enabled
    sources = host.check_output("chronyc -n sources")
    assert "127.0.0.2" in sources
    conf = host.file("/etc/chrony/chrony.conf").content_string
    assert "local stratum 10" in conf


def test_chronyd_never_sets_the_shared_clock(host):
    pid = host.check_output("pidof chronyd").split()[0]
    argv = host.file("/proc/%s/cmdline" % pid).content_string.split("\0")
    assert "-x" in argv


# --- LVM ----------------------------------------------------------------------------------
def test_volume_group_on_its_loop_device(host):
    # The scenario names its group apart from the lab's cinder-volumes (see host_vars).
    out = host.check_output("vgs --noheadings --separator ';' -o vg_name,pv_name cinder-volumes-molecule-system")
    vg, pv = out.strip().split(";")
    assert vg.strip() == "cinder-volumes-molecule-system"
    backing = host.check_output("losetup --noheadings --output BACK-FILE %s", pv.strip())
    assert backing.strip() == "/var/lib/lab-openstack/cinder-volumes-molecule-system.img"
    assert host.service("lab-openstack-loop-cinder-volumes-molecule-system").is_enabled


# --- RabbitMQ -----------------------------------------------------------------------------
def amqp_login(host, address, user, password):
    return host.run("python3 -c %s %s %s %s", AMQP_LOGIN, address, user, password).stdout.strip()


def test_openstack_user_authenticates(host, mgmt, secrets):
    assert amqp_login(host, mgmt, "openstack", secrets["rabbitmq_openstack"]) == "OK"


def test_openstack_user_with_a_wrong_password_is_refused(host, mgmt, secrets):
    assert amqp_login(host, mgmt, "openstack", secrets["rabbitmq_openstack"] + "x").startswith("REFUSED")


def test_guest_is_gone(host, mgmt):
    assert amqp_login(host, mgmt, "guest", "guest").startswith("REFUSED")
    users = host.check_output("rabbitmqctl --quiet list_users")
    assert "guest" not in users.split()


def test_amqp_and_memcached_listen_on_the_management_address_only(host, mgmt):
    assert listeners(host, 5672) == [mgmt]
    assert listeners(host, 11211) == [mgmt]


def test_erlang_distribution_and_epmd_stay_off_other_addresses(host, mgmt):
    # In the container the host's name resolves to the management address.
    assert listeners(host, 25672) == [mgmt]
    assert listeners(host, 4369) == sorted(["127.0.0.1", mgmt])
    # and rabbitmqctl still reaches the node through them
    assert host.check_output("rabbitmqctl --quiet eval 'node().'").strip("'").startswith("rabbit@")


# --- Mysql --------------------------------------------------------------------------------
def test_mariadb_listens_on_the_management_address_only(host, mgmt):
    assert listeners(host, 3306) == [mgmt]


def mysql(host, mgmt, user, password, sql):
    return host.run("MYSQL_PWD=%s mysql -h %s -u %s -N -B -e %s", password, mgmt, user, sql)


@pytest.mark.parametrize("user", sorted(SERVICE_DATABASES))
def test_service_user_reaches_its_databases_and_no_other(host, mgmt, secrets, user):
    password = secrets["mysql_" + user]
    visible = mysql(host, mgmt, user, password, "SHOW DATABASES")
    assert visible.rc == 0, visible.stderr
    assert set(visible.stdout.split()) - {"information_schema"} == SERVICE_DATABASES[user]
    for database in SERVICE_DATABASES[user]:
        assert mysql(host, mgmt, user, password, "USE %s; CREATE TABLE t (i INT); DROP TABLE t" % database).rc == 0
    other = "glance" if user != "glance" else "keystone"
    denied = mysql(host, mgmt, user, password, "USE %s" % other)
    assert denied.rc != 0 and "Access denied" in denied.stderr


def test_databases_are_utf8mb4(host):
    out = host.check_output(
        "mysql -N -B -e %s",
        "SELECT DEFAULT_CHARACTER_SET_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME='nova_api'")
    assert out.strip() == "utf8mb4"


def test_no_anonymous_users_and_no_remote_root(host, mgmt):
    out = host.check_output("mysql -N -B -e %s", "SELECT CONCAT(User,'@',Host) FROM mysql.user")
    accounts = out.split()
    assert not [a for a in accounts if a.startswith("@")]
    assert [a for a in accounts if a.startswith("root@")] == ["root@localhost"]
    assert mysql(host, mgmt, "root", "", "SELECT 1").rc != 0


# --- Secrets --------------------------------------------------------------------------------
def test_secrets_file_is_private_and_complete(secrets):
    assert SECRETS_FILE.stat().st_mode & 0o777 == 0o600
    expected = {"rabbitmq_openstack"} | {"mysql_" + u for u in SERVICE_DATABASES}
    assert expected <= set(secrets)
    assert all(len(v) >= 32 for v in secrets.values())


def test_verbose_log_holds_no_secret(secrets):
    log = LOG_FILE.read_text()
    # The log is the -v output of converge and idempotence: it has task results in it.
    assert "TASK [lab.openstack.mysql : Create the service users]" in log
    assert "changed:" in log or "ok:" in log
    leaked = leaked_secrets(secrets, log)
    assert leaked == []


# --- An interrupted run (last: it reconfigures chrony) ---------------------------------
def test_a_package_left_unpacked_is_configured_by_the_next_run(host, tmp_path):
    """A run killed between dpkg's unpack and configure leaves the package half-installed and
    every apt task after it failing: the next run, whatever its tags, finishes it first."""
    debs = host.run("ls /var/cache/apt/archives/chrony_*.deb").stdout.split()
    if not debs:
        host.check_output("cd /tmp && apt-get download chrony")
        debs = host.check_output("ls /tmp/chrony_*.deb").split()
    host.check_output("dpkg --unpack %s", debs[-1])
    assert "chrony" in host.run("dpkg --audit").stdout

    run = ansible_playbook("site.yml", "--tags", "ntp", tmp_path=tmp_path)

    assert run.rc == 0, run.failures()
    assert ("Finish the package installation an interrupted run left half-done", None) in run.changed()
    assert host.run("dpkg --audit").stdout == ""
    assert host.package("chrony").is_installed
    assert host.service("chrony").is_running
    # dpkg kept the role's configuration (--force-confold): the section has nothing to redo.
    assert [name for name, _label in run.changed() if "ntp :" in name] == []
