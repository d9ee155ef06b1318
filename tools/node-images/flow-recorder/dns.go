package main

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"sort"
	"strings"
	"time"
)

// dnsMessage is what the recorder reads from a DNS message: its header and first question.
type dnsMessage struct {
	id            uint16
	response      bool
	rcode         int
	qname         string // lowercase, without the trailing dot
	qtype, qclass uint16
}

// parseDNS reads a DNS message's header and first question (uncompressed, as questions are);
// the answers are not read, so a message cut at the capture length still parses.
func parseDNS(msg []byte) (m dnsMessage, ok bool) {
	if len(msg) < 12 || binary.BigEndian.Uint16(msg[4:6]) == 0 {
		return m, false
	}
	m.id = binary.BigEndian.Uint16(msg[0:2])
	m.response = msg[2]&0x80 != 0
	m.rcode = int(msg[3] & 0x0f)
	var labels []string
	at := 12
	for {
		if at >= len(msg) {
			return m, false
		}
		n := int(msg[at])
		at++
		if n == 0 {
			break
		}
		if n > 63 || at+n > len(msg) {
			return m, false
		}
		labels = append(labels, strings.ToLower(string(msg[at:at+n])))
		at += n
	}
	if at+4 > len(msg) {
		return m, false
	}
	m.qname = strings.Join(labels, ".")
	m.qtype = binary.BigEndian.Uint16(msg[at : at+2])
	m.qclass = binary.BigEndian.Uint16(msg[at+2 : at+4])
	return m, true
}

// The names Calico's DNS logs give rcodes, query types and classes; others are numbered.
var (
	rcodeNames  = map[int]string{0: "NoError", 1: "FormErr", 2: "ServFail", 3: "NXDomain", 4: "NotImp", 5: "Refused"}
	qtypeNames  = map[uint16]string{1: "A", 2: "NS", 5: "CNAME", 6: "SOA", 12: "PTR", 15: "MX", 16: "TXT", 28: "AAAA", 33: "SRV", 255: "ANY"}
	qclassNames = map[uint16]string{1: "IN", 3: "CH", 255: "ANY"}
)

func nameOr[K comparable](names map[K]string, v K, prefix string) string {
	if name, ok := names[v]; ok {
		return name
	}
	return fmt.Sprintf("%s%v", prefix, v)
}

// dnsKey is one DNS log record's identity within a flush interval, as Felix aggregates them:
// client, question, answer code and server.
type dnsKey struct {
	client, server netip.Addr
	qname          string
	qtype, qclass  uint16
	rcode          int
}

type dnsStats struct {
	first, last time.Time
	count       int
	latencies   []time.Duration
}

type pendingQuery struct {
	client netip.Addr
	port   uint16
	id     uint16
}

// dnsTable collects the DNS answers the node's pods received between flushes, matched with the
// queries they sent for the latency.
type dnsTable struct {
	answers map[dnsKey]*dnsStats
	queries map[pendingQuery]time.Time
}

func newDNSTable() dnsTable {
	return dnsTable{answers: map[dnsKey]*dnsStats{}, queries: map[pendingQuery]time.Time{}}
}

// add records a packet to or from port 53: a query a pod sent is remembered, a response a pod
// received is counted. Anything else, or a message that does not parse, is ignored.
func (t dnsTable) add(p packet, at time.Time) {
	if p.proto != "udp" || (p.srcPort != 53 && p.dstPort != 53) {
		return
	}
	m, ok := parseDNS(p.payload)
	if !ok {
		return
	}
	if !m.response {
		if p.dstPort == 53 {
			t.queries[pendingQuery{p.src, p.srcPort, m.id}] = at
		}
		return
	}
	if p.srcPort != 53 {
		return
	}
	k := dnsKey{client: p.dst, server: p.src, qname: m.qname, qtype: m.qtype, qclass: m.qclass, rcode: m.rcode}
	s := t.answers[k]
	if s == nil {
		s = &dnsStats{first: at}
		t.answers[k] = s
	}
	s.last = at
	s.count++
	q := pendingQuery{p.dst, p.dstPort, m.id}
	if sent, ok := t.queries[q]; ok {
		s.latencies = append(s.latencies, at.Sub(sent))
		delete(t.queries, q)
	}
}

// next is the table for the next interval: the queries still unanswered stay (for a few seconds).
func (t dnsTable) next(now time.Time) dnsTable {
	out := newDNSTable()
	for q, at := range t.queries {
		if now.Sub(at) < 10*time.Second {
			out.queries[q] = at
		}
	}
	return out
}

// records turns the answers into DNS log documents with the fields Calico's DNS logs carry
// (client, qname, qtype, qclass, rcode, servers, count, latency in nanoseconds), in a stable order.
func (t dnsTable) records(pods map[netip.Addr]endpoint, host string, end time.Time) []map[string]any {
	keys := make([]dnsKey, 0, len(t.answers))
	for k := range t.answers {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if a.client != b.client {
			return a.client.Less(b.client)
		}
		if a.qname != b.qname {
			return a.qname < b.qname
		}
		return a.qtype < b.qtype
	})
	out := make([]map[string]any, 0, len(keys))
	for _, k := range keys {
		s := t.answers[k]
		r := map[string]any{
			"start_time": s.first.Unix(), "end_time": end.Unix(), "type": "log", "count": s.count,
			"client_ip": k.client.String(), "qname": k.qname, "qclass": nameOr(qclassNames, k.qclass, "CLASS"),
			"qtype": nameOr(qtypeNames, k.qtype, "TYPE"), "rcode": nameOr(rcodeNames, k.rcode, "RCODE"),
			"rrsets": []any{}, "host": host,
		}
		client := map[string]any{}
		side(client, "client", pods, k.client)
		for _, field := range []string{"client_name", "client_name_aggr", "client_namespace"} {
			r[field] = client[field]
		}
		server := map[string]any{}
		side(server, "s", pods, k.server)
		r["servers"] = []any{map[string]any{"ip": k.server.String(), "name": server["s_name"],
			"name_aggr": server["s_name_aggr"], "namespace": server["s_namespace"]}}
		if len(s.latencies) > 0 {
			var sum, max time.Duration
			for _, l := range s.latencies {
				sum += l
				if l > max {
					max = l
				}
			}
			r["latency_count"] = len(s.latencies)
			r["latency_mean"] = int64(sum / time.Duration(len(s.latencies)))
			r["latency_max"] = int64(max)
		}
		out = append(out, r)
	}
	return out
}

// dnsIndex is the index Calico's fluentd writes DNS logs to: tigera_secure_ee_dns.<cluster>.<yyyymmdd>.
func dnsIndex(cluster string, at time.Time) string {
	return "tigera_secure_ee_dns." + cluster + "." + at.UTC().Format("20060102")
}
