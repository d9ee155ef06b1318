#!/usr/bin/env bash
# scripts/local-cluster.sh: a local Kubernetes cluster for tests and the demo:
# etcd + kube-apiserver (built by scripts/toolchain.sh) on 127.0.0.1 only, serving
# projectcalico.org/v3 NetworkPolicy, Tier and GlobalNetworkPolicy from the real
# Calico Open Source CRDs ($CALICO_AD_CALICO_CRDS_ARCHIVE in $CALICO_AD_VENDOR_DIR,
# sha256-checked), with the Calico Enterprise stand-in fixtures of
# test/fixtures/cluster/ applied (GlobalAlert, FelixConfiguration, ClusterInformation,
# SecurityEventWebhook and AlertException CRDs, namespaces, secrets, IDS).
#
#   scripts/local-cluster.sh start     start etcd + kube-apiserver (idempotent), wait
#                                      for /readyz, write the kubeconfig, apply fixtures
#   scripts/local-cluster.sh stop      stop both (by PID file); data is kept
#   scripts/local-cluster.sh status    exit 0 if both run and /readyz is ok, else 3
#   scripts/local-cluster.sh env       print `export KUBECONFIG=...` (eval it)
#   scripts/local-cluster.sh fixtures  (re)apply test/fixtures/cluster/
#   scripts/local-cluster.sh clean     stop, then delete the state dir (data, certs)
#
# State (certs, etcd data, logs, PID files, kubeconfig) lives in
# $CALICO_AD_CLUSTER_DIR (default ~/.cache/calico-ad/cluster), never in the
# checkout. Ports: $CALICO_AD_ETCD_CLIENT_PORT (23790), $CALICO_AD_ETCD_PEER_PORT
# (23800), $CALICO_AD_APISERVER_PORT (16443). The kubeconfig's context is
# `calico-ad-local` (user with O=system:masters client certificate).
# CALICO_AD_SKIP_FIXTURES=1 makes `start` skip the fixtures.
#
# Where the machine can, `start` also runs one node (scripts/local-node.sh: containerd,
# kubelet, kube-controller-manager, kube-scheduler, stand-in images), the workshop pods of
# test/fixtures/node/ and the local AD pipeline's stand-ins (test/fixtures/node-pipeline/); CALICO_AD_NODE=auto (default), 1 (fail without it) or 0 (API server
# only). $CALICO_AD_CLUSTER_DIR/node-status says `ready`, or why there is no node. Without a
# node nothing reconciles: objects are stored and served, Deployments never become ready.
set -euo pipefail

# shellcheck source=scripts/env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

DIR="$CALICO_AD_CLUSTER_DIR"
PKI="$DIR/pki"
KUBECONFIG_FILE="$CALICO_AD_KUBECONFIG"
FIXTURES="${CALICO_AD_ROOT}/test/fixtures/cluster"
EC="$CALICO_AD_ETCD_CLIENT_PORT" EP="$CALICO_AD_ETCD_PEER_PORT" AP="$CALICO_AD_APISERVER_PORT"
SERVER="https://127.0.0.1:${AP}"
CONTEXT=calico-ad-local
READY_TIMEOUT="${CALICO_AD_READY_TIMEOUT:-120}"

log() { printf '[local-cluster] %s\n' "$*" >&2; }
die() { printf '[local-cluster] ERROR: %s\n' "$*" >&2; exit 1; }
elapsed() { echo $(( $(date +%s) - $1 )); }

# --- process helpers ---------------------------------------------------------------
pidfile() { echo "$DIR/$1.pid"; }
# running NAME: the PID in NAME.pid is alive and is that program.
running() {
  local f pid; f="$(pidfile "$1")"
  [ -f "$f" ] || return 1
  pid="$(cat "$f")"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  local name="$1"
  [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "${name:0:15}" ]   # comm holds 15 characters
}
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
curl_api() {
  curl -sS --max-time 5 --cacert "$PKI/ca.crt" --cert "$PKI/admin.crt" --key "$PKI/admin.key" "${SERVER}$1"
}
api_ready() { [ "$(curl_api /readyz 2>/dev/null)" = ok ]; }

need_bin() {
  command -v "$1" >/dev/null || die "$1 not found on PATH: run scripts/toolchain.sh first (PATH comes from scripts/env.sh)"
}

# --- certificates (openssl) -------------------------------------------------------------
gen_pki() {
  if [ -f "$PKI/admin.crt" ] && [ -f "$PKI/sa.pub" ] && [ -f "$PKI/apiserver.crt" ]; then return 0; fi
  command -v openssl >/dev/null || die "openssl not found (Debian: apt-get install openssl)"
  log "generating CA, serving and client certificates and service-account keys in $PKI"
  rm -rf "$PKI"; mkdir -p "$PKI"; chmod 700 "$PKI"
  (
    cd "$PKI"
    openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 3650 \
      -subj "/CN=calico-ad-local-ca" 2>/dev/null
    # Serving certificate for 127.0.0.1/localhost and the in-cluster service IP.
    openssl req -newkey rsa:2048 -nodes -keyout apiserver.key -out apiserver.csr \
      -subj "/CN=kube-apiserver" 2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost,IP:10.0.0.1,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc\nextendedKeyUsage=serverAuth\n' >apiserver.ext
    openssl x509 -req -in apiserver.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 3650 \
      -extfile apiserver.ext -out apiserver.crt 2>/dev/null
    # Admin client certificate: group system:masters (cluster-admin).
    openssl req -newkey rsa:2048 -nodes -keyout admin.key -out admin.csr \
      -subj "/O=system:masters/CN=calico-ad-admin" 2>/dev/null
    printf 'extendedKeyUsage=clientAuth\n' >admin.ext
    openssl x509 -req -in admin.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 3650 \
      -extfile admin.ext -out admin.crt 2>/dev/null
    # Service-account token signing keys.
    openssl genrsa -out sa.key 2048 2>/dev/null
    openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
    rm -f ./*.csr ./*.ext ca.srl
    chmod 600 ./*.key
  )
}

# kubeconfig_for FILE CERT: a kubeconfig for the client certificate $PKI/CERT.crt.
kubeconfig_for() {
  local file="$1" cert="$2" b64="base64 -w0"
  cat >"$file.tmp" <<EOF
# Generated by scripts/local-cluster.sh for the local test cluster.
apiVersion: v1
kind: Config
clusters:
  - name: ${CONTEXT}
    cluster:
      server: ${SERVER}
      certificate-authority-data: $($b64 "$PKI/ca.crt")
users:
  - name: ${CONTEXT}-${cert}
    user:
      client-certificate-data: $($b64 "$PKI/${cert}.crt")
      client-key-data: $($b64 "$PKI/${cert}.key")
contexts:
  - name: ${CONTEXT}
    context:
      cluster: ${CONTEXT}
      user: ${CONTEXT}-${cert}
      namespace: default
current-context: ${CONTEXT}
EOF
  chmod 600 "$file.tmp"
  mv "$file.tmp" "$file"
}
write_kubeconfig() { kubeconfig_for "$KUBECONFIG_FILE" admin; }

# --- start ---------------------------------------------------------------------------------
start_etcd() {
  if running etcd; then log "etcd already running (pid $(cat "$(pidfile etcd)"), 127.0.0.1:${EC})"; return 0; fi
  rm -f "$(pidfile etcd)"
  local p; for p in "$EC" "$EP"; do port_in_use "$p" && die "port 127.0.0.1:$p is in use by another process (set CALICO_AD_ETCD_CLIENT_PORT / CALICO_AD_ETCD_PEER_PORT)"; done
  log "starting etcd on 127.0.0.1:${EC} (peer ${EP}); log: $DIR/etcd.log"
  mkdir -p "$DIR/etcd"; chmod 700 "$DIR/etcd"
  setsid nohup etcd --name calico-ad-local --data-dir "$DIR/etcd" \
    --listen-client-urls "http://127.0.0.1:${EC}" --advertise-client-urls "http://127.0.0.1:${EC}" \
    --listen-peer-urls "http://127.0.0.1:${EP}" --initial-advertise-peer-urls "http://127.0.0.1:${EP}" \
    --initial-cluster "calico-ad-local=http://127.0.0.1:${EP}" \
    --unsafe-no-fsync --log-level warn \
    </dev/null >>"$DIR/etcd.log" 2>&1 &
  echo $! >"$(pidfile etcd)"
  local t0; t0=$(date +%s)
  until [ "$(curl -sS --max-time 2 "http://127.0.0.1:${EC}/health" 2>/dev/null | jq -r .health 2>/dev/null)" = true ]; do
    running etcd || { tail -n 30 "$DIR/etcd.log" >&2; die "etcd exited; see $DIR/etcd.log"; }
    [ "$(elapsed "$t0")" -lt 60 ] || die "etcd not healthy after 60s; see $DIR/etcd.log"
    sleep 0.5
  done
  log "etcd healthy after $(elapsed "$t0")s"
}

start_apiserver() {
  if running kube-apiserver && ! tr '\0' '\n' <"/proc/$(cat "$(pidfile kube-apiserver)")/cmdline" | grep -q -- '^--kubelet-client-certificate='; then
    log "kube-apiserver was started without a kubelet client certificate (an older local-cluster.sh): restarting it"
    stop_one kube-apiserver
  fi
  if running kube-apiserver; then log "kube-apiserver already running (pid $(cat "$(pidfile kube-apiserver)"), ${SERVER})"; return 0; fi
  rm -f "$(pidfile kube-apiserver)"
  port_in_use "$AP" && die "port 127.0.0.1:$AP is in use by another process (set CALICO_AD_APISERVER_PORT)"
  log "starting kube-apiserver on ${SERVER}; log: $DIR/kube-apiserver.log"
  setsid nohup kube-apiserver \
    --etcd-servers="http://127.0.0.1:${EC}" \
    --bind-address=127.0.0.1 --advertise-address=127.0.0.1 --secure-port="${AP}" \
    --tls-cert-file="$PKI/apiserver.crt" --tls-private-key-file="$PKI/apiserver.key" \
    --client-ca-file="$PKI/ca.crt" \
    --authorization-mode=Node,RBAC \
    --kubelet-client-certificate="$PKI/apiserver-kubelet-client.crt" --kubelet-client-key="$PKI/apiserver-kubelet-client.key" \
    --kubelet-preferred-address-types=InternalIP \
    --service-cluster-ip-range=10.0.0.0/24 \
    --service-account-issuer="https://127.0.0.1:${AP}" \
    --service-account-key-file="$PKI/sa.pub" --service-account-signing-key-file="$PKI/sa.key" \
    --disable-admission-plugins=ServiceAccount \
    --allow-privileged=true --profiling=false \
    --endpoint-reconciler-type=none \
    --cert-dir="$DIR/apiserver-certs" \
    </dev/null >>"$DIR/kube-apiserver.log" 2>&1 &
  echo $! >"$(pidfile kube-apiserver)"
  local t0; t0=$(date +%s)
  until api_ready; do
    running kube-apiserver || { tail -n 30 "$DIR/kube-apiserver.log" >&2; die "kube-apiserver exited; see $DIR/kube-apiserver.log"; }
    [ "$(elapsed "$t0")" -lt "$READY_TIMEOUT" ] || { curl_api '/readyz?verbose' >&2 || true; die "kube-apiserver not ready after ${READY_TIMEOUT}s; see $DIR/kube-apiserver.log"; }
    sleep 1
  done
  log "kube-apiserver ready (/readyz ok) after $(elapsed "$t0")s"
}

kc() { kubectl --kubeconfig "$KUBECONFIG_FILE" --context "$CONTEXT" "$@"; }

# shellcheck source=scripts/local-node.sh
source "${CALICO_AD_ROOT}/scripts/local-node.sh"

# The real Calico Open Source CRDs, unpacked from the vendored archive into the state dir.
calico_crds() {
  local archive="${CALICO_AD_VENDOR_DIR}/${CALICO_AD_CALICO_CRDS_ARCHIVE}" dest="$DIR/calico-crds"
  [ -f "$archive" ] || die "missing $archive (the Calico CRDs; set CALICO_AD_VENDOR_DIR to the directory with the vendored sources)"
  echo "${CALICO_AD_CALICO_CRDS_SHA256}  ${archive}" | sha256sum -c --quiet - >&2 \
    || die "sha256 of $archive is not ${CALICO_AD_CALICO_CRDS_SHA256}: refusing to use it"
  rm -rf "$dest"; mkdir -p "$dest"
  tar -xzf "$archive" -C "$dest" --strip-components=4 --wildcards '*/api/config/crd/*.yaml'
  echo "$dest"
}

apply_fixtures() {
  need_bin kubectl
  api_ready || die "the local cluster is not running: scripts/local-cluster.sh start"
  local t0 crd_dir; t0=$(date +%s)
  crd_dir="$(calico_crds)"
  log "applying the Calico Open Source CRDs from ${CALICO_AD_CALICO_CRDS_ARCHIVE} and the fixtures from ${FIXTURES} with $(command -v kubectl)"
  # CRDs first and wait until they are served, then everything else in file order
  # (namespaces before the objects in them).
  local crds=(-f "$crd_dir") rest=() f
  for f in "$FIXTURES"/*.yaml; do
    case "$(basename "$f")" in 00-crd-*) crds+=(-f "$f") ;; *) rest+=(-f "$f") ;; esac
  done
  # Server-side: the real CRDs are too large for the last-applied annotation.
  kc apply --server-side --force-conflicts "${crds[@]}"
  kc wait --for condition=established --timeout=60s crd \
    networkpolicies.projectcalico.org tiers.projectcalico.org globalnetworkpolicies.projectcalico.org \
    globalalerts.projectcalico.org felixconfigurations.projectcalico.org \
    clusterinformations.projectcalico.org securityeventwebhooks.projectcalico.org \
    alertexceptions.projectcalico.org
  kc apply "${rest[@]}"
  log "fixtures applied in $(elapsed "$t0")s"
}

cmd_start() {
  local t0; t0=$(date +%s)
  need_bin etcd; need_bin kube-apiserver; need_bin curl; need_bin jq
  mkdir -p "$DIR"; chmod 700 "$DIR"
  gen_pki
  node_client_certs
  start_etcd
  start_apiserver
  write_kubeconfig
  log "kubeconfig: ${KUBECONFIG_FILE} (context ${CONTEXT})"
  if [ "${CALICO_AD_SKIP_FIXTURES:-0}" != 1 ]; then apply_fixtures; fi
  start_node_or_fall_back
  log "started in $(elapsed "$t0")s; use it with:  eval \"\$(scripts/local-cluster.sh env)\""
}

# Without a node, the Node object of an earlier run (its status still Ready) must not stay.
forget_node() { kc delete node "$NODE_NAME" --ignore-not-found >/dev/null 2>&1 || true; }

# The node, as CALICO_AD_NODE asks; in auto mode a machine that cannot run it gets the API
# server only, and $NODE_STATUS says why (the end-to-end tests read it).
start_node_or_fall_back() {
  local mode reason; mode="$(node_mode)"
  if [ "$mode" = off ]; then
    stop_node >/dev/null
    forget_node
    echo "off: CALICO_AD_NODE=${CALICO_AD_NODE}" >"$NODE_STATUS"
    log "no node (CALICO_AD_NODE=${CALICO_AD_NODE}): API server only"
    return 0
  fi
  if reason="$(start_node)"; then
    if [ "${CALICO_AD_SKIP_FIXTURES:-0}" != 1 ]; then apply_node_fixtures; apply_ad_pipeline; fi
    echo ready >"$NODE_STATUS"
    return 0
  fi
  stop_node >/dev/null
  forget_node
  [ "$mode" = required ] && die "the node cannot run (CALICO_AD_NODE=1): ${reason}"
  echo "unavailable: ${reason}" >"$NODE_STATUS"
  log "NO NODE: ${reason}; running the API server only (pods do not run, rollouts cannot be awaited)"
}

stop_one() {
  local name="$1" f pid _
  f="$(pidfile "$name")"
  if ! running "$name"; then
    if [ -f "$f" ]; then log "$name not running (removing stale PID file)"; rm -f "$f"; else log "$name not running"; fi
    return 0
  fi
  pid="$(cat "$f")"
  log "stopping $name (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 60); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.5
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "$name did not exit after 30s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$f"
}

cmd_stop() {
  stop_node
  stop_one kube-apiserver
  stop_one etcd
  log "stopped (state kept in $DIR; 'clean' deletes it)"
}

cmd_status() {
  local rc=0 n
  for n in etcd kube-apiserver; do
    if running "$n"; then log "$n: running (pid $(cat "$(pidfile "$n")"))"; else log "$n: not running"; rc=3; fi
  done
  log "node: $(cat "$NODE_STATUS" 2>/dev/null || echo 'not started')"
  for n in containerd kubelet kube-controller-manager kube-scheduler; do
    if running "$n"; then log "  $n: running (pid $(cat "$(pidfile "$n")"))"; fi
  done
  if running kubelet; then log "  memory: $(node_memory)"; fi
  if [ "$rc" -eq 0 ] && api_ready; then
    log "api: ${SERVER} ready; version $(curl_api /version | jq -r .gitVersion)"
    log "kubeconfig: ${KUBECONFIG_FILE} (context ${CONTEXT})"
  else
    log "api: ${SERVER} not ready"; rc=3
  fi
  return "$rc"
}

cmd_env() {
  printf 'export KUBECONFIG=%q\n' "$KUBECONFIG_FILE"
}

cmd_clean() {
  cmd_stop
  case "$DIR" in "" | / | "$HOME") die "refusing to delete '$DIR'" ;; esac
  log "deleting $DIR"
  rm -rf "$DIR"
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  env) cmd_env ;;
  fixtures) apply_fixtures ;;
  clean) cmd_clean ;;
  *)
    sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
    exit 2
    ;;
esac
