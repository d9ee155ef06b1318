package main

import (
	"encoding/binary"
	"net/netip"
	"testing"
	"time"
)

// frame builds an Ethernet II / IPv4 / TCP frame with the given TCP flags.
func frame(src, dst string, dport uint16, flags byte) []byte {
	f := make([]byte, 14+20+20)
	binary.BigEndian.PutUint16(f[12:14], 0x0800)
	ip := f[14:]
	ip[0], ip[9] = 0x45, 6
	s, d := netip.MustParseAddr(src).As4(), netip.MustParseAddr(dst).As4()
	copy(ip[12:16], s[:])
	copy(ip[16:20], d[:])
	tcp := ip[20:]
	binary.BigEndian.PutUint16(tcp[0:2], 40000)
	binary.BigEndian.PutUint16(tcp[2:4], dport)
	tcp[13] = flags
	return f
}

func TestRecorderCountsTcpSynsAsFlowsAndIgnoresReplies(t *testing.T) {
	table := flowTable{}
	at := time.Unix(1000, 0)
	for port := uint16(1); port <= 220; port++ {
		p, ok := parseFrame(frame("198.19.9.10", "198.19.9.11", port, 0x02))
		if !ok {
			t.Fatal("a TCP SYN must parse")
		}
		table.add(p, at)
		// The target's RST/ACK is part of the same flow, not a flow of its own.
		reply, _ := parseFrame(frame("198.19.9.11", "198.19.9.10", 40000, 0x14))
		table.add(reply, at)
	}
	pods := map[netip.Addr]endpoint{
		netip.MustParseAddr("198.19.9.10"): {"dev", "netshoot", ""},
		netip.MustParseAddr("198.19.9.11"): {"dev", "centos-7d9f8-abcde", "centos-7d9f8-"},
	}
	records := table.records(pods, "node", at.Add(10*time.Second))
	if len(records) != 220 {
		t.Fatalf("want 220 flow records, one per destination port, got %d", len(records))
	}
	first := records[0]
	want := map[string]any{"source_namespace": "dev", "source_name": "netshoot", "source_name_aggr": "netshoot",
		"dest_ip": "198.19.9.11", "dest_port": 1, "dest_name_aggr": "centos-7d9f8-*", "action": "allow",
		"proto": "tcp", "start_time": int64(1000), "end_time": int64(1010)}
	for k, v := range want {
		if first[k] != v {
			t.Errorf("%s: want %v, got %v", k, v, first[k])
		}
	}
}

func TestRecorderSkipsWhatIsNotIPv4TcpOrUdp(t *testing.T) {
	arp := frame("198.19.9.10", "198.19.9.11", 80, 0x02)
	binary.BigEndian.PutUint16(arp[12:14], 0x0806)
	if _, ok := parseFrame(arp); ok {
		t.Error("an ARP frame is not a flow")
	}
	if _, ok := parseFrame(frame("198.19.9.10", "198.19.9.11", 80, 0x02)[:30]); ok {
		t.Error("a truncated frame is not a flow")
	}
	unknown := records(t, "203.0.113.5")
	if unknown["source_type"] != "net" || unknown["source_name_aggr"] != "pub" {
		t.Errorf("an address outside the node's pods is a public network: %v", unknown)
	}
}

func records(t *testing.T, src string) map[string]any {
	table := flowTable{}
	p, _ := parseFrame(frame(src, "198.19.9.11", 80, 0x02))
	table.add(p, time.Unix(1, 0))
	return table.records(nil, "node", time.Unix(2, 0))[0]
}

func TestFlowIndexAndFlushIntervalFollowCalico(t *testing.T) {
	if got := flowIndex("local-cluster", time.Date(2026, 12, 7, 1, 0, 0, 0, time.UTC)); got != "tigera_secure_ee_flows.local-cluster.20261207" {
		t.Errorf("index %s", got)
	}
	if flushInterval("10s") != 10*time.Second || flushInterval("") != 300*time.Second || flushInterval("bad") != 300*time.Second {
		t.Error("flush interval: FelixConfiguration's value, else Felix's default of 300 s")
	}
}
