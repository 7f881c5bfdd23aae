"""What the deployment exposes, and where its secrets lie (issue #7).

Only the dashboard is meant to be reached from outside: every other service listens on the
management address or on loopback (README, "What listens where"). Every file on the host
that holds a generated secret is the root's, closed to others, and not writable by its
group (the control node's secrets file, 0600: test_keystone.py). MariaDB's accounts (no
anonymous user, no remote root) and RabbitMQ's guest are checked by the default scenario.
"""

from labtest import read_secrets

# Listening on every address, by design: Apache (the dashboard, and its redirect to TLS).
PUBLIC_PORTS = {80, 443}
# Where the generated secrets may be written on the host.
SECRET_DIRS = "/etc /root /usr/local"


def _listeners(host):
    """(protocol, address, port, process) of every listening socket of the host's namespace."""
    out = host.check_output("ss -Hltnup")
    sockets = []
    for line in out.splitlines():
        fields = line.split()
        address, port = fields[4].rsplit(":", 1)
        process = fields[-1] if fields[-1].startswith("users:") else ""
        sockets.append((fields[0], address.strip("[]"), int(port), process))
    return sockets


def test_only_the_dashboard_listens_beyond_the_management_address(host, mgmt):
    loopback = ("127.", "::1")
    outside = [s for s in _listeners(host)
               if s[1] != mgmt and not s[1].startswith(loopback) and s[2] not in PUBLIC_PORTS
               and not s[1].startswith("169.254.")]
    assert outside == []


def test_keystone_has_no_admin_token(host):
    # The tutorial's admin_token (ADMIN) is gone: keystone-manage bootstrap made the admin.
    out = host.run("grep -rn admin_token /etc/keystone")
    assert out.rc == 1, out.stdout


def test_files_holding_a_secret_are_private(host):
    values = [v for v in read_secrets().values() if len(v) >= 16]
    assert len(values) >= 10
    quoted = " ".join("'%s'" % v for v in values)
    files = host.run("printf '%s\\n' " + quoted + " | grep -rlF -f - " + SECRET_DIRS).stdout.split()
    # Non-vacuous: the services' settings, the credentials, the dashboard's settings at least.
    assert "/etc/keystone/keystone.conf.d/50-lab-openstack-secrets.conf" in files
    assert "/etc/openstack-dashboard/local_settings.py" in files
    assert len(files) >= 10, files
    exposed = {}
    for path in files:
        f = host.file(path)
        if f.user != "root" or f.mode & 0o027:
            exposed[path] = "%s:%s %o" % (f.user, f.group, f.mode)
    assert exposed == {}
