"""What a user of the Dashboard Horizon section sees, in a real browser.

Debian's chromium, driven through its chromedriver by Selenium, runs on the control node
and reaches the dashboard through the ports the container publishes, as a user's browser
reaches the lab (or a server through an ssh tunnel). Each page the browser tests open is
saved as a screenshot in .cache/artifacts/horizon (LAB_ARTIFACTS sets another root), and
the page a test failed on as FAILED-<name>.png.
"""

import base64
import contextlib
import hashlib
import os
import re
import ssl
import subprocess
import urllib.error
import urllib.request
from html.parser import HTMLParser
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from labtest import listeners
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

ROOT = Path(__file__).resolve().parents[3]
ARTIFACTS = Path(os.environ.get("LAB_ARTIFACTS", ROOT / ".cache" / "artifacts")) / "horizon"
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
SETTINGS = "/etc/openstack-dashboard/local_settings.py"
TLS_SITE = "/etc/apache2/sites-enabled/lab-openstack-horizon-tls.conf"
CERT = "/etc/ssl/certs/lab-openstack-horizon.crt"
KEY = "/etc/ssl/private/lab-openstack-horizon.key"
APACHE_LOGS = ["/var/log/apache2/error.log", "/var/log/apache2/access.log",
               "/var/log/apache2/other_vhosts_access.log"]


def log_sizes(host):
    return {log: int(host.check_output("stat -c %%s %s 2>/dev/null || echo 0", log)) for log in APACHE_LOGS}


@pytest.fixture(scope="module", autouse=True)
def log_start(host):
    """The size of Apache's logs before this module's first request: the last test reads what follows."""
    return log_sizes(host)


@pytest.fixture(scope="module")
def tls(host):
    return host.file(TLS_SITE).exists


def published(host, port):
    """The control node's address:port that podman forwards to the container's port."""
    out = subprocess.run(["podman", "port", host.backend.name, "%d/tcp" % port],
                         capture_output=True, text=True, check=True).stdout.split()
    assert out, "the container publishes no port %d: molecule.yml's published_ports (or lab.sh's -p)" % port
    return out[0].replace("0.0.0.0:", "127.0.0.1:")


@pytest.fixture(scope="module")
def http_base(host):
    return "http://" + published(host, 80)


@pytest.fixture(scope="module")
def base(host, tls, http_base):
    return ("https://" + published(host, 443)) if tls else http_base


@pytest.fixture(scope="module")
def cert(host, tls, tmp_path_factory):
    """The dashboard's certificate, copied to the control node (None without TLS)."""
    if not tls:
        return None
    path = tmp_path_factory.mktemp("horizon") / "horizon.crt"
    path.write_text(host.file(CERT).content_string)
    return path


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def fetch(url, cert=None, headers=None, follow=True):
    """(status, headers, body) of a GET; HTTPS verified against the dashboard's own certificate."""
    context = ssl.create_default_context(cafile=str(cert)) if cert else None
    handlers = [urllib.request.HTTPSHandler(context=context)] + ([] if follow else [NoRedirect()])
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.build_opener(*handlers).open(request, timeout=60) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


# --- What the role installed and wrote -----------------------------------------------------------
def test_secrets_readable_by_root_and_the_horizon_group_only(host, secrets, tls):
    settings = host.file(SETTINGS)
    assert (settings.user, settings.group, settings.mode) == ("root", "horizon", 0o640)
    assert settings.contains("^SECRET_KEY = \"%s\"$" % secrets["horizon_secret_key"])
    assert not host.file("/etc/openstack-dashboard/local_settings.d/_0006_debian_cache.py").exists
    if tls:
        # Only Apache's parent process (root) reads the TLS key, never the WSGI processes.
        key = host.file(KEY)
        assert (key.user, key.group, key.mode) == ("root", "root", 0o600)


def test_wsgi_processes_run_as_horizon_sized_to_the_cores(host):
    cores = int(host.check_output("nproc"))
    processes = host.check_output("ps -eo user:20,args").splitlines()
    users = [line.split()[0] for line in processes if "(wsgi:horizon)" in line]
    assert users == ["horizon"] * max(1, cores // 2)


def test_apache_runs_and_listens_on_every_address(host, tls):
    assert host.service("apache2").is_running
    assert host.service("apache2").is_enabled
    ports = [80, 443] if tls else [80]
    for port in ports:
        assert listeners(host, port) == ["*"], "Apache listens on %s:%d" % (listeners(host, port), port)


# --- What a browser gets over HTTP ---------------------------------------------------------------
def test_root_page_leads_to_the_dashboard(http_base):
    status, headers, _body = fetch(http_base + "/", follow=False)
    assert status == 302
    assert headers["Location"] in ("/horizon/", http_base + "/horizon/")


def test_plain_http_serves_or_is_sent_to_https(http_base, tls, cert, mgmt):
    """Without TLS the login page over HTTP; with it a redirect, and a certificate for the allowed hosts."""
    status, headers, _body = fetch(http_base + "/horizon/auth/login/?next=/horizon/", follow=False)
    if not tls:
        assert status == 200
        return
    assert status == 301
    # The Host header the browser sent, with the https scheme (the port is the one it asked).
    assert headers["Location"] == http_base.replace("http://", "https://") + "/horizon/auth/login/?next=/horizon/"
    names = x509.load_pem_x509_certificate(cert.read_bytes()).extensions.get_extension_for_class(
        x509.SubjectAlternativeName).value
    assert {mgmt, "127.0.0.1"} <= {str(a) for a in names.get_values_for_type(x509.IPAddress)}
    assert "localhost" in names.get_values_for_type(x509.DNSName)


class Assets(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls = set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        url = attrs.get("src") if tag in ("script", "img") else attrs.get("href") if tag == "link" else None
        if url and url.startswith("/horizon/static/"):
            self.urls.add(url)


def test_login_page_and_its_static_assets_answer_200(base, cert):
    status, _headers, body = fetch(base + "/horizon/auth/login/", cert)
    assert status == 200
    assert b'id="id_username"' in body
    assets = Assets()
    assets.feed(body.decode())
    kinds = {url.rsplit(".", 1)[-1].split("?")[0] for url in assets.urls}
    assert {"css", "js"} <= kinds, assets.urls
    for url in sorted(assets.urls):
        status, _headers, content = fetch(base + url, cert)
        assert (status, len(content) > 0) == (200, True), url


def test_unknown_host_names_are_refused(base, cert):
    status, _headers, _body = fetch(base + "/horizon/auth/login/", cert, headers={"Host": "evil.example"})
    assert status == 400


# --- In the browser ---------------------------------------------------------------------------------
def spki_hash(cert):
    """What Chromium's --ignore-certificate-errors-spki-list trusts: this certificate's key only."""
    key = x509.load_pem_x509_certificate(cert.read_bytes()).public_key()
    der = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(hashlib.sha256(der).digest()).decode()


@pytest.fixture(scope="module")
def browser(cert, tmp_path_factory):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    # As root, and without the connections to Google's services a closed network refuses.
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--window-size=1400,1000", "--user-data-dir=%s" % tmp_path_factory.mktemp("chromium")):
        options.add_argument(flag)
    if cert is not None:
        # The generated certificate is self-signed: trust its key, not every certificate.
        options.add_argument("--ignore-certificate-errors-spki-list=%s" % spki_hash(cert))
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    yield driver
    driver.quit()


@contextlib.contextmanager
def page(browser, name):
    """Saves the page as <name>.png, or FAILED-<name>.png when the block fails."""
    try:
        yield
    except BaseException:
        browser.save_screenshot(str(ARTIFACTS / ("FAILED-%s.png" % name)))
        raise
    browser.save_screenshot(str(ARTIFACTS / ("%s.png" % name)))


def log_in(browser, base, user, password, project):
    browser.get(base + "/horizon/auth/logout/")
    browser.get(base + "/horizon/auth/login/")
    WebDriverWait(browser, 30).until(lambda b: b.find_elements(By.ID, "id_username"))
    browser.find_element(By.ID, "id_username").send_keys(user)
    browser.find_element(By.ID, "id_password").send_keys(password)
    browser.find_element(By.ID, "loginBtn").click()
    WebDriverWait(browser, 90).until(lambda b: "/auth/login" not in b.current_url)
    # The header names who is logged in, and into which project.
    assert browser.find_element(By.CSS_SELECTOR, "nav .user-menu .user-name").text == user
    assert browser.find_element(By.CSS_SELECTOR, "nav .context-project").text == project


def test_admin_logs_in_and_sees_the_admin_overview(browser, base, secrets):
    with page(browser, "admin-overview"):
        log_in(browser, base, "admin", secrets["keystone_admin"], "admin")
        browser.get(base + "/horizon/admin/")
        WebDriverWait(browser, 60).until(lambda b: b.find_elements(By.CSS_SELECTOR, ".page-header h1"))
        assert browser.find_element(By.CSS_SELECTOR, ".page-header h1").text == "Overview"
        assert browser.current_url == base + "/horizon/admin/"
        assert "Usage Summary" in browser.find_element(By.TAG_NAME, "body").text


def memcached_get(host, mgmt, key):
    """memcached's answer to a get, asked from the container."""
    return host.check_output(
        "python3 -c 'import socket, sys; s = socket.create_connection((sys.argv[1], 11211)); "
        "s.sendall(b\"get \" + sys.argv[2].encode() + b\"\\r\\n\"); print(s.recv(100).split()[0].decode())' %s %s",
        mgmt, key)


def test_demo_logs_in_and_sees_myfirstvm_on_instances(browser, base, secrets, host, mgmt):
    with page(browser, "demo-instances"):
        log_in(browser, base, "demo", secrets["keystone_demo"], "demo")
        browser.get(base + "/horizon/project/instances/")
        WebDriverWait(browser, 60).until(lambda b: b.find_elements(By.ID, "instances"))
        rows = {row.find_element(By.CSS_SELECTOR, "td.anchor, td a").text: row.text
                for row in browser.find_elements(By.CSS_SELECTOR, "#instances tbody tr[data-object-id]")}
        assert "myfirstvm" in rows, rows
        assert re.search(r"\bActive\b", rows["myfirstvm"]), rows["myfirstvm"]
        # The session lives in memcached (Django's cache key for it), not in one process.
        cookie = browser.get_cookie("sessionid")
        assert memcached_get(host, mgmt, ":1:django.contrib.sessions.cache" + cookie["value"]) == "VALUE"
        # Over HTTPS the session cookie is never sent in clear.
        assert cookie["secure"] == base.startswith("https://")


# --- Last: what Apache logged while the tests above ran -----------------------------------------
def test_no_server_error_during_the_tests(host, log_start):
    new = {log: host.check_output("tail -c +%s %s", str(log_start[log] + 1), log) if host.file(log).exists else ""
           for log in APACHE_LOGS}
    requests = "\n".join(new[log] for log in APACHE_LOGS[1:])
    assert requests.count("/horizon/") > 10, "the tests' requests were not logged"
    errors = [line for line in requests.splitlines() if re.search(r'" 5\d\d \S+', line)]
    assert errors == []
    assert not re.search(r"Traceback|Internal Server Error|AH01630|AH00124", new[APACHE_LOGS[0]]), new[APACHE_LOGS[0]]
