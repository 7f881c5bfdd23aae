#!/usr/bin/env bash
# The long reliability run, too long for CI (about 50 minutes on 2 cores): the aio deployment
# (molecule/reliability: the aio scenario's converge and verifier in a container of its own)
#   1. interrupted:  ansible-playbook is killed (its whole process group, SIGKILL, and the module
#      running on the host, as a dropped SSH connection would) while a task runs, at each of the
#      points below; each re-run starts from the top, goes through the step it was killed in,
#      and is killed at the next point; the last re-run goes to the end;
#   2. converged:    a run to the end, the idempotence run (changed=0), the verifier;
#      every run at -vvv: the secrets are grepped in their whole output;
#   3. removed:      playbooks/uninstall.yml refuses without confirmation (nothing changed), then
#      removes; the host's state (molecule/shared/host-state.sh) equals the state recorded
#      before the first deploy;
#   4. again:        deployed again from scratch, the idempotence run, the verifier; then destroyed.
#   scripts/reliability.sh                 every phase
#   PHASES="create interrupt" scripts/reliability.sh    some of them (create interrupt converge
#                                          verify uninstall again destroy)
#   FROM_POINT=3 PHASES="interrupt ..."    the interruptions from the third point on
# Logs and the two host states: .cache/artifacts/reliability/.
set -euo pipefail
# shellcheck source=scripts/common.sh
. "$(dirname "$0")/common.sh"
prepare_test_host
export LAB_IMAGE
SCENARIO=reliability
CONTAINER=lab-molecule-$SCENARIO
ART="${LAB_ARTIFACTS:-$LAB_CACHE/artifacts}/reliability"
PHASES="${PHASES:-create interrupt converge verify uninstall again destroy}"
# Molecule's files of the scenario (inventory, secrets, the -vvv ansible.log) in a known place.
export MOLECULE_EPHEMERAL_DIRECTORY="$LAB_CACHE/molecule/$SCENARIO"
EPH="$MOLECULE_EPHEMERAL_DIRECTORY"
mkdir -p "$ART"
started=$SECONDS
step() { log "$1 ($((SECONDS - started)) s)"; }
in_host() { podman exec "$CONTAINER" "$@"; }

# label | the task, as the TASK line names it (an extended regex) | seconds to let its module
# run on the host before the kill
POINTS=(
  "package install|keystone : Install Keystone and the openstack client|7"
  "db sync|keystone : Create or upgrade the schema|0.5"
  "bootstrap|keystone : Bootstrap the admin user|0.5"
  "package install (nova)|nova : Install nova's controller services|9"
  "network creation|nova : Create the private \\(fixed\\) network|0.7"
  "first VM|Boot the first virtual machine and wait for it to be ACTIVE|10"
)

# A run of the scenario's converge at -vvv, its whole output in a log of its own.
converge_in_background() {
  setsid molecule converge -s "$SCENARIO" -- -vvv >"$1" 2>&1 </dev/null &
  echo $!
}

# Where the plain log of the runs (ANSIBLE_LOG_PATH, appended by every run) ends now.
log_end() { if [ -f "$EPH/ansible.log" ]; then wc -l <"$EPH/ansible.log"; else echo 0; fi; }
# The plain log of the run that started after line $1.
run_log() { tail -n +"$(($1 + 1))" "$EPH/ansible.log" 2>/dev/null || true; }

# The result lines of the task named by $2 in the run that started after line $1.
results_after() {
  local line
  line="$(run_log "$1" | grep -nE "\\| TASK \\[.*$2" | tail -n 1 | cut -d: -f1)"
  run_log "$1" | tail -n +"$line" | grep -cE '\| (ok|changed|fatal|failed|skipping): \[' || true
}

# Whether the module of the task named by $2 runs on the host, in the run that started
# after line $1: the -vvv log shows the command that starts it.
module_started() {
  local line
  line="$(run_log "$1" | grep -nE "\\| TASK \\[.*$2" | tail -n 1 | cut -d: -f1)"
  # grep -c reads to the end: grep -q would leave tail to a SIGPIPE, a failure under pipefail.
  [ -n "$line" ] && [ "$(run_log "$1" | tail -n +"$line" | grep -c 'AnsiballZ_.*&& sleep 0')" -gt 0 ]
}

interrupt() {
  local n=0 point label task delay log pid start
  for point in "${POINTS[@]}"; do
    n=$((n + 1))
    [ "$n" -ge "${FROM_POINT:-1}" ] || continue
    IFS='|' read -r label task delay <<<"$point"
    log="$ART/interrupt-$n.log"
    step "run $n: to be killed during $label"
    start="$(log_end)"
    pid="$(converge_in_background "$log")"
    # The task's module starts on the host: the -vvv log shows the command that runs it.
    until module_started "$start" "$task"; do
      if ! kill -0 "$pid" 2>/dev/null; then
        echo "run $n ended before the task of '$label' ($task): see $log" >&2
        exit 1
      fi
      sleep 0.1
    done
    sleep "$delay"
    if [ "$(results_after "$start" "$task")" != 0 ]; then
      echo "run $n: the task of '$label' ended within ${delay} s, before the kill: shorten its delay" >&2
      kill -KILL -- "-$pid" 2>/dev/null || true
      exit 1
    fi
    kill -KILL -- "-$pid"
    # The module on the host, as a dropped SSH connection would end it (its children go on).
    in_host pkill -KILL -f AnsiballZ_ || true
    wait "$pid" 2>/dev/null || true
    echo "$label: killed ${delay} s after its module started on the host ('$task')" | tee -a "$ART/interruptions.txt"
    run_log "$start" | grep -E '\| TASK \[' | tail -n 1 | sed 's/^.*| /    last task: /'
  done
}

# Every generated secret of the scenario, looked for in the logs named (all the output of
# the runs: what ansible-playbook printed, through molecule, and its plain log).
grep_secrets() {
  local secrets="$EPH/secrets.yml" found=0 name value
  [ -s "$secrets" ] || { echo "no secrets file at $secrets" >&2; exit 1; }
  while IFS=: read -r name value; do
    value="${value# }"
    [ -n "$value" ] || continue
    if grep -qF -- "$value" "$@"; then
      echo "secret $name appears in $(grep -lF -- "$value" "$@" | xargs)" >&2
      found=1
    fi
  done < <(grep -vE '^(#|$)' "$secrets")
  [ "$found" = 0 ] || exit 1
  echo "$(grep -cvE '^(#|$)' "$secrets") secrets grepped in $(cat "$@" | wc -l) lines of -vvv output: none found"
}

state() { podman exec -i "$CONTAINER" bash -s <molecule/shared/host-state.sh >"$ART/state-$1.txt"; }

for phase in $PHASES; do
  case "$phase" in
    create)
      step "create"
      rm -f "$ART"/*.log "$ART"/interruptions.txt
      molecule destroy -s "$SCENARIO" >/dev/null
      rm -rf "$EPH"
      molecule create -s "$SCENARIO"
      state before
      ;;
    interrupt) interrupt ;;
    converge)
      step "converge to the end (-vvv)"
      molecule converge -s "$SCENARIO" -- -vvv >"$ART/converge.log" 2>&1
      grep -A3 'PLAY RECAP' "$ART/converge.log" | tail -n 2
      step "idempotence"
      molecule idempotence -s "$SCENARIO" 2>&1 | tee "$ART/idempotence.log" | tail -n 4
      run_log 0 >"$ART/ansible-all.log"
      grep_secrets "$ART"/interrupt-*.log "$ART/converge.log" "$ART/idempotence.log" "$ART/ansible-all.log"
      ;;
    verify)
      step "verify"
      molecule verify -s "$SCENARIO" 2>&1 | tee "$ART/verify.txt" | tail -n 5
      ;;
    uninstall)
      step "uninstall without confirmation: refused, nothing changed"
      if ansible-playbook -i "$EPH/inventory" playbooks/uninstall.yml >"$ART/uninstall-refused.log" 2>&1 </dev/null; then
        echo "uninstall.yml ran without confirmation" >&2
        exit 1
      fi
      grep -E 'changed=[0-9]+' "$ART/uninstall-refused.log" | grep -q 'changed=0' \
        || { echo "the refused uninstall changed something: $ART/uninstall-refused.log" >&2; exit 1; }
      step "uninstall"
      ansible-playbook -i "$EPH/inventory" playbooks/uninstall.yml -e uninstall_confirm=yes \
        >"$ART/uninstall.log" 2>&1 </dev/null || { tail -n 30 "$ART/uninstall.log"; exit 1; }
      grep -A2 'PLAY RECAP' "$ART/uninstall.log" | tail -n 1
      step "the host as before"
      state after
      if ! diff -u "$ART/state-before.txt" "$ART/state-after.txt" >"$ART/state.diff"; then
        cat "$ART/state.diff"
        echo "the host differs from before the first deploy: $ART/state.diff" >&2
        exit 1
      fi
      echo "host state equal to before the deploy: $(grep -c '^## ' "$ART/state-before.txt") sections, $(grep -vc '^## ' "$ART/state-before.txt") lines"
      ;;
    again)
      # A second "again" in PHASES (create again uninstall again) keeps the first one's logs.
      again_n=$((${again_n:-0} + 1))
      tag="again$([ "$again_n" = 1 ] || echo "$again_n")"
      step "deploy again (-vvv), $tag"
      # The verifier greps the plain log of the runs for secrets: the new deploy's alone.
      [ -f "$EPH/ansible.log" ] && mv "$EPH/ansible.log" "$ART/ansible-before-$tag.log"
      start=0
      molecule converge -s "$SCENARIO" -- -vvv >"$ART/$tag.log" 2>&1 || { tail -n 30 "$ART/$tag.log"; exit 1; }
      grep -a 'changed=' "$ART/$tag.log" | tail -n 1
      step "idempotence"
      molecule idempotence -s "$SCENARIO" 2>&1 | tee "$ART/$tag-idempotence.log" | tail -n 4
      run_log "$start" >"$ART/$tag-ansible.log"
      grep_secrets "$ART/$tag.log" "$ART/$tag-idempotence.log" "$ART/$tag-ansible.log"
      # The deployment's own verifier; the fault and bad-input tests ran on this host before
      # the uninstall (verify phase) and run in CI.
      step "verify (without test_robustness.py and test_bad_input.py)"
      PYTEST_ADDOPTS="-k 'not test_robustness and not test_bad_input'" \
        molecule verify -s "$SCENARIO" 2>&1 | tee "$ART/verify-$tag.txt" | tail -n 5
      ;;
    destroy)
      step "destroy"
      molecule destroy -s "$SCENARIO" >/dev/null
      ;;
    *) echo "unknown phase $phase" >&2; exit 2 ;;
  esac
done
step "done"
