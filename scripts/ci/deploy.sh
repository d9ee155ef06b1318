#!/usr/bin/env bash
# Deploys one stack from CI: type-checks the program first, because Pulumi runs it transpile-only
# (tsconfig.json has noCheck for start-up time), then runs `pulumi up` with the policy pack.
#
#   scripts/ci/deploy.sh <stack>        (org/stack on Pulumi Cloud)
#
# The backend, passphrase and KUBECONFIG come from the environment, checked beforehand by
# `npm run ci:credentials`. PULUMI_CLI overrides the pulumi binary.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

stack="${1:?usage: scripts/ci/deploy.sh <stack>}"
pulumi="${PULUMI_CLI:-pulumi}"

echo "deploy: type check (npm run typecheck)"
npm run --silent typecheck

echo "deploy: pulumi up --stack $stack --policy-pack policy"
exec "$pulumi" up --stack "$stack" --policy-pack policy --yes --non-interactive --diff
