package main

import (
	"encoding/binary"
	"net/netip"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// udpFrame builds an Ethernet II / IPv4 / UDP frame carrying payload.
func udpFrame(src, dst string, sport, dport uint16, payload []byte) []byte {
	f := make([]byte, 14+20+8+len(payload))
	binary.BigEndian.PutUint16(f[12:14], 0x0800)
	ip := f[14:]
	ip[0], ip[9] = 0x45, 17
	s, d := netip.MustParseAddr(src).As4(), netip.MustParseAddr(dst).As4()
	copy(ip[12:16], s[:])
	copy(ip[16:20], d[:])
	udp := ip[20:]
	binary.BigEndian.PutUint16(udp[0:2], sport)
	binary.BigEndian.PutUint16(udp[2:4], dport)
	binary.BigEndian.PutUint16(udp[4:6], uint16(8+len(payload)))
	copy(udp[8:], payload)
	return f
}

// exchange is a query for name from a pod and kube-dns's answer, packed by miekg/dns (an encoder
// independent of the recorder's parser).
func exchange(t *testing.T, name string, id uint16, rcode int) (query, answer []byte) {
	t.Helper()
	q := new(dns.Msg)
	q.SetQuestion(dns.Fqdn(name), dns.TypeA)
	q.Id = id
	a := new(dns.Msg)
	a.SetRcode(q, rcode)
	if rcode == dns.RcodeSuccess {
		rr, _ := dns.NewRR(dns.Fqdn(name) + " 5 IN A 198.19.9.20")
		a.Answer = append(a.Answer, rr)
	}
	var err error
	if query, err = q.Pack(); err != nil {
		t.Fatal(err)
	}
	if answer, err = a.Pack(); err != nil {
		t.Fatal(err)
	}
	return udpFrame("198.19.9.10", "198.19.9.1", 41000+id, 53, query), udpFrame("198.19.9.1", "198.19.9.10", 53, 41000+id, answer)
}

func TestDnsLogRecordsComeFromTheQueriesAndAnswersOnTheWire(t *testing.T) {
	table := newDNSTable()
	at := time.Unix(2000, 0)
	for i, name := range []string{"Qx7kz2mfp0wlr9ta.example.com", "qx7kz2mfp0wlr9ta.example.com", "tigera-guardian.tigera-guardian.svc.cluster.local"} {
		rcode := dns.RcodeNameError
		if i == 2 {
			rcode = dns.RcodeSuccess
		}
		query, answer := exchange(t, name, uint16(i+1), rcode)
		for j, f := range [][]byte{query, answer} {
			p, ok := parseFrame(f)
			if !ok {
				t.Fatal("a UDP frame must parse")
			}
			table.add(p, at.Add(time.Duration(j)*3*time.Millisecond))
		}
	}
	pods := map[netip.Addr]endpoint{netip.MustParseAddr("198.19.9.10"): {"dev", "netshoot", ""}}
	records := table.records(pods, "node", at.Add(10*time.Second))
	if len(records) != 2 {
		t.Fatalf("want 2 records (one per qname and rcode), got %d: %v", len(records), records)
	}
	generated, service := records[0], records[1]
	want := map[string]any{"qname": "qx7kz2mfp0wlr9ta.example.com", "qtype": "A", "qclass": "IN", "rcode": "NXDomain",
		"count": 2, "client_ip": "198.19.9.10", "client_name": "netshoot", "client_name_aggr": "netshoot",
		"client_namespace": "dev", "latency_count": 2, "latency_max": int64(3 * time.Millisecond), "start_time": int64(2000)}
	for k, v := range want {
		if generated[k] != v {
			t.Errorf("%s: want %v, got %v", k, v, generated[k])
		}
	}
	if service["qname"] != "tigera-guardian.tigera-guardian.svc.cluster.local" || service["rcode"] != "NoError" {
		t.Errorf("the Service lookup: %v", service)
	}
	if server := generated["servers"].([]any)[0].(map[string]any); server["ip"] != "198.19.9.1" {
		t.Errorf("servers: %v", server)
	}
}

func TestDnsRecorderIgnoresOtherTrafficAndBrokenMessages(t *testing.T) {
	table := newDNSTable()
	query, answer := exchange(t, "example.com", 7, dns.RcodeSuccess)
	for _, f := range [][]byte{
		udpFrame("198.19.9.10", "198.19.9.11", 41000, 5353, query[42:]), // not port 53
		udpFrame("198.19.9.1", "198.19.9.10", 53, 41000, answer[:20]),   // cut inside the question
		frame("198.19.9.10", "198.19.9.1", 53, 0x02),                    // TCP
	} {
		if p, ok := parseFrame(f); ok {
			table.add(p, time.Unix(1, 0))
		}
	}
	// A query alone is no record: Felix logs answers.
	if p, ok := parseFrame(query); ok {
		table.add(p, time.Unix(1, 0))
	}
	if got := table.records(nil, "node", time.Unix(2, 0)); len(got) != 0 {
		t.Fatalf("want no DNS log records, got %v", got)
	}
	if len(table.next(time.Unix(5, 0)).queries) != 1 || len(table.next(time.Unix(60, 0)).queries) != 0 {
		t.Error("an unanswered query waits a few seconds for its answer in the next interval, then is dropped")
	}
}

func TestDnsIndexFollowsCalico(t *testing.T) {
	if got := dnsIndex("local-cluster", time.Date(2026, 12, 7, 1, 0, 0, 0, time.UTC)); got != "tigera_secure_ee_dns.local-cluster.20261207" {
		t.Errorf("index %s", got)
	}
}
