#!/usr/bin/env bash
# scripts/lint-workflows.sh: lint the GitHub Actions workflows with actionlint.
#
#   scripts/lint-workflows.sh [actionlint args...]     (npm run lint:workflows)
#
# actionlint is a Go program: on first use it is built from the Go module proxy
# (pinned version, GOTOOLCHAIN=local) into the calico-ad cache outside the
# checkout and reused afterwards. Idempotent. It checks workflow syntax, the
# inputs of known actions (pulumi/actions, actions/checkout, ...), expressions
# and the repository variables listed in .github/actionlint.yaml; shell scripts
# in `run:` are also checked when shellcheck is on PATH.
set -euo pipefail

ACTIONLINT_VERSION=v1.7.12
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${CALICO_AD_CACHE:-${HOME}/.cache/calico-ad}"
BIN_DIR="${CACHE}/tools/actionlint-${ACTIONLINT_VERSION}/bin"
ACTIONLINT="${BIN_DIR}/actionlint"

log() { printf '[lint-workflows] %s\n' "$*" >&2; }
die() { printf '[lint-workflows] ERROR: %s\n' "$*" >&2; exit 1; }

if [ ! -x "$ACTIONLINT" ]; then
  command -v go >/dev/null || die "actionlint ${ACTIONLINT_VERSION} is not built and Go is not on PATH"
  export GOTOOLCHAIN=local GOFLAGS=-mod=mod CGO_ENABLED=0
  export GOMODCACHE="${CALICO_AD_GOMODCACHE:-${CACHE}/go/mod}"
  export GOCACHE="${CALICO_AD_GOCACHE:-${CACHE}/go/build}"
  log "checking that the module proxy serves github.com/rhysd/actionlint@${ACTIONLINT_VERSION}"
  go list -m "github.com/rhysd/actionlint@${ACTIONLINT_VERSION}" >/dev/null \
    || die "the Go module proxy does not serve github.com/rhysd/actionlint@${ACTIONLINT_VERSION}"
  log "building actionlint ${ACTIONLINT_VERSION} into ${BIN_DIR}"
  mkdir -p "$BIN_DIR"
  GOBIN="$BIN_DIR" go install -ldflags "-s -w -X github.com/rhysd/actionlint.version=${ACTIONLINT_VERSION}" \
    "github.com/rhysd/actionlint/cmd/actionlint@${ACTIONLINT_VERSION}"
fi

cd "$ROOT"
command -v shellcheck >/dev/null || log "shellcheck is not on PATH: run: scripts are not checked"
log "$("$ACTIONLINT" -version | head -n 1) on .github/workflows"
"$ACTIONLINT" "$@"
log "no problems found"
