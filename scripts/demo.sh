#!/usr/bin/env bash
# The main job on the embedded default: builds (or reuses) the offline toolchain, starts the local
# cluster (API server with its Calico stand-in fixtures and, where the machine can run it, a node
# with the workshop's dev/netshoot and dev/centos pods and the local AD pipeline's stand-ins), and
# runs `pulumi up` for the `local` stack (the workshop config of Pulumi.dev.yaml aimed at that
# cluster) with the demo settings: calico-ad:demo (Felix flushes every 10 s, AD searches every 5
# minutes) and the alert verification on. The AD Deployment rolls out, the workshop's port scan
# runs with `kubectl exec` in the netshoot pod, and `pulumi up` waits until the alert the scan
# caused can be read from the events index through the verification's own route; the demo then
# prints it as the workshop's step 5 shows it. Without a node, the same stack is deployed with
# `awaitRollout: false` and without the scan, and the demo says what it could not show and why.
# The settings are a copy of Pulumi.local.yaml passed with --config-file. No cloud account, no
# cluster needed.
#
#   ./scripts/demo.sh                  deploy the local stack to the local cluster
#   ./scripts/demo.sh --diff           the same, with pulumi's full --diff of every resource
#   ./scripts/demo.sh --after-ad       the local stack as Calico Enterprise 3.18.0, the first
#                                      release without AD: the AD objects go (when deployed
#                                      before) and the rule-based scan alert confirms the scan
#   ./scripts/demo.sh --stack NAME     deploy Pulumi.NAME.yaml to its calico-ad:kubeContext
#                                      (or the current kube context) instead, as committed;
#                                      builds no local-cluster binaries and needs kubectl on PATH
#   ./scripts/demo.sh [--stack NAME] --destroy
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

stack=local
destroy=false
after_ad=false
diff=()
while (($# > 0)); do
  case "$1" in
    --stack) stack="${2:?--stack needs a stack name}"; shift 2 ;;
    --destroy) destroy=true; shift ;;
    --diff) diff=(--diff); shift ;;
    --after-ad) after_ad=true; shift ;;
    *) echo "usage: $0 [--stack NAME] [--diff] [--after-ad] [--destroy]" >&2; exit 2 ;;
  esac
done
if $after_ad && [[ "$stack" != local ]]; then
  echo "--after-ad changes the release of the local stack only; for stack ${stack}, set calico-ad:calicoVersion in Pulumi.${stack}.yaml" >&2
  exit 2
fi

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

# local_config JSON: a copy of Pulumi.local.yaml with the keys of JSON set (null removes one),
# for --config-file; removed on exit.
local_config() {
  demo_config="$(mktemp "${TMPDIR:-/tmp}/calico-ad-local-XXXXXX.yaml")"
  trap 'rm -f "$demo_config"' EXIT
  node -e '
    const fs = require("fs"), yaml = require("js-yaml");
    const stack = yaml.load(fs.readFileSync("Pulumi.local.yaml", "utf8"));
    for (const [key, value] of Object.entries(JSON.parse(process.argv[2]))) {
      if (value === null) delete stack.config[key]; else stack.config[key] = value;
    }
    fs.writeFileSync(process.argv[1], yaml.dump(stack));' "$demo_config" "$1"
  config_file=(--config-file "$demo_config")
}

config_file=()
not_shown=""
# Without AD, the release's rule-based scan alert replaces AD's detector, and AD's env goes.
release='{}'
if $after_ad; then
  echo "demo: as Calico Enterprise 3.18.0, without AD: the scan is confirmed by the rule-based GlobalAlert calico-ad.port-scan"
  release='{"calico-ad:product": "enterprise", "calico-ad:calicoVersion": "3.18.0", "calico-ad:jobEnv": null}'
fi
if [[ "$stack" == local ]]; then
  node_status="$(cat "${CALICO_AD_CLUSTER_DIR}/node-status" 2>/dev/null || echo 'no node-status')"
  if [[ "$node_status" == ready ]]; then
    echo "demo: Pulumi.local.yaml with the demo settings: calico-ad:demo true and simulation.verify.enabled true"
    if $after_ad; then
      echo "demo: pulumi up deploys, runs the workshop's scan and waits for its alert (the GlobalAlert runs every minute: about 2 minutes)"
    else
      echo "demo: pulumi up deploys, runs the workshop's scan and waits for its alert (AD searches every 5 minutes: up to about 10 minutes)"
    fi
    local_config "$(node -e '
      const fs = require("fs"), yaml = require("js-yaml");
      const simulation = yaml.load(fs.readFileSync("Pulumi.local.yaml", "utf8")).config["calico-ad:simulation"];
      process.stdout.write(JSON.stringify({ ...JSON.parse(process.argv[1]), "calico-ad:demo": true,
        "calico-ad:simulation": { ...simulation, verify: { enabled: true } } }));' "$release")"
  else
    not_shown="the port scan and its alert, because the local cluster has no node (${node_status}): without a node no pod runs, so there is no scanner, no AD job and no Elasticsearch stand-in"
    echo "demo: the local cluster has no node (${node_status}):"
    echo "demo: deploying Pulumi.local.yaml with awaitRollout false and without the port scan"
    local_config "$(jq -c '. + {"calico-ad:awaitRollout": "false", "calico-ad:simulation": null}' <<<"$release")"
  fi
fi

pulumi stack select --create "$stack" --non-interactive
pulumi up --stack "$stack" "${config_file[@]}" --yes --non-interactive --suppress-outputs "${diff[@]}"
echo
outputs="$(pulumi stack output --stack "$stack" --json 2>/dev/null || true)"
jq -r --arg stack "$stack" -f scripts/demo-summary.jq <<<"${outputs:-"{}"}"
if [[ -n "$not_shown" ]]; then
  echo
  echo "demo: NOT SHOWN: ${not_shown}."
  echo "demo: the node needs root, containerd, runc and the CNI plugins (scripts/install-deps.sh) and the kubelet (scripts/toolchain.sh); see docs/local-cluster.md"
fi
echo
echo "== AD objects and pods"
kubectl_args=()
context=$(pulumi config get calico-ad:kubeContext --stack "$stack" 2>/dev/null || true)
[[ -n "$context" ]] && kubectl_args=(--context "$context")
kubectl "${kubectl_args[@]}" get deployments,pods,networkpolicies.projectcalico.org -n tigera-intrusion-detection || true
kubectl "${kubectl_args[@]}" get globalalerts.projectcalico.org 2>/dev/null | grep -E 'tigera\.io\.detector|calico-ad\.port-scan' || true
echo
echo "Full outputs: pulumi stack output --stack ${stack} --json; every resource's diff: $0 --diff"
if $after_ad; then
  echo "The scan alert's threshold is calico-ad:scanAlertThreshold (docs/configuration.md); a change"
  echo "previews as one update of the GlobalAlert calico-ad.port-scan."
else
  echo "Try a change: edit AD_port_scan_threshold in Pulumi.${stack}.yaml and run this again;"
  echo "the preview shows one update of the Deployment's env."
fi
echo "Clean up: $0 --stack ${stack} --destroy$([[ "$stack" == local ]] && echo ' && ./scripts/local-cluster.sh stop')"
