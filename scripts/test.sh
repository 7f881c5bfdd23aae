#!/usr/bin/env bash
# README command 2: every check of the project, in the order a failure is cheapest:
# lint, sanity, unit tests, then the Molecule scenarios in privileged containers.
set -euo pipefail
# shellcheck source=scripts/common.sh
. "$(dirname "$0")/common.sh"
prepare_test_host
started=$SECONDS
step() { log "$1 ($((SECONDS - started)) s)"; }

step "yamllint"
yamllint --strict .
step "ruff"
ruff check .
step "ansible-lint (production profile)"
ansible-lint --profile production --strict
step "ansible-doc renders every module"
for module in plugins/modules/*.py; do
  name="lab.openstack.$(basename "$module" .py)"
  doc="$(ANSIBLE_NOCOLOR=1 ansible-doc "$name")"
  grep -q "^> MODULE $name" <<<"$doc" || { echo "ansible-doc $name does not render" >&2; exit 1; }
done
step "ansible-test sanity"
scripts/sanity.sh
step "unit tests"
# pytest exits 5 when it collects no test: that is a failure here, never a pass.
python -m pytest -q tests/unit
step "molecule"
# The verifier tests marked long (the whole site.yml in --check, the Nova section's dry-run
# cases: some 18 minutes) run in scripts/reliability.sh.
export PYTEST_ADDOPTS="${PYTEST_ADDOPTS:--m 'not long'}"
for scenario in ${LAB_SCENARIOS:-default aio}; do
  molecule test -s "$scenario"
done
step "all tests passed"
