"""glance_image against `openstack image create --file`: one big upload each, same host, same run.

Both upload the same file (1 GiB of random bytes by default) from inside the lab
container to its Glance, alternately, several rounds. Each side runs under a small
wrapper that records its wall time and its peak resident memory (the children's
ru_maxrss). glance_image runs through Ansible with that wrapper as its Python
interpreter, so the figure is the module process's own. Prints both sides and the ratio.
Not a test: a measurement, run by hand.

Usage (after `scripts/lab.sh` deployed Glance into the lab container):
    .venv/bin/python benchmarks/glance_upload.py [--size-mib 1024] [--rounds 2] [--container lab-openstack-aio]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = "/var/lib/lab-openstack/bench"  # in the lab container
# Runs a command, then appends its wall time and peak RSS to WORK/runs.jsonl.
RSS_RUN = r'''#!/usr/bin/python3
import json, resource, subprocess, sys, time
start = time.monotonic()
rc = subprocess.call(sys.argv[1:])
seconds = time.monotonic() - start
peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
with open("%s/runs.jsonl", "a") as out:
    out.write(json.dumps({"argv": sys.argv[1:3], "rc": rc, "seconds": seconds, "peak_kib": peak_kib}) + "\n")
sys.exit(rc)
''' % WORK
PYTHON = "#!/bin/sh\nexec %s/rss-run /usr/bin/python3 \"$@\"\n" % WORK


def podman(container, *argv, check=True, stdin=None):
    return subprocess.run(["podman", "exec", "-i", container, *argv], check=check, text=True,
                          capture_output=True, input=stdin)


def prepare(container, size_mib):
    podman(container, "mkdir", "-p", WORK)
    podman(container, "sh", "-c", "cat > %s/rss-run && chmod 755 %s/rss-run" % (WORK, WORK), stdin=RSS_RUN)
    podman(container, "sh", "-c", "cat > %s/python3 && chmod 755 %s/python3" % (WORK, WORK), stdin=PYTHON)
    image = "%s/upload-%dm.img" % (WORK, size_mib)
    if podman(container, "test", "-s", image, check=False).returncode != 0:
        podman(container, "dd", "if=/dev/urandom", "of=" + image, "bs=1M", "count=%d" % size_mib, "status=none")
    podman(container, "rm", "-f", WORK + "/runs.jsonl")
    return image


def last_run(container):
    lines = podman(container, "cat", WORK + "/runs.jsonl").stdout.splitlines()
    return json.loads(lines[-1])


def delete_image(container, name):
    podman(container, "openstack", "--os-cloud", "lab-admin", "image", "delete", name, check=False)


def run_module(container, image, name):
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(ROOT / ".cache" / "collections"))
    cmd = ["ansible", "aio", "-i", "inventories/lab", "-i", "inventories/lab-container.yml",
           "-e", "ansible_python_interpreter=%s/python3" % WORK, "-m", "lab.openstack.glance_image",
           "-a", json.dumps({"cloud": "lab-admin", "name": name, "filename": image, "disk_format": "raw"})]
    done = subprocess.run(cmd, cwd=ROOT, env=env, text=True, capture_output=True, check=False)
    if done.returncode != 0:
        sys.exit("glance_image failed:\n" + done.stdout + done.stderr)
    return last_run(container)


def run_cli(container, image, name):
    done = podman(container, WORK + "/rss-run", "openstack", "--os-cloud", "lab-admin", "image", "create",
                  "--file", image, "--disk-format", "raw", "--container-format", "bare", name, check=False)
    if done.returncode != 0:
        sys.exit("openstack image create failed:\n" + done.stdout + done.stderr)
    return last_run(container)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--container", default="lab-openstack-aio")
    args = parser.parse_args()

    image = prepare(args.container, args.size_mib)
    print("file: %s (%d MiB of random bytes), %d rounds, alternating" % (image, args.size_mib, args.rounds))
    results = {"glance_image": [], "openstack image create": []}
    for n in range(args.rounds):
        for side, runner in (("glance_image", run_module), ("openstack image create", run_cli)):
            name = "bench-%s-%d" % ("module" if side == "glance_image" else "cli", n)
            delete_image(args.container, name)
            run = runner(args.container, image, name)
            results[side].append(run)
            peak = run["peak_kib"] / 1024
            print("  round %d  %-24s %6.1f s  peak RSS %6.1f MiB" % (n + 1, side, run["seconds"], peak))
            delete_image(args.container, name)

    mod = statistics.median(r["seconds"] for r in results["glance_image"])
    cli = statistics.median(r["seconds"] for r in results["openstack image create"])
    mod_rss = max(r["peak_kib"] for r in results["glance_image"]) / 1024
    cli_rss = max(r["peak_kib"] for r in results["openstack image create"]) / 1024
    print("\nmedian time: glance_image %.1f s, openstack image create %.1f s -> ratio %.2f (target <= 1.5)"
          % (mod, cli, mod / cli))
    print("peak RSS: glance_image %.1f MiB (target < 100), openstack image create %.1f MiB" % (mod_rss, cli_rss))


if __name__ == "__main__":
    main()
