#!/usr/bin/env bash
# What a host has, one sorted section each, to compare a host before the first deploy with the
# same host after playbooks/uninstall.yml (scripts/reliability.sh diffs the two). Run as root
# on the host: bash host-state.sh. Only names and settings: no contents, no times, no sizes.
set -uo pipefail
section() { printf '## %s\n' "$1"; }

section "installed packages"
dpkg-query -W -f '${db:Status-Status} ${Package}\n' | sed -n 's/^installed //p' | sort
section "users"
getent passwd | cut -d: -f1 | sort
section "groups"
getent group | cut -d: -f1 | sort
section "enabled units"
systemctl list-unit-files --state=enabled,static-enabled --no-legend --no-pager 2>/dev/null | cut -d' ' -f1 | sort
section "running services"
systemctl list-units --type=service --state=running --no-legend --no-pager --plain | cut -d' ' -f1 | sort
section "failed units"
systemctl list-units --state=failed --no-legend --no-pager --plain | cut -d' ' -f1 | sort
section "listening sockets"
ss -Hltnu | while read -r proto _ _ _ local _; do echo "$proto $local"; done | sort -u
section "network links"
ip -o link show | cut -d: -f2 | sed 's/@.*//; s/^ //' | sort
section "addresses"
ip -o addr show | while read -r _ dev family addr _; do echo "$dev $family $addr"; done | sort
section "routes"
ip route show | sort
section "network namespaces"
ip netns list | sort
section "nftables tables"
nft list tables 2>/dev/null | sort
section "iptables rules"
{ iptables-save 2>/dev/null || true; } | grep -E '^[-:*]' | sed 's/\[[0-9:]*\]//' | sort
section "sysctl"
sysctl net.ipv4.ip_forward
section "volume groups"
{ vgs --noheadings -o vg_name 2>/dev/null || true; } | sed 's/ //g' | sort
section "loop devices backed by lab files"
# Loop devices are the kernel's: a container sees those of its neighbours too; only the
# files of this host count.
{ losetup -n -O BACK-FILE 2>/dev/null || true; } | grep -F /var/lib/lab-openstack \
  | while read -r file; do if [ -e "$file" ]; then echo "$file"; fi; done
section "virtual machines"
{ virsh list --all --name 2>/dev/null || true; } | sed '/^$/d' | sort
section "files"
# Depth-limited, and without what apt, dpkg, systemd and the journal keep for themselves.
{
  find /etc -xdev -mindepth 1 -maxdepth 2
  find /var/lib /var/log /var/cache /opt /srv /usr/local -xdev -mindepth 1 -maxdepth 2
  find /root -xdev -mindepth 1 -maxdepth 3
} 2>/dev/null | grep -vE '^/var/(lib/(apt|dpkg|systemd|ucf|ieee-data)|log/(journal|apt|dpkg\.log|alternatives\.log)|cache/(apt|debconf|ldconfig|man))(/|$)|^/etc/(ld\.so\.cache|machine-id|mtab|resolv\.conf|hostname|hosts)$|^/root/\.ansible(/|$)' | sort
