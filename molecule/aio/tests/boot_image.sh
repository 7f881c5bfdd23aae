#!/usr/bin/env bash
# boot_image.sh IMAGE WORKDIR [TIMEOUT_S] - boot a guest image under plain QEMU (TCG, no
# KVM needed), serve it an OpenStack-style metadata service, and ssh in with the key it
# fetched from there. Used by test_images.py; prints timings, leaves console.log in WORKDIR.
#
# Runs in a network namespace of its own (unshare --net): there the metadata server is
# python3 -m http.server on 127.0.0.1:80, and QEMU's user-mode network uses
# 169.254.169.0/24 with the host alias 169.254.169.254, so the guest's requests to
# 169.254.169.254:80 reach that server. ssh goes through hostfwd 127.0.0.1:2222 -> :22.
# The guest writes to a qcow2 overlay 1 GiB bigger than the image: the image is never modified.
set -euo pipefail
export LC_ALL=C

if [ "${1:-}" != --in-netns ]; then
  image=$(realpath "${1:?usage: $0 IMAGE WORKDIR [TIMEOUT_S]}")
  work=$(realpath "${2:?usage: $0 IMAGE WORKDIR [TIMEOUT_S]}")
  exec unshare --net -- "$0" --in-netns "$image" "$work" "${3:-120}"
fi
image=$2 work=$3 timeout=$4
case "$image" in *.qcow2) format=qcow2 ;; *) format=raw ;; esac
qemu_pid="" http_pid=""
# A disk 1 GiB bigger than the image, as a flavor's would be: the guest grows its root into it.
size=$(qemu-img info --output=json "$image" | python3 -c 'import json, sys; print(json.load(sys.stdin)["virtual-size"])')
qemu-img create -q -f qcow2 -b "$image" -F "$format" "$work/disk.qcow2" $((size + 1073741824))
cleanup() {
  if [ -n "$qemu_pid" ]; then kill "$qemu_pid" 2>/dev/null || true; wait "$qemu_pid" 2>/dev/null || true; fi
  if [ -n "$http_pid" ]; then kill "$http_pid" 2>/dev/null || true; wait "$http_pid" 2>/dev/null || true; fi
}
trap cleanup EXIT
ip link set lo up

ssh-keygen -q -t ed25519 -N '' -C boot-test -f "$work/key"
metadata=$work/metadata/latest/meta-data
mkdir -p "$metadata/public-keys/0"
cp "$work/key.pub" "$metadata/public-keys/0/openssh-key"
echo "boot-test.novalocal" > "$metadata/hostname"
python3 -m http.server 80 --bind 127.0.0.1 --directory "$work/metadata" > "$work/http.log" 2>&1 &
http_pid=$!

ssh=(ssh -i "$work/key" -p 2222 -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
     -o BatchMode=yes -o ConnectTimeout=10 -o LogLevel=ERROR root@127.0.0.1)
start=$SECONDS
qemu-system-x86_64 -accel tcg -m 512 -smp 2 -nodefaults -display none \
  -serial "file:$work/console.log" -monitor none \
  -drive "file=$work/disk.qcow2,format=qcow2,if=virtio" \
  -netdev "user,id=n0,net=169.254.169.0/24,host=169.254.169.254,hostfwd=tcp:127.0.0.1:2222-:22" \
  -device virtio-net-pci,netdev=n0 > "$work/qemu.log" 2>&1 &
qemu_pid=$!

banner="" login=""
while [ $((SECONDS - start)) -lt "$timeout" ]; do
  kill -0 "$qemu_pid" 2>/dev/null || { echo "qemu exited:"; cat "$work/qemu.log"; exit 1; }
  if [ -z "$banner" ]; then
    # slirp accepts the connection even when nothing listens in the guest: only an SSH banner counts.
    greeting=$(timeout 3 bash -c 'exec 3<>/dev/tcp/127.0.0.1/2222 && head -c 4 <&3' 2>/dev/null || true)
    [ "$greeting" = "SSH-" ] && banner=$((SECONDS - start))
  fi
  # shellcheck disable=SC2016 # expanded in the guest
  if [ -n "$banner" ] && "${ssh[@]}" 'echo "uname: $(uname -sr)"; echo "hostname: $(hostname)"; echo "root-bytes: $(df -B1 --output=size / | tail -n 1)"' \
      > "$work/ssh.out" 2> "$work/ssh.err"; then
    login=$((SECONDS - start))
    break
  fi
  sleep 1
done
echo "ssh banner after: ${banner:-never} s"
echo "ssh login after: ${login:-never} s"
[ -n "$login" ] || { echo "no ssh login within ${timeout} s"; cat "$work/ssh.err" 2>/dev/null || true; exit 1; }
cat "$work/ssh.out"
"${ssh[@]}" poweroff > /dev/null 2>&1 || true
for _ in $(seq 30); do kill -0 "$qemu_pid" 2>/dev/null || break; sleep 1; done
