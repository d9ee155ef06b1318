#!/usr/bin/env bash
# The main job on the embedded default: builds (or reuses) the offline toolchain, starts the local
# API server with its Calico stand-in fixtures, and runs `pulumi up` for the `local` stack (the
# workshop config of Pulumi.dev.yaml aimed at that server). No cloud account, no cluster needed.
#
#   ./scripts/demo.sh                  deploy the local stack to the local API server
#   ./scripts/demo.sh --stack NAME     deploy Pulumi.NAME.yaml to its calico-ad:kubeContext
#                                      (or the current kube context) instead
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

bash scripts/install-deps.sh
bash scripts/toolchain.sh
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

pulumi stack select --create "$stack" --non-interactive
pulumi up --stack "$stack" --yes --non-interactive --diff
echo
echo "== stack outputs (backend ${PULUMI_BACKEND_URL})"
pulumi stack output --stack "$stack" --json
echo
echo "== objects in the cluster"
kubectl_args=()
context=$(pulumi config get calico-ad:kubeContext --stack "$stack" 2>/dev/null || true)
[[ -n "$context" ]] && kubectl_args=(--context "$context")
kubectl "${kubectl_args[@]}" get deployments,networkpolicies.projectcalico.org -n tigera-intrusion-detection || true
kubectl "${kubectl_args[@]}" get globalalerts.projectcalico.org 2>/dev/null | grep tigera.io.detector || true
echo
echo "Try a change: edit AD_port_scan_threshold in Pulumi.${stack}.yaml and run this again;"
echo "the diff shows one update of the Deployment's env."
echo "Clean up: $0 --stack ${stack} --destroy$([[ "$stack" == local ]] && echo ' && ./scripts/local-cluster.sh stop')"
