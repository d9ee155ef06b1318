#!/usr/bin/env bash
# One scheduled detection-test run of one stack from CI: type-checks the program first (Pulumi
# runs it transpile-only), then re-runs the stack's enabled simulations and their verifications
# under a new run identity, refusing to run when the preview would change anything else, and
# fails naming the stack and each detector that did not fire (preview/cli/detectionRun.ts).
#
#   scripts/ci/detection-tests.sh <stack> <run id>     (e.g. the CI run's ID and attempt)
#
# The backend, passphrase and KUBECONFIG come from the environment, checked beforehand by
# `npm run ci:credentials`. The results table is appended to GITHUB_STEP_SUMMARY when it is set.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

stack="${1:?usage: scripts/ci/detection-tests.sh <stack> <run id>}"
run_id="${2:?usage: scripts/ci/detection-tests.sh <stack> <run id>}"

echo "detection tests: type check (npm run typecheck)"
npm run --silent typecheck

echo "detection tests: stack $stack, run $run_id"
exec npm run --silent detection:run -- --stack "$stack" --run-id "$run_id" --policy-pack policy ${GITHUB_STEP_SUMMARY:+--out "$GITHUB_STEP_SUMMARY"}
