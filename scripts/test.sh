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

# A second cluster, API server only, beside the first: the tests that need no node run there, in a
# lane of their own, while the node's tests (mostly waiting for detection cycles) run on the first.
api_only_env() {
  CALICO_AD_CLUSTER_DIR="${CALICO_AD_CLUSTER_DIR}-api-only" CALICO_AD_NODE=0 \
    CALICO_AD_ETCD_CLIENT_PORT=$((CALICO_AD_ETCD_CLIENT_PORT + 100)) \
    CALICO_AD_ETCD_PEER_PORT=$((CALICO_AD_ETCD_PEER_PORT + 100)) \
    CALICO_AD_APISERVER_PORT=$((CALICO_AD_APISERVER_PORT + 100)) "$@"
}

step "local clusters for the tests: ${CALICO_AD_CLUSTER_DIR} with the node, and one without"
bash scripts/local-cluster.sh clean
api_only_env bash scripts/local-cluster.sh clean
trap 'bash scripts/local-cluster.sh clean; api_only_env bash scripts/local-cluster.sh clean' EXIT
bash scripts/local-cluster.sh start
api_only_env bash scripts/local-cluster.sh start
eval "$(bash scripts/local-cluster.sh env)"
api_only_kubeconfig="$(api_only_env bash scripts/local-cluster.sh env | sed -n 's/^export KUBECONFIG=//p')"

step "benchmarks, each run once as committed"
# bench:scan mostly waits for the workshop's 2-minute scan in network namespaces of its own, so it
# runs beside the others.
scan_log="$(mktemp)"
npm run --silent bench:scan >"$scan_log" 2>&1 &
scan_pid=$!
BENCH_RUNS=1 npm run --silent bench:engine
npm run --silent bench:alert
BENCH_RUNS=1 npm run --silent bench:preview
# The full fleet (1, 4, 16 stacks) takes minutes; the suite checks that it still runs.
BENCH_FLEET_SIZES=1,2 BENCH_FLEET_POOL=2 npm run --silent bench:fleet
scan_status=0
wait "$scan_pid" || scan_status=$?
cat "$scan_log"
rm -f "$scan_log"
[ "$scan_status" = 0 ] || { echo "bench:scan failed (exit ${scan_status})" >&2; exit 1; }

step "unit, end-to-end and simulation tests, in two lanes"
# Missing tools must fail the run here, not skip the tests that need them.
export CALICO_AD_REQUIRE_ALL_TESTS=1
node_test=(node --test --test-concurrency=1 --test-reporter=spec)
mapfile -t node_tests < <(grep -lE 'missingNode|nodeUnavailable' test/e2e/*.test.ts | sed 's|^|bin/|; s|\.ts$|.js|')
mapfile -t other_tests < <(find bin/test/unit bin/test/e2e bin/test/netns -name '*.test.js' | sort \
  | grep -vxF -f <(printf '%s\n' "${node_tests[@]}"))
echo "lane 1 (the cluster with the node): ${node_tests[*]}"
echo "lane 2 (the cluster without a node): the other ${#other_tests[@]} files; its output follows lane 1's"
other_log="$(mktemp)"
api_only_env env KUBECONFIG="$api_only_kubeconfig" "${node_test[@]}" "${other_tests[@]}" >"$other_log" 2>&1 &
other_pid=$!
node_status=0
"${node_test[@]}" "${node_tests[@]}" || node_status=$?
other_status=0
wait "$other_pid" || other_status=$?
printf '\n== lane 2 (the cluster without a node)\n'
cat "$other_log"
rm -f "$other_log"
step "done: lane 1 exit ${node_status}, lane 2 exit ${other_status}"
[ "$node_status" = 0 ] && [ "$other_status" = 0 ]
