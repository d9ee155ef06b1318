package main

import (
	"encoding/binary"
	"errors"
	"net/netip"
	"strings"
)

const (
	typeA    = 1
	typeAAAA = 28
	classIN  = 1

	rcodeOK       = 0
	rcodeFormErr  = 1
	rcodeNXDomain = 3
	rcodeNotImp   = 4
)

// question is the one question of a DNS query.
type question struct {
	name   string // lower case, without the trailing dot
	qtype  uint16
	qclass uint16
	end    int // offset after the question in the message
}

var errFormat = errors.New("malformed DNS query")

// parseQuery reads the header and the single question of a standard query.
func parseQuery(msg []byte) (question, error) {
	var q question
	if len(msg) < 12 || msg[2]&0x80 != 0 || binary.BigEndian.Uint16(msg[4:6]) != 1 {
		return q, errFormat
	}
	var labels []string
	i := 12
	for {
		if i >= len(msg) {
			return q, errFormat
		}
		n := int(msg[i])
		i++
		if n == 0 {
			break
		}
		if n > 63 || i+n > len(msg) {
			return q, errFormat
		}
		labels = append(labels, strings.ToLower(string(msg[i:i+n])))
		i += n
	}
	if i+4 > len(msg) {
		return q, errFormat
	}
	q.name = strings.Join(labels, ".")
	q.qtype = binary.BigEndian.Uint16(msg[i : i+2])
	q.qclass = binary.BigEndian.Uint16(msg[i+2 : i+4])
	q.end = i + 4
	return q, nil
}

// answer builds the response to query: the question, then one A record per address (TTL 5 s).
func answer(query []byte, q question, rcode int, addrs []netip.Addr) []byte {
	out := make([]byte, 0, q.end+16*len(addrs))
	out = append(out, query[:q.end]...)
	// QR, AA, the query's RD; no recursion available.
	out[2] = 0x84 | query[2]&0x01
	out[3] = byte(rcode)
	binary.BigEndian.PutUint16(out[6:8], uint16(len(addrs)))
	binary.BigEndian.PutUint16(out[8:10], 0)
	binary.BigEndian.PutUint16(out[10:12], 0)
	for _, a := range addrs {
		ip := a.As4()
		out = append(out, 0xc0, 12, 0, typeA, 0, classIN, 0, 0, 0, 5, 0, 4)
		out = append(out, ip[:]...)
	}
	return out
}

// serviceName splits `<service>.<namespace>.svc.<domain>`; ok is false for any other name.
func serviceName(name, domain string) (service, namespace string, ok bool) {
	rest, found := strings.CutSuffix(name, ".svc."+domain)
	if !found {
		return "", "", false
	}
	parts := strings.Split(rest, ".")
	if len(parts) != 2 || parts[0] == "" || parts[1] == "" {
		return "", "", false
	}
	return parts[0], parts[1], true
}
