#!/usr/bin/env bash
# scripts/toolchain.sh: build (or reuse) calico-ad's offline toolchain.
#
#   bash scripts/toolchain.sh            # then: source scripts/env.sh
#
# Provides, built with plain `go` from the Go module proxy (no binary downloads):
#   pulumi v$CALICO_AD_PULUMI_VERSION and pulumi-language-nodejs (same bin dir;
#     the language host is calico-ad's own, tools/language-host: the upstream
#     one is a never-tagged module the module proxy does not serve)
#   pulumi-resource-kubernetes v$CALICO_AD_K8S_PROVIDER_VERSION, installed as
#     plugin "resource kubernetes" into $PULUMI_HOME (outside the checkout)
#   kube-apiserver v$CALICO_AD_KUBERNETES_VERSION and etcd (+ kubectl when the
#     machine has no working one)
# from the wrapper modules under tools/ (go.mod/go.sum and our own Go code only).
#
# Everything built lives in $CALICO_AD_CACHE (default ~/.cache/calico-ad): one
# directory per component, keyed by a hash of its wrapper module and the pins
# in scripts/env.sh. A component whose keyed directory is complete is not
# rebuilt, so a second run takes seconds. Each step prints its duration; the
# summary table is also written to $CALICO_AD_CACHE/toolchain-times.txt.
#
# Options (environment):
#   CALICO_AD_BUILD_LANES=2     parallel build lanes (1 = strictly sequential)
#   CALICO_AD_STEP_TIMEOUT=3000 timeout of one download/build step, seconds
#   CALICO_AD_GOMODCACHE, CALICO_AD_GOCACHE  Go caches (default: under the cache)
#   CALICO_AD_FORCE_REBUILD=1   rebuild every component
set -euo pipefail

SELF="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")"
# shellcheck source=scripts/env.sh
source "$(dirname "$SELF")/env.sh"

export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=mod GOWORK=off
export GOMODCACHE="${CALICO_AD_GOMODCACHE:-${CALICO_AD_CACHE}/go/mod}"
export GOCACHE="${CALICO_AD_GOCACHE:-${CALICO_AD_CACHE}/go/build}"
BUILD_ROOT="${CALICO_AD_CACHE}/build"

KUBECTL_BUILD="$(calico_ad_build_kubectl)"
LANGHOST_MODULE="${CALICO_AD_ROOT}/tools/language-host"

log() { printf '[toolchain %s] %s\n' "$(date +%H:%M:%S)" "$*"; }
die() { printf '[toolchain %s] ERROR: %s\n' "$(date +%H:%M:%S)" "$*" >&2; exit 1; }

# Packages to build in a wrapper: its `tool` directives, or the wrapper's own
# main package when it has Go files.
wrapper_pkgs() {
  go mod edit -json | jq -r '.Tool[]?.Path'
  if compgen -G '*.go' >/dev/null; then echo .; fi
}

# ---------------------------------------------------------------------------------
# Build functions. They run in a child process (`toolchain.sh __run FN`) under
# `timeout`, with their output in the step log, and install atomically: a
# component's directory appears only when it is complete.
# ---------------------------------------------------------------------------------

# prepare COMP: fresh build copy of tools/COMP (go.mod, go.sum, non-test *.go) outside the checkout.
prepare() {
  local comp="$1" dir="${BUILD_ROOT}/$1"
  rm -rf "$dir"; mkdir -p "$dir"
  (cd "${CALICO_AD_ROOT}/tools/${comp}" && find . -type f \( -name go.mod -o -name go.sum -o -name '*.go' \) ! -name '*_test.go' \
    -exec cp --parents {} "$dir/" \;)
}

# download COMP: fetch every module needed to build the wrapper's packages.
download() {
  local comp="$1"
  prepare "$comp"
  cd "${BUILD_ROOT}/${comp}"
  local pkgs; mapfile -t pkgs < <(wrapper_pkgs)
  echo "packages: ${pkgs[*]}"
  if [ "$comp" = kubernetes-provider ]; then provider_embeds; fi
  # `go list -deps` downloads exactly the modules the build will read.
  go list -deps -tags osusergo,grpcnotrace "${pkgs[@]}" >deps.txt
  echo "$(wc -l <deps.txt) packages in the import graph; $(go list -m all | wc -l) modules in the build list"
  if ! cmp -s go.sum "${CALICO_AD_ROOT}/tools/${comp}/go.sum"; then
    echo "WARNING: tools/${comp}/go.sum is incomplete; the build copy added:"
    diff "${CALICO_AD_ROOT}/tools/${comp}/go.sum" go.sum | grep '^>' | head -20 || true
  fi
}

# provider_embeds: in the provider build copy, generate the two files main.go
# embeds from inputs shipped in the module zip (what upstream's `go generate`
# does): schema.json with "version" set, and the terraform mapping, compacted.
provider_embeds() {
  local src
  src="$(go mod download -json github.com/pulumi/pulumi-kubernetes/provider/v4 | jq -r .Dir)/cmd/pulumi-resource-kubernetes"
  jq -c --arg v "$CALICO_AD_K8S_PROVIDER_VERSION" '.version = $v' "$src/schema.json" >schema-embed.json
  jq -c . "$src/terraform-mapping.json" >terraform-mapping-embed.json
  ls -l schema-embed.json terraform-mapping-embed.json
}

stage_dir() { rm -rf "$1.stage"; mkdir -p "$1.stage/bin"; echo "$1.stage"; }
install_stage() { rm -rf "$1"; mv "$1.stage" "$1"; }

build_pulumi() {
  local stage ld pkgs
  stage="$(stage_dir "$CALICO_AD_PULUMI_DIR")"
  ld="-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v${CALICO_AD_PULUMI_VERSION}"
  cd "${BUILD_ROOT}/pulumi"
  mapfile -t pkgs < <(wrapper_pkgs)
  set -x
  go build -trimpath -tags osusergo,grpcnotrace -ldflags "$ld" -o "$stage/bin/" "${pkgs[@]}"
  { set +x; } 2>/dev/null
  cd "${BUILD_ROOT}/language-host"
  mapfile -t pkgs < <(wrapper_pkgs)
  set -x
  go build -trimpath -tags osusergo,grpcnotrace -ldflags "$ld" -o "$stage/bin/pulumi-language-nodejs" "${pkgs[@]}"
  { set +x; } 2>/dev/null
  "$stage/bin/pulumi" version
  printf 'pulumi v%s + pulumi-language-nodejs (tools/language-host)\ngo: %s\nbuilt: %s\n' \
    "$CALICO_AD_PULUMI_VERSION" "$(go env GOVERSION)" "$(date -u +%FT%TZ)" >"$stage/stamp"
  install_stage "$CALICO_AD_PULUMI_DIR"
}

build_kubernetes_provider() {
  local stage
  stage="$(stage_dir "$CALICO_AD_K8S_PROVIDER_DIR")"
  cd "${BUILD_ROOT}/kubernetes-provider"
  provider_embeds
  set -x
  go build -trimpath \
    -ldflags "-s -w -X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=${CALICO_AD_K8S_PROVIDER_VERSION}" \
    -o "$stage/bin/pulumi-resource-kubernetes" .
  { set +x; } 2>/dev/null
  printf 'pulumi-resource-kubernetes %s\ngo: %s\nbuilt: %s\n' \
    "$CALICO_AD_K8S_PROVIDER_VERSION" "$(go env GOVERSION)" "$(date -u +%FT%TZ)" >"$stage/stamp"
  install_stage "$CALICO_AD_K8S_PROVIDER_DIR"
}

build_kubernetes() {
  local stage v="$CALICO_AD_KUBERNETES_VERSION" builddate ld="-s -w" p
  stage="$(stage_dir "$CALICO_AD_KUBERNETES_DIR")"
  cd "${BUILD_ROOT}/kubernetes"
  local major="${v%%.*}" minor="${v#*.}"; minor="${minor%%.*}"
  # Mandatory: without these /version says v0.0.0-master and pulumi-kubernetes
  # refuses the cluster. buildDate = the module's release time (reproducible).
  builddate="$(date -u -d "$(go list -m -json k8s.io/kubernetes | jq -r .Time)" +%FT%TZ)"
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld+=" -X ${p}.gitVersion=v${v} -X ${p}.gitMajor=${major} -X ${p}.gitMinor=${minor}"
    ld+=" -X ${p}.gitTreeState=clean -X ${p}.buildDate=${builddate}"
  done
  local pkgs=(k8s.io/kubernetes/cmd/kube-apiserver go.etcd.io/etcd/server/v3)
  if [ "$KUBECTL_BUILD" = 1 ]; then pkgs+=(k8s.io/kubernetes/cmd/kubectl); fi
  set -x
  go build -trimpath -ldflags "$ld" -o "$stage/bin/" "${pkgs[@]}"
  { set +x; } 2>/dev/null
  mv "$stage/bin/server" "$stage/bin/etcd"   # main package go.etcd.io/etcd/server/v3
  "$stage/bin/kube-apiserver" --version
  "$stage/bin/etcd" --version
  if [ "$KUBECTL_BUILD" = 1 ]; then "$stage/bin/kubectl" version --client; fi
  printf 'kubernetes v%s: %s\ngo: %s\nbuilt: %s\n' "$v" "${pkgs[*]}" "$(go env GOVERSION)" "$(date -u +%FT%TZ)" >"$stage/stamp"
  install_stage "$CALICO_AD_KUBERNETES_DIR"
}

# Internal entry point used by `step`: run one build function in this process.
if [ "${1:-}" = __run ]; then
  shift
  "$@"
  exit 0
fi

# ---------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------
LANES="${CALICO_AD_BUILD_LANES:-2}"
STEP_TIMEOUT="${CALICO_AD_STEP_TIMEOUT:-3000}"
RUN_ID="$(date -u +%Y%m%dT%H%M%SZ)"
LOG_DIR="${CALICO_AD_CACHE}/logs/toolchain-${RUN_ID}"
TIMES_DIR="${LOG_DIR}/times"
TIMES_FILE="${CALICO_AD_CACHE}/toolchain-times.txt"
mkdir -p "$TIMES_DIR" "$BUILD_ROOT" "$GOMODCACHE" "$GOCACHE" "$PULUMI_HOME"
T0=$(date +%s)
# (a fresh GOCACHE holds only a README and trim.txt)
if [ "$(find "$GOCACHE" -type f 2>/dev/null | head -n 100 | wc -l)" -ge 100 ]; then GO_CACHE_STATE=warm; else GO_CACHE_STATE=cold; fi

# step NAME CMD...: run CMD with output to $LOG_DIR/NAME.log; print and record
# its duration in whole seconds.
step() {
  local name="$1"; shift
  local logf="${LOG_DIR}/${name}.log" start rc=0 secs
  start=$(date +%s)
  log "==> ${name} (log: ${logf})"
  "$@" >"$logf" 2>&1 || rc=$?
  secs=$(( $(date +%s) - start ))
  if [ "$rc" -eq 0 ]; then
    printf '%s\t%s\t%s\tok\n' "$name" "$((start - T0))" "$secs" >"${TIMES_DIR}/${start}_${name}"
    log "<== ${name}: ok in ${secs}s"
  else
    [ "$rc" -eq 124 ] && echo "step timed out after ${STEP_TIMEOUT}s (CALICO_AD_STEP_TIMEOUT)" >>"$logf"
    printf '%s\t%s\t%s\tFAILED(rc=%s)\n' "$name" "$((start - T0))" "$secs" "$rc" >"${TIMES_DIR}/${start}_${name}"
    log "<== ${name}: FAILED (rc=${rc}) after ${secs}s; last lines of ${logf}:" >&2
    tail -n 40 "$logf" | sed 's/^/    | /' >&2
    return "$rc"
  fi
}
# gostep NAME FN ARGS...: a step running a build function above under `timeout`
# (which kills the whole process group, go compilers included, on expiry).
gostep() { local name="$1"; shift; step "$name" timeout "$STEP_TIMEOUT" bash "$SELF" __run "$@"; }
cached() {
  local now; now=$(date +%s)
  printf '%s\t%s\t0\tcached\n' "$1" "$((now - T0))" >"${TIMES_DIR}/${now}_$1"
  log "--- $1: up to date (cached)"
}

summary() {
  local total=$(( $(date +%s) - T0 )) f
  {
    printf '# scripts/toolchain.sh %s: %s, %s cores, %s, go caches %s at start\n' \
      "$RUN_ID" "$(hostname)" "$(nproc)" "$(go env GOVERSION 2>/dev/null || echo 'go ?')" "$GO_CACHE_STATE"
    printf '# steps of one lane run in sequence; lanes run in parallel (build lanes: %s)\n' "$LANES"
    printf '%-30s %9s %8s  %s\n' "step" "start(+s)" "seconds" "status"
    for f in "${TIMES_DIR}"/*; do
      [ -e "$f" ] && awk -F'\t' '{ printf "%-30s %9s %8s  %s\n", $1, $2, $3, $4 }' "$f"
    done
    printf '%-30s %9s %8s  %s\n' "TOTAL (wall clock)" 0 "$total" "$1"
  } >"${LOG_DIR}/summary.txt"
  echo
  cat "${LOG_DIR}/summary.txt"
  cp "${LOG_DIR}/summary.txt" "$TIMES_FILE"
  { cat "${LOG_DIR}/summary.txt"; echo; } >>"${CALICO_AD_CACHE}/toolchain-times.history"
  log "timings written to ${TIMES_FILE}; logs in ${LOG_DIR}"
}
trap 'rc=$?; [ "$rc" -eq 0 ] || summary "FAILED"' EXIT

# --- preflight --------------------------------------------------------------------------
for t in go jq sha256sum timeout node cmp; do
  command -v "$t" >/dev/null || die "required tool '$t' not found on PATH"
done
case "$CALICO_AD_CACHE/" in
  "$CALICO_AD_ROOT"/*) die "CALICO_AD_CACHE ($CALICO_AD_CACHE) must be outside the checkout" ;;
esac
[ -d "$LANGHOST_MODULE" ] || die "missing tools/language-host"
log "$(go version); node $(node --version); $(nproc) cores; build lanes: ${LANES}"
log "cache: ${CALICO_AD_CACHE}; GOMODCACHE=${GOMODCACHE}; GOCACHE=${GOCACHE} (${GO_CACHE_STATE})"

# --- what needs building ---------------------------------------------------------------
complete() { local dir="$1" b; shift; [ -f "${dir}/stamp" ] || return 1; for b in "$@"; do [ -x "${dir}/bin/${b}" ] || return 1; done; }
K8S_BINS=(kube-apiserver etcd); if [ "$KUBECTL_BUILD" = 1 ]; then K8S_BINS+=(kubectl); fi
need_pulumi=1 need_provider=1 need_k8s=1
if [ "${CALICO_AD_FORCE_REBUILD:-0}" != 1 ]; then
  if complete "$CALICO_AD_PULUMI_DIR" pulumi pulumi-language-nodejs; then need_pulumi=0; fi
  if complete "$CALICO_AD_K8S_PROVIDER_DIR" pulumi-resource-kubernetes; then need_provider=0; fi
  if complete "$CALICO_AD_KUBERNETES_DIR" "${K8S_BINS[@]}"; then need_k8s=0; fi
fi
state() { if [ "$1" = 1 ]; then echo "to build"; else echo cached; fi; }
log "pulumi + language host: $(state $need_pulumi)  ${CALICO_AD_PULUMI_DIR}"
log "kubernetes provider:    $(state $need_provider)  ${CALICO_AD_K8S_PROVIDER_DIR}"
log "kube-apiserver, etcd:   $(state $need_k8s)  ${CALICO_AD_KUBERNETES_DIR} (kubectl: $(if [ "$KUBECTL_BUILD" = 1 ]; then echo "built v${CALICO_AD_KUBERNETES_VERSION}"; else command -v kubectl; fi))"

# --- fail fast: is every pinned module served? --------------------------------------------
# Pins of a wrapper: replace targets, direct requirements, and every pulumi,
# k8s.io/kubernetes and etcd module it requires.
pinned_modules() {
  (cd "${CALICO_AD_ROOT}/tools/$1" && go mod edit -json) | jq -r '
    [ (.Replace[]? | select(.New.Version != null) | "\(.New.Path)@\(.New.Version)"),
      (.Require[]? | select((.Indirect != true)
         or (.Path | test("^(github\\.com/pulumi/pulumi|k8s\\.io/kubernetes$|go\\.etcd\\.io/etcd/)")))
       | "\(.Path)@\(.Version)") ] | unique[]'
}
check_modules() {
  local comps=() mods out
  if [ $need_pulumi = 1 ]; then comps+=(pulumi language-host); fi
  if [ $need_provider = 1 ]; then comps+=(kubernetes-provider); fi
  if [ $need_k8s = 1 ]; then comps+=(kubernetes); fi
  mods="$(for c in "${comps[@]}"; do pinned_modules "$c"; done | sort -u)"
  echo "GOPROXY=$(go env GOPROXY); checking $(echo "$mods" | wc -l) pinned modules with go list -m"
  # Outside any module, `go list -m path@version` asks the proxy for the .info.
  # shellcheck disable=SC2016 # $1 and $o are expanded by the inner sh
  out="$(cd / && echo "$mods" | xargs -P 8 -I{} sh -c \
    'if o=$(timeout 120 go list -m "$1" 2>&1); then echo "  served      $1";
     else echo "  NOT-SERVED  $1: $(echo "$o" | tail -n 2 | tr "\n" " ")"; fi' _ {} | sort -k2)"
  echo "$out"
  if echo "$out" | grep -q NOT-SERVED; then
    echo "NOT served by the Go module proxy:"; echo "$out" | grep NOT-SERVED
    return 1
  fi
}
if [ $need_pulumi = 1 ] || [ $need_provider = 1 ] || [ $need_k8s = 1 ]; then
  if ! step check-modules check_modules; then
    die "some pinned modules are not served by the Go module proxy (see above); nothing was built"
  fi
else
  cached check-modules
fi

# --- downloads and builds ---------------------------------------------------------------------
# All downloads start at once (network bound). Lane A: pulumi CLI + language host,
# then the kubernetes provider. Lane B: kube-apiserver + etcd (the largest).
# On 2 cores two lanes keep both cores busy through the single-threaded phases
# (module loading, linking) of each build.
lane_a() {
  local dl_provider=""
  if [ $need_provider = 1 ]; then
    gostep download-kubernetes-provider download kubernetes-provider & dl_provider=$!
  fi
  if [ $need_pulumi = 1 ]; then
    gostep download-pulumi download pulumi
    gostep download-language-host download language-host
    gostep build-pulumi build_pulumi
  fi
  if [ $need_provider = 1 ]; then
    wait "$dl_provider"
    gostep build-kubernetes-provider build_kubernetes_provider
  fi
}
lane_b() {
  if [ $need_k8s = 1 ]; then
    gostep download-kubernetes download kubernetes
    gostep build-kubernetes build_kubernetes
  fi
}
if [ "$LANES" -ge 2 ]; then
  (lane_a) & pa=$!
  (lane_b) & pb=$!
  rc=0; wait "$pa" || rc=1; wait "$pb" || rc=1
  [ "$rc" -eq 0 ] || die "a download or build step failed (log excerpts above; logs in ${LOG_DIR})"
else
  (lane_a) || die "a download or build step failed (logs in ${LOG_DIR})"
  (lane_b) || die "a download or build step failed (logs in ${LOG_DIR})"
fi
[ $need_pulumi = 1 ] || cached build-pulumi
[ $need_provider = 1 ] || cached build-kubernetes-provider
[ $need_k8s = 1 ] || cached build-kubernetes

# --- provider plugin into PULUMI_HOME ---------------------------------------------------------
PLUGIN_DIR="${PULUMI_HOME}/plugins/resource-kubernetes-v${CALICO_AD_K8S_PROVIDER_VERSION}"
MARK="${PULUMI_HOME}/calico-ad/resource-kubernetes-v${CALICO_AD_K8S_PROVIDER_VERSION}.source"
install_plugin() {
  set -x
  "${CALICO_AD_PULUMI_DIR}/bin/pulumi" plugin install resource kubernetes "$CALICO_AD_K8S_PROVIDER_VERSION" \
    --file "${CALICO_AD_K8S_PROVIDER_DIR}/bin/pulumi-resource-kubernetes" --reinstall
  { set +x; } 2>/dev/null
  mkdir -p "$(dirname "$MARK")"
  echo "$CALICO_AD_K8S_PROVIDER_DIR" >"$MARK"
}
if [ -x "${PLUGIN_DIR}/pulumi-resource-kubernetes" ] && [ ! -e "${PLUGIN_DIR}.partial" ] \
  && [ "$(cat "$MARK" 2>/dev/null)" = "$CALICO_AD_K8S_PROVIDER_DIR" ]; then
  cached install-plugin-kubernetes
else
  step install-plugin-kubernetes install_plugin || die "installing the kubernetes plugin failed"
fi

# --- verify ---------------------------------------------------------------------------------------
verify() {
  local out
  set -x
  command -v pulumi pulumi-language-nodejs kube-apiserver etcd kubectl
  pulumi version
  pulumi plugin ls
  kube-apiserver --version
  etcd --version
  { set +x; } 2>/dev/null
  [ "$(pulumi version)" = "v${CALICO_AD_PULUMI_VERSION}" ] || { echo "pulumi reports $(pulumi version), expected v${CALICO_AD_PULUMI_VERSION}"; return 1; }
  [ "$(command -v pulumi-language-nodejs)" = "${CALICO_AD_PULUMI_DIR}/bin/pulumi-language-nodejs" ] || { echo "pulumi-language-nodejs is not the one next to pulumi"; return 1; }
  out="$(pulumi plugin ls --json)"
  echo "$out" | jq -e --arg v "$CALICO_AD_K8S_PROVIDER_VERSION" \
    'any(.[]; .name == "kubernetes" and .kind == "resource" and .version == $v)' >/dev/null \
    || { echo "plugin resource kubernetes ${CALICO_AD_K8S_PROVIDER_VERSION} not installed in ${PULUMI_HOME}"; return 1; }
  kube-apiserver --version | grep -qx "Kubernetes v${CALICO_AD_KUBERNETES_VERSION}" \
    || { echo "unexpected kube-apiserver version"; return 1; }
  kubectl version --client
}
step verify verify || die "verification failed"

summary ok
trap - EXIT
log "done; use the tools with:  source scripts/env.sh"
