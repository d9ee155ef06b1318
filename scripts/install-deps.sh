#!/usr/bin/env bash
# Installs what the project needs from the package registries: Debian packages for the
# simulation tests and certificates, and the npm packages (without their postinstall scripts,
# which would try to download Pulumi plugins). Idempotent; quick when everything is present.
#
#   scripts/install-deps.sh [--no-local-cluster]   (only the npm packages: what a stack aimed
#                                                   at a real cluster needs)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
debian=true
case "${1:-}" in
  "") ;;
  --no-local-cluster) debian=false ;;
  *) echo "usage: $0 [--no-local-cluster]" >&2; exit 2 ;;
esac

# containerd, runc and the CNI plugins run the local node (scripts/local-node.sh).
debian_packages=(nmap nftables iproute2 openssl ca-certificates shellcheck containerd runc containernetworking-plugins)
missing=()
$debian || debian_packages=()
for package in "${debian_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]} > 0)); then
  echo "install-deps: apt-get install ${missing[*]}"
  if [[ $(id -u) -ne 0 ]]; then
    echo "install-deps: need root for apt-get; install these packages and re-run: ${missing[*]}" >&2
    exit 1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if [[ ! -d node_modules || package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo "install-deps: npm ci --ignore-scripts"
  npm ci --ignore-scripts --no-audit --no-fund
fi
if $debian; then echo "install-deps: Debian and npm packages present"; else echo "install-deps: npm packages present"; fi
