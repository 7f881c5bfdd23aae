"""What a user of "Créez vos propres images" sees: the image built on the controller is in
Glance, holds the built bytes, and boots: a DHCP lease, the SSH key from the metadata
service, and an ssh login with that key. The boot runs in plain QEMU (TCG) on the test
machine, from the bytes Glance gives back; booting through Nova is the Nova section's test.
"""

import hashlib
import subprocess
from pathlib import Path

import pytest
from labtest import openstack

IMAGE = "debian-12-lab"
BOOT_SCRIPT = Path(__file__).with_name("boot_image.sh")
BOOT_TIMEOUT = 120  # the bound, under TCG on these 2 cores


@pytest.fixture(scope="module")
def image(host):
    return openstack(host, "lab-admin", "image", "show", IMAGE)


@pytest.fixture(scope="module")
def built_file(host, image):
    """The build on the controller: the one qcow2 the role keeps, named after its inputs."""
    files = host.check_output("ls /var/lib/lab-openstack/images/").split()
    builds = [f for f in files if f.startswith(IMAGE + "-") and f.endswith(".qcow2")]
    assert len(builds) == 1, files
    return "/var/lib/lab-openstack/images/" + builds[0]


@pytest.fixture(scope="module")
def saved(host, tmp_path_factory, image):
    """The image as Glance gives it back, copied out of the container."""
    container = host.backend.name
    inside = "/var/tmp/%s.saved.qcow2" % IMAGE
    host.check_output("openstack --os-cloud lab-demo image save --file %s %s", inside, IMAGE)
    local = tmp_path_factory.mktemp("boot") / (IMAGE + ".qcow2")
    try:
        subprocess.run(["podman", "cp", "%s:%s" % (container, inside), str(local)], check=True)
    finally:
        host.run("rm -f %s", inside)
    return local


def test_image_is_active_public_and_qcow2(image):
    assert image["status"] == "active"
    assert image["visibility"] == "public"
    assert (image["disk_format"], image["container_format"]) == ("qcow2", "bare")
    assert image["min_disk"] == 2


def test_image_has_the_size_and_checksum_of_the_build(host, image, built_file):
    assert image["size"] == host.file(built_file).size
    sha512 = host.check_output("sha512sum %s", built_file).split()[0]
    md5 = host.check_output("md5sum %s", built_file).split()[0]
    properties = image["properties"]  # where the openstack client shows them
    assert (properties["os_hash_algo"], properties["os_hash_value"]) == ("sha512", sha512)
    assert image["checksum"] == md5


def test_image_is_small(image):
    assert image["size"] < 150 * 1024 * 1024


def test_build_is_named_after_its_inputs(image, built_file):
    assert built_file.endswith("-%s.qcow2" % image["properties"]["lab_openstack_build"])


def test_glance_gives_back_the_uploaded_bytes(host, saved, built_file):
    source = host.check_output("sha256sum %s", built_file).split()[0]
    assert hashlib.sha256(saved.read_bytes()).hexdigest() == source


def test_image_boots_takes_a_lease_fetches_its_key_and_accepts_ssh(saved, tmp_path):
    run = subprocess.run([str(BOOT_SCRIPT), str(saved), str(tmp_path), str(BOOT_TIMEOUT)],
                         capture_output=True, text=True, timeout=BOOT_TIMEOUT + 60, check=False)
    console = (tmp_path / "console.log").read_text(errors="replace") if (tmp_path / "console.log").exists() else ""
    assert run.returncode == 0, run.stdout + run.stderr + console[-3000:]
    assert "uname: Linux" in run.stdout
    assert "hostname: boot-test" in run.stdout  # from the metadata service
    assert "DHCPv4 address" in console
    assert "SSH key installed for root" in console
    assert "grow-root: /dev/vda2" in console
    root_bytes = int(run.stdout.split("root-bytes: ")[1].split()[0])
    assert root_bytes > 2.5 * 1024**3  # grew into the disk, 1 GiB bigger than the image's 2 GiB
    login = int(run.stdout.split("ssh login after: ")[1].split()[0])
    assert login < BOOT_TIMEOUT
