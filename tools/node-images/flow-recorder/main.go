// Command flow-recorder is a TEST STAND-IN for Felix's flow logs and DNS logs (and the fluentd
// that ships them): it reads the packets the local node's pods send, from an AF_PACKET socket on the ports
// of the node's bridge (BRIDGE), maps addresses to pods through the API (a service account that
// may only list pods and read FelixConfigurations), and every flowLogsFlushInterval of
// FelixConfiguration `default` writes one flow log record per source, destination, protocol and
// destination port to tigera_secure_ee_flows.<CLUSTER_NAME>.<date> in Elasticsearch. Likewise
// every dnsLogsFlushInterval, one DNS log record per client, question, rcode and server, from the
// DNS queries the pods send and the answers they receive (dns.go), to
// tigera_secure_ee_dns.<CLUSTER_NAME>.<date>. It sees only packets: it reads no scan or
// simulation output, stack config or test expectation.
//
// It also stands in for Felix's policy enforcement, in one shape only (policy.go): for the
// node's pods that a default-deny ingress NetworkPolicy selects, an nftables rule in the forward
// hook logs each packet to them to NFLOG and drops it. The packets that NFLOG hands back, and
// only those, become records with action deny and reporter dst, as Felix learns its verdicts
// from the NFLOG rules of its policy chains.
package main

import (
	"context"
	"fmt"
	"log"
	"net/netip"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"calico-ad.local/tools/node-images/internal/es"
	"calico-ad.local/tools/node-images/internal/kube"
)

const ethPAll = 0x0003

func htons(v uint16) uint16 { return v<<8 | v>>8 }

// bridgePorts returns the interface indexes of the bridge's ports (the pods' host-side veths).
func bridgePorts(bridge string) map[int]bool {
	ports := map[int]bool{}
	dirs, _ := filepath.Glob(filepath.Join("/sys/class/net", bridge, "brif", "*"))
	for _, dir := range dirs {
		text, err := os.ReadFile(filepath.Join("/sys/class/net", filepath.Base(dir), "ifindex"))
		if err == nil {
			if i, err := strconv.Atoi(strings.TrimSpace(string(text))); err == nil {
				ports[i] = true
			}
		}
	}
	return ports
}

type recorder struct {
	mu    sync.Mutex
	flows flowTable
	dns   dnsTable
}

// capture reads frames on every interface and keeps those a pod sends: received on a port of
// the bridge (not PACKET_OUTGOING, which is the same frame on its way into the next pod). DNS
// messages also count on their way into a pod, for the answers kube-dns (on the node's address,
// in the subnet) sends back.
func (r *recorder) capture(bridge string, subnet netip.Prefix) error {
	fd, err := syscall.Socket(syscall.AF_PACKET, syscall.SOCK_RAW, int(htons(ethPAll)))
	if err != nil {
		return err
	}
	// The socket sees every interface of the machine: the kernel passes on only IPv4 from the
	// node's pod network, so the rest (loopback API traffic, other clusters) costs nothing here.
	if err := syscall.AttachLsf(fd, sourceFilter(subnet)); err != nil {
		return fmt.Errorf("attaching the packet filter: %w", err)
	}
	growReceiveBuffer(fd, "packet")
	var (
		ports   = bridgePorts(bridge)
		checked = time.Now()
		buf     = make([]byte, snapLength)
	)
	for {
		n, from, err := syscall.Recvfrom(fd, buf, syscall.MSG_TRUNC)
		if err != nil {
			if err == syscall.EINTR {
				continue
			}
			return err
		}
		ll, ok := from.(*syscall.SockaddrLinklayer)
		if !ok {
			continue
		}
		now := time.Now()
		if now.Sub(checked) > time.Second || !ports[ll.Ifindex] {
			if now.Sub(checked) > 200*time.Millisecond {
				ports, checked = bridgePorts(bridge), now
			}
			if !ports[ll.Ifindex] {
				continue
			}
		}
		if n > len(buf) {
			n = len(buf)
		}
		p, ok := parseFrame(buf[:n])
		if !ok {
			continue
		}
		outgoing := ll.Pkttype == syscall.PACKET_OUTGOING
		if outgoing && p.srcPort != 53 {
			continue
		}
		r.mu.Lock()
		if !outgoing {
			r.flows.add(p, now)
		}
		r.dns.add(p, now)
		r.mu.Unlock()
	}
}

// nodePods lists the node's pods that have an address of their own (not host-network ones).
func nodePods(api *kube.Client, node string) ([]podInfo, map[netip.Addr]endpoint, error) {
	var list struct {
		Items []struct {
			Metadata struct {
				Name, Namespace, GenerateName string
				Labels                        map[string]string
			} `json:"metadata"`
			Spec   struct{ HostNetwork bool } `json:"spec"`
			Status struct{ PodIP string }     `json:"status"`
		} `json:"items"`
	}
	if err := api.Get("/api/v1/pods?fieldSelector=spec.nodeName%3D"+node, &list); err != nil {
		return nil, nil, err
	}
	var infos []podInfo
	out := map[netip.Addr]endpoint{}
	for _, p := range list.Items {
		if addr, err := netip.ParseAddr(p.Status.PodIP); err == nil && !p.Spec.HostNetwork {
			out[addr] = endpoint{p.Metadata.Namespace, p.Metadata.Name, p.Metadata.GenerateName}
			infos = append(infos, podInfo{p.Metadata.Namespace, p.Metadata.Labels, addr})
		}
	}
	return infos, out, nil
}

// pods maps the node's pod addresses to their pods.
func pods(api *kube.Client, node string) (map[netip.Addr]endpoint, error) {
	_, out, err := nodePods(api, node)
	return out, err
}

// enforce keeps the node's nftables table in step with the default-deny ingress policies, every
// two seconds (Felix reacts to watch events; a poll is enough here), and removes it on exit.
func enforce(ctx context.Context, api *kube.Client, node, bridge string, group uint16) {
	apply := func(script string) error {
		cmd := exec.Command("nft", "-f", "-")
		cmd.Stdin = strings.NewReader(script)
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("%v: %s", err, out)
		}
		return nil
	}
	defer func() {
		if err := apply(ruleset(bridge, group, nil)); err != nil {
			log.Printf("removing the drop rules: %v", err)
		}
	}()
	applied, skipped := "", map[string]bool{}
	for {
		var list struct{ Items []networkPolicy }
		infos, _, err := nodePods(api, node)
		if err == nil {
			err = api.Get("/apis/networking.k8s.io/v1/networkpolicies", &list)
		}
		if err != nil {
			log.Printf("reading pods and NetworkPolicies: %v (rules unchanged)", err)
		} else {
			for _, p := range list.Items {
				name := p.Metadata.Namespace + "/" + p.Metadata.Name
				if why := p.notEnforced(); why != "" && !skipped[name] {
					skipped[name] = true
					log.Printf("NetworkPolicy %s is not enforced by this stand-in: %s", name, why)
				}
			}
			denied := deniedAddresses(list.Items, infos)
			if script := ruleset(bridge, group, denied); script != applied {
				if err := apply(script); err != nil {
					log.Printf("applying the drop rules: %v", err)
				} else {
					applied = script
					log.Printf("default-deny ingress enforced for %v (nftables table %s, NFLOG group %d)", denied, tableName(bridge), group)
				}
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(2 * time.Second):
		}
	}
}

// readDenied records every packet the drop rules logged to NFLOG group as denied at its
// destination.
func (r *recorder) readDenied(group uint16) error {
	fd, err := nflogSocket(group)
	if err != nil {
		return err
	}
	growReceiveBuffer(fd, "NFLOG")
	buf := make([]byte, 65536)
	for {
		n, _, err := syscall.Recvfrom(fd, buf, 0)
		if err != nil {
			if err == syscall.EINTR || err == syscall.ENOBUFS {
				continue
			}
			return err
		}
		now := time.Now()
		for _, payload := range nflogPayloads(buf[:n]) {
			if p, ok := parseIPv4(payload); ok {
				r.mu.Lock()
				r.flows.addDenied(p, now)
				r.mu.Unlock()
			}
		}
	}
}

// felixFlushIntervals reads flowLogsFlushInterval and dnsLogsFlushInterval of FelixConfiguration default.
func felixFlushIntervals(api *kube.Client) (flows, dns time.Duration) {
	var felix struct {
		Spec struct{ FlowLogsFlushInterval, DNSLogsFlushInterval string } `json:"spec"`
	}
	if err := api.Get("/apis/projectcalico.org/v3/felixconfigurations/default", &felix); err != nil && err != kube.ErrNotFound {
		log.Printf("reading FelixConfiguration default: %v (using the default flush intervals)", err)
	}
	return flushInterval(felix.Spec.FlowLogsFlushInterval), flushInterval(felix.Spec.DNSLogsFlushInterval)
}

func main() {
	bridge, cluster, node := os.Getenv("BRIDGE"), os.Getenv("CLUSTER_NAME"), os.Getenv("NODE_NAME")
	subnet, err := netip.ParsePrefix(os.Getenv("NODE_SUBNET"))
	if bridge == "" || cluster == "" || node == "" || err != nil || !subnet.Addr().Is4() {
		log.Fatal("BRIDGE, CLUSTER_NAME, NODE_NAME and NODE_SUBNET (an IPv4 prefix) must be set")
	}
	api, err := kube.InCluster()
	if err != nil {
		log.Fatalf("API client: %v", err)
	}
	store, err := es.FromEnv("tigera-secure-es-http.tigera-elasticsearch.svc")
	if err != nil {
		log.Fatalf("Elasticsearch client: %v", err)
	}
	r := &recorder{flows: flowTable{}, dns: newDNSTable()}
	go func() { log.Fatalf("capture on the ports of %s: %v", bridge, r.capture(bridge, subnet)) }()
	group := nflogGroup(subnet)
	go func() { log.Fatalf("reading NFLOG group %d: %v", group, r.readDenied(group)) }()
	log.Printf("calico-ad TEST STAND-IN for Felix flow logs, DNS logs and policy enforcement: recording the pods on %s of node %s for cluster %s", bridge, node, cluster)

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	enforced := make(chan struct{})
	go func() { enforce(ctx, api, node, bridge, group); close(enforced) }()
	defer func() { <-enforced }()
	flows := &shipper{kind: "flow", index: func(at time.Time) string { return flowIndex(cluster, at) }, last: time.Now()}
	dns := &shipper{kind: "DNS", index: func(at time.Time) string { return dnsIndex(cluster, at) }, last: time.Now()}
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Second):
		}
		now := time.Now()
		flowEvery, dnsEvery := felixFlushIntervals(api)
		flowsDue, dnsDue := now.Sub(flows.last) >= flowEvery, now.Sub(dns.last) >= dnsEvery
		if !flowsDue && !dnsDue {
			continue
		}
		r.mu.Lock()
		var flowTaken flowTable
		var dnsTaken dnsTable
		if flowsDue {
			flowTaken, r.flows = r.flows, flowTable{}
		}
		if dnsDue {
			dnsTaken, r.dns = r.dns, r.dns.next(now)
		}
		r.mu.Unlock()
		var known map[netip.Addr]endpoint
		if len(flowTaken) > 0 || len(dnsTaken.answers) > 0 {
			var err error
			if known, err = pods(api, node); err != nil {
				log.Printf("listing the node's pods: %v (addresses stay unnamed)", err)
			}
		}
		if flowsDue {
			flows.ship(store, flowTaken.records(known, node, now), now)
		}
		if dnsDue {
			dns.ship(store, dnsTaken.records(known, node, now), now)
		}
	}
}

// shipper writes one kind of log record to its daily index at each flush.
type shipper struct {
	kind    string
	index   func(time.Time) string
	last    time.Time
	pending []es.Doc
}

// ship writes the records of a flush, with any a previous flush could not write.
func (s *shipper) ship(store *es.Client, records []map[string]any, now time.Time) {
	s.last = now
	for _, record := range records {
		s.pending = append(s.pending, es.Doc{Index: s.index(now), Source: record})
	}
	if len(s.pending) == 0 {
		return
	}
	// Kept for the next flush when Elasticsearch is not reachable yet, like fluentd's buffer.
	if err := store.Bulk(s.pending); err != nil {
		log.Printf("writing %d %s log records: %v (retrying at the next flush)", len(s.pending), s.kind, err)
		return
	}
	log.Printf("wrote %d %s log records to %s", len(s.pending), s.kind, s.index(now))
	s.pending = nil
}

// receiveBufferBytes holds a scan's burst (hundreds of SYNs in well under a second) while this
// process waits for a CPU: the default buffer (about 200 KiB, some 150 frames) overflows on a busy
// node, and a frame the kernel drops is a port the detector never sees.
const receiveBufferBytes = 16 << 20

// growReceiveBuffer raises a socket's receive buffer past the system's rmem_max (CAP_NET_ADMIN),
// or as far as rmem_max allows, and logs what it got.
func growReceiveBuffer(fd int, what string) {
	if err := syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_RCVBUFFORCE, receiveBufferBytes); err != nil {
		_ = syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_RCVBUF, receiveBufferBytes)
	}
	if size, err := syscall.GetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_RCVBUF); err == nil {
		log.Printf("%s socket receive buffer: %d bytes", what, size)
	}
}
