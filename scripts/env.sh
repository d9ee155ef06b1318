# shellcheck shell=bash
# scripts/env.sh: shared environment for calico-ad's scripts and tests.
#
#   source scripts/env.sh
#
# Defines the tool pins, the cache layout (always outside the checkout) and
# exports PATH, PULUMI_HOME and Pulumi's offline switches so that `pulumi`,
# `pulumi-language-nodejs`, `kube-apiserver`, `etcd` and `kubectl` built by
# scripts/toolchain.sh are found. Safe to source repeatedly; it does not change
# shell options, builds nothing and does not need network or Go.
#
# Overridable (set before sourcing):
#   CALICO_AD_CACHE        cache root          (default: $HOME/.cache/calico-ad)
#   CALICO_AD_PULUMI_HOME  PULUMI_HOME to use  (default: $CALICO_AD_CACHE/pulumi-home)
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
CALICO_AD_PULUMI_VERSION=3.248.0
CALICO_AD_K8S_PROVIDER_VERSION=4.25.0
CALICO_AD_KUBERNETES_VERSION=1.37.2
# Bump when the build recipe in scripts/toolchain.sh changes in a way that must
# invalidate already-built tools.
CALICO_AD_RECIPE_REV=1
export CALICO_AD_PULUMI_VERSION CALICO_AD_K8S_PROVIDER_VERSION CALICO_AD_KUBERNETES_VERSION

# --- paths ------------------------------------------------------------------
CALICO_AD_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CALICO_AD_CACHE="${CALICO_AD_CACHE:-${HOME}/.cache/calico-ad}"
CALICO_AD_PULUMI_HOME="${CALICO_AD_PULUMI_HOME:-${CALICO_AD_CACHE}/pulumi-home}"
CALICO_AD_CLUSTER_DIR="${CALICO_AD_CLUSTER_DIR:-${CALICO_AD_CACHE}/cluster}"
CALICO_AD_KUBECONFIG="${CALICO_AD_CLUSTER_DIR}/kubeconfig"
CALICO_AD_ETCD_CLIENT_PORT="${CALICO_AD_ETCD_CLIENT_PORT:-23790}"
CALICO_AD_ETCD_PEER_PORT="${CALICO_AD_ETCD_PEER_PORT:-23800}"
CALICO_AD_APISERVER_PORT="${CALICO_AD_APISERVER_PORT:-16443}"
export CALICO_AD_ROOT CALICO_AD_CACHE CALICO_AD_PULUMI_HOME CALICO_AD_CLUSTER_DIR \
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
#   calico_ad_key pulumi|language-host|kubernetes-provider|kubernetes
calico_ad_key() {
  local comp="$1" extra=""
  [ -d "${CALICO_AD_ROOT}/tools/${comp}" ] || { echo none; return 0; }
  [ "$comp" = kubernetes ] && extra="kubectl=$(calico_ad_build_kubectl)"
  {
    printf 'recipe=%s pulumi=%s provider=%s kubernetes=%s %s\n' "$CALICO_AD_RECIPE_REV" \
      "$CALICO_AD_PULUMI_VERSION" "$CALICO_AD_K8S_PROVIDER_VERSION" "$CALICO_AD_KUBERNETES_VERSION" "$extra"
    (cd "${CALICO_AD_ROOT}/tools/${comp}" && find . -type f \( -name go.mod -o -name go.sum -o -name '*.go' \) \
      ! -name '*_test.go' | LC_ALL=C sort | xargs -r sha256sum)
  } | sha256sum | cut -c1-12
}

# Per-component install dirs: $CALICO_AD_CACHE/tools/<component>-<key>/bin.
# The language host is installed into the pulumi bin dir (Pulumi looks for
# bundled language plugins next to the `pulumi` executable), so the pulumi dir
# is keyed by both wrappers.
CALICO_AD_PULUMI_DIR="${CALICO_AD_CACHE}/tools/pulumi-$( { calico_ad_key pulumi; calico_ad_key language-host; } | sha256sum | cut -c1-12)"
CALICO_AD_K8S_PROVIDER_DIR="${CALICO_AD_CACHE}/tools/kubernetes-provider-$(calico_ad_key kubernetes-provider)"
CALICO_AD_KUBERNETES_DIR="${CALICO_AD_CACHE}/tools/kubernetes-$(calico_ad_key kubernetes)"
export CALICO_AD_PULUMI_DIR CALICO_AD_K8S_PROVIDER_DIR CALICO_AD_KUBERNETES_DIR

# PATH: our bin dirs first (kubernetes, then pulumi), without duplicates from
# earlier sourcing. The provider binary stays off PATH: it is installed into
# PULUMI_HOME by scripts/toolchain.sh.
PATH="${CALICO_AD_PULUMI_DIR}/bin:${CALICO_AD_KUBERNETES_DIR}/bin:$(calico_ad_strip_tool_paths "$PATH")"
export PATH

# --- Pulumi: hermetic home and offline switches -------------------------------
export PULUMI_HOME="${CALICO_AD_PULUMI_HOME}"
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
export PULUMI_IGNORE_AMBIENT_PLUGINS=true
export PULUMI_CREDENTIAL_STORE=plaintext
export PULUMI_DISABLE_REGISTRY_RESOLVE=true
export PULUMI_SUPPRESS_COPILOT_LINK=true
