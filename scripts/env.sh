# shellcheck shell=bash
# scripts/env.sh: shared environment for calico-ad's scripts and tests.
#
#   source scripts/env.sh
#
# Defines the tool pins, the cache layout (always outside the checkout) and
# exports PATH, PULUMI_HOME and Pulumi's offline switches so that `pulumi`,
# `pulumi-language-nodejs`, `kube-apiserver`, `etcd` and `kubectl` (installed,
# or built by scripts/toolchain.sh) are found. Safe to source repeatedly; it
# does not change shell options, builds nothing and does not need network or Go.
#
# Which Pulumi CLI: an installed `pulumi` on PATH of the same major version and
# the same or a newer minor than CALICO_AD_PULUMI_VERSION, with its bundled
# pulumi-language-nodejs beside it, is used as it is, with its own PULUMI_HOME
# (default ~/.pulumi) and plugins. Otherwise the CLI built from source, with a
# hermetic PULUMI_HOME under the cache. CALICO_AD_PULUMI_SOURCE says which.
#
# Overridable (set before sourcing):
#   CALICO_AD_CACHE        cache root          (default: $HOME/.cache/calico-ad)
#   CALICO_AD_PULUMI_HOME  PULUMI_HOME of the built CLI (default: $CALICO_AD_CACHE/pulumi-home)
#   CALICO_AD_USE_INSTALLED_PULUMI  auto (default) = use a suitable installed CLI,
#                          0 = always the CLI built from source
#   CALICO_AD_VENDOR_DIR   directory with the upstream source archives that the module
#                          proxy does not serve (default: ../shared/vendor beside the checkout)
#   CALICO_AD_CLUSTER_DIR  local cluster state (default: $CALICO_AD_CACHE/cluster)
#   CALICO_AD_ETCD_CLIENT_PORT / CALICO_AD_ETCD_PEER_PORT / CALICO_AD_APISERVER_PORT
#   CALICO_AD_BUILD_KUBECTL  1 = build kubectl v$CALICO_AD_KUBERNETES_VERSION,
#                            0 = use the kubectl on PATH, auto (default) = build
#                            only if no working kubectl is on PATH.

# --- pins -------------------------------------------------------------------
# The exact module versions live in tools/*/go.mod; these are the versions the
# binaries report (ldflags) and the plugin version registered with Pulumi.
# Keep CALICO_AD_K8S_PROVIDER_VERSION equal to the npm @pulumi/kubernetes
# version: Pulumi selects resource plugins by exact version.
# Keep CALICO_AD_COMMAND_PROVIDER_VERSION equal to the npm @pulumi/command version.
CALICO_AD_PULUMI_VERSION=3.248.0
CALICO_AD_K8S_PROVIDER_VERSION=4.25.0
CALICO_AD_COMMAND_PROVIDER_VERSION=1.2.1
CALICO_AD_KUBERNETES_VERSION=1.37.2
# Bump when the build recipe in scripts/toolchain.sh changes in a way that must
# invalidate already-built tools.
CALICO_AD_RECIPE_REV=2
export CALICO_AD_PULUMI_VERSION CALICO_AD_K8S_PROVIDER_VERSION CALICO_AD_COMMAND_PROVIDER_VERSION \
  CALICO_AD_KUBERNETES_VERSION

# Upstream sources the Go module proxy does not serve: `git archive`s of one tag each, read from
# CALICO_AD_VENDOR_DIR and checked against these sha256 sums before use (never copied into the
# checkout). Origin, commit and licence: SOURCES.md in that directory.
CALICO_AD_LANGUAGE_HOST_ARCHIVE="pulumi-language-nodejs-v${CALICO_AD_PULUMI_VERSION}.tar.gz"
CALICO_AD_LANGUAGE_HOST_SHA256=9cf6b265a967e42ea64e36246ef4f41df4accccb6636e704aa1877418e34982b
CALICO_AD_COMMAND_ARCHIVE="pulumi-command-v${CALICO_AD_COMMAND_PROVIDER_VERSION}.tar.gz"
CALICO_AD_COMMAND_SHA256=b73b66042c9ecdbea088ce8bb38accd1ff8214ffeb8db05a65e706e233b039a3
CALICO_AD_CALICO_CRDS_ARCHIVE=calico-crds-v3.32.1.tar.gz
CALICO_AD_CALICO_CRDS_SHA256=27c56e9a24891ea0f46a64716bfb6c2320abb23aff1a47ab5f622bf410f76907
export CALICO_AD_LANGUAGE_HOST_ARCHIVE CALICO_AD_LANGUAGE_HOST_SHA256 CALICO_AD_COMMAND_ARCHIVE \
  CALICO_AD_COMMAND_SHA256 CALICO_AD_CALICO_CRDS_ARCHIVE CALICO_AD_CALICO_CRDS_SHA256

# --- paths ------------------------------------------------------------------
CALICO_AD_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CALICO_AD_CACHE="${CALICO_AD_CACHE:-${HOME}/.cache/calico-ad}"
CALICO_AD_PULUMI_HOME="${CALICO_AD_PULUMI_HOME:-${CALICO_AD_CACHE}/pulumi-home}"
CALICO_AD_VENDOR_DIR="${CALICO_AD_VENDOR_DIR:-${CALICO_AD_ROOT}/../shared/vendor}"
CALICO_AD_CLUSTER_DIR="${CALICO_AD_CLUSTER_DIR:-${CALICO_AD_CACHE}/cluster}"
CALICO_AD_KUBECONFIG="${CALICO_AD_CLUSTER_DIR}/kubeconfig"
CALICO_AD_ETCD_CLIENT_PORT="${CALICO_AD_ETCD_CLIENT_PORT:-23790}"
CALICO_AD_ETCD_PEER_PORT="${CALICO_AD_ETCD_PEER_PORT:-23800}"
CALICO_AD_APISERVER_PORT="${CALICO_AD_APISERVER_PORT:-16443}"
export CALICO_AD_ROOT CALICO_AD_CACHE CALICO_AD_PULUMI_HOME CALICO_AD_VENDOR_DIR CALICO_AD_CLUSTER_DIR \
  CALICO_AD_KUBECONFIG CALICO_AD_ETCD_CLIENT_PORT CALICO_AD_ETCD_PEER_PORT CALICO_AD_APISERVER_PORT

# Whether kubectl is built in the kubernetes wrapper (part of its cache key).
calico_ad_build_kubectl() {
  case "${CALICO_AD_BUILD_KUBECTL:-auto}" in
    1 | true | yes) echo 1 ;;
    0 | false | no) echo 0 ;;
    *)
      # A kubectl already on PATH that is not ours and answers offline is enough
      # (on the Go image: the google-cloud-cli dispatcher in /usr/bin).
      local k
      k="$(PATH="$(calico_ad_strip_tool_paths "$PATH")" command -v kubectl 2>/dev/null || true)"
      if [ -n "$k" ] && "$k" version --client >/dev/null 2>&1; then echo 0; else echo 1; fi
      ;;
  esac
}

# Remove our own tool bin dirs from a PATH-like string.
calico_ad_strip_tool_paths() {
  local out="" d IFS=:
  for d in $1; do
    case "$d" in "${CALICO_AD_CACHE}/tools/"*) continue ;; esac
    out="${out:+${out}:}${d}"
  done
  printf '%s' "$out"
}

# Cache key of a tool component: hash of its wrapper files under tools/ (go.mod,
# go.sum, *.go except tests), the pins and the recipe revision. Any change there selects a new cache dir.
#   calico_ad_key pulumi|kubernetes-provider|kubernetes
calico_ad_key() {
  local comp="$1" extra=""
  # node=1: the kubernetes component also holds kubelet, kube-scheduler, kube-controller-manager.
  [ "$comp" = kubernetes ] && extra="kubectl=$(calico_ad_build_kubectl) node=1"
  {
    printf 'recipe=%s pulumi=%s provider=%s kubernetes=%s %s\n' "$CALICO_AD_RECIPE_REV" \
      "$CALICO_AD_PULUMI_VERSION" "$CALICO_AD_K8S_PROVIDER_VERSION" "$CALICO_AD_KUBERNETES_VERSION" "$extra"
    (cd "${CALICO_AD_ROOT}/tools/${comp}" && find . -type f \( -name go.mod -o -name go.sum -o -name '*.go' \) \
      ! -name '*_test.go' | LC_ALL=C sort | xargs -r sha256sum)
  } | sha256sum | cut -c1-12
}

# Cache key of a component built from a vendored archive: its sha256, version and the recipe.
calico_ad_archive_key() {
  printf 'recipe=%s archive=%s version=%s\n' "$CALICO_AD_RECIPE_REV" "$1" "$2" | sha256sum | cut -c1-12
}

# Per-component install dirs: $CALICO_AD_CACHE/tools/<component>-<key>/bin.
# Upstream's language host is installed into the pulumi bin dir (Pulumi looks for
# bundled language plugins next to the `pulumi` executable), so the pulumi dir
# is keyed by both.
CALICO_AD_PULUMI_DIR="${CALICO_AD_CACHE}/tools/pulumi-$( { calico_ad_key pulumi;
  calico_ad_archive_key "$CALICO_AD_LANGUAGE_HOST_SHA256" "$CALICO_AD_PULUMI_VERSION"; } | sha256sum | cut -c1-12)"
CALICO_AD_K8S_PROVIDER_DIR="${CALICO_AD_CACHE}/tools/kubernetes-provider-$(calico_ad_key kubernetes-provider)"
CALICO_AD_COMMAND_PROVIDER_DIR="${CALICO_AD_CACHE}/tools/command-provider-$(calico_ad_archive_key \
  "$CALICO_AD_COMMAND_SHA256" "$CALICO_AD_COMMAND_PROVIDER_VERSION")"
CALICO_AD_KUBERNETES_DIR="${CALICO_AD_CACHE}/tools/kubernetes-$(calico_ad_key kubernetes)"
export CALICO_AD_PULUMI_DIR CALICO_AD_K8S_PROVIDER_DIR CALICO_AD_COMMAND_PROVIDER_DIR CALICO_AD_KUBERNETES_DIR

# Every component scripts/toolchain.sh builds, one per line: NAME DIR. The toolchain archive
# (`scripts/toolchain.sh export`/`install`) covers each line, so a new component only adds its own.
calico_ad_components() {
  printf '%s %s\n' pulumi "$CALICO_AD_PULUMI_DIR" kubernetes-provider "$CALICO_AD_K8S_PROVIDER_DIR" \
    command-provider "$CALICO_AD_COMMAND_PROVIDER_DIR" kubernetes "$CALICO_AD_KUBERNETES_DIR"
}

# An installed Pulumi CLI that can run this project: same major version, same or newer minor,
# with the bundled Node.js language host beside it. Prints its directory, or nothing.
calico_ad_installed_pulumi_dir() {
  [ "${CALICO_AD_USE_INSTALLED_PULUMI:-auto}" = 0 ] && return 0
  local found dir version want_minor="${CALICO_AD_PULUMI_VERSION#*.}"
  found="$(PATH="$(calico_ad_strip_tool_paths "$PATH")" command -v pulumi 2>/dev/null)" || return 0
  dir="$(dirname "$(readlink -f "$found")")"
  [ -x "$dir/pulumi-language-nodejs" ] || return 0
  version="$(PULUMI_SKIP_UPDATE_CHECK=true "$dir/pulumi" version 2>/dev/null)" || return 0
  version="${version#v}"
  [[ "$version" =~ ^([0-9]+)\.([0-9]+)\. ]] || return 0
  [ "${BASH_REMATCH[1]}" = "${CALICO_AD_PULUMI_VERSION%%.*}" ] && [ "${BASH_REMATCH[2]}" -ge "${want_minor%%.*}" ] \
    && echo "$dir"
}

# PATH: our bin dirs first (kubernetes, then pulumi), without duplicates from
# earlier sourcing. The provider binaries stay off PATH: scripts/toolchain.sh
# installs them into PULUMI_HOME as plugins.
CALICO_AD_INSTALLED_PULUMI_DIR="$(calico_ad_installed_pulumi_dir)"
if [ -n "$CALICO_AD_INSTALLED_PULUMI_DIR" ]; then
  CALICO_AD_PULUMI_SOURCE=installed
  CALICO_AD_PULUMI_BIN="$CALICO_AD_INSTALLED_PULUMI_DIR"
  # The installed CLI keeps its own home and plugins (~/.pulumi unless PULUMI_HOME says otherwise).
  [ "${PULUMI_HOME:-}" = "$CALICO_AD_PULUMI_HOME" ] && unset PULUMI_HOME
else
  CALICO_AD_PULUMI_SOURCE=built
  CALICO_AD_PULUMI_BIN="${CALICO_AD_PULUMI_DIR}/bin"
  export PULUMI_HOME="${CALICO_AD_PULUMI_HOME}"
fi
export CALICO_AD_INSTALLED_PULUMI_DIR CALICO_AD_PULUMI_SOURCE CALICO_AD_PULUMI_BIN
PATH="${CALICO_AD_PULUMI_BIN}:${CALICO_AD_KUBERNETES_DIR}/bin:$(calico_ad_strip_tool_paths "$PATH")"
export PATH

# --- Pulumi: offline switches --------------------------------------------------------
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
export PULUMI_IGNORE_AMBIENT_PLUGINS=true
export PULUMI_CREDENTIAL_STORE=plaintext
export PULUMI_DISABLE_REGISTRY_RESOLVE=true
export PULUMI_SUPPRESS_COPILOT_LINK=true
