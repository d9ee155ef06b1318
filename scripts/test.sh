#!/usr/bin/env bash
# The whole test suite, as CI runs it: lint, format and type checks, workflow lint, then unit tests
# (Pulumi mocks), end-to-end tests (real Pulumi engine against a local kube-apiserver) and
# simulation tests (real nmap between network namespaces; needs root) in one test run. Before the
# tests, every benchmark runs once, so that a benchmark that no longer runs fails the suite.
#
# The tests get a local cluster of their own (state in $CALICO_AD_CACHE/test-cluster, other ports
# than the demo's), started empty and deleted afterwards, so a stack that ./scripts/demo.sh left
# deployed never meets them.
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
bash scripts/lint-shell.sh

step "toolchain"
bash scripts/toolchain.sh
export CALICO_AD_CLUSTER_DIR="${CALICO_AD_TEST_CLUSTER_DIR:-${CALICO_AD_CACHE:-$HOME/.cache/calico-ad}/test-cluster}"
export CALICO_AD_ETCD_CLIENT_PORT="${CALICO_AD_TEST_ETCD_CLIENT_PORT:-23890}"
export CALICO_AD_ETCD_PEER_PORT="${CALICO_AD_TEST_ETCD_PEER_PORT:-23900}"
export CALICO_AD_APISERVER_PORT="${CALICO_AD_TEST_APISERVER_PORT:-16543}"
# The AD jobs stand-in's minute on the tests' node (its image's env): a detection cycle of the
# workshop's 5-minute search interval takes 30 s instead of 5 minutes.
export CALICO_AD_STAND_IN_MINUTE_SECONDS="${CALICO_AD_STAND_IN_MINUTE_SECONDS:-6}"
# shellcheck source=scripts/env.sh
source scripts/env.sh

step "the local node's programs: stand-ins and CoreDNS (go vet, go test)"
(
  cd tools/node-images
  export GOTOOLCHAIN=local GOWORK=off GOFLAGS=-mod=mod GOCACHE="${CALICO_AD_GOCACHE:-${CALICO_AD_CACHE}/go/build}" \
    GOMODCACHE="${CALICO_AD_GOMODCACHE:-${CALICO_AD_CACHE}/go/mod}"
  go vet ./... && go test ./...
)

step "local API server for the tests (${CALICO_AD_CLUSTER_DIR})"
bash scripts/local-cluster.sh clean
trap 'bash scripts/local-cluster.sh clean' EXIT
bash scripts/local-cluster.sh start
eval "$(bash scripts/local-cluster.sh env)"

step "benchmarks, each run once as committed"
BENCH_RUNS=1 npm run --silent bench:engine
npm run --silent bench:scan
npm run --silent bench:alert
BENCH_RUNS=1 npm run --silent bench:preview
# The full fleet (1, 4, 16 stacks) takes minutes; the suite checks that it still runs.
BENCH_FLEET_SIZES=1,2 BENCH_FLEET_POOL=2 npm run --silent bench:fleet

step "unit, end-to-end and simulation tests"
# Missing tools must fail the run here, not skip the tests that need them.
export CALICO_AD_REQUIRE_ALL_TESTS=1
node --test --test-concurrency=1 --test-reporter=spec bin/test/unit/ bin/test/e2e/ bin/test/netns/
