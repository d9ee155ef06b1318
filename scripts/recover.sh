#!/usr/bin/env bash
# Recovers a stack after an interrupted `pulumi up` (the CLI killed with SIGKILL, an OOM kill, a
# runner timeout, a lost machine) and converges it, leaving nothing half-made:
#
#   1. the stack's lock (file:// backends): removed only when the update that wrote it is known
#      to be gone (written on this host, and its pid no longer runs the Pulumi CLI that wrote it);
#      a live update or a lock from another host stops the recovery;
#   2. plugin processes the dead run left (pulumi-resource-*, pulumi-language-*, the program):
#      stopped by PID, only those of this project directory whose engine no longer answers;
#   3. pending operations in the state: `pulumi refresh --clear-pending-creates` (a pending
#      create of an object that was made is taken back by step 4: the stack's objects are
#      server-side applied with force, so the next `up` adopts them in place, same UID);
#   4. `pulumi up` (asks first unless --yes);
#   5. objects in the cluster that carry this stack's owner annotation but that the state does
#      not know (the stack no longer declares them): deleted;
#   6. `pulumi preview --expect-no-changes`.
#
#   scripts/recover.sh [--yes] STACK [-- ARGS FOR pulumi up...]   (npm run recover -- STACK)
#
# Uses the backend of PULUMI_BACKEND_URL or `pulumi login`, and the kube context of the stack's
# Kubernetes provider. Exit status: 0 converged, 1 a step failed or refused, 2 bad usage.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

usage() {
  echo "usage: $0 [--yes] STACK [-- ARGS FOR pulumi up...]" >&2
  exit 2
}
yes=()
stack=""
while (($# > 0)); do
  case "$1" in
    --yes | -y) yes=(--yes); shift ;;
    --) shift; break ;;
    -*) usage ;;
    *) [[ -z "$stack" ]] || usage; stack="$1"; shift ;;
  esac
done
[[ -n "$stack" ]] || usage
up_args=("$@")

say() { echo "recover: $*"; }
fail() {
  echo "recover: $*" >&2
  exit 1
}
facts() { node bin/recovery/cli.js "$@"; }
pulumi_() { pulumi "$@" --stack "$stack" --non-interactive; }
state_file="$(mktemp)"
trap 'rm -f "$state_file"' EXIT
export_state() { pulumi_ stack export --file "$state_file" >/dev/null; }

[[ -f bin/recovery/cli.js ]] || fail "bin/recovery/cli.js is missing: run npm run build (npm run recover builds first)"

backend_url="$(pulumi whoami --json --non-interactive | node -e 'process.stdout.write(JSON.parse(require("fs").readFileSync(0, "utf8")).url)')"
qualified="$(pulumi stack -Q --show-name --stack "$stack" --non-interactive)"
say "stack $qualified on $backend_url"

# 1. The lock.
lock_time=""
if [[ "$backend_url" != file://* ]]; then
  say "locks of $backend_url cannot be checked from here; if \`pulumi up\` reports the stack locked (or an update in progress), make sure the process it names has ended, then run \`pulumi cancel --stack $stack\`"
else
  locks="$(facts locks --backend-url "$backend_url" --stack "$qualified")"
  [[ -n "$locks" ]] || say "no lock"
  while IFS=$'\t' read -r state file locked_at reason; do
    [[ -n "$state" ]] || continue
    case "$state" in
      stale)
        say "removing stale lock $file: $reason"
        rm -f -- "$file" "$file.attrs"
        if [[ -z "$lock_time" ]] || ((locked_at < lock_time)); then lock_time="$locked_at"; fi
        ;;
      *) fail "the stack is locked and the lock is not stale ($file): $reason" ;;
    esac
  done <<<"$locks"
fi

# 2. Plugin processes of the dead run.
plugin_args=(--stack "$stack" --project-dir "$PWD")
[[ -z "$lock_time" ]] || plugin_args+=(--since "$lock_time")
stray="$(facts plugins "${plugin_args[@]}")"
pids=()
while IFS=$'\t' read -r pid command; do
  [[ -n "$pid" ]] || continue
  say "stopping pid $pid, left by the interrupted run: $command"
  pids+=("$pid")
done <<<"$stray"
if ((${#pids[@]} > 0)); then
  kill -TERM "${pids[@]}" 2>/dev/null || true
  for _ in $(seq 50); do
    alive=()
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive+=("$pid"); done
    ((${#alive[@]} > 0)) || break
    sleep 0.1
  done
  if ((${#alive[@]} > 0)); then
    say "pids ${alive[*]} did not stop on SIGTERM within 5 s: SIGKILL"
    kill -KILL "${alive[@]}" 2>/dev/null || true
  fi
else
  say "no plugin process left by an interrupted run"
fi

# 3. Pending operations.
export_state
pending="$(facts pending --state "$state_file")"
if [[ -n "$pending" ]]; then
  while IFS=$'\t' read -r type urn; do say "pending $type: $urn"; done <<<"$pending"
  refresh=(refresh --yes --skip-preview)
  grep -q '^creating' <<<"$pending" && refresh+=(--clear-pending-creates)
  say "pulumi ${refresh[*]}"
  pulumi_ "${refresh[@]}"
  export_state
  [[ -z "$(facts pending --state "$state_file")" ]] || fail "pending operations remain after the refresh; see \`pulumi stack export --stack $stack\`"
else
  say "no pending operation"
fi

# 4. Converge.
say "pulumi up ${yes[*]} ${up_args[*]}"
if ((${#yes[@]} > 0)); then
  pulumi_ up "${yes[@]}" "${up_args[@]}"
else
  pulumi up --stack "$stack" "${up_args[@]}" # asks before it changes anything
fi

# 5. Objects of this stack that the state does not know.
export_state
orphans="$(facts orphans --state "$state_file" --owner "$qualified")"
if [[ -n "$orphans" ]]; then
  while IFS=$'\t' read -r context kubeconfig resource namespace name; do
    target=()
    [[ "$context" == - ]] || target+=(--context "$context")
    [[ "$kubeconfig" == - ]] || target+=(--kubeconfig "$kubeconfig")
    where=""
    [[ "$namespace" == - ]] || { target+=(--namespace "$namespace"); where=" in namespace $namespace"; }
    say "deleting $resource $name$where: owned by $qualified but not in its state"
    kubectl "${target[@]}" delete "$resource" "$name" --ignore-not-found
  done <<<"$orphans"
else
  say "no object of $qualified outside its state"
fi

# 6. Nothing left to change.
say "pulumi preview --expect-no-changes"
pulumi_ preview --expect-no-changes
say "$stack converged"
