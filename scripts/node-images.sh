#!/usr/bin/env bash
# scripts/node-images.sh: build the local node's container images on this machine, without a
# registry, as docker-archive tarballs (one layer tar, a config JSON and manifest.json) that
# `ctr -n k8s.io images import` reads. Every image is a TEST STAND-IN, labelled
# calico-ad.test/stand-in=true:
#
#   pause      localhost/calico-ad/pause:test-stand-in (the runtime's sandbox image; also
#              registry.test-stand-in.invalid/tigera/intrusion-detection-controller:test-stand-in
#              for the fixture Deployment of test/fixtures/cluster)
#   netshoot   docker.io/nicolaka/netshoot:latest, the workshop's scanner: nmap with its
#              libraries and data, and sh (dash), copied from this machine (Debian's packages),
#              and an nslookup built from tools/node-images/nslookup for the DNS simulations
#   centos     docker.io/library/centos:latest, the workshop's target: nothing but pause
#   ad-jobs    quay.io/tigera/anomaly_detection_jobs:v3.12.0 (the workshop release, as a
#              Deployment) and :v3.16.0 (the GlobalAlert era's detection Jobs); other tags with
#              CALICO_AD_AD_IMAGE_TAGS="v3.12.0 v3.11.0": a program installed as python3 that
#              answers the /ad/ping probes on port 8000 and runs the port_scan, ip_sweep, dga and
#              dns_tunnel detectors on the flow and DNS logs; its minute lasts
#              CALICO_AD_STAND_IN_MINUTE_SECONDS (default 60; the tests shorten it), in its env
#   es         localhost/calico-ad/es-stand-in:test-stand-in: Elasticsearch's API subset
#   flows      localhost/calico-ad/flow-recorder:test-stand-in: Felix's flow logs, from packets,
#              and its policy enforcement for default-deny ingress (nft from this machine)
#   alerts     localhost/calico-ad/global-alert-stand-in:test-stand-in: the intrusion-detection
#              controller's detection CronJobs for AnomalyDetection GlobalAlerts and its RuleBased
#              GlobalAlert evaluation; its minute is the same setting
#
# And one real program, not a stand-in (no stand-in label):
#
#   coredns    localhost/calico-ad/coredns:v1.15.0: CoreDNS, the cluster's kube-dns, built from the
#              module proxy (tools/node-images/coredns, go.mod) with the plugins its Corefile uses
#
#   bash scripts/node-images.sh        prints the directory holding the *.tar archives
#
# The programs come from tools/node-images (its go.mod pins CoreDNS and its modules). The archives are cached in
# $CALICO_AD_CACHE/node-images/<key>, keyed by those sources, this script, the nmap version and
# the tags, so a second run only prints the directory.
set -euo pipefail

# shellcheck source=scripts/env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

log() { printf '[node-images] %s\n' "$*" >&2; }
die() { printf '[node-images] ERROR: %s\n' "$*" >&2; exit 1; }

AD_TAGS="${CALICO_AD_AD_IMAGE_TAGS:-v3.12.0 v3.16.0}"
MINUTE_SECONDS="${CALICO_AD_STAND_IN_MINUTE_SECONDS:-60}"
[[ "$MINUTE_SECONDS" =~ ^[1-9][0-9]{0,2}$ ]] \
  || die "CALICO_AD_STAND_IN_MINUTE_SECONDS must be a whole number of seconds from 1 to 999, got '${MINUTE_SECONDS}'"
SRC="${CALICO_AD_ROOT}/tools/node-images"
for t in go jq tar sha256sum nmap nft ldd; do command -v "$t" >/dev/null || die "$t not found (scripts/install-deps.sh installs nmap)"; done

key="$( {
  echo "tags=${AD_TAGS} minute=${MINUTE_SECONDS} nmap=$(dpkg-query -W -f='${Version}' nmap 2>/dev/null || nmap --version | head -n 1)"
  echo "nft=$(nft --version)"
  sha256sum "${BASH_SOURCE[0]}"
  (cd "$SRC" && find . -type f | LC_ALL=C sort | xargs sha256sum)
} | sha256sum | cut -c1-12)"
OUT="${CALICO_AD_CACHE}/node-images/${key}"
if [ -f "$OUT/complete" ]; then echo "$OUT"; exit 0; fi

WORK="$(mktemp -d "${CALICO_AD_CACHE}/node-images/.build-XXXXXX" 2>/dev/null || { mkdir -p "${CALICO_AD_CACHE}/node-images"; mktemp -d "${CALICO_AD_CACHE}/node-images/.build-XXXXXX"; })"
trap 'rm -rf "$WORK"' EXIT
log "building the stand-in images in $OUT"

export GOTOOLCHAIN=local CGO_ENABLED=0 GOWORK=off GOFLAGS=-mod=mod
export GOCACHE="${CALICO_AD_GOCACHE:-${CALICO_AD_CACHE}/go/build}"
export GOMODCACHE="${CALICO_AD_GOMODCACHE:-${CALICO_AD_CACHE}/go/mod}"
(cd "$SRC" && go build -trimpath -ldflags "-s -w" -o "$WORK/bin/" \
  ./pause ./ad-jobs-stand-in ./es-stand-in ./flow-recorder ./global-alert-stand-in ./nslookup ./coredns)

# copy_with_libraries ROOTFS BINARY: BINARY and every shared library it loads, at their paths.
copy_with_libraries() {
  local root="$1" bin="$2" lib
  install -D -m 0755 "$bin" "$root$bin"
  for lib in $(ldd "$bin" | grep -o '/[^ ]*'); do
    install -D -m 0755 "$(readlink -f "$lib")" "$root$lib"
  done
}

# archive NAME DESCRIPTION ROOTFS ENTRYPOINT_JSON ENV_JSON TAG...: the docker-archive NAME.tar,
# labelled a stand-in unless STAND_IN=false.
archive() {
  local name="$1" description="$2" root="$3" entrypoint="$4" env="$5"; shift 5
  local stand_in="${STAND_IN:-true}"
  local dir="$WORK/archive-$name" layer_sha config config_sha
  mkdir -p "$dir/layer" "$root/tmp"; chmod 1777 "$root/tmp"
  tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$root" -cf "$dir/layer/layer.tar" .
  layer_sha="$(sha256sum "$dir/layer/layer.tar" | cut -d' ' -f1)"
  config="$(jq -cn --arg sha "sha256:${layer_sha}" --arg d "$description" --arg s "$stand_in" \
    --argjson entrypoint "$entrypoint" --argjson env "$env" '{
      architecture: "amd64", os: "linux", created: "1970-01-01T00:00:00Z",
      config: { Entrypoint: $entrypoint, Env: $env, WorkingDir: "/",
        Labels: { "calico-ad.test/stand-in": $s, "org.opencontainers.image.description": $d } },
      rootfs: { type: "layers", diff_ids: [$sha] },
      history: [{ created: "1970-01-01T00:00:00Z", created_by: "scripts/node-images.sh", comment: $d }] }')"
  config_sha="$(printf '%s' "$config" | sha256sum | cut -d' ' -f1)"
  printf '%s' "$config" >"$dir/${config_sha}.json"
  jq -cn --arg c "${config_sha}.json" '[{ Config: $c, RepoTags: $ARGS.positional, Layers: ["layer/layer.tar"] }]' \
    --args "$@" >"$dir/manifest.json"
  tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$dir" -cf "$WORK/out/${name}.tar" \
    manifest.json "${config_sha}.json" layer
  log "$name: $* ($(du -h "$WORK/out/${name}.tar" | cut -f1))"
}

mkdir -p "$WORK/out"
path_env='["PATH=/usr/local/bin:/usr/sbin:/usr/bin:/bin"]'

install -D -m 0755 "$WORK/bin/pause" "$WORK/pause/pause"
archive pause "calico-ad TEST STAND-IN: pod sandbox (waits for SIGTERM)" "$WORK/pause" '["/pause"]' "$path_env" \
  localhost/calico-ad/pause:test-stand-in \
  registry.test-stand-in.invalid/tigera/intrusion-detection-controller:test-stand-in

install -D -m 0755 "$WORK/bin/pause" "$WORK/netshoot/pause"
copy_with_libraries "$WORK/netshoot" "$(command -v nmap)"
mkdir -p "$WORK/netshoot/usr/share"; cp -a /usr/share/nmap "$WORK/netshoot/usr/share/nmap"
copy_with_libraries "$WORK/netshoot" "$(readlink -f /bin/sh)"
mkdir -p "$WORK/netshoot/bin"; ln -s "$(readlink -f /bin/sh)" "$WORK/netshoot/bin/sh"
install -D -m 0755 "$WORK/bin/nslookup" "$WORK/netshoot/usr/bin/nslookup"
archive netshoot "calico-ad TEST STAND-IN for nicolaka/netshoot: nmap and sh from this machine's Debian packages, a Go nslookup" \
  "$WORK/netshoot" '["/pause"]' "$path_env" docker.io/nicolaka/netshoot:latest

install -D -m 0755 "$WORK/bin/pause" "$WORK/centos/pause"
archive centos "calico-ad TEST STAND-IN for the workshop's centos target pod (runs nothing)" \
  "$WORK/centos" '["/pause"]' "$path_env" docker.io/library/centos:latest

install -D -m 0755 "$WORK/bin/ad-jobs-stand-in" "$WORK/ad-jobs/usr/local/bin/python3"
ad_refs=(); for tag in $AD_TAGS; do ad_refs+=("quay.io/tigera/anomaly_detection_jobs:${tag}"); done
archive ad-jobs "calico-ad TEST STAND-IN for the AD jobs image: /ad/ping on 8000, port_scan and ip_sweep on the flow logs, stand-in dga and dns_tunnel rules on the DNS logs" \
  "$WORK/ad-jobs" '["/usr/local/bin/python3"]' \
  "$(jq -cn --arg m "$MINUTE_SECONDS" '["PATH=/usr/local/bin:/usr/bin:/bin", "CALICO_AD_STAND_IN_MINUTE_SECONDS=\($m)"]')" \
  "${ad_refs[@]}"

# stand_in NAME DESCRIPTION: the program NAME alone in an image localhost/calico-ad/NAME:test-stand-in.
stand_in() {
  install -D -m 0755 "$WORK/bin/$1" "$WORK/$1/$1"
  archive "$1" "calico-ad TEST STAND-IN for $2" "$WORK/$1" "[\"/$1\"]" "$path_env" "localhost/calico-ad/$1:test-stand-in"
}
stand_in es-stand-in "Elasticsearch: the query subset the alert verification sends, in memory"
# The recorder runs nft (from this machine, with its libraries) to install its drop rules.
copy_with_libraries "$WORK/flow-recorder" "$(command -v nft)"
stand_in flow-recorder "Felix flow logs from the packets on the node's bridge, and default-deny ingress enforced with nftables DROP and NFLOG"
install -D -m 0755 "$WORK/bin/global-alert-stand-in" "$WORK/global-alert-stand-in/global-alert-stand-in"
archive global-alert-stand-in "calico-ad TEST STAND-IN for the intrusion-detection-controller: detection CronJobs of AnomalyDetection GlobalAlerts, RuleBased GlobalAlerts counted on the flow logs" \
  "$WORK/global-alert-stand-in" '["/global-alert-stand-in"]' \
  "$(jq -cn --arg m "$MINUTE_SECONDS" '["PATH=/usr/local/bin:/usr/bin:/bin", "CALICO_AD_STAND_IN_MINUTE_SECONDS=\($m)"]')" \
  localhost/calico-ad/global-alert-stand-in:test-stand-in

install -D -m 0755 "$WORK/bin/coredns" "$WORK/coredns/coredns"
STAND_IN=false archive coredns "CoreDNS v1.15.0 (real), built from the Go module proxy with the plugins of the local node's Corefile" \
  "$WORK/coredns" '["/coredns"]' "$path_env" localhost/calico-ad/coredns:v1.15.0

touch "$WORK/out/complete"
rm -rf "$OUT"; mkdir -p "$(dirname "$OUT")"; mv "$WORK/out" "$OUT"
echo "$OUT"
