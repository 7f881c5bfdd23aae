"""site.yml against its floor, and its no-op re-runs, measured side by side in one run.

Two fresh containers of the lab image, alike (privileged, systemd, slirp4netns, the same
warm copy of the package cache):

  deploy   site.yml, run as the tutorial's user runs it: on the server itself, with the
           inventory's local connection (inventories/lab), the repository and its
           virtualenv mounted read-only at the paths they have here;
  floor    one `apt-get update` and one `apt-get install` of every package the deploy left
           installed that the image did not have: the time no deployment can beat;

then, in the deployed container, site.yml again (a no-op: changed=0) and `--tags keystone`
again, three times each (--repeat), taking turns with the baseline's when one is given: the
machines are shared, and one run can take a quarter longer than the next. Prints each time,
their medians, changed=, and the ratios against the targets of the performance issue:
deploy/floor <= 1.6, no-op < 60 s, --tags keystone no-op < 10 s (medians).

Usage (from scripts/benchmark.sh, which sets up podman, the image and the virtualenv):
    python benchmarks/deploy_floor.py [--keep] [--cache DIR] [--baseline DIR] [--repeat N]
    python benchmarks/deploy_floor.py --noop-only [--baseline DIR] [--repeat N]
--keep: leave both containers; --noop-only then runs only the no-op re-runs again, on the kept
deployed container (this tree as mounted there, so a checkout at the same path).
--cache: the warm package cache to copy into both containers (default: the lab container's,
which scripts/lab.sh filled). The deploy's run is checked to download nothing: if it did,
the cache was not warm and the ratio says so.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = Path(os.environ.get("LAB_VENV", ROOT / ".venv")).resolve()
IMAGE = os.environ["LAB_IMAGE"]
APT_CACHE = Path(os.environ.get("LAB_APT_CACHE", "/var/cache/lab-openstack/apt-archives"))

# What the lab container's inventory (inventories/lab-container.yml) sets besides the
# connection: the benchmark's own secrets, loop file and volume group (a privileged container
# sees the lab container's loop device too: README, "Known issue"), no NTP traffic.
INVENTORY = """\
all:
  children:
    controller:
      hosts:
        aio:
          ansible_connection: local
          ansible_python_interpreter: /usr/bin/python3
          lab_secrets_file: /root/bench.secrets.yml
          lvm_devices_file: true
          lvm_vg_name: cinder-volumes-bench
          lvm_loop_file: /var/lib/lab-openstack/cinder-volumes-bench.img
          lvm_loop_size: 10G
          ntp_servers: []
"""


def sh(*cmd, **kw):
    return subprocess.run(cmd, check=True, text=True, capture_output=True, **kw).stdout


def start(name, cache, extra_trees=()):
    subprocess.run(["podman", "rm", "-f", name], capture_output=True, check=False)
    sh("podman", "run", "-d", "--name", name, "--hostname", "aio", "--privileged",
       "--systemd=always", "--network", "slirp4netns",
       "-v", f"{cache}:/var/cache/apt/archives",
       "-v", f"{ROOT}:{ROOT}:ro", "-v", f"{VENV}:{VENV}:ro",
       *[arg for tree in extra_trees for arg in ("-v", f"{tree}:{tree}:ro")],
       IMAGE, "/lib/systemd/systemd")
    for _attempt in range(60):
        state = subprocess.run(["podman", "exec", name, "systemctl", "is-system-running"],
                               capture_output=True, text=True, check=False).stdout.strip()
        if state in ("running", "degraded"):
            return
        time.sleep(1)
    sys.exit(f"{name}: systemd did not come up")


def packages(name):
    out = sh("podman", "exec", name, "dpkg-query", "-W", "-f", "${db:Status-Status} ${Package}\\n")
    return {line.split()[1] for line in out.splitlines() if line.startswith("installed ")}


def half_done(name):
    """The packages dpkg unpacked but could not configure."""
    out = sh("podman", "exec", name, "dpkg-query", "-W", "-f", "${db:Status-Status} ${Package}\\n")
    return sorted(line.split()[1] for line in out.splitlines()
                  if line.split()[0] in ("half-configured", "unpacked", "half-installed", "triggers-awaited"))


def remove(name):
    # The deploy's loop devices belong to the machine: detach them before the container goes.
    subprocess.run([str(ROOT / "scripts/container-loops.sh"), name], capture_output=True, check=False)
    subprocess.run(["podman", "rm", "-f", name], capture_output=True, check=False)


def timed(name, argv, log, tree=ROOT, check=True):
    began = time.monotonic()
    proc = subprocess.run(["podman", "exec", "-w", str(tree),
                           "-e", "LC_ALL=C.UTF-8", "-e", "ANSIBLE_FORCE_COLOR=0",
                           "-e", "DEBIAN_FRONTEND=noninteractive", name] + argv,
                          text=True, capture_output=True, check=False)
    elapsed = time.monotonic() - began
    log.write_text(proc.stdout + proc.stderr)
    if proc.returncode != 0 and check:
        sys.exit(f"{' '.join(argv[:3])} failed in {name} ({proc.returncode}): see {log}")
    return elapsed, proc.stdout if check else proc


def recap(out):
    found = re.findall(r"ok=(\d+)\s+changed=(\d+)", out)
    return "ok=%s changed=%s" % found[-1] if found else "no recap"


def playbook(name, log, *extra, tree=ROOT):
    return timed(name, ["env", "ANSIBLE_CALLBACKS_ENABLED=ansible.posix.profile_tasks",
                        str(VENV / "bin/ansible-playbook"), "site.yml", "-i", "inventories/lab",
                        "-i", "/root/bench-inventory.yml", *extra], log, tree=tree)


def slowest(out, count=5):
    """The slowest tasks, from profile_tasks' summary at the end of the output."""
    tasks = re.findall(r"^(.+?) -+ (\d+\.\d+)s$", out, re.M)
    return ", ".join("%s %ss" % (name.strip(), secs) for name, secs in tasks[:count])


def changed_count(out):
    found = re.findall(r"changed=(\d+)", out)
    return int(found[-1]) if found else None


def noop_runs(name, logs, baseline, repeat=3):
    """The no-op re-runs on the deployed container, repeat times each: the whole site.yml and
    --tags keystone, this tree's and the baseline's taking turns (a machine whose load drifts
    weighs on both alike). Each figure is the median of its runs; a run that changes anything
    is said, as it is not a no-op."""
    trees = [("", ROOT)] + [(" (baseline %s)" % tree, tree) for tree in baseline]
    kinds = [("site.yml", ()), ("--tags keystone", ("--tags", "keystone"))]
    times = {(label, kind): [] for label, _tree in trees for kind, _extra in kinds}
    last = {}
    for run in range(1, repeat + 1):
        for kind, extra in kinds:
            for label, tree in trees:
                slug = ("noop" + ("-keystone" if extra else "") + ("-baseline" if label else "")
                        + "-%d.log" % run)
                elapsed, out = playbook(name, logs / slug, *extra, tree=tree)
                times[(label, kind)].append(elapsed)
                last[(label, kind)] = out
                if changed_count(out) != 0:
                    print(f"  warning: no-op {kind}{label} run {run} is not a no-op: {recap(out)} (see {logs / slug})")
    medians = {}
    for (label, kind), series in times.items():
        medians[(label, kind)] = statistics.median(series)
        print(f"no-op {kind}{label}: median {medians[(label, kind)]:.1f} s of {len(series)} runs "
              f"({', '.join('%.1f' % t for t in series)}), {recap(last[(label, kind)])}")
        print(f"  slowest: {slowest(last[(label, kind)])}")
    return medians[("", "site.yml")], medians[("", "--tags keystone")]


def measure_floor(name, cache, added, logs):
    """One apt-get update and one apt-get install of the added packages in a fresh container."""
    start(name, cache)
    # What the cinder role does before its install (roles/cinder/vars/Debian-12.yml): without
    # configfs in a container, python3-rtslib-fb's unit fails and fails its postinst.
    timed(name, ["systemctl", "mask", "rtslib-fb-targetctl.service"], logs / "floor-mask.log")
    apt = ["apt-get", "-q", "-y", "-o", "Dpkg::Options::=--force-confold"]
    floor_update, _out = timed(name, apt + ["update"], logs / "floor-update.log")
    floor_install, proc = timed(name, apt + ["install", "--no-install-recommends"] + added,
                                logs / "floor-install.log", check=False)
    floor = floor_update + floor_install
    unconfigured = half_done(name) if proc.returncode else []
    if proc.returncode:
        # A maintainer script that fails near its end (seen: openstack-dashboard's offline
        # compression, which the deploy's own run of the same postinst passed) leaves the
        # transaction's time nearly whole: said, not hidden.
        print(f"  warning: apt-get install exited {proc.returncode}; dpkg left {unconfigured} unconfigured"
              f" (see {logs / 'floor-install.log'})")
    missing = sorted(set(added) - packages(name) - set(unconfigured))
    if missing:
        sys.exit(f"the floor did not install {missing}")
    remove(name)
    print(f"floor (apt-get update + one apt-get install of the {len(added)} packages): "
          f"{floor:.0f} s ({floor_update:.0f} + {floor_install:.0f})")
    return floor


def noop_only(logs, baseline, repeat):
    """The no-op re-runs alone, on the deployed container an earlier --keep left."""
    noop, keystone = noop_runs("lab-bench-deploy", logs, [baseline.resolve()] if baseline else [], repeat)
    print(json.dumps({"noop_s": round(noop, 1), "noop_keystone_s": round(keystone, 1)}))
    print("no-op %.0f s (target < 60); --tags keystone %.1f s (target < 10)" % (noop, keystone))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cache", default=str(APT_CACHE / "lab-openstack-aio"))
    parser.add_argument("--keep", action="store_true", help="keep the deployed container")
    parser.add_argument("--noop-only", action="store_true",
                        help="only the no-op re-runs, on the deployed container an earlier --keep left")
    parser.add_argument("--baseline", type=Path,
                        help="another checkout (an earlier commit, its .cache/collections set up by "
                             "scripts/setup.sh): its no-op re-runs on the same deployed container too")
    parser.add_argument("--repeat", type=int, default=3,
                        help="no-op runs of each kind (the figure is their median)")
    args = parser.parse_args()
    logs = ROOT / ".cache/artifacts/benchmarks"
    logs.mkdir(parents=True, exist_ok=True)
    if args.noop_only:
        noop_only(logs, args.baseline, args.repeat)
        return
    work = Path(tempfile.mkdtemp(prefix="bench-", dir=APT_CACHE))
    caches = {}
    for side in ("deploy", "floor"):
        caches[side] = work / side
        # Hard links: the same warm .deb files for both, each in a directory of its own.
        shutil.copytree(args.cache, caches[side], copy_function=os.link)
    cached = {p.name for p in caches["deploy"].glob("*.deb")}
    names = {side: f"lab-bench-{side}" for side in caches}
    try:
        baseline = [args.baseline.resolve()] if args.baseline else []
        start(names["deploy"], caches["deploy"], baseline)
        image_packages = packages(names["deploy"])
        subprocess.run(["podman", "exec", "-i", names["deploy"], "sh", "-c",
                        "cat > /root/bench-inventory.yml"], input=INVENTORY, text=True, check=True)
        deploy, out = playbook(names["deploy"], logs / "deploy.log")
        print(f"deploy (site.yml, local connection): {deploy:.0f} s, {recap(out)}")
        fetched = sorted({p.name for p in caches["deploy"].glob("*.deb")} - cached)
        if fetched:
            print(f"  warning: the deploy downloaded {len(fetched)} packages the cache lacked"
                  f" (e.g. {fetched[0]}): run it again, the cache is warm now")
            for deb in fetched:
                os.link(caches["deploy"] / deb, caches["floor"] / deb)
        added = sorted(packages(names["deploy"]) - image_packages)

        floor = measure_floor(names["floor"], caches["floor"], added, logs)

        noop, keystone = noop_runs(names["deploy"], logs, baseline, args.repeat)
        results = {
            "deploy_s": round(deploy), "floor_s": round(floor), "packages": len(added),
            "ratio": round(deploy / floor, 2), "noop_s": round(noop, 1),
            "noop_keystone_s": round(keystone, 1),
        }
        print(json.dumps(results))
        print("deploy/floor %.2f (target <= 1.6); no-op %.0f s (target < 60); "
              "--tags keystone %.1f s (target < 10)" % (deploy / floor, noop, keystone))
    finally:
        if not args.keep:
            for name in names.values():
                remove(name)
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
