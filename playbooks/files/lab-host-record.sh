#!/usr/bin/env bash
# What a host has, as site.yml records it before its first run (lab-host-record.sh DIR: one
# list a file in DIR, written once) and as playbooks/uninstall.yml reads it now (no
# argument: the same lists on stdout, each after a "## name" line). One script, so that the
# two are read alike. Names only, sorted.
set -euo pipefail
umask 022

# System accounts: below 1000, and Debian's 60000-64999 (libvirt-qemu is 64055).
system_ids() { while IFS=: read -r name _ id _; do
  if [ "$id" -lt 1000 ] || { [ "$id" -ge 60000 ] && [ "$id" -le 64999 ]; }; then echo "$name"; fi
done; }

list() {
  case "$1" in
    packages) dpkg-query -W -f '${db:Status-Status} ${Package}\n' | sed -n 's/^installed //p' ;;
    # installed, or removed with its configuration left (a purge halted half-way)
    packages-configured) dpkg-query -W -f '${db:Status-Status} ${Package}\n' | sed -n '/^not-installed /!s/^[^ ]* //p' ;;
    users) getent passwd | cut -d: -f1 ;;
    system-users) getent passwd | system_ids ;;
    groups) getent group | cut -d: -f1 ;;
    system-groups) getent group | system_ids ;;
    enabled-units) systemctl list-unit-files --state=enabled --no-legend --no-pager | cut -d' ' -f1 ;;
    running-services) systemctl list-units --type=service --state=running --no-legend --no-pager --plain | cut -d' ' -f1 ;;
    ip_forward) sysctl -n net.ipv4.ip_forward ;;
    root-ssh) ls -A /root/.ssh 2>/dev/null || true ;;
  esac | sort
}

LISTS="packages packages-configured users system-users groups system-groups enabled-units running-services ip_forward root-ssh"
if [ $# -eq 0 ]; then
  for name in $LISTS; do echo "## $name"; list "$name"; done
  exit 0
fi
dir="$1"
rm -rf "$dir.new" && mkdir -p "$dir.new"
for name in $LISTS; do list "$name" >"$dir.new/$name"; done
mv "$dir.new" "$dir"
