"""Keystone modules against openstack.cloud, side by side on the same Keystone, same run.

50 users + 50 member grants, created then re-run (no-op), first with lab.openstack's
modules (one task for the users, one for the grants: their list form), then with
openstack.cloud's identity_user / role_assignment (one task each, looped: the anchor).
Prints both times and the ratios. Not a test: a measurement, run by hand.

Usage (after `scripts/lab.sh` deployed Keystone into the lab container):
    .venv/bin/python benchmarks/keystone_modules.py [--count 50] [--container lab-openstack-aio]
(requirements-test.txt brings openstacksdk for the anchor and keystoneauth1 for our side).

Both sides run on this machine's virtualenv, inside the lab container's network namespace
(nsenter -n), so they reach Keystone at the same address as the container does.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def secrets(path):
    values = {}
    for line in Path(path).read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, value = line.split(":", 1)
            values[name.strip()] = value.strip()
    return values


def container_facts(container):
    pid = subprocess.check_output(["podman", "inspect", "-f", "{{.State.Pid}}", container], text=True).strip()
    addr = subprocess.check_output(
        ["podman", "exec", container, "python3", "-c",
         "import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); "
         "s.connect(('192.0.2.1', 9)); print(s.getsockname()[0])"], text=True).strip()
    return pid, addr


def playbook(kind, count, prefix):
    users = ["%s%02d" % (prefix, i) for i in range(count)]
    if kind == "ours":
        tasks = [
            {"name": "users", "no_log": True, "lab.openstack.keystone_user": {
                "auth": "{{ bench_auth }}", "default_project": "demo", "update_password": "on_create",
                "users": [{"name": u, "password": "{{ bench_password }}"} for u in users]}},
            {"name": "grants", "no_log": True, "lab.openstack.keystone_role_grant": {
                "auth": "{{ bench_auth }}", "role": "member", "project": "demo",
                "grants": [{"user": u} for u in users]}},
        ]
    elif kind == "anchor":
        tasks = [
            {"name": "users", "no_log": True, "loop": users, "openstack.cloud.identity_user": {
                "auth": "{{ bench_auth }}", "name": "{{ item }}", "password": "{{ bench_password }}",
                "default_project": "demo", "domain": "default", "update_password": "on_create"}},
            {"name": "grants", "no_log": True, "loop": users, "openstack.cloud.role_assignment": {
                "auth": "{{ bench_auth }}", "user": "{{ item }}", "role": "member", "project": "demo"}},
        ]
    else:  # cleanup
        tasks = [{"name": "remove", "no_log": True, "lab.openstack.keystone_user": {
            "auth": "{{ bench_auth }}", "state": "absent", "users": [{"name": u} for u in users]}}]
    return [{"name": kind, "hosts": "localhost", "connection": "local", "gather_facts": False, "tasks": tasks}]


def run(pid, book, extra, workdir):
    path = Path(workdir) / "play.json"
    path.write_text(json.dumps(book))
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(ROOT / ".cache/collections"),
               ANSIBLE_PYTHON_INTERPRETER=sys.executable, ANSIBLE_LOCALHOST_WARNING="false")
    cmd = ["nsenter", "-t", pid, "-n", "--", str(Path(sys.executable).parent / "ansible-playbook"),
           "-i", "localhost,", "-e", "@" + str(extra), str(path)]
    start = time.monotonic()
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    elapsed = time.monotonic() - start
    recap = [line for line in out.stdout.splitlines() if line.startswith("localhost")]
    if out.returncode != 0:
        sys.exit("ansible-playbook failed:\n%s\n%s" % (out.stdout[-3000:], out.stderr[-2000:]))
    return elapsed, recap[-1].split(":", 1)[1].split() if recap else []


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=50)
    parser.add_argument("--container", default="lab-openstack-aio")
    parser.add_argument("--secrets", default=str(ROOT / "secrets/lab-container.secrets.yml"))
    args = parser.parse_args()

    pid, addr = container_facts(args.container)
    values = secrets(args.secrets)
    with tempfile.TemporaryDirectory() as workdir:
        extra = Path(workdir) / "extra.json"
        extra.write_text(json.dumps({
            "bench_password": values["keystone_demo"],
            "bench_auth": {"auth_url": "http://%s:5000/v3" % addr, "username": "admin",
                           "password": values["keystone_admin"], "project_name": "admin",
                           "user_domain_name": "Default", "project_domain_name": "Default"}}))
        os.chmod(extra, 0o600)
        rows = {}
        for kind, prefix in (("ours", "bench-ours-"), ("anchor", "bench-sdk-")):
            first = run(pid, playbook(kind, args.count, prefix), extra, workdir)
            again = run(pid, playbook(kind, args.count, prefix), extra, workdir)
            rows[kind] = (first, again)
            run(pid, playbook("cleanup", args.count, prefix), extra, workdir)

    print("%d users + %d member grants on %s (Keystone in %s)" % (args.count, args.count, addr, args.container))
    print("%-28s %12s %12s   %s" % ("", "first run", "no-op re-run", "recap of the re-run"))
    for kind, label in (("ours", "lab.openstack (list form)"), ("anchor", "openstack.cloud (looped)")):
        (first, _r1), (again, recap) = rows[kind]
        print("%-28s %11.1fs %11.1fs   %s" % (label, first, again, " ".join(recap)))
    ratio_first = rows["anchor"][0][0] / rows["ours"][0][0]
    ratio_again = rows["anchor"][1][0] / rows["ours"][1][0]
    print("ratio anchor/ours: first run %.1fx (target >= 3x), no-op re-run %.1fx (target >= 10x)"
          % (ratio_first, ratio_again))


if __name__ == "__main__":
    main()
