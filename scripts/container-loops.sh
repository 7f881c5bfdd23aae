#!/usr/bin/env bash
# Detach the loop devices a lab container attached. Loop devices belong to the host
# kernel and outlive the container, so every teardown calls this first.
# Usage: container-loops.sh CONTAINER
# Inside the container, `losetup --associated FILE` names exactly the devices bound to
# that container's files (it compares device and inode, not only the path).
set -euo pipefail
name="$1"
if ! podman container exists "$name" 2>/dev/null; then
  exit 0
fi
if [ "$(podman inspect -f '{{.State.Running}}' "$name")" != "true" ]; then
  echo "$name is not running: start it before removing it, so its loop devices can be found" >&2
  exit 1
fi
# shellcheck disable=SC2016 # expanded inside the container
podman exec "$name" sh -c '
  found=0
  for f in $(find /var/lib/lab-openstack -maxdepth 1 -name "*.img" 2>/dev/null); do
    for d in $(losetup --noheadings --output NAME --associated "$f"); do
      vgchange -an >/dev/null 2>&1 || true
      losetup --detach "$d" && echo "detached $d ($f)" && found=$((found + 1))
    done
  done
  echo "$found loop device(s) detached"'
