#!/usr/bin/env bash
# Control-node setup alone, for the real-server path: Debian's python3-venv, the
# virtualenv with ansible, and the link that makes this working tree lab.openstack.
#   scripts/setup.sh && .venv/bin/ansible-playbook site.yml -i inventories/lab
set -euo pipefail
# shellcheck source=scripts/common.sh
. "$(dirname "$0")/common.sh"
if [ "$(id -u)" -eq 0 ]; then
  install_host_packages "${CONTROL_PACKAGES[@]}"
fi
ensure_venv requirements.txt
log "ready: $LAB_VENV/bin/ansible-playbook site.yml -i inventories/lab"
