#!/usr/bin/env bash
# The performance benchmarks of the README's Performance section, measured side by side in
# one run and printed as ratios against their targets. Run after scripts/lab.sh (its lab
# container and its warm package cache) and playbooks/first_vm.yml (the memory at rest
# counts the first VM apart).
#   scripts/benchmark.sh                        all of them, in this order:
#     deploy_floor      site.yml in a fresh container against one apt transaction of the
#                       same packages in another, then the no-op re-runs (about 25 min)
#     keystone_modules  lab.openstack's Keystone modules against openstack.cloud (3 min)
#     aio_memory        the lab container's memory at rest, per service (seconds)
#   scripts/benchmark.sh keystone_modules       some of them
#   BASELINE=../earlier scripts/benchmark.sh deploy_floor    also the no-op runs of another
#                       checkout (an earlier commit), on the same deployed container
#   DEPLOY_FLOOR_ARGS=--keep scripts/benchmark.sh deploy_floor    keep the two containers;
#   DEPLOY_FLOOR_ARGS=--noop-only ...  then only the no-op re-runs again, on the kept one
# Logs: .cache/artifacts/benchmarks/.
set -euo pipefail
# shellcheck source=scripts/common.sh
. "$(dirname "$0")/common.sh"
require_root
configure_podman
ensure_venv requirements.txt requirements-test.txt
ensure_image
cd "$LAB_ROOT"
export LAB_VENV
if ! podman container exists lab-openstack-aio; then
  echo "no lab container: run scripts/lab.sh first" >&2
  exit 1
fi
for bench in "${@:-deploy_floor keystone_modules aio_memory}"; do
  for name in $bench; do
    [ -f "benchmarks/$name.py" ] || { echo "no benchmark $name (benchmarks/*.py)" >&2; exit 2; }
    log "benchmark $name"
    started=$SECONDS
    args=()
    if [ "$name" = deploy_floor ]; then
      [ -n "${BASELINE:-}" ] && args=(--baseline "$BASELINE")
      # shellcheck disable=SC2206  # words on purpose: --keep, --noop-only
      args+=(${DEPLOY_FLOOR_ARGS:-})
    fi
    "$LAB_VENV/bin/python" "benchmarks/$name.py" "${args[@]}"
    log "$name: $((SECONDS - started)) s"
  done
done
