# shellcheck shell=bash
# scripts/local-node.sh: the local cluster's node, sourced by scripts/local-cluster.sh (which
# defines DIR, PKI, AP, log, die, running, pidfile, stop_one, kc, elapsed, port_in_use).
#
# One node on this machine: containerd (Debian package) with runc and the CNI bridge and
# host-local plugins, the kubelet, kube-controller-manager and kube-scheduler (built by
# scripts/toolchain.sh), the stand-in images of scripts/node-images.sh, and the local AD
# pipeline that turns the pods' packets into AD alerts (apply_ad_pipeline). Every setting that
# this kind of machine needs (cgroup v1, no systemd, no lowering of oom_score_adj, no dummy links)
# is explained in docs/local-cluster.md, "Local node".
#
# Everything is per cluster, so the demo's, the tests' and other developers' clusters can run
# side by side: state, sockets and logs under $DIR; the node's index N selects its bridge device
# cad-node-N, its network 198.19.N.0/24 (node IP 198.19.N.1 on the bridge, pods from .10) and,
# with the API server port AP, its ports. Defaults: N = AP mod 256 (demo 16443: 59, tests
# 16543: 159); kubelet AP+1, kubelet healthz AP+2 (127.0.0.1), controller-manager AP+3 and
# scheduler AP+4 (127.0.0.1). Override with CALICO_AD_NODE_INDEX, CALICO_AD_KUBELET_PORT,
# CALICO_AD_KUBELET_HEALTHZ_PORT, CALICO_AD_CONTROLLER_MANAGER_PORT, CALICO_AD_SCHEDULER_PORT.

NODE_INDEX="${CALICO_AD_NODE_INDEX:-$((AP % 256))}"
if ! [[ "$NODE_INDEX" =~ ^[0-9]+$ ]] || [ "$NODE_INDEX" -gt 255 ]; then
  die "CALICO_AD_NODE_INDEX must be an integer from 0 to 255, got '${NODE_INDEX}'"
fi
NODE_NAME=calico-ad-node
NODE_IP="198.19.${NODE_INDEX}.1"
NODE_SUBNET="198.19.${NODE_INDEX}.0/24"
NODE_BRIDGE="cad-node-${NODE_INDEX}"
KUBELET_PORT="${CALICO_AD_KUBELET_PORT:-$((AP + 1))}"
KUBELET_HEALTHZ_PORT="${CALICO_AD_KUBELET_HEALTHZ_PORT:-$((AP + 2))}"
CONTROLLER_MANAGER_PORT="${CALICO_AD_CONTROLLER_MANAGER_PORT:-$((AP + 3))}"
SCHEDULER_PORT="${CALICO_AD_SCHEDULER_PORT:-$((AP + 4))}"
CTRD="$DIR/containerd"
CTRD_SOCK="$CTRD/containerd.sock"
KUBELET_ROOT="$DIR/kubelet"
NODE_STATUS="$DIR/node-status"
NODE_READY_TIMEOUT="${CALICO_AD_NODE_READY_TIMEOUT:-180}"
NODE_FIXTURES="${CALICO_AD_ROOT}/test/fixtures/node"
PIPELINE_TEMPLATE="${CALICO_AD_ROOT}/test/fixtures/node-pipeline/60-ad-pipeline.yaml.tmpl"
CLUSTER_DOMAIN=cluster.local
IDS_NS=tigera-intrusion-detection
SANDBOX_IMAGE=localhost/calico-ad/pause:test-stand-in
CNI_BIN_DIR=/usr/lib/cni

ctrc() { ctr --address "$CTRD_SOCK" --namespace k8s.io "$@"; }

# Why this machine cannot run the node, or nothing when it can.
node_unavailable() {
  local b
  [ "$(id -u)" = 0 ] || { echo "not root (containerd, runc and the bridge device need root)"; return; }
  for b in containerd runc ctr ip; do
    command -v "$b" >/dev/null || { echo "$b not found (scripts/install-deps.sh installs containerd, runc, iproute2)"; return; }
  done
  for b in kubelet kube-controller-manager kube-scheduler; do
    command -v "$b" >/dev/null || { echo "$b not found on PATH (scripts/toolchain.sh builds it)"; return; }
  done
  for b in bridge host-local loopback; do
    [ -x "$CNI_BIN_DIR/$b" ] || { echo "CNI plugin $CNI_BIN_DIR/$b not found (Debian package containernetworking-plugins)"; return; }
  done
  [ -d /sys/fs/cgroup/memory ] || [ -f /sys/fs/cgroup/cgroup.controllers ] \
    || { echo "no cgroup memory controller under /sys/fs/cgroup"; return; }
}

# The node is wanted: CALICO_AD_NODE=1 (required), 0 (API server only) or auto (default: when
# the machine can run it).
node_mode() {
  case "${CALICO_AD_NODE:-auto}" in
    1 | true | yes) echo required ;;
    0 | false | no) echo off ;;
    *) echo auto ;;
  esac
}

node_client_certs() {
  # client_cert NAME SUBJECT: a client certificate signed by the cluster CA.
  client_cert() {
    [ -f "$PKI/$1.crt" ] && return 0
    openssl req -newkey rsa:2048 -nodes -keyout "$PKI/$1.key" -out "$PKI/$1.csr" -subj "$2" 2>/dev/null
    printf 'extendedKeyUsage=clientAuth\n' >"$PKI/$1.ext"
    openssl x509 -req -in "$PKI/$1.csr" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" -CAcreateserial -days 3650 \
      -extfile "$PKI/$1.ext" -out "$PKI/$1.crt" 2>/dev/null
    rm -f "$PKI/$1.csr" "$PKI/$1.ext" "$PKI/ca.srl"
    chmod 600 "$PKI/$1.key"
  }
  client_cert apiserver-kubelet-client "/O=system:masters/CN=kube-apiserver-kubelet-client"
  client_cert kubelet "/O=system:nodes/CN=system:node:${NODE_NAME}"
  client_cert kube-controller-manager "/CN=system:kube-controller-manager"
  client_cert kube-scheduler "/CN=system:kube-scheduler"
}

# Bridge device with the node IP; the CNI bridge plugin attaches the pods to it.
create_bridge() {
  if [ "$(cat "$DIR/bridge" 2>/dev/null)" = "$NODE_BRIDGE" ] && ip link show "$NODE_BRIDGE" >/dev/null 2>&1; then
    return 0
  fi
  if ip link show "$NODE_BRIDGE" >/dev/null 2>&1; then
    echo "device ${NODE_BRIDGE} exists and is not this cluster's (another cluster with node index ${NODE_INDEX}? set CALICO_AD_NODE_INDEX)"
    return 1
  fi
  if [ -n "$(ip -4 route show "$NODE_SUBNET" 2>/dev/null)" ] || ip -4 -o addr show | grep -qw "${NODE_IP}"; then
    echo "${NODE_SUBNET} is already in use on this machine (set CALICO_AD_NODE_INDEX)"
    return 1
  fi
  ip link add "$NODE_BRIDGE" type bridge || { echo "cannot create bridge device ${NODE_BRIDGE}"; return 1; }
  echo "$NODE_BRIDGE" >"$DIR/bridge"
  ip addr add "${NODE_IP}/24" dev "$NODE_BRIDGE"
  ip link set "$NODE_BRIDGE" up
}

# Bridged pod traffic must pass the ip forward hook, where the policy enforcement stand-in drops
# denied packets (as kubeadm's preflight requires for kube-proxy): br_netfilter with
# bridge-nf-call-iptables on. Sets it when it can (a host-wide setting).
filter_bridged_traffic() {
  local knob=/proc/sys/net/bridge/bridge-nf-call-iptables
  [ -f "$knob" ] || modprobe br_netfilter 2>/dev/null || true
  [ "$(cat "$knob" 2>/dev/null)" = 1 ] || echo 1 >"$knob" 2>/dev/null || true
  [ "$(cat "$knob" 2>/dev/null)" = 1 ] || {
    echo "bridged pod traffic bypasses netfilter: ${knob} is $(cat "$knob" 2>/dev/null || echo missing) and could not be set to 1 (load br_netfilter: modprobe br_netfilter; sysctl -w net.bridge.bridge-nf-call-iptables=1), so the default-deny stand-in could not drop denied flows"
    return 1
  }
}

write_node_config() {
  mkdir -p "$CTRD" "$DIR/cni/net.d" "$KUBELET_ROOT" "$DIR/pod-logs"
  cat >"$CTRD/config.toml" <<EOF
# Generated by scripts/local-cluster.sh: containerd of the local node, everything under ${CTRD}.
version = 2
root = "${CTRD}/root"
state = "${CTRD}/state"
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs"]
[grpc]
  address = "${CTRD_SOCK}"
  tcp_address = ""
[ttrpc]
  address = "${CTRD_SOCK}.ttrpc"
[debug]
  address = ""
[metrics]
  address = ""
[plugins."io.containerd.internal.v1.opt"]
  path = "${CTRD}/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "${SANDBOX_IMAGE}"
  # This machine refuses to lower a process's oom_score_adj, which the pod sandbox asks for.
  restrict_oom_score_adj = true
  netns_mounts_under_state_dir = true
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        BinaryName = "$(command -v runc)"
        Root = "${CTRD}/runc"
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "${CNI_BIN_DIR}"
    conf_dir = "${DIR}/cni/net.d"
EOF
  jq -n --arg name "calico-ad-node-${NODE_INDEX}" --arg bridge "$NODE_BRIDGE" --arg subnet "$NODE_SUBNET" \
    --arg start "198.19.${NODE_INDEX}.10" --arg gw "$NODE_IP" --arg data "$DIR/cni/ipam" '{
      cniVersion: "0.4.0", name: $name,
      plugins: [{ type: "bridge", bridge: $bridge, isGateway: true, ipMasq: false, hairpinMode: true,
        ipam: { type: "host-local", dataDir: $data, routes: [{ dst: "0.0.0.0/0" }],
          ranges: [[{ subnet: $subnet, rangeStart: $start, gateway: $gw }]] } }] }' \
    >"$DIR/cni/net.d/10-calico-ad-node.conflist"
  cat >"$DIR/kubelet-config.yaml" <<EOF
# Generated by scripts/local-cluster.sh: the local node's kubelet.
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: ${NODE_IP}
port: ${KUBELET_PORT}
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: ${KUBELET_HEALTHZ_PORT}
# CoreDNS, the AD pipeline's kube-dns, listens on the node IP.
clusterDNS: [${NODE_IP}]
clusterDomain: ${CLUSTER_DOMAIN}
# Only clients with a certificate from the cluster CA (the API server's kubelet client).
authentication:
  anonymous: { enabled: false }
  webhook: { enabled: false }
  x509: { clientCAFile: ${PKI}/ca.crt }
authorization: { mode: AlwaysAllow }
containerRuntimeEndpoint: unix://${CTRD_SOCK}
# cgroup v1 hierarchies (plus a cgroup2 mount) and no systemd on this kind of machine.
failCgroupV1: false
cgroupDriver: cgroupfs
cgroupsPerQOS: false
enforceNodeAllocatable: []
failSwapOn: false
localStorageCapacityIsolation: false
podLogsDir: ${DIR}/pod-logs
volumePluginDir: ${DIR}/kubelet-plugins
# The stand-in images cannot be pulled again: never garbage-collect them.
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
serializeImagePulls: false
rotateCertificates: false
EOF
  kubeconfig_for "$DIR/kubelet.kubeconfig" kubelet
  kubeconfig_for "$DIR/kube-controller-manager.kubeconfig" kube-controller-manager
  kubeconfig_for "$DIR/kube-scheduler.kubeconfig" kube-scheduler
}

start_containerd() {
  if running containerd; then return 0; fi
  rm -f "$(pidfile containerd)"
  setsid nohup containerd --config "$CTRD/config.toml" </dev/null >>"$DIR/containerd.log" 2>&1 &
  echo $! >"$(pidfile containerd)"
  local t0; t0=$(date +%s)
  until ctrc version >/dev/null 2>&1; do
    running containerd || { echo "containerd exited: $(tail -n 5 "$DIR/containerd.log" | tr '\n' ' ')"; return 1; }
    [ "$(elapsed "$t0")" -lt 30 ] || { echo "containerd not answering on ${CTRD_SOCK} after 30s (see $DIR/containerd.log)"; return 1; }
    sleep 0.5
  done
  log "containerd $(containerd --version | awk '{print $3}') on ${CTRD_SOCK} after $(elapsed "$t0")s"
}

import_images() {
  local dir f t0; t0=$(date +%s)
  dir="$(bash "${CALICO_AD_ROOT}/scripts/node-images.sh")" || { echo "building the stand-in images failed"; return 1; }
  for f in "$dir"/*.tar; do
    ctrc images import --no-unpack=false "$f" >/dev/null || { echo "ctr images import $f failed"; return 1; }
  done
  log "stand-in images imported from $dir in $(elapsed "$t0")s"
}

start_kube_process() {
  local name="$1"; shift
  if running "$name"; then return 0; fi
  rm -f "$(pidfile "$name")"
  setsid nohup "$name" "$@" </dev/null >>"$DIR/$name.log" 2>&1 &
  echo $! >"$(pidfile "$name")"
}

start_kubelet() {
  if ! running kubelet && port_in_use "$KUBELET_HEALTHZ_PORT"; then
    echo "port 127.0.0.1:${KUBELET_HEALTHZ_PORT} is in use (CALICO_AD_KUBELET_HEALTHZ_PORT)"; return 1
  fi
  start_kube_process kubelet --config="$DIR/kubelet-config.yaml" --kubeconfig="$DIR/kubelet.kubeconfig" \
    --root-dir="$KUBELET_ROOT" --cert-dir="$KUBELET_ROOT/pki" --node-ip="$NODE_IP" --hostname-override="$NODE_NAME" --v=1
}

start_control_loops() {
  port_in_use "$CONTROLLER_MANAGER_PORT" && ! running kube-controller-manager \
    && { echo "port 127.0.0.1:${CONTROLLER_MANAGER_PORT} is in use (CALICO_AD_CONTROLLER_MANAGER_PORT)"; return 1; }
  port_in_use "$SCHEDULER_PORT" && ! running kube-scheduler \
    && { echo "port 127.0.0.1:${SCHEDULER_PORT} is in use (CALICO_AD_SCHEDULER_PORT)"; return 1; }
  local kcfg="$DIR/kube-controller-manager.kubeconfig" scfg="$DIR/kube-scheduler.kubeconfig"
  start_kube_process kube-controller-manager --kubeconfig="$kcfg" --authentication-kubeconfig="$kcfg" \
    --authorization-kubeconfig="$kcfg" --bind-address=127.0.0.1 --secure-port="$CONTROLLER_MANAGER_PORT" \
    --cert-dir="$DIR/controller-manager-certs" --leader-elect=false --use-service-account-credentials=true \
    --service-account-private-key-file="$PKI/sa.key" --root-ca-file="$PKI/ca.crt" --cluster-name=calico-ad-local
  start_kube_process kube-scheduler --kubeconfig="$scfg" --authentication-kubeconfig="$scfg" \
    --authorization-kubeconfig="$scfg" --bind-address=127.0.0.1 --secure-port="$SCHEDULER_PORT" \
    --cert-dir="$DIR/scheduler-certs" --leader-elect=false
}

# When the running kubelet started (RFC 3339 UTC): status older than that is the last run's.
kubelet_started() { date -u -r "$(pidfile kubelet)" +%FT%TZ; }

# node_ready SINCE: Ready and untainted, with its lease renewed at or after SINCE (an RFC 3339
# UTC time): after a restart the node object still holds the last run's status, and the
# kubelet rewrites that only every 5 minutes when nothing changes; it renews its lease every 10 s.
node_ready() {
  local renewed
  renewed="$(kc -n kube-node-lease get lease "$NODE_NAME" -o 'jsonpath={.spec.renewTime}' 2>/dev/null)" || return 1
  [ -n "$renewed" ] && [[ ! "$renewed" < "$1" ]] \
    && [ "$(kc get node "$NODE_NAME" -o 'jsonpath={.status.conditions[?(@.type=="Ready")].status}')" = True ] \
    && [ -z "$(kc get node "$NODE_NAME" -o 'jsonpath={.spec.taints}')" ]
}

# start_node: prints why it failed (and returns 1), or starts everything and waits for Ready.
start_node() {
  local t0 reason n; t0=$(date +%s)
  reason="$(node_unavailable)"; [ -z "$reason" ] || { echo "$reason"; return 1; }
  node_client_certs
  create_bridge || return 1
  filter_bridged_traffic || return 1
  write_node_config
  start_containerd || return 1
  import_images || return 1
  start_control_loops || return 1
  start_kubelet || return 1
  until node_ready "$(kubelet_started)"; do
    for n in kubelet kube-controller-manager kube-scheduler containerd; do
      running "$n" || { echo "$n exited: $(tail -n 5 "$DIR/$n.log" | tr '\n' ' ')"; return 1; }
    done
    [ "$(elapsed "$t0")" -lt "$NODE_READY_TIMEOUT" ] \
      || { echo "node ${NODE_NAME} not Ready and untainted after ${NODE_READY_TIMEOUT}s (see $DIR/kubelet.log)"; return 1; }
    sleep 1
  done
  log "node ${NODE_NAME} Ready after $(elapsed "$t0")s: ${NODE_IP} on ${NODE_BRIDGE}, pods from ${NODE_SUBNET}, kubelet :${KUBELET_PORT}"
}

# The workshop's pods; waits until each runs a container the running kubelet started.
apply_node_fixtures() {
  local since t0 pod started; since="$(kubelet_started)"; t0=$(date +%s)
  kc apply -f "$NODE_FIXTURES"
  for pod in netshoot centos; do
    until started="$(kc -n dev get pod "$pod" -o 'jsonpath={.status.containerStatuses[0].state.running.startedAt}' 2>/dev/null)" \
      && [ -n "$started" ] && [[ ! "$started" < "$since" ]] \
      && [ "$(kc -n dev get pod "$pod" -o 'jsonpath={.status.conditions[?(@.type=="Ready")].status}')" = True ]; do
      [ "$(elapsed "$t0")" -lt 120 ] || die "pod dev/$pod not running after 120s (kubectl -n dev describe pod $pod)"
      sleep 1
    done
  done
  log "workshop pods dev/netshoot and dev/centos Running after $(elapsed "$t0")s"
}

# es_stand_in_certs: a CA for the Elasticsearch stand-in, which goes into the release's CA
# Secrets in place of the fixtures' (whose key was discarded), and its serving certificate for
# every host name the AD jobs of a release use.
es_stand_in_certs() {
  [ -f "$PKI/es-stand-in.crt" ] && [ -f "$PKI/es-ca.crt" ] && return 0
  local names=() n
  for n in tigera-secure-es-gateway-http.tigera-elasticsearch tigera-secure-es-http.tigera-elasticsearch tigera-guardian.tigera-guardian; do
    names+=("DNS:${n}.svc" "DNS:${n}.svc.${CLUSTER_DOMAIN}")
  done
  (
    cd "$PKI" || exit 1
    openssl req -x509 -newkey rsa:2048 -nodes -keyout es-ca.key -out es-ca.crt -days 3650 \
      -subj "/O=calico-ad test stand-in/CN=calico-ad Elasticsearch stand-in CA" 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -keyout es-stand-in.key -out es-stand-in.csr \
      -subj "/O=calico-ad test stand-in/CN=tigera-secure-es-gateway-http.tigera-elasticsearch.svc" 2>/dev/null
    printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth\n' "$(IFS=,; echo "${names[*]}")" >es-stand-in.ext
    openssl x509 -req -in es-stand-in.csr -CA es-ca.crt -CAkey es-ca.key -CAcreateserial -days 3650 \
      -extfile es-stand-in.ext -out es-stand-in.crt 2>/dev/null
    rm -f es-stand-in.csr es-stand-in.ext es-ca.srl
    chmod 600 es-ca.key es-stand-in.key
  )
}

# secret_from_files NAMESPACE NAME KEY=FILE...: creates or replaces a Secret; values never on a
# command line.
secret_from_files() {
  local ns="$1" name="$2" args=() kv; shift 2
  for kv in "$@"; do args+=("--from-file=$kv"); done
  kc -n "$ns" create secret generic "$name" "${args[@]}" --dry-run=client -o json \
    | jq '.metadata.labels = {"calico-ad.test/stand-in": "true"}' | kc apply -f - >/dev/null
}

# apply_ad_pipeline: the local AD pipeline of test/fixtures/node-pipeline (flow recorder,
# Elasticsearch and GlobalAlert stand-ins, CoreDNS as kube-dns) with its secrets: the stand-in's TLS key pair, its users
# (the AD jobs' user from their Secret, and one for the flow recorder), and the stand-in's CA in
# the CA Secrets the AD jobs and the alert verification read. Waits until they all run.
apply_ad_pipeline() {
  local t0 cluster work b64 secret d existed guardian_ip; t0=$(date +%s)
  local pipeline="kube-system/coredns tigera-guardian/calico-ad-es-stand-in calico-system/calico-ad-flow-recorder ${IDS_NS}/calico-ad-global-alert-stand-in"
  es_stand_in_certs
  existed="$(kc -n tigera-guardian get deployment calico-ad-es-stand-in -o name --ignore-not-found 2>/dev/null)"
  cluster="$(kc -n "$IDS_NS" get deployment intrusion-detection-controller \
    -o 'jsonpath={.spec.template.spec.containers[0].env[?(@.name=="CLUSTER_NAME")].value}')"
  [ -n "$cluster" ] || die "no CLUSTER_NAME in ${IDS_NS}/intrusion-detection-controller: cannot name the flow log index"
  work="$(mktemp -d)"; chmod 700 "$work"
  (
    umask 077
    field() { kc -n "$IDS_NS" get secret tigera-ee-ad-job-elasticsearch-access -o "jsonpath={.data.$1}" | base64 -d; }
    printf 'calico-ad-flow-recorder' >"$work/flows-user"
    openssl rand -hex 24 | tr -d '\n' >"$work/flows-password"
    { printf '%s:%s\n' "$(field username)" "$(field password)"
      printf '%s:%s\n' "$(cat "$work/flows-user")" "$(cat "$work/flows-password")"; } >"$work/users"
  ) || { rm -rf "$work"; die "cannot read the AD user's Secret ${IDS_NS}/tigera-ee-ad-job-elasticsearch-access"; }
  # The CA first: a pipeline pod that mounts these reads its CA once, when it starts.
  b64="$(base64 -w0 "$PKI/es-ca.crt")"
  for secret in tigera-secure-es-gateway-http-certs-public tigera-secure-es-http-certs-public; do
    kc -n "$IDS_NS" patch secret "$secret" --type=merge -p "{\"data\":{\"tls.crt\":\"${b64}\"}}" >/dev/null
  done
  # The CA bundle the operator creates from CE 3.16 on, which those releases' route reads.
  kc -n "$IDS_NS" create configmap tigera-ca-bundle --from-file=tigera-ca-bundle.crt="$PKI/es-ca.crt" \
    --dry-run=client -o yaml | kc apply -f - >/dev/null
  # Clusters made before CoreDNS: its predecessor holds port 53, and Guardian's Service had a
  # cluster IP (immutable), which CoreDNS would answer with.
  kc -n kube-system delete deployment calico-ad-dns-stand-in --ignore-not-found >/dev/null
  guardian_ip="$(kc -n tigera-guardian get service tigera-guardian -o 'jsonpath={.spec.clusterIP}' 2>/dev/null || true)"
  if [ -n "$guardian_ip" ] && [ "$guardian_ip" != None ]; then
    kc -n tigera-guardian delete service tigera-guardian >/dev/null
  fi
  sed -e "s|@NODE_IP@|${NODE_IP}|g" -e "s|@NODE_SUBNET@|${NODE_SUBNET}|g" -e "s|@BRIDGE@|${NODE_BRIDGE}|g" -e "s|@APISERVER_PORT@|${AP}|g" \
    -e "s|@CLUSTER_NAME@|${cluster}|g" -e "s|@CLUSTER_DOMAIN@|${CLUSTER_DOMAIN}|g" "$PIPELINE_TEMPLATE" \
    | kc apply -f - >/dev/null
  secret_from_files tigera-guardian calico-ad-es-stand-in tls.crt="$PKI/es-stand-in.crt" \
    tls.key="$PKI/es-stand-in.key" users="$work/users"
  secret_from_files calico-system calico-ad-flow-recorder-elasticsearch username="$work/flows-user" \
    password="$work/flows-password" ca.crt="$PKI/es-ca.crt"
  rm -rf "$work"
  # A restart of the cluster keeps the objects: new pods read the new users and certificates.
  if [ -n "$existed" ]; then
    for d in $pipeline; do
      kc -n "${d%%/*}" rollout restart deployment "${d#*/}" >/dev/null
    done
  fi
  for d in $pipeline; do
    kc -n "${d%%/*}" rollout status deployment "${d#*/}" --timeout=120s >/dev/null \
      || die "deployment ${d} of the AD pipeline not running after 120s (kubectl -n ${d%%/*} describe pods)"
  done
  log "AD pipeline stand-ins running after $(elapsed "$t0")s: flow records of ${NODE_BRIDGE} to tigera_secure_ee_flows.${cluster}.*, Elasticsearch behind tigera-guardian/tigera-guardian:9200, CoreDNS as kube-dns on ${NODE_IP}:53"
}

# stop_node: stop the node's processes and remove its pods' containers, mounts and bridge.
stop_node() {
  stop_one kube-scheduler
  stop_one kube-controller-manager
  stop_one kubelet
  if running containerd; then
    local id
    for id in $(ctrc tasks ls -q 2>/dev/null); do ctrc tasks kill -s SIGKILL "$id" >/dev/null 2>&1 || true; done
    for id in $(ctrc tasks ls -q 2>/dev/null); do ctrc tasks delete --force "$id" >/dev/null 2>&1 || true; done
    for id in $(ctrc containers ls -q 2>/dev/null); do ctrc containers delete "$id" >/dev/null 2>&1 || true; done
  fi
  stop_one containerd
  # Volumes, sandbox /dev/shm, network namespaces and rootfs mounts, deepest first.
  local m
  while read -r m; do
    umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || log "cannot unmount $m"
  done < <(awk -v d="$DIR/" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo | sort -r)
  rm -rf "$DIR/cni/ipam"
  # The kubelet links every container log into /var/log/containers (a fixed path): remove ours.
  find /var/log/containers -maxdepth 1 -lname "$DIR/*" -delete 2>/dev/null || true
  if [ -f "$DIR/bridge" ]; then
    local bridge; bridge="$(cat "$DIR/bridge")"
    if ip link show "$bridge" >/dev/null 2>&1; then log "deleting bridge $bridge"; ip link delete "$bridge"; fi
    # The flow recorder's drop rules (policy.go tableName), in case it was killed before removing them.
    if nft list table ip "calico_ad_stand_in_${bridge//[-.]/_}" >/dev/null 2>&1; then
      log "deleting nftables table calico_ad_stand_in_${bridge//[-.]/_}"
      nft delete table ip "calico_ad_stand_in_${bridge//[-.]/_}"
    fi
    rm -f "$DIR/bridge"
  fi
  rm -f "$NODE_STATUS"
}

# node_memory: RSS in MiB of the node's processes: containerd, kubelet, controller-manager,
# scheduler, and the containerd shims of this cluster's socket with their pods' processes.
node_memory() {
  local pids=() n p kb=0 all
  for n in containerd kubelet kube-controller-manager kube-scheduler; do
    running "$n" && pids+=("$(cat "$(pidfile "$n")")")
  done
  for p in /proc/[0-9]*; do
    tr '\0' ' ' <"$p/cmdline" 2>/dev/null | grep -q "containerd-shim.* -address ${CTRD_SOCK} " && pids+=("${p#/proc/}")
  done
  # descendants of the shims (the pods' processes)
  all=" ${pids[*]} "
  for _ in 1 2 3 4; do
    while read -r p; do
      [[ "$all" == *" $p "* ]] || all+="$p "
    done < <(for n in $all; do ps -o pid= --ppid "$n" 2>/dev/null; done | tr -d ' ')
  done
  for p in $all; do
    kb=$((kb + $(awk '/^VmRSS:/ { print $2 }' "/proc/$p/status" 2>/dev/null || echo 0)))
  done
  echo "$((kb / 1024)) MiB RSS in $(wc -w <<<"$all") processes"
}
