#!/usr/bin/env bash
# lab-build-guest-image.sh - build a small bootable x86_64 Debian guest image for OpenStack,
# the tutorial's "Créez vos propres images", from the distribution's packages only.
# Installed and run by the lab.openstack.images role; no mount, no loop device, no
# device-mapper: it runs as well in a container as on a server.
#
# usage: lab-build-guest-image.sh OUTPUT.qcow2 [SUITE] [MIRROR] [CACHE_DIR] [EXTRA_PKGS]
#   OUTPUT.qcow2  the compressed qcow2 image, written atomically (a .partial file, then renamed)
#   SUITE         default: bookworm
#   MIRROR        default: http://deb.debian.org/debian
#   CACHE_DIR     debootstrap --cache-dir (absolute path, created if missing);
#                 default: /var/cache/apt/archives
#   EXTRA_PKGS    extra packages, comma or space separated (default: none)
# environment:
#   DISK_SIZE   virtual disk size (default 2G; the flavor's disk must be at least this)
#   BOOT_MB     size of the FAT /boot partition in MiB (default 128)
#   INITRD_MODULES  most (default) | list (virtio/ahci/nvme only: ~11 MB smaller)
#   KEEP_WORK=1 keep the work directory (rootfs tree, partition images, raw disk)
#
# The guest: systemd, networkd (DHCP on the first NIC), openssh-server (keys only, host
# keys made at first boot), and fetch-metadata.service, the tutorial's rc.local: at each
# boot it fetches the SSH key (and the hostname) from http://169.254.169.254 and says so on
# the serial console, as the DHCP lease.
# Layout:  MBR (syslinux mbr.bin) | p1 FAT16 "BOOT" (active: syslinux, kernel, initrd,
#          syslinux.cfg; mounted on /boot in the guest) | p2 ext4 "root".
# Needs:   debootstrap fdisk(sfdisk) e2fsprogs dosfstools mtools syslinux syslinux-common
#          qemu-utils util-linux coreutils.
# The only mounts are those debootstrap makes itself inside the chroot (proc, sys, devpts
# during its second stage); the disk image is never mounted.
set -euo pipefail

QCOW2_OUT=${1:?usage: $0 OUTPUT.qcow2 [SUITE] [MIRROR] [CACHE_DIR] [EXTRA_PKGS]}
SUITE=${2:-bookworm}
MIRROR=${3:-http://deb.debian.org/debian}
CACHE_DIR=${4:-/var/cache/apt/archives}
EXTRA_PKGS=${5:-}
DISK_SIZE=${DISK_SIZE:-2G}
BOOT_MB=${BOOT_MB:-128}
INITRD_MODULES=${INITRD_MODULES:-most}
export LC_ALL=C DEBIAN_FRONTEND=noninteractive MTOOLS_SKIP_CHECK=1
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

T0=$(date +%s)
step() { printf '[%4ss] %s\n' $(( $(date +%s) - T0 )) "$*"; }

for c in debootstrap sfdisk mke2fs mkfs.vfat mcopy syslinux; do
  command -v "$c" >/dev/null || { echo "missing tool: $c" >&2; exit 1; }
done
MBR_BIN=/usr/lib/syslinux/mbr/mbr.bin
[ -r "$MBR_BIN" ] || { echo "missing $MBR_BIN (syslinux-common)" >&2; exit 1; }

QCOW2_OUT=$(realpath -m "$QCOW2_OUT")
mkdir -p "$(dirname "$QCOW2_OUT")" "$CACHE_DIR"
CACHE_DIR=$(realpath "$CACHE_DIR")
WORK=$(mktemp -d "$(dirname "$QCOW2_OUT")/.imgbuild.XXXXXX")
OUT=$WORK/disk.raw
R=$WORK/root

# Unmount anything debootstrap may have left mounted inside the chroot
# (normally nothing: its exit trap unmounts), then remove the work dir.
umount_leftovers() {
  local m
  awk -v r="$R" 'index($2, r"/")==1 {print $2}' /proc/self/mounts | sort -r | while IFS= read -r m; do
    umount -l "$m" || true
  done
}
cleanup() {
  umount_leftovers
  if [ "${KEEP_WORK:-0}" = 1 ]; then echo "work dir kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

PKGS="linux-image-cloud-amd64,initramfs-tools,systemd-sysv,udev,dbus,systemd-resolved,openssh-server,busybox,fdisk"
[ -n "$EXTRA_PKGS" ] && PKGS="$PKGS,$(echo "$EXTRA_PKGS" | tr ' ' ',' | sed 's/,,*/,/g; s/^,//; s/,$//')"

ROOT_UUID=$(cat /proc/sys/kernel/random/uuid)
BOOT_VOLID=$(tr -d - < /proc/sys/kernel/random/uuid | cut -c1-8 | tr a-f A-F)      # FAT serial
BOOT_UUID="${BOOT_VOLID:0:4}-${BOOT_VOLID:4:4}"                 # how blkid shows it
CMDLINE="root=UUID=$ROOT_UUID ro console=tty0 console=ttyS0,115200"

# ---------------------------------------------------------------- 1st stage
step "debootstrap (first stage) $SUITE from $MIRROR, cache $CACHE_DIR"
mkdir -m 0755 "$R"
debootstrap --foreign --variant=minbase --arch=amd64 --cache-dir="$CACHE_DIR" \
  --include="$PKGS" "$SUITE" "$R" "$MIRROR" > "$WORK/debootstrap1.log" 2>&1 \
  || { tail -n 30 "$WORK/debootstrap1.log"; exit 1; }

# Config that must exist before packages are configured by the second stage.
step "pre-configuration (dpkg excludes, initramfs, policy-rc.d)"
mkdir -p "$R/etc/dpkg/dpkg.cfg.d" "$R/etc/initramfs-tools/conf.d" "$R/usr/sbin"
cat > "$R/etc/dpkg/dpkg.cfg.d/01-nodoc" <<'EOF'
# keep the image small: no docs, man pages, translations (copyright files kept)
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/bug/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
# udev hardware database (~22 MB: vendor/model names, keymaps); not needed in a VM
path-exclude /usr/lib/udev/hwdb.d/*
EOF
cat > "$R/etc/initramfs-tools/conf.d/10-cloud.conf" <<EOF
# MODULES=dep cannot work in a chroot (it inspects the build host's root
# device); "most" brings all block/fs drivers (virtio_blk, virtio_scsi, ext4...).
# INITRD_MODULES=list: only the drivers a KVM/OpenStack guest needs (smaller).
MODULES=$INITRD_MODULES
COMPRESS=zstd
RESUME=none
# the fsck hook probes the root *device* for its type, which does not exist at
# build time: name it, so fsck.ext4 lands in the initrd
FSTYPE=ext4
EOF
if [ "$INITRD_MODULES" = list ]; then
  printf '%s\n' virtio_pci virtio_blk virtio_scsi sd_mod nvme ahci ata_piix \
    virtio_net crc32c_intel > "$R/etc/initramfs-tools/modules"
fi
# never start daemons inside the build chroot
printf '#!/bin/sh\nexit 101\n' > "$R/usr/sbin/policy-rc.d"; chmod 755 "$R/usr/sbin/policy-rc.d"
# fstab before the 2nd stage: initramfs-tools' fsck hook reads the root pass number
cat > "$R/etc/fstab" <<EOF
# <fs>              <mountpoint> <type> <options>                        <dump> <pass>
UUID=$ROOT_UUID  /      ext4  errors=remount-ro                      0 1
UUID=$BOOT_UUID                                  /boot  vfat  umask=0077,nofail,x-systemd.device-timeout=10s  0 0
EOF
# no /vmlinuz, /initrd.img symlinks in /
echo "do_symlinks = no" > "$R/etc/kernel-img.conf"

# ---------------------------------------------------------------- 2nd stage
step "debootstrap (second stage, in chroot)"
chroot "$R" /debootstrap/debootstrap --second-stage > "$WORK/debootstrap2.log" 2>&1 \
  || { tail -n 30 "$WORK/debootstrap2.log"; exit 1; }
umount_leftovers

# ---------------------------------------------------------------- configure
step "configuration"
in_root() { chroot "$R" "$@"; }

echo debian > "$R/etc/hostname"
cat > "$R/etc/hosts" <<'EOF'
127.0.0.1	localhost
::1		localhost ip6-localhost ip6-loopback
ff02::1		ip6-allnodes
ff02::2		ip6-allrouters
EOF

case "$SUITE" in
  sid|unstable) ;;
  *) cat > "$R/etc/apt/sources.list" <<EOF
deb $MIRROR $SUITE main
deb $MIRROR $SUITE-updates main
deb http://deb.debian.org/debian-security $SUITE-security main
EOF
  ;;
esac
cat > "$R/etc/apt/apt.conf.d/02-small" <<'EOF'
APT::Install-Recommends "false";
Acquire::Languages "none";
EOF

# networking: systemd-networkd, DHCP on the first NIC whatever its name
cat > "$R/etc/systemd/network/80-dhcp.network" <<'EOF'
[Match]
Name=en* eth*

[Network]
DHCP=yes

[DHCPv4]
UseHostname=false
EOF
ln -sf /run/systemd/resolve/stub-resolv.conf "$R/etc/resolv.conf"

# sshd: keys only
cat > "$R/etc/ssh/sshd_config.d/10-cloud.conf" <<'EOF'
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UseDNS no
EOF
rm -f "$R"/etc/ssh/ssh_host_*

# every boot: the root partition and filesystem grow to fill a bigger flavor disk
cat > "$R/usr/local/sbin/grow-root" <<'EOF'
#!/bin/sh
# Grow the root partition (the last one) to the end of its disk, then its ext4 filesystem.
set -e
part=$(findmnt -n -o SOURCE /)
disk=/dev/$(lsblk -n -o PKNAME "$part")
number=$(cat "/sys/class/block/${part#/dev/}/partition")
if echo ", +" | sfdisk --no-reread --quiet -N "$number" "$disk" 2>/dev/null; then
  partx -u "$disk"
fi
resize2fs "$part" 2>&1 | grep -v '^resize2fs [0-9]' || true
echo "grow-root: $part is $(df -h --output=size / | tail -n 1 | tr -d ' ') on $disk"
EOF
chmod 755 "$R/usr/local/sbin/grow-root"
cat > "$R/etc/systemd/system/grow-root.service" <<'EOF'
[Unit]
Description=Grow the root partition and filesystem to the disk's size
After=local-fs.target

[Service]
Type=oneshot
ExecStart=/usr/local/sbin/grow-root
StandardOutput=journal+console

[Install]
WantedBy=multi-user.target
EOF

# first boot: SSH host keys before sshd
cat > "$R/etc/systemd/system/ssh-hostkeys.service" <<'EOF'
[Unit]
Description=Generate SSH host keys (first boot)
Before=ssh.service
ConditionPathExists=!/etc/ssh/ssh_host_ed25519_key

[Service]
Type=oneshot
ExecStart=/usr/bin/ssh-keygen -A
ExecStart=/bin/sh -c 'for k in /etc/ssh/ssh_host_*_key.pub; do echo "ssh-hostkeys: $(ssh-keygen -lf $k)"; done'
StandardOutput=journal+console

[Install]
WantedBy=ssh.service
EOF

# every boot: the old rc.local of the ubuntu-fr OpenStack tutorial, as a unit
cat > "$R/usr/local/sbin/fetch-metadata" <<'EOF'
#!/bin/sh
# Fetch the SSH public key (and the hostname) from the EC2/OpenStack metadata
# service into /root/.ssh/authorized_keys. Retries for ~60 s.
MD=http://169.254.169.254/latest/meta-data
log() { echo "fetch-metadata: $*"; }
# NB: no "wget -T": Debian's busybox (< 1.36.1-5) is built without
# FEATURE_WGET_TIMEOUT and segfaults on -T; coreutils timeout instead.
get() { timeout 10 busybox wget -q -O "$2" "$MD/$1"; }

journalctl -b -o cat -u systemd-networkd --no-pager 2>/dev/null \
  | grep -E 'DHCPv4 address|Gained carrier' | sed 's/^/fetch-metadata: networkd: /'

mkdir -p -m 700 /root/.ssh
tmp=$(mktemp)
end=$(( $(date +%s) + 60 )); n=0
while :; do
  n=$((n+1))
  if get public-keys/0/openssh-key "$tmp" && grep -q '^ssh-\|^ecdsa-\|^sk-' "$tmp"; then
    touch /root/.ssh/authorized_keys
    # "|| [ -n ]": the metadata's key has no final newline, which read reports as EOF
    while IFS= read -r key || [ -n "$key" ]; do
      [ -n "$key" ] || continue
      grep -qxF "$key" /root/.ssh/authorized_keys || echo "$key" >> /root/.ssh/authorized_keys
    done < "$tmp"
    chmod 600 /root/.ssh/authorized_keys
    if ssh-keygen -lf /root/.ssh/authorized_keys >/dev/null 2>&1; then
      log "SSH key installed for root (attempt $n): $(ssh-keygen -lf "$tmp" 2>/dev/null | head -n1)"
    else
      log "FAILED: the key fetched is not in /root/.ssh/authorized_keys"
    fi
    break
  fi
  if [ "$(date +%s)" -ge "$end" ]; then
    log "FAILED to fetch $MD/public-keys/0/openssh-key after $n attempts"
    break
  fi
  sleep 2
done
rm -f "$tmp"

h=$(get hostname - 2>/dev/null | head -n1 | tr -cd 'A-Za-z0-9.-')
if [ -n "$h" ]; then
  short=${h%%.*}
  hostname "$short" && echo "$short" > /etc/hostname
  grep -q "[[:space:]]$short\$" /etc/hosts || echo "127.0.1.1	$h $short" >> /etc/hosts
  log "hostname set to $short ($h)"
fi
exit 0
EOF
chmod 755 "$R/usr/local/sbin/fetch-metadata"
cat > "$R/etc/systemd/system/fetch-metadata.service" <<'EOF'
[Unit]
Description=Fetch SSH key and hostname from the metadata service (169.254.169.254)
Wants=network-online.target
After=network-online.target systemd-networkd.service

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/usr/local/sbin/fetch-metadata
StandardOutput=journal+console
StandardError=journal+console
TimeoutStartSec=180

[Install]
WantedBy=multi-user.target
EOF
# wait-online: one configured link is enough
mkdir -p "$R/etc/systemd/system/systemd-networkd-wait-online.service.d"
cat > "$R/etc/systemd/system/systemd-networkd-wait-online.service.d/any.conf" <<'EOF'
[Service]
ExecStart=
ExecStart=/lib/systemd/systemd-networkd-wait-online --any --timeout=60
EOF

# syslinux.cfg generator; also a kernel hook so kernel upgrades in the guest
# (with the FAT partition mounted on /boot) keep booting the newest kernel
echo "APPEND=\"$CMDLINE\"" > "$R/etc/default/syslinux-boot"
mkdir -p "$R/etc/kernel/postinst.d" "$R/etc/kernel/postrm.d"
cat > "$R/etc/kernel/postinst.d/zz-syslinux-cfg" <<'EOF'
#!/bin/sh
# Write syslinux.cfg on the FAT /boot partition for the newest kernel.
set -e
BOOT=${SYSLINUX_BOOT:-/boot}
. "${SYSLINUX_DEFAULTS:-/etc/default/syslinux-boot}"
k=$(ls -1 "$BOOT" | sed -n 's/^vmlinuz-//p' | sort -V | tail -n 1)
[ -n "$k" ] && [ -e "$BOOT/initrd.img-$k" ] || exit 0
cat > "$BOOT/syslinux.cfg.new" <<EOT
SERIAL 0 115200
DEFAULT debian
PROMPT 0
TIMEOUT 0
LABEL debian
  LINUX /vmlinuz-$k
  INITRD /initrd.img-$k
  APPEND $APPEND
EOT
mv -f "$BOOT/syslinux.cfg.new" "$BOOT/syslinux.cfg"
EOF
chmod 755 "$R/etc/kernel/postinst.d/zz-syslinux-cfg"
ln -sf ../postinst.d/zz-syslinux-cfg "$R/etc/kernel/postrm.d/zz-syslinux-cfg"

in_root systemctl enable systemd-networkd.service systemd-resolved.service \
  systemd-networkd-wait-online.service ssh.service ssh-hostkeys.service \
  fetch-metadata.service grow-root.service > "$WORK/systemctl.log" 2>&1 || { cat "$WORK/systemctl.log"; exit 1; }
in_root systemctl set-default multi-user.target >> "$WORK/systemctl.log" 2>&1
# e2scrub is for LVM snapshots; costs ~5 s per boot under TCG
in_root systemctl disable e2scrub_reap.service e2scrub_all.timer >> "$WORK/systemctl.log" 2>&1 || true

# ---------------------------------------------------------------- clean up
step "clean-up"
rm -f "$R/usr/sbin/policy-rc.d"
: > "$R/etc/machine-id"; rm -f "$R/var/lib/dbus/machine-id"
rm -rf "$R"/var/lib/apt/lists/* "$R"/var/cache/apt/*.bin "$R"/var/cache/apt/archives/*.deb \
       "$R"/var/cache/debconf/*-old "$R"/var/lib/dpkg/*-old "$R"/var/log/*.log \
       "$R"/var/log/apt/* "$R"/tmp/* "$R"/var/tmp/* "$R"/root/.bash_history
mkdir -p "$R/var/lib/apt/lists/partial"
# files unpacked by the first stage bypass dpkg's path-exclude: remove them too
find "$R/usr/share/doc" -mindepth 1 ! -type d ! -name copyright -delete
find "$R/usr/share/doc" -mindepth 1 -type d -empty -delete
rm -rf "$R"/usr/share/man/* "$R"/usr/share/groff/* "$R"/usr/share/info/* \
       "$R"/usr/share/lintian/* "$R"/usr/share/linda/* "$R"/usr/share/bug/*
rm -f "$R"/usr/lib/udev/hwdb.d/* "$R"/usr/lib/udev/hwdb.bin "$R"/etc/udev/hwdb.bin
find "$R/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} +

# kernel + initrd go to the FAT partition, which the guest mounts on /boot
KVER=$(find "$R/boot" -maxdepth 1 -name 'vmlinuz-*' -printf '%f\n' | sed 's/^vmlinuz-//' | sort -V | tail -n 1)
if [ -z "$KVER" ] || [ ! -s "$R/boot/initrd.img-$KVER" ]; then
  echo "no kernel/initrd in $R/boot" >&2
  exit 1
fi
mkdir "$WORK/boot"
mv "$R"/boot/* "$WORK/boot/"
rm -f "$WORK"/boot/System.map-*      # not needed to boot; saves ~4 MiB
SYSLINUX_BOOT="$WORK/boot" SYSLINUX_DEFAULTS="$R/etc/default/syslinux-boot" \
  sh "$R/etc/kernel/postinst.d/zz-syslinux-cfg"
step "kernel $KVER: vmlinuz $(du -k "$WORK/boot/vmlinuz-$KVER" | cut -f1) KiB, initrd $(du -k "$WORK/boot/initrd.img-$KVER" | cut -f1) KiB; rootfs $(du -sx -BM "$R" | cut -f1)"

# ---------------------------------------------------------------- filesystems
step "FAT /boot (mkfs.vfat -C, mcopy, syslinux --install)"
BOOT_START_MIB=1
mkfs.vfat -C -F 16 -n BOOT -i "$BOOT_VOLID" -h $((BOOT_START_MIB * 2048)) \
  "$WORK/boot.img" $((BOOT_MB * 1024)) > /dev/null
mcopy -i "$WORK/boot.img" "$WORK"/boot/* ::/
syslinux --install "$WORK/boot.img"
mdir -i "$WORK/boot.img" -b ::/ | sed 's/^/    /'

step "ext4 root (mke2fs -d)"
DISK_BYTES=$(numfmt --from=iec "$DISK_SIZE")
ROOT_START_MIB=$((BOOT_START_MIB + BOOT_MB))
ROOT_MIB=$((DISK_BYTES / 1048576 - ROOT_START_MIB))
truncate -s "${ROOT_MIB}M" "$WORK/root.img"
mke2fs -q -F -t ext4 -L root -U "$ROOT_UUID" -d "$R" "$WORK/root.img"

# ---------------------------------------------------------------- disk
step "disk image (sfdisk, mbr.bin, dd conv=notrunc,sparse)"
rm -f "$OUT"
truncate -s $(( (ROOT_START_MIB + ROOT_MIB) * 1048576 )) "$OUT"
sfdisk -q "$OUT" <<EOF
label: dos
unit: sectors
start=$((BOOT_START_MIB * 2048)), size=$((BOOT_MB * 2048)), type=e, bootable
start=$((ROOT_START_MIB * 2048)), size=$((ROOT_MIB * 2048)), type=83
EOF
dd if="$MBR_BIN" of="$OUT" bs=440 count=1 conv=notrunc status=none
dd if="$WORK/boot.img" of="$OUT" bs=1M seek=$BOOT_START_MIB conv=notrunc,sparse status=none
dd if="$WORK/root.img" of="$OUT" bs=1M seek=$ROOT_START_MIB conv=notrunc,sparse status=none
sfdisk -l "$OUT" | sed 's/^/    /'

step "qcow2 (qemu-img convert -c)"
qemu-img convert -c -O qcow2 "$OUT" "$QCOW2_OUT.partial"
mv -f "$QCOW2_OUT.partial" "$QCOW2_OUT"

step "done"
echo "raw:   apparent $(du -h --apparent-size "$OUT" | cut -f1), allocated $(du -h "$OUT" | cut -f1) (not kept)"
echo "qcow2: $QCOW2_OUT  $(du -h --apparent-size "$QCOW2_OUT" | cut -f1)"
echo "kernel $KVER, root UUID $ROOT_UUID, boot UUID $BOOT_UUID"
