package main

import (
	"encoding/binary"
	"net/netip"
	"strings"
	"testing"
)

func query(name string, qtype uint16) []byte {
	msg := []byte{0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0}
	for _, label := range strings.Split(name, ".") {
		msg = append(msg, byte(len(label)))
		msg = append(msg, label...)
	}
	return append(msg, 0, byte(qtype>>8), byte(qtype), 0, 1)
}

func TestDnsStandInAnswersWithOneARecordPerAddress(t *testing.T) {
	in := query("Tigera-Guardian.tigera-guardian.svc.cluster.local", typeA)
	q, err := parseQuery(in)
	if err != nil || q.name != "tigera-guardian.tigera-guardian.svc.cluster.local" || q.qtype != typeA {
		t.Fatalf("parsed %+v, %v", q, err)
	}
	out := answer(in, q, rcodeOK, []netip.Addr{netip.MustParseAddr("198.19.9.12")})
	if out[0] != 0x12 || out[1] != 0x34 || out[2]&0x80 == 0 || out[3]&0x0f != rcodeOK {
		t.Fatalf("header %x", out[:4])
	}
	if binary.BigEndian.Uint16(out[6:8]) != 1 || netip.AddrFrom4([4]byte(out[len(out)-4:])).String() != "198.19.9.12" {
		t.Fatalf("answer %x", out)
	}
}

func TestDnsStandInNamesOnlyServicesOfTheClusterDomain(t *testing.T) {
	for name, want := range map[string]bool{
		"tigera-secure-es-gateway-http.tigera-elasticsearch.svc.cluster.local":                                true,
		"tigera-secure-es-gateway-http.tigera-elasticsearch.svc.tigera-intrusion-detection.svc.cluster.local": false,
		"tigera-secure-es-gateway-http.tigera-elasticsearch.svc":                                              false,
		"example.com": false,
	} {
		if _, _, ok := serviceName(name, "cluster.local"); ok != want {
			t.Errorf("%s: want %v", name, want)
		}
	}
	if _, err := parseQuery([]byte{1, 2, 3}); err == nil {
		t.Error("a short message is malformed")
	}
}
