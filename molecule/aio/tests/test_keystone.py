"""What a user of the Keystone section sees on the converged controller.

Runs against the container through testinfra's podman backend: the openstack client
runs in the container with the clouds.yaml the role wrote. The secrets come from the
scenario's secrets file on the control node, the -v log from ANSIBLE_LOG_PATH.
"""


import pytest
from labtest import LOG_FILE, SECRETS_FILE, leaked_secrets, listeners, openstack


SERVICE_USERS = ["glance", "nova", "placement", "neutron", "cinder"]
# The scenario's converge adds the project and user "other" (image visibility tests).
USERS = {"admin", "demo", *SERVICE_USERS, "other"}
PROJECTS = {"admin", "service", "demo", "other"}
# admin, member and the tutorial's legacy roles; reader comes with keystone-manage
# bootstrap (admin implies member implies reader).
ROLES = {"admin", "member", "reader", "service", "KeystoneAdmin", "KeystoneServiceAdmin"}
PROJECT_GRANTS = {
    ("admin", "admin", "admin"),
    ("KeystoneAdmin", "admin", "admin"),
    ("KeystoneServiceAdmin", "admin", "admin"),
    ("member", "demo", "demo"),
    ("member", "other", "other"),
} | {(role, user, "service") for user in SERVICE_USERS for role in ("admin", "service")}
# keystone-manage bootstrap also gives admin the admin role on the system.
SYSTEM_GRANTS = {("admin", "admin", "all")}


# --- Tokens: what the tutorial checks with `keystone user-list` ------------------------
@pytest.mark.parametrize("cloud, user, project", [("lab-admin", "admin", "admin"), ("lab-demo", "demo", "demo")])
def test_token_issued(host, cloud, user, project):
    token = openstack(host, cloud, "token", "issue")
    assert token["id"]
    assert token["project_id"] == openstack(host, "lab-admin", "project", "show", project)["id"]
    assert token["user_id"] == openstack(host, "lab-admin", "user", "show", user)["id"]


@pytest.mark.parametrize("rc", ["/root/openrc-admin", "/root/openrc-demo"])
def test_openrc_issues_a_token(host, rc):
    cmd = host.run("sh -c '. %s && openstack token issue -f value -c id'" % rc)
    assert cmd.rc == 0, cmd.stderr
    assert cmd.stdout.strip()


def test_demo_user_is_not_admin(host):
    cmd = host.run("openstack --os-cloud lab-demo user list")
    assert cmd.rc != 0
    assert "403" in cmd.stderr or "not authorized" in cmd.stderr.lower()


@pytest.mark.parametrize("user", SERVICE_USERS)
def test_service_user_authenticates_on_service_project(host, mgmt, secrets, user):
    cmd = host.run(
        "openstack --os-auth-url http://%s:5000/v3 --os-identity-api-version 3 --os-username %s "
        "--os-password %s --os-project-name service --os-user-domain-name Default "
        "--os-project-domain-name Default token issue -f value -c id",
        mgmt,
        user,
        secrets["keystone_" + user],
    )
    assert cmd.rc == 0, cmd.stderr


# --- The tutorial's objects, exactly ------------------------------------------------------
def test_users(host):
    assert {u["Name"] for u in openstack(host, "lab-admin", "user", "list")} == USERS


def test_projects(host):
    assert {p["Name"] for p in openstack(host, "lab-admin", "project", "list")} == PROJECTS


def test_roles(host):
    assert {r["Name"] for r in openstack(host, "lab-admin", "role", "list")} == ROLES


def test_role_assignments(host):
    rows = openstack(host, "lab-admin", "role", "assignment", "list", "--names")
    project = {(r["Role"], r["User"].split("@")[0], r["Project"].split("@")[0]) for r in rows if r["Project"]}
    system = {(r["Role"], r["User"].split("@")[0], r["System"]) for r in rows if r["System"]}
    assert project == PROJECT_GRANTS
    assert system == SYSTEM_GRANTS
    assert not [r for r in rows if r["Group"] or r["Domain"]]


def test_identity_service_and_its_three_endpoints(host, mgmt):
    services = openstack(host, "lab-admin", "service", "list")
    assert [(s["Name"], s["Type"]) for s in services if s["Type"] == "identity"] == [("keystone", "identity")]
    endpoints = openstack(host, "lab-admin", "endpoint", "list", "--service", "identity")
    url = "http://%s:5000/v3" % mgmt
    assert sorted((e["Interface"], e["URL"], e["Region"], e["Enabled"]) for e in endpoints) == [
        ("admin", url, "RegionOne", True),
        ("internal", url, "RegionOne", True),
        ("public", url, "RegionOne", True),
    ]


def test_catalog_lists_identity(host, mgmt):
    catalog = openstack(host, "lab-admin", "catalog", "list")
    assert "identity" in [c["Type"] for c in catalog]


# --- The server -------------------------------------------------------------------------
def test_keystone_runs_and_is_enabled(host):
    keystone = host.service("keystone")
    assert keystone.is_running and keystone.is_enabled


def test_keystone_listens_on_the_management_address_only(host, mgmt):
    assert listeners(host, 5000) == [mgmt]


def test_no_admin_port(host):
    # The tutorial's 35357 (v2 admin API) is gone.
    assert listeners(host, 35357) == []


def test_uwsgi_workers_sized_to_the_cores(host):
    cores = int(host.check_output("nproc"))
    pids = host.check_output("pgrep -u keystone -f uwsgi").split()
    # The master plus one worker per core, at least two.
    assert len(pids) == max(1, cores // 2) + 1


SECRETS_CONF = "/etc/keystone/keystone.conf.d/50-lab-openstack-secrets.conf"


@pytest.mark.parametrize("path", ["/etc/keystone/keystone.conf", SECRETS_CONF])
def test_keystone_conf_is_private_to_keystone(host, path):
    conf = host.file(path)
    assert (conf.user, conf.group, conf.mode) == ("root", "keystone", 0o640)


def test_keystone_conf_settings(host, mgmt, secrets):
    content = host.file("/etc/keystone/keystone.conf").content_string
    assert "admin_token" not in content
    assert "provider = fernet" in content
    assert "memcache_servers = %s:11211" % mgmt in content
    # The database's password is in keystone.conf.d, so that --diff can show keystone.conf.
    assert "[database]" not in content
    assert secrets["mysql_keystone"] not in content
    hidden = host.file(SECRETS_CONF).content_string
    assert "connection = mysql+pymysql://keystone:%s@" % secrets["mysql_keystone"] in hidden


def test_keystone_reads_the_secrets_of_keystone_conf_d(host):
    # keystone-manage, as the service user, reaches the database only with the password
    # written there: oslo.config reads the directory after keystone.conf.
    # Without it, keystone-manage has no connection and fails (check_output raises).
    out = host.check_output("runuser -u keystone -- keystone-manage db_version")
    assert out.strip()


def test_fernet_and_credential_keys(host):
    for repo in ("fernet-keys", "credential-keys"):
        keys = host.file("/etc/keystone/%s" % repo)
        assert (keys.user, keys.mode) == ("keystone", 0o700)
        assert host.file("/etc/keystone/%s/0" % repo).exists


def test_schema_is_current(host):
    assert host.run("runuser -u keystone -- keystone-manage db_sync --check").rc == 0


@pytest.mark.parametrize("path", ["/root/openrc-admin", "/root/openrc-demo", "/root/.config/openstack/clouds.yaml"])
def test_credentials_files_are_private(host, path):
    f = host.file(path)
    assert (f.user, f.group, f.mode) == ("root", "root", 0o600)


# --- Secrets ----------------------------------------------------------------------------
def test_secrets_file_is_private_and_complete(secrets):
    assert SECRETS_FILE.stat().st_mode & 0o777 == 0o600
    expected = {"keystone_admin", "keystone_demo"} | {"keystone_" + u for u in SERVICE_USERS}
    assert expected <= set(secrets)
    assert all(len(v) >= 32 for v in secrets.values())


def test_verbose_log_holds_no_secret(secrets):
    log = LOG_FILE.read_text()
    # The log is the -v output of converge and idempotence: it has task results in it.
    assert "TASK [lab.openstack.keystone : Create the users" in log
    assert "TASK [lab.openstack.keystone : Bootstrap the admin user" in log
    leaked = leaked_secrets(secrets, log)
    assert leaked == []
