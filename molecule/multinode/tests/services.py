"""The controller's long-running services and what says whether one was restarted: its main
PID and the monotonic time it last became active. scripts/multinode.sh records them before
compute1 is added (python3 services.py CONTAINER > FILE); test_multinode.py reads them again.
"""

import subprocess
import sys

UNITS = (
    "mariadb", "rabbitmq-server", "memcached", "keystone", "glance-api", "placement-api",
    "neutron-api", "neutron-rpc-server", "neutron-linuxbridge-agent", "neutron-dhcp-agent",
    "neutron-l3-agent", "neutron-metadata-agent", "nova-api", "nova-api-metadata", "nova-conductor",
    "nova-scheduler", "nova-novncproxy", "nova-compute", "cinder-api", "cinder-scheduler",
    "cinder-volume", "tgt", "chrony", "systemd-networkd", "lab-openstack-nat",
)
PROPERTIES = ("Id", "ActiveState", "MainPID", "ActiveEnterTimestampMonotonic")


def parse(text):
    """systemctl show's blocks as {unit: (state, main PID, active since)}."""
    found = {}
    for block in text.strip().split("\n\n"):
        fields = dict(line.split("=", 1) for line in block.splitlines() if "=" in line)
        unit = fields["Id"].removesuffix(".service")
        found[unit] = (fields["ActiveState"], fields["MainPID"], fields["ActiveEnterTimestampMonotonic"])
    return found


def show_command():
    return ["systemctl", "show", "--property", ",".join(PROPERTIES), *("%s.service" % u for u in UNITS)]


if __name__ == "__main__":
    out = subprocess.run(["podman", "exec", sys.argv[1], *show_command()], capture_output=True, text=True,
                         check=True).stdout
    sys.stdout.write(out)
