#!/usr/bin/env bash
# The main job on the embedded default: builds (or reuses) the offline toolchain, starts the local
# cluster (API server with its Calico stand-in fixtures and, where the machine can run it, a node
# with the workshop's dev/netshoot and dev/centos pods), and runs `pulumi up` for the `local`
# stack (the workshop config of Pulumi.dev.yaml aimed at that cluster): the AD Deployment rolls
# out and the workshop's port scan runs with `kubectl exec` in the netshoot pod. Without a node,
# the same stack is deployed with `awaitRollout: false` and without the scan (a copy of
# Pulumi.local.yaml passed with --config-file). No cloud account, no cluster needed.
#
#   ./scripts/demo.sh                  deploy the local stack to the local API server
#   ./scripts/demo.sh --stack NAME     deploy Pulumi.NAME.yaml to its calico-ad:kubeContext
#                                      (or the current kube context) instead; builds no
#                                      local-cluster binaries and needs kubectl on PATH
#   ./scripts/demo.sh [--stack NAME] --destroy
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

stack=local
destroy=false
while (($# > 0)); do
  case "$1" in
    --stack) stack="${2:?--stack needs a stack name}"; shift 2 ;;
    --destroy) destroy=true; shift ;;
    *) echo "usage: $0 [--stack NAME] [--destroy]" >&2; exit 2 ;;
  esac
done

# A real cluster needs neither the local cluster's binaries nor the node's Debian packages.
local_only=()
[[ "$stack" == local ]] || local_only=(--no-local-cluster)
bash scripts/install-deps.sh "${local_only[@]}"
bash scripts/toolchain.sh "${local_only[@]}"
# shellcheck source=scripts/env.sh
source scripts/env.sh
if [[ "$stack" == local ]]; then
  bash scripts/local-cluster.sh start
  eval "$(bash scripts/local-cluster.sh env)"
fi

export PULUMI_BACKEND_URL="${PULUMI_BACKEND_URL:-file://${CALICO_AD_CACHE}/state}"
export PULUMI_CONFIG_PASSPHRASE="${PULUMI_CONFIG_PASSPHRASE:-}"
[[ "$PULUMI_BACKEND_URL" == file://* ]] && mkdir -p "${PULUMI_BACKEND_URL#file://}"

if $destroy; then
  pulumi destroy --stack "$stack" --yes --non-interactive
  exit 0
fi

config_file=()
if [[ "$stack" == local ]] && [[ "$(cat "${CALICO_AD_CLUSTER_DIR}/node-status" 2>/dev/null)" != ready ]]; then
  echo "demo: the local cluster has no node ($(cat "${CALICO_AD_CLUSTER_DIR}/node-status" 2>/dev/null || echo 'no node-status')):"
  echo "demo: deploying Pulumi.local.yaml with awaitRollout false and without the port scan"
  api_only="$(mktemp "${TMPDIR:-/tmp}/calico-ad-local-api-only-XXXXXX.yaml")"
  trap 'rm -f "$api_only"' EXIT
  node -e '
    const fs = require("fs"), yaml = require("js-yaml");
    const stack = yaml.load(fs.readFileSync("Pulumi.local.yaml", "utf8"));
    stack.config["calico-ad:awaitRollout"] = "false";
    delete stack.config["calico-ad:simulation"];
    fs.writeFileSync(process.argv[1], yaml.dump(stack));' "$api_only"
  config_file=(--config-file "$api_only")
fi

pulumi stack select --create "$stack" --non-interactive
pulumi up --stack "$stack" "${config_file[@]}" --yes --non-interactive --diff
echo
echo "== stack outputs (backend ${PULUMI_BACKEND_URL})"
pulumi stack output --stack "$stack" --json
echo
echo "== objects in the cluster"
kubectl_args=()
context=$(pulumi config get calico-ad:kubeContext --stack "$stack" 2>/dev/null || true)
[[ -n "$context" ]] && kubectl_args=(--context "$context")
kubectl "${kubectl_args[@]}" get deployments,pods,networkpolicies.projectcalico.org -n tigera-intrusion-detection || true
kubectl "${kubectl_args[@]}" get globalalerts.projectcalico.org 2>/dev/null | grep tigera.io.detector || true
echo
echo "Try a change: edit AD_port_scan_threshold in Pulumi.${stack}.yaml and run this again;"
echo "the diff shows one update of the Deployment's env."
echo "Clean up: $0 --stack ${stack} --destroy$([[ "$stack" == local ]] && echo ' && ./scripts/local-cluster.sh stop')"
