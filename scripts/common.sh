# shellcheck shell=bash
# Shared by scripts/lab.sh and scripts/test.sh: host packages, podman configuration,
# the control-node virtualenv and the local Debian 12 systemd image. Every step is
# skipped when its result is already there, so a second run costs seconds.
set -euo pipefail

LAB_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LAB_CACHE="${LAB_CACHE:-$LAB_ROOT/.cache}"
LAB_VENV="${LAB_VENV:-$LAB_ROOT/.venv}"
# The tag follows the build script: a changed recipe builds a new image.
LAB_IMAGE="${LAB_IMAGE:-localhost/lab-openstack/debian12-systemd:$(sha256sum "$LAB_ROOT/scripts/build-image.sh" | cut -c1-12)}"
export LAB_IMAGE
LAB_MIRROR="${LAB_MIRROR:-http://deb.debian.org/debian}"
# Downloaded .deb files, kept across clones and container rebuilds: one directory per
# container (apt locks its archive directory), and one for the image build.
LAB_APT_CACHE="${LAB_APT_CACHE:-/var/cache/lab-openstack/apt-archives}"
export LAB_APT_CACHE
# What the control node needs to run ansible-playbook, and what the container lab adds.
# shellcheck disable=SC2034 # these lists are used by the scripts that source this file
CONTROL_PACKAGES=(python3 python3-venv git rsync ca-certificates)
# shellcheck disable=SC2034
LAB_PACKAGES=(podman runc slirp4netns uidmap fuse-overlayfs debootstrap iproute2)
# ansible-test sanity runs shellcheck on scripts/ only when it is installed.
# shellcheck disable=SC2034
TEST_PACKAGES=(shellcheck qemu-system-x86 qemu-utils openssh-client chromium chromium-driver)

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

require_root() {
  if [ "$(id -u)" -ne 0 ]; then
    echo "run as root: the lab needs privileged containers (bridges, loop devices, sysctls)" >&2
    exit 1
  fi
}

install_host_packages() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ "${#missing[@]}" -eq 0 ] && return 0
  log "installing host packages: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# Podman reads only this file when CONTAINERS_CONF is set: the host's own
# /etc/containers configuration is left alone. Values measured on these machines
# (DESIGN.md): crun refuses the hybrid cgroups, ulimits no higher than the hard limits.
configure_podman() {
  mkdir -p "$LAB_CACHE"
  local nofile nproc
  nofile="$(ulimit -Hn)"; [ "$nofile" = unlimited ] && nofile=1048576
  nproc="$(ulimit -Hu)"; { [ "$nproc" = unlimited ] || [ "$nproc" -gt 32768 ]; } && nproc=32768
  cat > "$LAB_CACHE/containers.conf.new" <<CONF
[containers]
default_ulimits = ["nofile=${nofile}:${nofile}", "nproc=${nproc}:${nproc}"]
log_driver = "k8s-file"

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
CONF
  if cmp -s "$LAB_CACHE/containers.conf.new" "$LAB_CACHE/containers.conf"; then
    rm -f "$LAB_CACHE/containers.conf.new"
  else
    mv "$LAB_CACHE/containers.conf.new" "$LAB_CACHE/containers.conf"
  fi
  export CONTAINERS_CONF="$LAB_CACHE/containers.conf"
  mkdir -p "$LAB_APT_CACHE"
}

# The control node's tools come from PyPI into a virtualenv built on Debian's python3;
# each requirements file is installed again only when its content changes.
# Usage: ensure_venv REQUIREMENTS_FILE...
ensure_venv() {
  local stamps="$LAB_VENV/.installed-requirements" file sum
  if [ ! -x "$LAB_VENV/bin/pip" ]; then
    log "creating the control-node virtualenv in $LAB_VENV"
    /usr/bin/python3 -m venv "$LAB_VENV"
    "$LAB_VENV/bin/pip" install -q --upgrade pip
  fi
  for file in "$@"; do
    sum="$(sha256sum "$LAB_ROOT/$file" | cut -d' ' -f1)"
    if ! grep -qx "$sum $file" "$stamps" 2>/dev/null; then
      log "installing $file into $LAB_VENV"
      "$LAB_VENV/bin/pip" install -q -r "$LAB_ROOT/$file"
      echo "$sum $file" >> "$stamps"
    fi
  done
  export VIRTUAL_ENV="$LAB_VENV" PATH="$LAB_VENV/bin:$PATH"
  # The working tree is the collection: ansible-playbook finds lab.openstack here,
  # never in a stale installed copy.
  mkdir -p "$LAB_CACHE/collections/ansible_collections/lab"
  ln -sfn "$LAB_ROOT" "$LAB_CACHE/collections/ansible_collections/lab/openstack"
  export ANSIBLE_COLLECTIONS_PATH="$LAB_CACHE/collections"
}

ensure_image() {
  if podman image exists "$LAB_IMAGE"; then
    return 0
  fi
  "$LAB_ROOT/scripts/build-image.sh"
}

# What the test commands (test.sh, reliability.sh) need first: the host's packages, podman,
# the control node's virtualenv with the test requirements, the image; then the repository.
prepare_test_host() {
  require_root
  install_host_packages "${CONTROL_PACKAGES[@]}" "${LAB_PACKAGES[@]}" "${TEST_PACKAGES[@]}"
  configure_podman
  ensure_venv requirements.txt requirements-test.txt
  ensure_image
  cd "$LAB_ROOT"
}
