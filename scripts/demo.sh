#!/usr/bin/env bash
# The main job on the embedded default: builds (or reuses) the offline toolchain, starts the local
# API server with its Calico stand-in fixtures, and runs `pulumi up` for the `local` stack (the
# workshop config of Pulumi.dev.yaml aimed at that server). No cloud account, no cluster needed.
# Pass --destroy to tear the demo stack down again.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/install-deps.sh
bash scripts/toolchain.sh
# shellcheck source=scripts/env.sh
source scripts/env.sh
bash scripts/local-cluster.sh start
eval "$(bash scripts/local-cluster.sh env)"

export PULUMI_BACKEND_URL="file://${CALICO_AD_CACHE}/state"
export PULUMI_CONFIG_PASSPHRASE="${PULUMI_CONFIG_PASSPHRASE:-}"
mkdir -p "${CALICO_AD_CACHE}/state"

if [[ "${1:-}" == "--destroy" ]]; then
  pulumi destroy --stack local --yes --non-interactive
  exit 0
fi

pulumi stack select --create local --non-interactive
pulumi up --stack local --yes --non-interactive --diff
echo
echo "== stack outputs (state in ${PULUMI_BACKEND_URL#file://})"
pulumi stack output --stack local --json
echo
echo "== objects in the local API server (kubeconfig ${KUBECONFIG})"
kubectl get deployments,networkpolicies.projectcalico.org -n tigera-intrusion-detection
kubectl get networkpolicies.projectcalico.org -n tigera-guardian
echo
echo "Try a change: edit AD_port_scan_threshold in Pulumi.local.yaml and run ./scripts/demo.sh again;"
echo "the diff shows one update of the Deployment's env."
echo "Clean up: ./scripts/demo.sh --destroy && ./scripts/local-cluster.sh stop"
