#!/usr/bin/env bash
# The single check to require in branch protection: fails unless every job named on the command
# line succeeded or was skipped. A matrix job is skipped when no stack is touched (nothing to
# check) or when a job it needs failed (and that job is listed too), so skipped passes.
#
#   scripts/ci/needs-passed.sh test=success stacks=success preview=skipped
set -euo pipefail

(($# > 0)) || { echo "usage: scripts/ci/needs-passed.sh <job>=<result> ..." >&2; exit 2; }
failed=0
for pair in "$@"; do
  job="${pair%%=*}"
  result="${pair#*=}"
  case "$result" in
    success | skipped) echo "$job: $result" ;;
    *)
      echo "::error::job $job: ${result:-no result}"
      failed=1
      ;;
  esac
done
exit "$failed"
