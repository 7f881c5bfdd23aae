"""Memory of a deployed all-in-one container: its cgroup's total, and the PSS/RSS of each
systemd unit in it (the sum of /proc/PID/smaps_rollup over the unit's processes).

    python3 benchmarks/aio_memory.py [CONTAINER]     (default lab-openstack-aio)

Run it on a converged, idle lab (scripts/lab.sh, then playbooks/first_vm.yml for the guest).
"""

import json
import subprocess
import sys

INSIDE = r"""
import json, os, re
units = {}
for pid in filter(str.isdigit, os.listdir('/proc')):
    try:
        cgroup = open('/proc/%s/cgroup' % pid).read()
        rollup = open('/proc/%s/smaps_rollup' % pid).read()
    except OSError:
        continue
    unit = re.search(r'/([^/]+\.(?:service|scope))\s*$', cgroup, re.M)
    name = unit.group(1) if unit else '(other)'
    rss = int(re.search(r'^Rss:\s+(\d+)', rollup, re.M).group(1))
    pss = int(re.search(r'^Pss:\s+(\d+)', rollup, re.M).group(1))
    u = units.setdefault(name, [0, 0, 0])
    u[0] += 1; u[1] += rss; u[2] += pss
print(json.dumps({'units': units}))
"""


def main():
    container = sys.argv[1] if len(sys.argv) > 1 else "lab-openstack-aio"
    out = subprocess.run(["podman", "exec", container, "python3", "-c", INSIDE],
                         check=True, capture_output=True, text=True).stdout
    units = json.loads(out)["units"]
    stats = json.loads(subprocess.run(
        ["podman", "stats", "--no-stream", "--format", "json", container],
        check=True, capture_output=True, text=True).stdout)[0]
    total_pss = sum(u[2] for u in units.values()) / 1024
    print("container %s: cgroup memory %s (podman stats), processes' PSS %.0f MiB" % (
        container, stats.get("mem_usage", "?"), total_pss))
    print("%-40s %5s %9s %9s" % ("unit", "procs", "RSS MiB", "PSS MiB"))
    for name, (procs, rss, pss) in sorted(units.items(), key=lambda kv: -kv[1][2])[:20]:
        print("%-40s %5d %9.0f %9.0f" % (name, procs, rss / 1024, pss / 1024))


if __name__ == "__main__":
    main()
