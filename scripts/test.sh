#!/usr/bin/env bash
# The whole test suite, as CI runs it: lint, format and type checks, workflow lint, then unit tests
# (Pulumi mocks), end-to-end tests (real Pulumi engine against the local kube-apiserver) and
# simulation tests (real nmap between network namespaces; needs root) in one test run.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
started=$SECONDS
step() { printf '\n== %s (%ss)\n' "$1" "$((SECONDS - started))"; }

step "dependencies"
bash scripts/install-deps.sh

step "lint, format, type check, build"
npm run --silent lint
npm run --silent format:check
npm run --silent build
bash scripts/lint-workflows.sh
shellcheck scan/*.sh

step "toolchain"
bash scripts/toolchain.sh
# shellcheck source=scripts/env.sh
source scripts/env.sh

step "local API server"
if bash scripts/local-cluster.sh status >/dev/null 2>&1; then
  echo "already running; leaving it running afterwards"
else
  trap 'bash scripts/local-cluster.sh stop' EXIT
fi
bash scripts/local-cluster.sh start
eval "$(bash scripts/local-cluster.sh env)"

step "unit, end-to-end and simulation tests"
# Missing tools must fail the run here, not skip the tests that need them.
export CALICO_AD_REQUIRE_ALL_TESTS=1
node --test --test-concurrency=1 --test-reporter=spec bin/test/unit/ bin/test/e2e/ bin/test/netns/
