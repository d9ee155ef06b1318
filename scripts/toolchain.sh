#!/usr/bin/env bash
# scripts/toolchain.sh: build (or reuse) calico-ad's offline toolchain.
#
#   bash scripts/toolchain.sh                     # then: source scripts/env.sh
#   bash scripts/toolchain.sh --no-local-cluster  # only what a real cluster needs: no
#                                                 # kube-apiserver, etcd or node binaries
#   bash scripts/toolchain.sh export FILE         # everything built, in one archive
#   bash scripts/toolchain.sh install FILE        # such an archive, pins and sums checked
#   bash scripts/toolchain.sh archive-key         # the pins an archive is good for, as a key
#
# Provides, built with plain `go` (no binary downloads):
#   pulumi v$CALICO_AD_PULUMI_VERSION (wrapper module tools/pulumi) and upstream's
#     pulumi-language-nodejs v$CALICO_AD_PULUMI_VERSION beside it, built from the
#     vendored archive $CALICO_AD_LANGUAGE_HOST_ARCHIVE
#   pulumi-resource-kubernetes v$CALICO_AD_K8S_PROVIDER_VERSION (tools/kubernetes-provider)
#     and pulumi-resource-command v$CALICO_AD_COMMAND_PROVIDER_VERSION (vendored archive
#     $CALICO_AD_COMMAND_ARCHIVE), installed as plugins into $PULUMI_HOME
#   kube-apiserver v$CALICO_AD_KUBERNETES_VERSION and etcd (+ kubectl when the
#     machine has no working one), and the local node's kubelet, kube-scheduler and
#     kube-controller-manager, in one `go build` of wrapper module tools/kubernetes
# Dependencies come from the Go module proxy. The vendored archives (upstream
# modules the proxy does not serve) are read from $CALICO_AD_VENDOR_DIR (default
# ../shared/vendor) and checked against the sha256 sums in scripts/env.sh; they
# are unpacked into the build directory, never into the checkout.
#
# With a suitable Pulumi CLI installed (see scripts/env.sh), nothing of Pulumi
# is built: the installed CLI and its plugins are used, missing plugins are
# installed with `pulumi plugin install`, and only a plugin that cannot be
# installed that way is built from source.
#
# Everything built lives in $CALICO_AD_CACHE (default ~/.cache/calico-ad): one
# directory per component, keyed by a hash of its wrapper module or archive and
# the pins in scripts/env.sh. A component whose keyed directory is complete is not
# rebuilt, so a second run takes seconds. Each step says what it builds and how long
# it took last time on this machine (from $CALICO_AD_CACHE/toolchain-times.history; the
# figure in docs/local-cluster.md on a first run), shows its elapsed time while it runs (a status line on
# a terminal, a line a minute otherwise) and prints its duration; the summary table is
# also written to $CALICO_AD_CACHE/toolchain-times.txt.
#
# The toolchain archive (export/install) holds every component of calico_ad_components
# (scripts/env.sh) that is built here, a MANIFEST of the pins and component keys, and
# SHA256SUMS of every file. `install` refuses an archive made for other pins, another
# platform or with a file that fails its checksum, before anything is unpacked into the
# cache; afterwards this script builds nothing that the archive held. The Go caches are
# not in it. The file name's suffix picks the compression (.tar.gz, .tar.zst, .tar.xz).
#
# Options (environment):
#   CALICO_AD_BUILD_LANES=2     parallel build lanes (1 = strictly sequential)
#   CALICO_AD_STEP_TIMEOUT=3000 timeout of one download/build step, seconds
#   CALICO_AD_GOMODCACHE, CALICO_AD_GOCACHE  Go caches (default: under the cache)
#   CALICO_AD_FORCE_REBUILD=1   rebuild every component
#   CALICO_AD_PROGRESS_INTERVAL=60  seconds between progress lines when stdout is not a terminal
set -euo pipefail

SELF="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")"
# shellcheck source=scripts/env.sh
source "$(dirname "$SELF")/env.sh"

export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=mod GOWORK=off
export GOMODCACHE="${CALICO_AD_GOMODCACHE:-${CALICO_AD_CACHE}/go/mod}"
export GOCACHE="${CALICO_AD_GOCACHE:-${CALICO_AD_CACHE}/go/build}"
BUILD_ROOT="${CALICO_AD_CACHE}/build"

KUBECTL_BUILD="$(calico_ad_build_kubectl)"

# On a terminal, the progress line (see progress_ticker) is cleared before a log line.
if [ -t 1 ]; then CLEAR_LINE=$'\r\033[K'; else CLEAR_LINE=""; fi
log() { printf '%s[toolchain %s] %s\n' "$CLEAR_LINE" "$(date +%H:%M:%S)" "$*"; }
die() {
  if [ -t 2 ]; then printf '%s' "$CLEAR_LINE" >&2; fi
  printf '[toolchain %s] ERROR: %s\n' "$(date +%H:%M:%S)" "$*" >&2
  exit 1
}

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

# unpack ARCHIVE SHA256 DEST: check a vendored archive's sha256, then unpack it into DEST.
unpack() {
  local archive="${CALICO_AD_VENDOR_DIR}/$1" want="$2" dest="$3" got
  [ -f "$archive" ] || { echo "missing $archive: the upstream sources are not there (set CALICO_AD_VENDOR_DIR to the directory that has them; see SOURCES.md there)"; return 1; }
  got="$(sha256sum "$archive" | cut -d' ' -f1)"
  [ "$got" = "$want" ] || { echo "sha256 of $archive is $got, expected $want: refusing to build from it"; return 1; }
  echo "sha256 ok: $archive"
  rm -rf "$dest"; mkdir -p "$dest"
  tar -xzf "$archive" -C "$dest" --strip-components=1
}

# Upstream's Node.js language host: its module sits in the pulumi monorepo with `replace`
# directives to ../../../../pkg and ../../..; outside it, require the same release from the proxy.
prepare_language_host() {
  unpack "$CALICO_AD_LANGUAGE_HOST_ARCHIVE" "$CALICO_AD_LANGUAGE_HOST_SHA256" "${BUILD_ROOT}/language-host"
  cd "${BUILD_ROOT}/language-host/sdk/nodejs/cmd/pulumi-language-nodejs"
  go mod edit -dropreplace github.com/pulumi/pulumi/pkg/v3 -dropreplace github.com/pulumi/pulumi/sdk/v3 \
    -require "github.com/pulumi/pulumi/pkg/v3@v${CALICO_AD_PULUMI_VERSION}" \
    -require "github.com/pulumi/pulumi/sdk/v3@v${CALICO_AD_PULUMI_VERSION}"
}
prepare_command_provider() {
  unpack "$CALICO_AD_COMMAND_ARCHIVE" "$CALICO_AD_COMMAND_SHA256" "${BUILD_ROOT}/command-provider"
}
# Module directory and main packages of each component's build copy.
module_dir() {
  case "$1" in
    language-host) echo "${BUILD_ROOT}/language-host/sdk/nodejs/cmd/pulumi-language-nodejs" ;;
    command-provider) echo "${BUILD_ROOT}/command-provider/provider" ;;
    *) echo "${BUILD_ROOT}/$1" ;;
  esac
}
component_pkgs() {
  case "$1" in
    language-host) echo . ;;
    command-provider) echo ./cmd/pulumi-resource-command ;;
    *) wrapper_pkgs ;;
  esac
}

# download COMP: fetch every module needed to build the component's packages.
download() {
  local comp="$1"
  case "$comp" in
    language-host) prepare_language_host ;;
    command-provider) prepare_command_provider ;;
    *) prepare "$comp" ;;
  esac
  cd "$(module_dir "$comp")"
  local pkgs; mapfile -t pkgs < <(component_pkgs "$comp")
  echo "packages: ${pkgs[*]}"
  if [ "$comp" = kubernetes-provider ]; then provider_embeds; fi
  # `go list -deps` downloads exactly the modules the build will read.
  go list -deps -tags osusergo,grpcnotrace "${pkgs[@]}" >deps.txt
  echo "$(wc -l <deps.txt) packages in the import graph; $(go list -m all | wc -l) modules in the build list"
  if [ -f "${CALICO_AD_ROOT}/tools/${comp}/go.sum" ] && ! cmp -s go.sum "${CALICO_AD_ROOT}/tools/${comp}/go.sum"; then
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
  # Same tags and flags as the CLI, so the packages they share compile once.
  cd "$(module_dir language-host)"
  set -x
  go build -trimpath -tags osusergo,grpcnotrace -ldflags "$ld" -o "$stage/bin/pulumi-language-nodejs" .
  { set +x; } 2>/dev/null
  "$stage/bin/pulumi" version
  printf 'pulumi v%s + upstream pulumi-language-nodejs (%s, sha256 %s)\ngo: %s\nbuilt: %s\n' \
    "$CALICO_AD_PULUMI_VERSION" "$CALICO_AD_LANGUAGE_HOST_ARCHIVE" "$CALICO_AD_LANGUAGE_HOST_SHA256" \
    "$(go env GOVERSION)" "$(date -u +%FT%TZ)" >"$stage/stamp"
  install_stage "$CALICO_AD_PULUMI_DIR"
}

build_command_provider() {
  local stage
  stage="$(stage_dir "$CALICO_AD_COMMAND_PROVIDER_DIR")"
  cd "$(module_dir command-provider)"
  # @pulumi/command asks the engine for exactly this plugin version.
  set -x
  go build -trimpath \
    -ldflags "-s -w -X github.com/pulumi/pulumi-command/provider/pkg/version.Version=v${CALICO_AD_COMMAND_PROVIDER_VERSION}" \
    -o "$stage/bin/pulumi-resource-command" ./cmd/pulumi-resource-command
  { set +x; } 2>/dev/null
  printf 'pulumi-resource-command %s (%s, sha256 %s)\ngo: %s\nbuilt: %s\n' \
    "$CALICO_AD_COMMAND_PROVIDER_VERSION" "$CALICO_AD_COMMAND_ARCHIVE" "$CALICO_AD_COMMAND_SHA256" \
    "$(go env GOVERSION)" "$(date -u +%FT%TZ)" >"$stage/stamp"
  install_stage "$CALICO_AD_COMMAND_PROVIDER_DIR"
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
  # One invocation, so the packages the binaries share compile once.
  local pkgs=(k8s.io/kubernetes/cmd/kube-apiserver go.etcd.io/etcd/server/v3 k8s.io/kubernetes/cmd/kubelet
    k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kube-controller-manager)
  if [ "$KUBECTL_BUILD" = 1 ]; then pkgs+=(k8s.io/kubernetes/cmd/kubectl); fi
  set -x
  go build -trimpath -ldflags "$ld" -o "$stage/bin/" "${pkgs[@]}"
  { set +x; } 2>/dev/null
  mv "$stage/bin/server" "$stage/bin/etcd"   # main package go.etcd.io/etcd/server/v3
  "$stage/bin/kube-apiserver" --version
  "$stage/bin/etcd" --version
  for p in kubelet kube-scheduler kube-controller-manager; do "$stage/bin/$p" --version; done
  if [ "$KUBECTL_BUILD" = 1 ]; then "$stage/bin/kubectl" version --client; fi
  printf 'kubernetes v%s: %s\ngo: %s\nbuilt: %s\n' "$v" "${pkgs[*]}" "$(go env GOVERSION)" "$(date -u +%FT%TZ)" >"$stage/stamp"
  install_stage "$CALICO_AD_KUBERNETES_DIR"
}

# ---------------------------------------------------------------------------------
# Progress: what a step makes, and how long it took before.
# ---------------------------------------------------------------------------------
TIMES_HISTORY="${CALICO_AD_CACHE}/toolchain-times.history"

# step_what NAME: what a step makes, for its start line (empty for short steps).
step_what() {
  case "$1" in
    download-pulumi) echo "Go modules of the Pulumi CLI v${CALICO_AD_PULUMI_VERSION}" ;;
    download-language-host) echo "the Node.js language host's vendored sources" ;;
    download-kubernetes-provider) echo "Go modules of the Kubernetes provider v${CALICO_AD_K8S_PROVIDER_VERSION}" ;;
    download-command-provider) echo "the command provider's vendored sources and Go modules" ;;
    download-kubernetes) echo "Go modules of Kubernetes v${CALICO_AD_KUBERNETES_VERSION} and etcd" ;;
    build-pulumi) echo "builds the Pulumi CLI v${CALICO_AD_PULUMI_VERSION} and the Node.js language host" ;;
    build-kubernetes-provider) echo "builds the Kubernetes provider plugin v${CALICO_AD_K8S_PROVIDER_VERSION}" ;;
    build-command-provider) echo "builds the command provider plugin v${CALICO_AD_COMMAND_PROVIDER_VERSION}" ;;
    build-kubernetes)
      printf 'builds kube-apiserver, etcd, kubelet, kube-scheduler, kube-controller-manager%s v%s\n' \
        "$(if [ "$KUBECTL_BUILD" = 1 ]; then echo ', kubectl'; fi)" "$CALICO_AD_KUBERNETES_VERSION" ;;
  esac
}

# readme_seconds NAME: the cold-build time of a step in docs/local-cluster.md ("How long it takes"), shown on
# a machine that has not run the step yet.
readme_seconds() {
  case "$1" in
    build-pulumi) echo 847 ;;
    build-kubernetes-provider) echo 1419 ;;
    build-command-provider) echo 145 ;;
    build-kubernetes) echo 1942 ;;
  esac
}

# last_seconds NAME [GO_CACHE_STATE]: "SECONDS STATE RUN" of the newest successful run of a
# step in toolchain-times.history, preferring a run whose Go caches were in the same state.
last_seconds() {
  [ -f "$TIMES_HISTORY" ] || return 0
  awk -v step="$1" -v want="${2:-}" '
    /^# scripts\/toolchain\.sh / { state = ($0 ~ /go caches cold/) ? "cold" : "warm"; run = $3; sub(/:$/, "", run) }
    $1 == step && $NF == "ok" && $3 > 0 { last = $3 " " state " " run; if (state == want) same = last }
    END { if (same != "") print same; else if (last != "") print last }' "$TIMES_HISTORY"
}

fmt_secs() { if [ "$1" -ge 60 ]; then printf '%dm%02ds' $(($1 / 60)) $(($1 % 60)); else printf '%ds' "$1"; fi; }

# expectation NAME [GO_CACHE_STATE]: "SECONDS TEXT": how long the step took last time on this
# machine, else the figure in docs/local-cluster.md; nothing when neither is known.
expectation() {
  local secs state run
  read -r secs state run <<<"$(last_seconds "$1" "${2:-}")"
  if [ -n "$secs" ]; then
    echo "$secs last time on this machine: $(fmt_secs "$secs") (go caches ${state}, run ${run})"
  elif secs="$(readme_seconds "$1")" && [ -n "$secs" ]; then
    echo "$secs first run here; the documented cold build on 2 cores: $(fmt_secs "$secs")"
  fi
}

# progress_ticker DIR: while steps run (DIR/NAME holds "START [LAST_SECONDS]" of each), their
# elapsed time and the time they took last time: a status line redrawn every second on a
# terminal, else a log line every CALICO_AD_PROGRESS_INTERVAL seconds.
progress_ticker() {
  local dir="$1" interval="${CALICO_AD_PROGRESS_INTERVAL:-60}" f now start expect line sleeper=""
  if [ -t 1 ]; then interval=1; fi
  # (the sleep is killed too, and never holds stdout: a caller reading it to the end would wait)
  trap 'kill "$sleeper" 2>/dev/null; exit 0' TERM
  while :; do
    sleep "$interval" >/dev/null 2>&1 & sleeper=$!
    wait "$sleeper" || true
    now=$(date +%s) line=""
    for f in "$dir"/*; do
      [ -e "$f" ] || continue
      read -r start expect <"$f" || continue
      line+="${line:+, }${f##*/} $(fmt_secs $((now - start)))${expect:+ (last time $(fmt_secs "$expect"))}"
    done
    [ -n "$line" ] || continue
    if [ -t 1 ]; then
      printf '\r\033[K[toolchain %s] running: %s' "$(date +%H:%M:%S)" "$line" | cut -c "1-$(( $(tput cols 2>/dev/null || echo 200) + 4 ))" | tr -d '\n'
    else
      log "... running: ${line}"
    fi
  done
}
# ---------------------------------------------------------------------------------
# Toolchain archive: everything built, carried to another machine.
# ---------------------------------------------------------------------------------
ARCHIVE_FORMAT="calico-ad toolchain archive 1"

# archive_pins: NAME VALUE of every pin the built components depend on.
archive_pins() {
  local v
  for v in CALICO_AD_PULUMI_VERSION CALICO_AD_K8S_PROVIDER_VERSION CALICO_AD_COMMAND_PROVIDER_VERSION \
    CALICO_AD_KUBERNETES_VERSION CALICO_AD_RECIPE_REV CALICO_AD_LANGUAGE_HOST_SHA256 CALICO_AD_COMMAND_SHA256; do
    printf '%s %s\n' "$v" "${!v}"
  done
  printf 'CALICO_AD_BUILD_KUBECTL %s\n' "$KUBECTL_BUILD"
}

# component_keys: NAME DIRNAME of each component; DIRNAME holds the key (pins, wrapper module, recipe).
component_keys() {
  local name dir
  while read -r name dir; do printf '%s %s\n' "$name" "${dir##*/}"; done < <(calico_ad_components)
}

# archive_key: one word naming the pins and platform an archive is good for (a CI cache key).
archive_key() {
  printf 'calico-ad-toolchain-%s-%s\n' "$(uname -sm | tr ' ' -)" \
    "$({ uname -sm; archive_pins; component_keys; } | sha256sum | cut -c1-16)"
}

# archive_export FILE: every built component, with MANIFEST and SHA256SUMS first.
archive_export() {
  local out="$1" tmp part name dir dirs=() left=()
  case "$out" in
    *.tar | *.tar.gz | *.tgz | *.tar.zst | *.tar.xz) ;;
    *) die "export FILE: '${out}' must end in .tar, .tar.gz, .tgz, .tar.zst or .tar.xz (the suffix picks the compression)" ;;
  esac
  while read -r name dir; do
    if [ -f "${dir}/stamp" ]; then dirs+=("tools/${dir##*/}"); else left+=("$name"); fi
  done < <(calico_ad_components)
  [ ${#dirs[@]} -gt 0 ] || die "nothing to export: no component is built in ${CALICO_AD_CACHE}/tools (run bash scripts/toolchain.sh first)"
  tmp="$(mktemp -d)"
  {
    echo "$ARCHIVE_FORMAT"
    echo "platform $(uname -sm)"
    archive_pins | sed 's/^/pin /'
    while read -r name dir; do
      if [ -f "${CALICO_AD_CACHE}/tools/${dir}/stamp" ]; then echo "component ${name} ${dir}"; fi
    done < <(component_keys)
    echo "created $(date -u +%FT%TZ) on $(hostname)"
  } >"${tmp}/MANIFEST"
  (cd "$CALICO_AD_CACHE" && find "${dirs[@]}" ! -type d -print0 | LC_ALL=C sort -z | xargs -0 sha256sum) >"${tmp}/SHA256SUMS"
  mkdir -p "$(dirname "$out")"
  # The partial file keeps the suffix, which tells tar -a the compression.
  part="$(dirname "$out")/.partial-$(basename "$out")"
  log "writing ${out}: ${dirs[*]}"
  tar -caf "$part" -C "$tmp" MANIFEST SHA256SUMS -C "$CALICO_AD_CACHE" "${dirs[@]}" || { rm -rf "$tmp" "$part"; die "writing ${out} failed"; }
  mv "$part" "$out"
  rm -rf "$tmp"
  log "wrote ${out}: $(du -h "$out" | cut -f1), sha256 $(sha256sum "$out" | cut -d' ' -f1)"
  if [ ${#left[@]} -gt 0 ]; then log "not built here, so not in the archive: ${left[*]}"; fi
}

# archive_problems MANIFEST: one line per way the archive does not fit this checkout and machine.
archive_problems() {
  local manifest="$1" key value got name dirname
  got="$(sed -n 's/^platform //p' <<<"$manifest")"
  [ "$got" = "$(uname -sm)" ] || echo "platform: the archive is for '${got}', this machine is '$(uname -sm)'"
  while read -r key value; do
    got="$(awk -v k="$key" '$1 == "pin" && $2 == k { print $3 }' <<<"$manifest")"
    [ "$got" = "$value" ] && continue
    if [ "$key" = CALICO_AD_BUILD_KUBECTL ]; then
      echo "CALICO_AD_BUILD_KUBECTL: the archive's kubernetes component was built with kubectl=${got:-?}, here kubectl=${value} (set CALICO_AD_BUILD_KUBECTL=${got:-?} to take it)"
    else
      echo "${key}: the archive was built for '${got:-(none)}', scripts/env.sh here pins '${value}'"
    fi
  done < <(archive_pins)
  while read -r name dirname; do
    got="$(awk -v n="$name" '$1 == "component" && $2 == n { print $3 }' <<<"$manifest")"
    if [ -n "$got" ] && [ "$got" != "$dirname" ]; then
      echo "component ${name}: the archive holds ${got}, this checkout needs ${dirname} (its wrapper module under tools/, a pin or the recipe differs)"
    fi
  done < <(component_keys)
  while read -r name; do
    grep -q "^${name} " < <(component_keys) || echo "component ${name}: not a component of this checkout (scripts/env.sh calico_ad_components)"
  done < <(awk '$1 == "component" { print $2 }' <<<"$manifest")
}

indent() { sed 's/^/  /'; }

# archive_install FILE: check the MANIFEST against this checkout before unpacking anything, then
# every file against SHA256SUMS, then move each component into the cache.
archive_install() {
  local archive="$1" manifest problems tmp bad extra name dirname dest
  [ -f "$archive" ] || die "install FILE: no file '${archive}'"
  # (tar may exit non-zero when it stops reading after the first member; the header decides)
  manifest="$(tar -xOf "$archive" --occurrence=1 MANIFEST 2>/dev/null || true)"
  [ "$(head -n 1 <<<"$manifest")" = "$ARCHIVE_FORMAT" ] \
    || die "${archive} is not a calico-ad toolchain archive (no MANIFEST starting '${ARCHIVE_FORMAT}'; make one with: bash scripts/toolchain.sh export FILE); nothing was installed"
  problems="$(archive_problems "$manifest")"
  if [ -n "$problems" ]; then
    indent <<<"$problems" >&2
    die "refusing ${archive}: it was made for other pins than this checkout's (above); nothing was installed. Export an archive from a checkout with these pins, or build with: bash scripts/toolchain.sh"
  fi
  mkdir -p "${CALICO_AD_CACHE}/tools"
  tmp="$(mktemp -d "${CALICO_AD_CACHE}/tools/.archive-install.XXXXXX")"
  # shellcheck disable=SC2064 # expand tmp now: it is local
  trap "rm -rf '${tmp}'" EXIT
  log "unpacking ${archive} ($(du -h "$archive" | cut -f1))"
  tar -xf "$archive" -C "$tmp" --no-same-owner || die "unpacking ${archive} failed; nothing was installed"
  bad="$(cd "$tmp" && sha256sum --quiet --strict -c SHA256SUMS 2>&1)" \
    || die "checksum mismatch in ${archive}, refusing it; nothing was installed:"$'\n'"$(indent <<<"$bad")"
  extra="$(cd "$tmp" && comm -13 <(sed 's/^[0-9a-f]*  //' SHA256SUMS | LC_ALL=C sort) <(find tools ! -type d | LC_ALL=C sort))"
  [ -z "$extra" ] || die "${archive} holds files that SHA256SUMS does not list, refusing it; nothing was installed:"$'\n'"$(indent <<<"$extra")"
  for dirname in "$tmp"/tools/*; do
    grep -qx "component [^ ]* ${dirname##*/}" <<<"$manifest" || die "${archive} holds tools/${dirname##*/}, which its MANIFEST does not list; nothing was installed"
  done
  while read -r name dirname; do
    dest="${CALICO_AD_CACHE}/tools/${dirname}"
    if [ -f "${dest}/stamp" ]; then
      log "--- ${name}: already in the cache, kept (${dest})"
    else
      rm -rf "$dest"
      mv "${tmp}/tools/${dirname}" "$dest"
      log "installed ${name}: ${dest}"
    fi
  done < <(awk '$1 == "component" { print $2, $3 }' <<<"$manifest")
  while read -r name dirname; do
    grep -q "^component ${name} " <<<"$manifest" || log "not in the archive (the next bash scripts/toolchain.sh builds it): ${name}"
  done < <(component_keys)
  log "done; bash scripts/toolchain.sh now installs the provider plugins and checks the tools, building nothing the archive held"
}

# Internal entry point used by `step`: run one build function in this process.
if [ "${1:-}" = __run ]; then
  shift
  "$@"
  exit 0
fi

LOCAL_CLUSTER=1
case "${1:-}" in
  "") ;;
  --no-local-cluster) LOCAL_CLUSTER=0 ;;
  export | install)
    [ $# -eq 2 ] || die "usage: bash scripts/toolchain.sh $1 FILE"
    if [ "$1" = export ]; then archive_export "$2"; else archive_install "$2"; fi
    exit 0 ;;
  archive-key) archive_key; exit 0 ;;
  *) die "unknown argument '$1'; allowed: --no-local-cluster, export FILE, install FILE, archive-key (see the top of ${SELF})" ;;
esac

# ---------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------
LANES="${CALICO_AD_BUILD_LANES:-2}"
STEP_TIMEOUT="${CALICO_AD_STEP_TIMEOUT:-3000}"
RUN_ID="$(date -u +%Y%m%dT%H%M%SZ)"
LOG_DIR="${CALICO_AD_CACHE}/logs/toolchain-${RUN_ID}"
TIMES_DIR="${LOG_DIR}/times"
TIMES_FILE="${CALICO_AD_CACHE}/toolchain-times.txt"
RUNNING_DIR="${LOG_DIR}/running"
mkdir -p "$TIMES_DIR" "$RUNNING_DIR" "$BUILD_ROOT" "$GOMODCACHE" "$GOCACHE"
T0=$(date +%s)
# (a fresh GOCACHE holds only a README and trim.txt)
if [ "$(find "$GOCACHE" -type f 2>/dev/null | head -n 100 | wc -l)" -ge 100 ]; then GO_CACHE_STATE=warm; else GO_CACHE_STATE=cold; fi

# step NAME CMD...: run CMD with output to $LOG_DIR/NAME.log; print and record
# its duration in whole seconds.
step() {
  local name="$1"; shift
  local logf="${LOG_DIR}/${name}.log" start rc=0 secs
  local what expect expect_secs=""
  start=$(date +%s)
  what="$(step_what "$name")" expect="$(expectation "$name" "$GO_CACHE_STATE")"
  if [ -n "$expect" ]; then expect_secs="${expect%% *}" expect="; ${expect#* }"; fi
  log "==> ${name}${what:+: ${what}} (log: ${logf}${expect})"
  echo "$start $expect_secs" >"${RUNNING_DIR}/${name}"
  "$@" >"$logf" 2>&1 || rc=$?
  rm -f "${RUNNING_DIR}/${name}"
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
# cached NAME [WHY]: record a step that had nothing to do.
cached() {
  local now why="${2:-cached}"; now=$(date +%s)
  printf '%s\t%s\t0\t%s\n' "$1" "$((now - T0))" "$why" >"${TIMES_DIR}/${now}_$1"
  log "--- $1: nothing to do (${why})"
}

TICKER_PID=""
start_ticker() { progress_ticker "$RUNNING_DIR" & TICKER_PID=$!; }
stop_ticker() {
  if [ -n "$TICKER_PID" ]; then kill "$TICKER_PID" 2>/dev/null || true; wait "$TICKER_PID" 2>/dev/null || true; TICKER_PID=""; fi
  printf '%s' "$CLEAR_LINE"
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
trap 'rc=$?; stop_ticker; [ "$rc" -eq 0 ] || summary "FAILED"' EXIT

# --- preflight --------------------------------------------------------------------------
for t in jq sha256sum timeout node cmp tar; do
  command -v "$t" >/dev/null || die "required tool '$t' not found on PATH"
done
case "$CALICO_AD_CACHE/" in
  "$CALICO_AD_ROOT"/*) die "CALICO_AD_CACHE ($CALICO_AD_CACHE) must be outside the checkout" ;;
esac
log "$(go version 2>/dev/null || echo 'no go on PATH'); node $(node --version); $(nproc) cores; build lanes: ${LANES}"
log "cache: ${CALICO_AD_CACHE}; GOMODCACHE=${GOMODCACHE}; GOCACHE=${GOCACHE} (${GO_CACHE_STATE})"

# --- plugins an installed CLI can install itself -----------------------------------------
# plugin_installed NAME VERSION: the CLI lists the resource plugin at exactly VERSION (asked of
# the CLI, which alone knows its home: PULUMI_HOME, or ~/.pulumi of the user it runs as).
plugin_installed() {
  [ -x "${CALICO_AD_PULUMI_BIN}/pulumi" ] || return 1
  "${CALICO_AD_PULUMI_BIN}/pulumi" plugin ls --json 2>/dev/null \
    | jq -e --arg n "$1" --arg v "$2" 'any(.[]; .name == $n and .kind == "resource" and .version == $v)' >/dev/null
}
if [ "$CALICO_AD_PULUMI_SOURCE" = installed ]; then
  log "using the installed Pulumi CLI $("${CALICO_AD_PULUMI_BIN}/pulumi" version) in ${CALICO_AD_PULUMI_BIN} (PULUMI_HOME ${PULUMI_HOME:-not set: the CLI default ~/.pulumi}); nothing of Pulumi is built unless a plugin cannot be installed"
  for plugin in "kubernetes ${CALICO_AD_K8S_PROVIDER_VERSION}" "command ${CALICO_AD_COMMAND_PROVIDER_VERSION}"; do
    read -r name version <<<"$plugin"
    if plugin_installed "$name" "$version"; then
      log "--- plugin resource ${name} v${version}: already installed"
    elif step "plugin-install-${name}" timeout 300 "${CALICO_AD_PULUMI_BIN}/pulumi" plugin install resource "$name" "$version"; then
      :
    else
      log "--- plugin resource ${name} v${version}: pulumi plugin install failed (offline?); building it from source"
    fi
  done
fi

# --- what needs building ---------------------------------------------------------------
complete() { local dir="$1" b; shift; [ -f "${dir}/stamp" ] || return 1; for b in "$@"; do [ -x "${dir}/bin/${b}" ] || return 1; done; }
K8S_BINS=(kube-apiserver etcd kubelet kube-scheduler kube-controller-manager); if [ "$KUBECTL_BUILD" = 1 ]; then K8S_BINS+=(kubectl); fi
need_pulumi=1 need_provider=1 need_command=1 need_k8s=1
if [ "$CALICO_AD_PULUMI_SOURCE" = installed ]; then
  need_pulumi=0
  if plugin_installed kubernetes "$CALICO_AD_K8S_PROVIDER_VERSION"; then need_provider=0; fi
  if plugin_installed command "$CALICO_AD_COMMAND_PROVIDER_VERSION"; then need_command=0; fi
fi
if [ "$LOCAL_CLUSTER" = 0 ]; then
  if [ "$KUBECTL_BUILD" = 1 ]; then
    log "--no-local-cluster, but no working kubectl on PATH: the kubernetes build still runs, for its kubectl (CALICO_AD_BUILD_KUBECTL=0 and a kubectl on PATH skip it)"
  else
    need_k8s=0
  fi
fi
if [ "${CALICO_AD_FORCE_REBUILD:-0}" != 1 ]; then
  if complete "$CALICO_AD_PULUMI_DIR" pulumi pulumi-language-nodejs; then need_pulumi=0; fi
  if complete "$CALICO_AD_K8S_PROVIDER_DIR" pulumi-resource-kubernetes; then need_provider=0; fi
  if complete "$CALICO_AD_COMMAND_PROVIDER_DIR" pulumi-resource-command; then need_command=0; fi
  if complete "$CALICO_AD_KUBERNETES_DIR" "${K8S_BINS[@]}"; then need_k8s=0; fi
fi
state() { if [ "$1" = 1 ]; then echo "to build"; else echo "cached or installed"; fi; }
log "pulumi + language host: $(state $need_pulumi)  ${CALICO_AD_PULUMI_BIN}"
log "kubernetes provider:    $(state $need_provider)  ${CALICO_AD_K8S_PROVIDER_DIR}"
log "command provider:       $(state $need_command)  ${CALICO_AD_COMMAND_PROVIDER_DIR}"
log "kube-apiserver, etcd, kubelet, scheduler, controller-manager: $(if [ "$LOCAL_CLUSTER" = 0 ] && [ $need_k8s = 0 ]; then echo "not needed (--no-local-cluster)"; else state $need_k8s; fi)  ${CALICO_AD_KUBERNETES_DIR} (kubectl: $(if [ "$KUBECTL_BUILD" = 1 ]; then echo "built v${CALICO_AD_KUBERNETES_VERSION}"; else command -v kubectl; fi))"

# --- fail fast: are the vendored archives there, and is every pinned module served? ---------
vendored_gomod() {
  local archive="${CALICO_AD_VENDOR_DIR}/$1"
  tar -xzOf "$archive" --wildcards "$2" 2>/dev/null
}
# Pins of a go.mod (on stdin): replace targets, direct requirements, and every pulumi,
# k8s.io/kubernetes and etcd module it requires.
pinned_modules() {
  go mod edit -json /dev/stdin | jq -r '
    [ (.Replace[]? | select(.New.Version != null) | "\(.New.Path)@\(.New.Version)"),
      (.Require[]? | select((.Indirect != true)
         or (.Path | test("^(github\\.com/pulumi/pulumi|k8s\\.io/kubernetes$|go\\.etcd\\.io/etcd/)")))
       | "\(.Path)@\(.Version)") ] | unique[]'
}
check_archives() {
  local archive sum
  for pair in "$@"; do
    read -r archive sum <<<"$pair"
    [ -f "${CALICO_AD_VENDOR_DIR}/${archive}" ] || { echo "missing ${CALICO_AD_VENDOR_DIR}/${archive}"; return 1; }
    echo "${sum}  ${CALICO_AD_VENDOR_DIR}/${archive}" | sha256sum -c - || return 1
  done
}
check_modules() {
  local mods out
  mods="$(
    if [ $need_pulumi = 1 ]; then pinned_modules <"${CALICO_AD_ROOT}/tools/pulumi/go.mod"; fi
    if [ $need_provider = 1 ]; then pinned_modules <"${CALICO_AD_ROOT}/tools/kubernetes-provider/go.mod"; fi
    if [ $need_command = 1 ]; then vendored_gomod "$CALICO_AD_COMMAND_ARCHIVE" '*/provider/go.mod' | pinned_modules; fi
    if [ $need_k8s = 1 ]; then pinned_modules <"${CALICO_AD_ROOT}/tools/kubernetes/go.mod"; fi
  )"
  mods="$(echo "$mods" | sort -u)"
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
archives=()
if [ $need_pulumi = 1 ]; then archives+=("$CALICO_AD_LANGUAGE_HOST_ARCHIVE $CALICO_AD_LANGUAGE_HOST_SHA256"); fi
if [ $need_command = 1 ]; then archives+=("$CALICO_AD_COMMAND_ARCHIVE $CALICO_AD_COMMAND_SHA256"); fi
if [ ${#archives[@]} -gt 0 ]; then
  step check-archives check_archives "${archives[@]}" \
    || die "the vendored upstream sources are missing or altered in ${CALICO_AD_VENDOR_DIR} (CALICO_AD_VENDOR_DIR; see SOURCES.md there); nothing was built"
fi
if [ $need_pulumi = 1 ] || [ $need_provider = 1 ] || [ $need_command = 1 ] || [ $need_k8s = 1 ]; then
  command -v go >/dev/null || die "Go is not on PATH, and a component must be built (above); install Go 1.26, or install a toolchain archive made for these pins (bash scripts/toolchain.sh install FILE)"
  start_ticker
  if ! step check-modules check_modules; then
    die "some pinned modules are not served by the Go module proxy (see above); nothing was built"
  fi
else
  cached check-modules
fi

# --- downloads and builds ---------------------------------------------------------------------
# All downloads start at once (network bound). Lane A: pulumi CLI + language host,
# then the kubernetes provider. Lane B: kube-apiserver + etcd (the largest), then the
# command provider. On 2 cores two lanes keep both cores busy through the
# single-threaded phases (module loading, linking) of each build.
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
  local dl_command=""
  if [ $need_command = 1 ]; then
    gostep download-command-provider download command-provider & dl_command=$!
  fi
  if [ $need_k8s = 1 ]; then
    gostep download-kubernetes download kubernetes
    gostep build-kubernetes build_kubernetes
  fi
  if [ $need_command = 1 ]; then
    wait "$dl_command"
    gostep build-command-provider build_command_provider
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
if [ "$CALICO_AD_PULUMI_SOURCE" = installed ]; then cached build-pulumi "installed CLI"; elif [ $need_pulumi = 0 ]; then cached build-pulumi; fi
stop_ticker
[ $need_provider = 1 ] || cached build-kubernetes-provider
[ $need_command = 1 ] || cached build-command-provider
if [ "$LOCAL_CLUSTER" = 0 ] && [ $need_k8s = 0 ]; then cached build-kubernetes "not needed: --no-local-cluster"
elif [ $need_k8s = 0 ]; then cached build-kubernetes; fi

# --- provider plugins into PULUMI_HOME ----------------------------------------------------------
# do_install_plugin NAME VERSION BUILD_DIR [MARK]: `pulumi plugin install --file` of our build.
do_install_plugin() {
  set -x
  pulumi plugin install resource "$1" "$2" --file "$3/bin/pulumi-resource-$1" --reinstall || return 1
  { set +x; } 2>/dev/null
  if [ -n "${4:-}" ]; then mkdir -p "$(dirname "$4")" && echo "$3" >"$4"; fi
}
# install_built_plugin NAME VERSION BUILD_DIR: install our build, unless the installed CLI
# already has the plugin, or this build is what the hermetic PULUMI_HOME holds already.
install_built_plugin() {
  local plugin="$1" version="$2" build="$3" mark=""
  if [ "$CALICO_AD_PULUMI_SOURCE" = built ]; then
    mark="${PULUMI_HOME}/calico-ad/resource-${plugin}-v${version}.source"
  fi
  if plugin_installed "$plugin" "$version" \
    && { [ -z "$mark" ] || [ "$(cat "$mark" 2>/dev/null)" = "$build" ]; }; then
    cached "install-plugin-${plugin}" "already installed"
  else
    step "install-plugin-${plugin}" do_install_plugin "$plugin" "$version" "$build" "$mark" \
      || die "installing the ${plugin} plugin failed"
  fi
}
install_built_plugin kubernetes "$CALICO_AD_K8S_PROVIDER_VERSION" "$CALICO_AD_K8S_PROVIDER_DIR"
install_built_plugin command "$CALICO_AD_COMMAND_PROVIDER_VERSION" "$CALICO_AD_COMMAND_PROVIDER_DIR"

# --- verify ---------------------------------------------------------------------------------------
verify() {
  local plugin name version
  set -x
  command -v pulumi pulumi-language-nodejs kubectl
  pulumi version
  pulumi plugin ls
  { set +x; } 2>/dev/null
  [ "$(command -v pulumi)" = "${CALICO_AD_PULUMI_BIN}/pulumi" ] || { echo "pulumi on PATH is not ${CALICO_AD_PULUMI_BIN}/pulumi"; return 1; }
  [ -x "${CALICO_AD_PULUMI_BIN}/pulumi-language-nodejs" ] || { echo "no pulumi-language-nodejs next to pulumi in ${CALICO_AD_PULUMI_BIN}"; return 1; }
  if [ "$CALICO_AD_PULUMI_SOURCE" = built ]; then
    [ "$(pulumi version)" = "v${CALICO_AD_PULUMI_VERSION}" ] || { echo "pulumi reports $(pulumi version), expected v${CALICO_AD_PULUMI_VERSION}"; return 1; }
  fi
  for plugin in "kubernetes ${CALICO_AD_K8S_PROVIDER_VERSION}" "command ${CALICO_AD_COMMAND_PROVIDER_VERSION}"; do
    read -r name version <<<"$plugin"
    plugin_installed "$name" "$version" \
      || { echo "plugin resource ${name} ${version} is not installed (pulumi plugin ls)"; return 1; }
  done
  if [ "$LOCAL_CLUSTER" = 1 ]; then
    set -x
    command -v kube-apiserver etcd
    etcd --version
    { set +x; } 2>/dev/null
    kube-apiserver --version | grep -qx "Kubernetes v${CALICO_AD_KUBERNETES_VERSION}" \
      || { echo "unexpected kube-apiserver version"; return 1; }
  fi
  kubectl version --client
}
step verify verify || die "verification failed"

summary ok
trap - EXIT
log "done (Pulumi CLI: ${CALICO_AD_PULUMI_SOURCE}, ${CALICO_AD_PULUMI_BIN}); use the tools with:  source scripts/env.sh"
