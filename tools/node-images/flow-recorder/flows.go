package main

import (
	"encoding/binary"
	"net/netip"
	"sort"
	"strings"
	"syscall"
	"time"
)

// sourceFilter is a classic BPF program that keeps Ethernet frames carrying IPv4 from subnet
// (their first snapLength bytes) and drops every other frame.
func sourceFilter(subnet netip.Prefix) []syscall.SockFilter {
	net4 := subnet.Masked().Addr().As4()
	mask := uint32(0xffffffff) << (32 - subnet.Bits())
	if subnet.Bits() == 0 {
		mask = 0
	}
	return []syscall.SockFilter{
		*syscall.LsfStmt(syscall.BPF_LD|syscall.BPF_H|syscall.BPF_ABS, 12),
		*syscall.LsfJump(syscall.BPF_JMP|syscall.BPF_JEQ|syscall.BPF_K, 0x0800, 0, 4),
		*syscall.LsfStmt(syscall.BPF_LD|syscall.BPF_W|syscall.BPF_ABS, 14+12),
		*syscall.LsfStmt(syscall.BPF_ALU|syscall.BPF_AND|syscall.BPF_K, int(mask)),
		*syscall.LsfJump(syscall.BPF_JMP|syscall.BPF_JEQ|syscall.BPF_K, int(binary.BigEndian.Uint32(net4[:])), 0, 1),
		*syscall.LsfStmt(syscall.BPF_RET|syscall.BPF_K, snapLength),
		*syscall.LsfStmt(syscall.BPF_RET|syscall.BPF_K, 0),
	}
}

// snapLength is how much of a frame the recorder reads: the headers, and a DNS message's header
// and question (a name is at most 255 bytes).
const snapLength = 512

// packet is what the recorder reads from one Ethernet frame.
type packet struct {
	src, dst         netip.Addr
	proto            string // "tcp" or "udp"
	srcPort, dstPort uint16
	// starts is true for a packet that opens a flow: a TCP SYN without ACK, or any UDP packet.
	starts bool
	// payload is a UDP packet's payload, as far as it was captured.
	payload []byte
}

// parseFrame reads an Ethernet II frame carrying IPv4 TCP or UDP; ok is false for anything else.
func parseFrame(frame []byte) (p packet, ok bool) {
	if len(frame) < 14+20 || binary.BigEndian.Uint16(frame[12:14]) != 0x0800 {
		return p, false
	}
	return parseIPv4(frame[14:])
}

// parseIPv4 reads an IPv4 packet carrying TCP or UDP (what NFLOG hands over for family ip).
func parseIPv4(ip []byte) (p packet, ok bool) {
	if len(ip) < 20 {
		return p, false
	}
	ihl := int(ip[0]&0x0f) * 4
	if ip[0]>>4 != 4 || ihl < 20 || len(ip) < ihl+4 {
		return p, false
	}
	// Later fragments carry no ports.
	if binary.BigEndian.Uint16(ip[6:8])&0x1fff != 0 {
		return p, false
	}
	p.src = netip.AddrFrom4([4]byte(ip[12:16]))
	p.dst = netip.AddrFrom4([4]byte(ip[16:20]))
	l4 := ip[ihl:]
	p.srcPort = binary.BigEndian.Uint16(l4[0:2])
	p.dstPort = binary.BigEndian.Uint16(l4[2:4])
	switch ip[9] {
	case 6:
		if len(l4) < 14 {
			return p, false
		}
		p.proto = "tcp"
		flags := l4[13]
		p.starts = flags&0x02 != 0 && flags&0x10 == 0
	case 17:
		p.proto = "udp"
		p.starts = true
		if len(l4) >= 8 {
			p.payload = l4[8:]
		}
	default:
		return p, false
	}
	return p, true
}

// flowKey is one flow log record's identity within a flush interval: Calico aggregates the
// source port away (flowLogsFileAggregationKind 1 and up) and keeps the destination; allowed and
// denied flows are always separate records.
type flowKey struct {
	src, dst netip.Addr
	proto    string
	dstPort  uint16
	denied   bool
}

type flowStats struct {
	first, last time.Time
	started     int
}

// flowTable collects flows between flushes.
type flowTable map[flowKey]*flowStats

// add counts a packet the source's side forwarded (action allow, reporter src).
func (t flowTable) add(p packet, at time.Time) { t.addVerdict(p, at, false) }

// addDenied counts a packet the destination's policy dropped (action deny, reporter dst): only
// packets that the drop rule logged through NFLOG reach it.
func (t flowTable) addDenied(p packet, at time.Time) { t.addVerdict(p, at, true) }

func (t flowTable) addVerdict(p packet, at time.Time, denied bool) {
	if !p.starts {
		return
	}
	k := flowKey{p.src, p.dst, p.proto, p.dstPort, denied}
	s := t[k]
	if s == nil {
		s = &flowStats{first: at}
		t[k] = s
	}
	s.last = at
	s.started++
}

// endpoint is what the recorder knows about an address: a pod of the node, or not.
type endpoint struct {
	namespace, name, generateName string
}

// aggrName is Calico's aggregated name: `<generateName>*` for a pod named by a controller.
func (e endpoint) aggrName() string {
	if e.generateName != "" {
		return e.generateName + "*"
	}
	return e.name
}

// records turns the table into flow log documents with the fields AD reads, in a stable order.
func (t flowTable) records(pods map[netip.Addr]endpoint, host string, end time.Time) []map[string]any {
	keys := make([]flowKey, 0, len(t))
	for k := range t {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if a.src != b.src {
			return a.src.Less(b.src)
		}
		if a.dst != b.dst {
			return a.dst.Less(b.dst)
		}
		if a.proto != b.proto {
			return a.proto < b.proto
		}
		if a.dstPort != b.dstPort {
			return a.dstPort < b.dstPort
		}
		return !a.denied && b.denied
	})
	out := make([]map[string]any, 0, len(keys))
	for _, k := range keys {
		s := t[k]
		// A packet a pod sends was allowed out by its side; one the drop rule of a default-deny
		// ingress policy logged was denied where it arrived, as Felix reports both ends.
		action, reporter := "allow", "src"
		if k.denied {
			action, reporter = "deny", "dst"
		}
		r := map[string]any{
			"start_time": s.first.Unix(), "end_time": end.Unix(),
			"action": action, "reporter": reporter, "proto": k.proto,
			"source_ip": k.src.String(), "dest_ip": k.dst.String(), "dest_port": int(k.dstPort),
			"num_flows": 1, "num_flows_started": s.started, "host": host,
		}
		side(r, "source", pods, k.src)
		side(r, "dest", pods, k.dst)
		out = append(out, r)
	}
	return out
}

// side fills <prefix>_type, _namespace, _name and _name_aggr: a workload endpoint for a pod,
// else a network (`pvt` for private addresses, `pub` otherwise), as Calico names them.
func side(r map[string]any, prefix string, pods map[netip.Addr]endpoint, addr netip.Addr) {
	if e, ok := pods[addr]; ok {
		r[prefix+"_type"], r[prefix+"_namespace"] = "wep", e.namespace
		r[prefix+"_name"], r[prefix+"_name_aggr"] = e.name, e.aggrName()
		return
	}
	network := "pub"
	if addr.IsPrivate() || strings.HasPrefix(addr.String(), "198.18.") || strings.HasPrefix(addr.String(), "198.19.") {
		network = "pvt"
	}
	r[prefix+"_type"], r[prefix+"_namespace"] = "net", "-"
	r[prefix+"_name"], r[prefix+"_name_aggr"] = "-", network
}

// flowIndex is the index Calico's fluentd writes flow logs to: tigera_secure_ee_flows.<cluster>.<yyyymmdd>.
func flowIndex(cluster string, at time.Time) string {
	return "tigera_secure_ee_flows." + cluster + "." + at.UTC().Format("20060102")
}

// flushInterval reads a FelixConfiguration duration like 10s, 5m or 300s; Felix's default is 300 s.
func flushInterval(text string) time.Duration {
	if d, err := time.ParseDuration(text); err == nil && d > 0 {
		return d
	}
	return 300 * time.Second
}
