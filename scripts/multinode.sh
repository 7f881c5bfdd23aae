#!/usr/bin/env bash
# More than one machine (molecule/multinode), too long for CI next to the other scenarios
# (about 50 minutes on 2 cores): two privileged containers linked by the test's own veth
# pairs (management network 10.42.0.0/24 on mgmt0, the private network's cable on eth1).
#   1. controller: site.yml --limit lab-molecule-controller (the tutorial's machine, also a
#      compute node); its services' PIDs and start times are recorded;
#   2. add:        site.yml --limit lab-molecule-compute1, as a user adds a node (the
#      controller's facts are read, nothing runs on it); then the whole inventory, which
#      boots vm-compute1 on compute1 (availability zone nova:lab-molecule-compute1);
#   3. idempotence (changed=0 on both), verify (two nova-compute, two hypervisors, the
#      instance ACTIVE on compute1 answering ping and ssh from the controller, the
#      controller's services not restarted since 1.);
#   4. remove:     the instance deleted, playbooks/remove_compute.yml, then the tests marked
#      removed (one compute node and its agents left, healthy, site.yml without compute1
#      in the inventory changes nothing); destroy.
#   scripts/multinode.sh                          every phase
#   PHASES="verify remove" scripts/multinode.sh   some of them (create controller add
#                                                 idempotence verify remove destroy)
# Logs: .cache/artifacts/multinode/.
set -euo pipefail
# shellcheck source=scripts/common.sh
. "$(dirname "$0")/common.sh"
prepare_test_host
export LAB_IMAGE
SCENARIO=multinode
CONTROLLER=lab-molecule-controller
COMPUTE1=lab-molecule-compute1
ART="${LAB_ARTIFACTS:-$LAB_CACHE/artifacts}/$SCENARIO"
PHASES="${PHASES:-create controller add idempotence verify remove destroy}"
export MOLECULE_EPHEMERAL_DIRECTORY="$LAB_CACHE/molecule/$SCENARIO"
EPH="$MOLECULE_EPHEMERAL_DIRECTORY"
mkdir -p "$ART"
started=$SECONDS
step() { log "$1 ($((SECONDS - started)) s)"; }
recap() { sed 's/\x1b\[[0-9;]*m//g' "$1" | sed -n '/PLAY RECAP/,$p' | grep -aE ': ok=[0-9]+ +changed=' || true; }

# The converge's whole output in a log of its own; its recap lines printed. A --skip-tags on
# the command line replaces molecule.yml's ANSIBLE_SKIP_TAGS (horizon): both are named.
converge() {
  local log="$ART/$1.log"
  shift
  molecule converge -s "$SCENARIO" -- "$@" >"$log" 2>&1 || { tail -n 40 "$log"; exit 1; }
  recap "$log"
}

# The molecule inventory less compute1, with the same group_vars and host_vars: the
# inventory a user has once the node is taken out of it.
inventory_without_compute1() {
  local dir="$EPH/inventory-without-compute1"
  rm -rf "$dir"
  mkdir -p "$dir"
  python3 - "$EPH/inventory/ansible_inventory.yml" "$dir/ansible_inventory.yml" "$COMPUTE1" <<'PY'
import sys
import yaml

source, target, removed = sys.argv[1:]
inventory = yaml.safe_load(open(source))


def prune(group):
    (group.get("hosts") or {}).pop(removed, None)
    for child in (group.get("children") or {}).values():
        prune(child or {})


for group in inventory.values():
    prune(group or {})
yaml.safe_dump(inventory, open(target, "w"))
PY
  cp -a "$EPH/inventory/group_vars" "$EPH/inventory/host_vars" "$dir/"
}

for phase in $PHASES; do
  case "$phase" in
    create)
      step "create the two instances and the links between them"
      molecule destroy -s "$SCENARIO" >/dev/null
      rm -rf "$EPH"
      molecule create -s "$SCENARIO"
      ;;
    controller)
      step "site.yml on the controller alone"
      converge controller --limit "$CONTROLLER" --skip-tags horizon,compute1_vm
      python3 molecule/multinode/tests/services.py "$CONTROLLER" >"$EPH/controller-services.before"
      ;;
    add)
      step "add compute1: site.yml --limit $COMPUTE1"
      converge add --limit "$COMPUTE1" --skip-tags horizon,compute1_vm
      step "the whole inventory, with vm-compute1 on compute1"
      converge whole
      ;;
    idempotence)
      step "idempotence (both hosts)"
      molecule idempotence -s "$SCENARIO" >"$ART/idempotence.log" 2>&1 \
        || { tail -n 40 "$ART/idempotence.log"; exit 1; }
      recap "$ART/idempotence.log"
      ;;
    verify)
      step "verify"
      PYTEST_ADDOPTS="-m 'not removed'" molecule verify -s "$SCENARIO" 2>&1 | tee "$ART/verify.txt" | tail -n 5
      ;;
    remove)
      step "remove compute1 while vm-compute1 is on it: refused, nothing changed"
      if ansible-playbook -i "$EPH/inventory" playbooks/remove_compute.yml -e remove_compute_host="$COMPUTE1" \
        >"$ART/remove-refused.log" 2>&1; then
        echo "remove_compute.yml removed a node that has an instance" >&2
        exit 1
      fi
      if ! grep -q 'vm-compute1' "$ART/remove-refused.log" || recap "$ART/remove-refused.log" | grep -v 'changed=0 '; then
        tail -n 30 "$ART/remove-refused.log"
        echo "the refusal did not name vm-compute1, or changed something" >&2
        exit 1
      fi
      grep -aE 'msg|fatal' "$ART/remove-refused.log" | tail -n 2
      step "remove compute1"
      podman exec "$CONTROLLER" openstack --os-cloud lab-admin server delete --wait vm-compute1
      ansible-playbook -i "$EPH/inventory" playbooks/remove_compute.yml -e remove_compute_host="$COMPUTE1" \
        >"$ART/remove.log" 2>&1 || { tail -n 40 "$ART/remove.log"; exit 1; }
      recap "$ART/remove.log"
      inventory_without_compute1
      step "verify after the removal"
      PYTEST_ADDOPTS="-m removed" molecule verify -s "$SCENARIO" 2>&1 | tee "$ART/verify-removed.txt" | tail -n 5
      ;;
    destroy)
      step "destroy"
      molecule destroy -s "$SCENARIO" >/dev/null
      ;;
    *) echo "unknown phase $phase" >&2; exit 2 ;;
  esac
done
step "done"
