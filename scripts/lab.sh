#!/usr/bin/env bash
# README command 1: set up this Debian 12 machine and deploy the tutorial into a
# privileged lab container. Re-running it changes nothing.
#   scripts/lab.sh           set up, start the container, run site.yml, print a summary
#   scripts/lab.sh destroy   detach the container's loop devices and remove it
set -euo pipefail
# shellcheck source=scripts/common.sh
. "$(dirname "$0")/common.sh"
LAB_CONTAINER="${LAB_CONTAINER:-lab-openstack-aio}"
# Horizon, published on this machine's loopback only (from elsewhere: ssh -L).
LAB_HTTP_PORT="${LAB_HTTP_PORT:-8080}"
LAB_HTTPS_PORT="${LAB_HTTPS_PORT:-8443}"

require_root
install_host_packages "${CONTROL_PACKAGES[@]}" "${LAB_PACKAGES[@]}"
configure_podman

if [ "${1:-}" = destroy ]; then
  "$LAB_ROOT/scripts/container-loops.sh" "$LAB_CONTAINER"
  podman rm -f "$LAB_CONTAINER" >/dev/null 2>&1 || true
  log "lab container removed (its secrets stay in secrets/lab-container.secrets.yml)"
  exit 0
fi

ensure_venv requirements.txt
ensure_image

if ! podman container exists "$LAB_CONTAINER"; then
  log "starting the lab container $LAB_CONTAINER"
  mkdir -p "$LAB_APT_CACHE/$LAB_CONTAINER"
  podman run -d --name "$LAB_CONTAINER" --hostname aio --privileged --systemd=always \
    --network slirp4netns -v "$LAB_APT_CACHE/$LAB_CONTAINER:/var/cache/apt/archives" \
    -p "127.0.0.1:$LAB_HTTP_PORT:80" -p "127.0.0.1:$LAB_HTTPS_PORT:443" \
    "$LAB_IMAGE" /lib/systemd/systemd >/dev/null
elif [ "$(podman inspect -f '{{.State.Running}}' "$LAB_CONTAINER")" != true ]; then
  log "restarting the lab container $LAB_CONTAINER"
  podman start "$LAB_CONTAINER" >/dev/null
fi
for _try in $(seq 1 30); do
  state="$(podman exec "$LAB_CONTAINER" systemctl is-system-running --wait 2>/dev/null || true)"
  case "$state" in running|degraded) break ;; esac
  sleep 1
done

cd "$LAB_ROOT"
log "ansible-playbook site.yml (log: $LAB_CACHE/lab.log)"
ANSIBLE_LOG_PATH="$LAB_CACHE/lab.log" \
  ansible-playbook site.yml -i inventories/lab -i inventories/lab-container.yml "${@}"

in_lab() { podman exec "$LAB_CONTAINER" "$@"; }
mgmt="$(in_lab python3 -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.connect(("192.0.2.1", 9)); print(s.getsockname()[0])')"
cat <<SUMMARY

Deployed into the container $LAB_CONTAINER (a shell in it: podman exec -it $LAB_CONTAINER bash)
  Réseau     $(in_lab ip -4 -br addr show br0 | xargs) (NAT)  br1 $(in_lab cat /sys/class/net/br1/operstate | tr '[:lower:]' '[:upper:]') (private, no address)  ip_forward=$(in_lab cat /proc/sys/net/ipv4/ip_forward)
  NTP        chrony: $(in_lab chronyc -n tracking | grep '^Reference ID' | xargs)
  LVM        $(in_lab vgs --noheadings -o vg_name,pv_name,vg_size | xargs)
  RabbitMQ   amqp://openstack@$mgmt:5672/  (memcached on $mgmt:11211)
  MariaDB    $mgmt:3306 — $(in_lab mysql -N -B -e 'SHOW DATABASES' | grep -vxE 'information_schema|mysql|performance_schema|sys' | xargs)
  Keystone   http://$mgmt:5000/v3 — admin token valid until $(in_lab openstack --os-cloud lab-admin token issue -f value -c expires)
             in the container: openstack --os-cloud lab-admin (or lab-demo) ...; . /root/openrc-admin
  Glance     http://$mgmt:9292 — images: $(in_lab openstack --os-cloud lab-admin image list -f value -c Name -c Status | xargs)
  Secrets    $LAB_ROOT/secrets/lab-container.secrets.yml, mode $(stat -c %a "$LAB_ROOT/secrets/lab-container.secrets.yml") (never printed)
  Nova       http://$mgmt:8774/v2.1 — compute services up: $(in_lab openstack --os-cloud lab-admin compute service list -f value -c Binary -c State | grep -c ' up$'); networks: $(in_lab openstack --os-cloud lab-admin network list -f value -c Name | xargs)
  First VM   .venv/bin/ansible-playbook playbooks/first_vm.yml -i inventories/lab -i inventories/lab-container.yml
SUMMARY
# The dashboard: the port this machine publishes, the login read from the secrets file
# here (Ansible never prints it).
secret() { sed -n "s/^$1: *//p" "$LAB_ROOT/secrets/lab-container.secrets.yml"; }
if in_lab test -e /etc/apache2/sites-enabled/lab-openstack-horizon-tls.conf; then
  horizon="https://127.0.0.1:$LAB_HTTPS_PORT/horizon/ (self-signed certificate)"
else
  horizon="http://127.0.0.1:$LAB_HTTP_PORT/horizon/"
fi
if [ -z "$(podman port "$LAB_CONTAINER" 80/tcp)" ]; then
  horizon="not published: this container predates it (scripts/lab.sh destroy, then scripts/lab.sh)"
fi
cat <<SUMMARY
  Horizon    $horizon — from another machine: ssh -L $LAB_HTTP_PORT:127.0.0.1:$LAB_HTTP_PORT -L $LAB_HTTPS_PORT:127.0.0.1:$LAB_HTTPS_PORT <this host>
             log in as admin / $(secret keystone_admin)   or demo / $(secret keystone_demo)
SUMMARY
