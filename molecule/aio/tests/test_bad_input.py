"""Bad input fails before any change, saying what is wrong and how to fix it (issue #7).

Each role case runs `ansible-playbook site.yml --tags <section>` with one bad variable, as a
user would pass it (-e @file); each module case runs one task of the module with bad
arguments against the converged cloud. Every case must fail, with a message holding each
of its expected fragments (what is wrong, and the way to fix it), change nothing (the run's
changed count), and leave the host and the cloud as they were (checked once after all).
"""

import concurrent.futures
import json

import pytest
from labtest import ansible_playbook


# (id, section tag, extra variables, fragments the failure message must hold)
ROLE_CASES = [
    ("virt-type-choice", "prerequisites", {"prerequisites_virt_type": "xen"},
     ["prerequisites_virt_type", "auto, kvm, qemu"]),
    ("memory-not-int", "prerequisites", {"prerequisites_min_memory_mb": "lots"},
     ["prerequisites_min_memory_mb", "int"]),
    ("interface-missing", "prerequisites", {"prerequisites_interfaces": ["eth9"]},
     ["Interface eth9 does not exist", "fix the inventory"]),
    ("disk-missing", "prerequisites", {"prerequisites_disks": ["/dev/nosuchdisk"]},
     ["/dev/nosuchdisk"]),
    ("memory-too-little", "prerequisites", {"prerequisites_min_memory_mb": 100000000},
     ["MB of memory", "prerequisites_min_memory_mb"]),
    ("public-address", "network", {"network_public_address": "300.1.2.3/24"},
     ["network_public_address", "300.1.2.3/24"]),
    ("public-interface", "network", {"network_public_interface": "nosuch0"},
     ["nosuch0"]),
    ("ip-forward-bool", "network", {"network_ip_forward": "maybe"},
     ["network_ip_forward", "bool"]),
    ("ntp-stratum-int", "ntp", {"ntp_local_stratum": "ten"},
     ["ntp_local_stratum", "int"]),
    ("ntp-set-clock-bool", "ntp", {"ntp_set_clock": "sometimes"},
     ["ntp_set_clock", "bool"]),
    ("loop-size", "lvm", {"lvm_loop_size": "20 apples"},
     ["lvm_loop_size", "20 apples"]),
    ("vg-name", "lvm", {"lvm_vg_name": "bad name!"},
     ["lvm_vg_name", "bad name!"]),
    ("pv-missing", "lvm", {"lvm_pvs": ["/dev/nosuchdisk"]},
     ["/dev/nosuchdisk"]),
    ("amqp-port-int", "rabbitmq", {"rabbitmq_port": "amqp"},
     ["rabbitmq_port", "int"]),
    ("amqp-password-short", "rabbitmq", {"rabbitmq_password": "short"},
     ["rabbitmq_password"]),
    ("mysql-port-range", "mysql", {"mysql_port": 70000},
     ["mysql_port", "70000"]),
    ("mysql-password-missing", "mysql", {"mysql_service_passwords": {"keystone": "k" * 24}},
     ["glance", "password"]),
    ("mysql-connections-int", "mysql", {"mysql_max_connections": "many"},
     ["mysql_max_connections", "int"]),
    ("keystone-port-int", "keystone", {"keystone_port": "five-thousand"},
     ["keystone_port", "int"]),
    ("keystone-admin-password-short", "keystone", {"keystone_admin_password": "short"},
     ["keystone_admin_password", "16 characters"]),
    ("keystone-overrides-dict", "keystone", {"keystone_conf_overrides": "debug=true"},
     ["keystone_conf_overrides", "section names"]),
    ("keystone-user-without-password", "keystone", {"keystone_users": [{"name": "alice"}]},
     ["keystone_users", "password"]),
    ("glance-url", "glance", {"glance_public_url": "glance.example:9292"},
     ["glance_public_url", "glance.example:9292"]),
    ("glance-workers-int", "glance", {"glance_workers": "all"},
     ["glance_workers", "int"]),
    ("placement-port-int", "placement", {"placement_port": "x"},
     ["placement_port", "int"]),
    ("neutron-mapping-interface", "neutron", {"neutron_interface_mappings": {"external": "nosuch0"}},
     ["nosuch0"]),
    ("neutron-metadata-secret", "neutron", {"neutron_metadata_secret": ""},
     ["neutron_metadata_secret"]),
    ("cinder-lvm-type", "cinder", {"cinder_lvm_type": "thick"},
     ["cinder_lvm_type", "default, thin, auto"]),
    ("cinder-volume-group", "cinder", {"cinder_volume_group": "nosuch-vg"},
     ["nosuch-vg"]),
    ("nova-virt-type", "nova", {"nova_virt_type": "xen"},
     ["nova_virt_type", "xen"]),
    ("nova-fixed-range", "nova", {"nova_fixed_range": "172.16.0.0/33"},
     ["nova_fixed_range", "172.16.0.0/33"]),
    ("nova-flavor-without-ram", "nova", {"nova_flavors": [{"name": "x", "id": "9", "vcpus": 1, "disk": 1}]},
     ["ram"]),
    ("horizon-time-zone", "horizon", {"horizon_time_zone": "Mars/Base"},
     ["Mars/Base", "horizon_time_zone"]),
    ("horizon-secret-key-short", "horizon", {"horizon_secret_key": "short"},
     ["horizon_secret_key", "32"]),
    ("horizon-allowed-host-url", "horizon", {"horizon_allowed_hosts": ["http://x.example:80"]},
     ["horizon_allowed_hosts", "http://x.example:80"]),
    ("horizon-keystone-v2", "horizon", {"horizon_keystone_url": "http://10.0.2.100:5000/v2.0"},
     ["horizon_keystone_url", "/v3"]),
    ("horizon-processes", "horizon", {"horizon_processes": 0},
     ["horizon_processes", "1 or more"]),
    ("horizon-cert-without-key", "horizon", {"horizon_tls": True, "horizon_tls_cert": "/etc/ssl/certs/nope.pem"},
     ["horizon_tls_cert", "horizon_tls_key"]),
    ("horizon-tls-bool", "horizon", {"horizon_tls": "maybe"},
     ["horizon_tls", "bool"]),
]

# (id, module, arguments, fragments)
MODULE_CASES = [
    ("user-unknown-project", "keystone_user",
     {"cloud": "lab-admin", "name": "bad-input-user", "password": "p" * 20, "default_project": "no-such-project"},
     ["no-such-project"]),
    ("grant-unknown-role", "keystone_role_grant",
     {"cloud": "lab-admin", "role": "no-such-role", "user": "demo", "project": "demo"},
     ["no-such-role"]),
    ("unknown-cloud", "keystone_project",
     {"cloud": "no-such-cloud", "name": "bad-input-project"},
     ["no-such-cloud", "clouds.yaml"]),
    ("flavor-ram-zero", "nova_flavor",
     {"cloud": "lab-admin", "name": "bad-input-flavor", "ram": 0, "vcpus": 1, "disk": 1},
     ["ram"]),
    ("network-bad-cidr", "nova_network",
     {"cloud": "lab-admin", "name": "bad-input-net", "fixed_range_v4": "10.0.0.0/33", "dhcp_start": "10.0.0.10",
      "bridge": "br1",
      "physical_network": "private"},
     ["10.0.0.0/33"]),
    ("rule-port-range", "nova_secgroup_rule",
     {"cloud": "lab-demo", "security_group": "default", "protocol": "tcp", "from_port": 70000,
      "to_port": 70001, "cidr": "0.0.0.0/0"},
     ["70000", "65535"]),
    ("rule-bad-cidr", "nova_secgroup_rule",
     {"cloud": "lab-demo", "security_group": "default", "protocol": "tcp", "from_port": 22, "to_port": 22,
      "cidr": "10.0.0.300/24"},
     ["10.0.0.300/24"]),
    ("image-missing-file", "glance_image",
     {"cloud": "lab-admin", "name": "bad-input-image", "filename": "/nonexistent.qcow2", "disk_format": "qcow2"},
     ["/nonexistent.qcow2"]),
    ("image-disk-format", "glance_image",
     {"cloud": "lab-admin", "name": "bad-input-image", "filename": "/etc/hostname", "disk_format": "floppy"},
     ["disk_format", "floppy"]),
    ("vg-missing-device", "lvm_vg",
     {"vg": "bad-input-vg", "pvs": ["/dev/nosuchdisk"]},
     ["/dev/nosuchdisk"]),
    ("keypair-bad-key", "nova_keypair",
     {"cloud": "lab-demo", "name": "bad-input-key", "public_key": "ssh-rsa not-a-key"},
     ["public_key"]),
    ("server-unknown-flavor", "nova_server",
     {"cloud": "lab-demo", "name": "bad-input-vm", "image": "debian-12-lab", "flavor": "no-such-flavor",
      "networks": [{"name": "private"}], "wait": False},
     ["no-such-flavor"]),
]


def _role_case(case, tmp_path):
    tag, extra = case[1], case[2]
    return ansible_playbook("site.yml", "--tags", tag, extra_vars=extra, tmp_path=tmp_path)


def _module_case(case, tmp_path):
    module, args = case[1], case[2]
    play = [{"name": "Bad input", "hosts": "controller", "gather_facts": False,
             "tasks": [{"name": "Run %s" % module, "lab.openstack.%s" % module: args}]}]
    path = tmp_path / "play.yml"
    path.write_text(json.dumps(play))
    return ansible_playbook(str(path))


def _state(host):
    """What the cases could have changed: files under /etc and root's home, and the cloud."""
    files = host.check_output("find /etc /root -xdev -newer /var/lib/lab-openstack/bad-input.mark -type f "
                              "-not -path '/root/.ansible/*' -not -path '/root/.cache/*'")
    cloud = {kind: sorted(item["Name"] for item in json.loads(host.check_output(
        "openstack --os-cloud lab-admin %s list -f json" % kind)))
        for kind in ("user", "project", "flavor", "network", "image", "role")}
    return files, cloud


@pytest.fixture(scope="module")
def runs(host, tmp_path_factory):
    """Every case run once, three at a time; the host's and cloud's state before and after."""
    host.check_output("touch /var/lib/lab-openstack/bad-input.mark")
    before = _state(host)[1]
    jobs = [(case[0], _role_case, case) for case in ROLE_CASES]
    jobs += [(case[0], _module_case, case) for case in MODULE_CASES]
    with concurrent.futures.ThreadPoolExecutor(max_workers=3) as pool:
        futures = {name: pool.submit(run, case, tmp_path_factory.mktemp(name)) for name, run, case in jobs}
        results = {name: future.result() for name, future in futures.items()}
    return results, before, _state(host)


def _check(run, fragments):
    assert run.rc != 0, "the run did not fail"
    failures = run.failures()
    assert len(failures) == 1, failures
    msg = failures[0][1]
    if isinstance(msg, list):
        msg = " ".join(map(str, msg))
    for fragment in fragments:
        assert fragment in msg, "%r not in the message: %s" % (fragment, msg)
    assert "Traceback" not in run.output
    assert run.stats["changed"] == 0


@pytest.mark.parametrize(("name", "tag", "extra", "fragments"), ROLE_CASES, ids=[c[0] for c in ROLE_CASES])
def test_a_bad_variable_fails_before_any_change(runs, name, tag, extra, fragments):
    _check(runs[0][name], fragments)


@pytest.mark.parametrize(("name", "module", "args", "fragments"), MODULE_CASES, ids=[c[0] for c in MODULE_CASES])
def test_a_module_refuses_bad_arguments(runs, name, module, args, fragments):
    _check(runs[0][name], fragments)


def test_there_are_forty_cases_or_more():
    assert len(ROLE_CASES) + len(MODULE_CASES) >= 40


def test_nothing_changed_on_the_host_or_in_the_cloud(runs):
    before, (files, after) = runs[1], runs[2]
    assert files.split() == []
    assert after == before
    assert "bad-input" not in json.dumps(after)
