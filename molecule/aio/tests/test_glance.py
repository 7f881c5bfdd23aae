"""What a user of the Glance section sees on the converged controller.

The openstack client runs in the container with the clouds.yaml the keystone role wrote;
the scenario's converge adds the project "other" and a private image of the demo user.
"""

import json

import pytest
from labtest import LOG_FILE, leaked_secrets, listeners, openstack


def other_cloud(mgmt, secrets):
    """openstack options authenticating as the scenario's user other (project other)."""
    return ("--os-auth-url http://%s:5000/v3 --os-identity-api-version 3 --os-username other "
            "--os-password %s --os-project-name other --os-user-domain-name Default "
            "--os-project-domain-name Default" % (mgmt, secrets["molecule_other"]))


# --- The service -----------------------------------------------------------------------------
def test_glance_api_runs_and_is_enabled(host):
    service = host.service("glance-api")
    assert service.is_running
    assert service.is_enabled


def test_glance_listens_on_the_management_address_only(host, mgmt):
    assert listeners(host, 9292) == [mgmt]


def test_workers_sized_to_the_cores(host):
    cores = int(host.check_output("nproc"))
    parent = host.check_output("systemctl show -p MainPID --value glance-api")
    children = host.check_output("pgrep -c -P %s", parent)
    assert int(children) == max(1, cores // 2)


def http_status(host, url):
    """The HTTP status of a GET from inside the container (python3, no curl there)."""
    return int(host.check_output(
        "python3 -c 'import sys, urllib.request, urllib.error\n"
        "try:\n print(urllib.request.urlopen(sys.argv[1]).status)\n"
        "except urllib.error.HTTPError as e:\n print(e.code)' %s", url))


def test_versions_answer_without_a_token_and_images_need_one(host, mgmt):
    versions = json.loads(host.check_output(
        "python3 -c 'import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1]).read().decode())' %s",
        "http://%s:9292/versions" % mgmt))
    assert any(v["status"] == "CURRENT" and v["id"].startswith("v2.") for v in versions["versions"])
    assert http_status(host, "http://%s:9292/v2/images" % mgmt) == 401


def test_image_service_and_its_three_endpoints(host, mgmt):
    services = openstack(host, "lab-admin", "service", "list")
    assert [s["Name"] for s in services if s["Type"] == "image"] == ["glance"]
    endpoints = openstack(host, "lab-admin", "endpoint", "list", "--service", "image")
    url = "http://%s:9292" % mgmt
    assert sorted((e["Interface"], e["URL"], e["Region"]) for e in endpoints) == [
        ("admin", url, "RegionOne"), ("internal", url, "RegionOne"), ("public", url, "RegionOne")]


def test_glance_api_conf_is_private_to_glance(host):
    f = host.file("/etc/glance/glance-api.conf")
    assert (f.user, f.group, f.mode) == ("root", "glance", 0o640)


def test_glance_api_conf_settings(host, mgmt):
    conf = host.file("/etc/glance/glance-api.conf").content_string
    assert "bind_host = %s\n" % mgmt in conf
    assert "flavor = keystone\n" in conf
    assert "default_backend = fs\n" in conf
    assert "filesystem_store_datadir = /var/lib/glance/images\n" in conf


def test_schema_is_current(host):
    cmd = host.run("runuser -u glance -- glance-manage db check")
    assert cmd.rc == 0, cmd.stdout + cmd.stderr


@pytest.mark.parametrize("package", ["libgtk-3-0", "python-openstackclient-doc"])
def test_no_recommends_installed(host, package):
    # keystone's and glance-api's recommends would bring GTK, gdal, the client's documentation...
    assert not host.package(package).is_installed


# --- Images and projects ----------------------------------------------------------------------
def test_private_image_of_demo_is_visible_to_demo(host):
    images = openstack(host, "lab-demo", "image", "list")
    assert "demo-private" in [i["Name"] for i in images]
    image = openstack(host, "lab-demo", "image", "show", "demo-private")
    assert image["visibility"] == "private"
    assert image["status"] == "active"
    assert image["owner"] == openstack(host, "lab-admin", "project", "show", "demo")["id"]


def test_private_image_of_demo_is_not_visible_to_another_project(host, mgmt, secrets):
    out = host.check_output("openstack %s image list -f json" % other_cloud(mgmt, secrets))
    names = [i["Name"] for i in json.loads(out)]
    assert "demo-private" not in names
    cmd = host.run("openstack %s image show demo-private" % other_cloud(mgmt, secrets))
    assert cmd.rc != 0
    assert "No Image found" in cmd.stderr or "Could not find" in cmd.stderr or "404" in cmd.stderr


def test_image_save_returns_the_uploaded_bytes(host):
    host.check_output("openstack --os-cloud lab-demo image save --file /tmp/demo-private.saved demo-private")
    try:
        saved = host.check_output("sha256sum /tmp/demo-private.saved").split()[0]
    finally:
        host.run("rm -f /tmp/demo-private.saved")
    source = host.check_output("sha256sum /var/tmp/demo-private.img").split()[0]
    assert saved == source


def test_image_files_belong_to_glance(host):
    image = openstack(host, "lab-demo", "image", "show", "demo-private")
    f = host.file("/var/lib/glance/images/%s" % image["id"])
    assert f.exists
    assert f.user == "glance"
    assert f.size == image["size"]


def test_demo_user_cannot_publish(host):
    # public images are for admins (policy publicize_image): the demo user is refused.
    cmd = host.run("openstack --os-cloud lab-demo image set --public demo-private")
    assert cmd.rc != 0
    assert "403" in cmd.stderr or "Forbidden" in cmd.stderr or "not allowed" in cmd.stderr.lower()


# --- Secrets ------------------------------------------------------------------------------------
def test_verbose_log_holds_no_secret(secrets):
    log = LOG_FILE.read_text()
    assert "TASK [lab.openstack.glance : Configure glance-api]" in log
    assert leaked_secrets(secrets, log) == []
