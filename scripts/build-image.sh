#!/usr/bin/env bash
# Builds the lab's base image from Debian's archive alone (no registry): a minbase
# bookworm with systemd as PID 1, python3 for Ansible, and nothing that fights a
# container (gettys, remount-fs, firstboot masked; empty machine-id).
set -euo pipefail
# shellcheck source=scripts/common.sh
. "$(dirname "$0")/common.sh"
require_root
configure_podman

rootfs="$LAB_CACHE/rootfs.$$"
mkdir -p "$LAB_APT_CACHE/image"
trap 'rm -rf "$rootfs"' EXIT
log "debootstrap bookworm (minbase) from $LAB_MIRROR"
debootstrap --variant=minbase \
  --include=systemd,systemd-sysv,dbus,python3,python3-apt,iproute2,ca-certificates,procps,kmod,udev \
  --cache-dir="$LAB_APT_CACHE/image" \
  bookworm "$rootfs" "$LAB_MIRROR" >"$LAB_CACHE/debootstrap.log" 2>&1 \
  || { tail -n 30 "$LAB_CACHE/debootstrap.log" >&2; exit 1; }

cat > "$rootfs/etc/apt/sources.list" <<SRC
deb $LAB_MIRROR bookworm main
deb $LAB_MIRROR bookworm-updates main
deb ${LAB_MIRROR%/debian}/debian-security bookworm-security main
SRC
# Keep downloaded packages: /var/cache/apt/archives is a volume shared across rebuilds.
echo 'Binary::apt::APT::Keep-Downloaded-Packages "true";' > "$rootfs/etc/apt/apt.conf.d/10keep-debs"
: > "$rootfs/etc/machine-id"
rm -f "$rootfs/var/lib/dbus/machine-id"
# udev stays: in a privileged container /sys is writable, so systemd-networkd waits
# for udev to initialise links before it configures the bridges.
# slirp4netns' tap0 is the container's "server NIC": it keeps the MAC slirp4netns gave it, as a
# real NIC keeps its permanent one. Otherwise udev's MACAddressPolicy=persistent (99-default.link)
# replaces it at boot, after the kernel derived tap0's IPv6 addresses from the first one; the
# next router advertisement adds a second address, at a time that depends on slirp4netns, and
# the uninstall test (molecule/shared/host-state.sh) would see it as something the lab left.
# Only "tap0": the taps Nova and Neutron create are named tap<port id>.
mkdir -p "$rootfs/etc/systemd/network"
cat > "$rootfs/etc/systemd/network/10-lab-container-tap0.link" <<'LINK'
[Match]
OriginalName=tap0

[Link]
MACAddressPolicy=none
LINK
for unit in getty@.service console-getty.service serial-getty@.service systemd-firstboot.service \
            systemd-remount-fs.service sys-kernel-config.mount; do
  ln -sf /dev/null "$rootfs/etc/systemd/system/$unit"
done
rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
# Lists as old as can be: the first apt task with cache_valid_time refreshes them.
touch -d @0 "$rootfs/var/lib/apt/lists"

log "importing $LAB_IMAGE"
tar -C "$rootfs" -c . | podman import \
  --change 'CMD ["/lib/systemd/systemd"]' \
  --change 'ENV container=podman' \
  --change 'STOPSIGNAL SIGRTMIN+3' - "$LAB_IMAGE" >/dev/null
podman tag "$LAB_IMAGE" localhost/lab-openstack/debian12-systemd:latest
log "image $LAB_IMAGE ready"
