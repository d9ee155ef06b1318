package main

import (
	"encoding/binary"
	"encoding/json"
	"net/netip"
	"strings"
	"testing"
	"time"
)

func policy(t *testing.T, text string) networkPolicy {
	var p networkPolicy
	if err := json.Unmarshal([]byte(text), &p); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestOnlyDefaultDenyIngressPoliciesSelectPodsToDrop(t *testing.T) {
	deny := policy(t, `{"metadata":{"name":"default-deny-ingress","namespace":"dev"},
		"spec":{"podSelector":{"matchLabels":{"app":"centos"}},"policyTypes":["Ingress"]}}`)
	withRule := policy(t, `{"metadata":{"name":"allow-web","namespace":"dev"},
		"spec":{"podSelector":{},"policyTypes":["Ingress"],"ingress":[{"ports":[{"port":80}]}]}}`)
	egress := policy(t, `{"metadata":{"name":"egress","namespace":"dev"},"spec":{"podSelector":{},"policyTypes":["Egress"]}}`)
	pods := []podInfo{
		{"dev", map[string]string{"app": "centos"}, netip.MustParseAddr("198.19.9.11")},
		{"dev", map[string]string{"app": "netshoot"}, netip.MustParseAddr("198.19.9.10")},
		{"other", map[string]string{"app": "centos"}, netip.MustParseAddr("198.19.9.12")},
	}
	got := deniedAddresses([]networkPolicy{deny, withRule, egress}, pods)
	if len(got) != 1 || got[0] != netip.MustParseAddr("198.19.9.11") {
		t.Errorf("only dev's centos pod is denied ingress, got %v", got)
	}
	if withRule.notEnforced() == "" || egress.notEnforced() == "" || deny.notEnforced() != "" {
		t.Error("policies with ingress rules or without Ingress are reported as not enforced")
	}
}

func TestRulesetLogsToTheNodesGroupThenDropsAndReplacesTheNodesTableOnly(t *testing.T) {
	group := nflogGroup(netip.MustParsePrefix("198.19.21.0/24"))
	if group != 20021 {
		t.Errorf("group %d", group)
	}
	script := ruleset("cad-node-21", group, []netip.Addr{netip.MustParseAddr("198.19.21.11")})
	for _, want := range []string{"delete table ip calico_ad_stand_in_cad_node_21\n", "type filter hook forward priority 0;",
		"ip daddr { 198.19.21.11 } log group 20021 drop"} {
		if !strings.Contains(script, want) {
			t.Errorf("ruleset lacks %q:\n%s", want, script)
		}
	}
	if empty := ruleset("cad-node-21", group, nil); strings.Contains(empty, "chain") {
		t.Errorf("no denied pod, no rule:\n%s", empty)
	}
}

// nflogMessage is an NFULNL_MSG_PACKET as the kernel sends it: a prefix attribute, then the payload.
func nflogMessage(payload []byte) []byte {
	body := []byte{2, 0, 0x4e, 0x35}
	body = append(body, nlAttr(10, []byte("x\x00"))...)
	body = append(body, nlAttr(nfulaPayload, payload)...)
	msg := make([]byte, 16)
	binary.LittleEndian.PutUint32(msg[0:4], uint32(16+len(body)))
	binary.LittleEndian.PutUint16(msg[4:6], nfnlSubsysULOG<<8|nfulnlMsgPacket)
	return append(msg, body...)
}

func TestPacketsNflogReportsBecomeDeniedRecordsAtTheDestination(t *testing.T) {
	syn := frame("198.19.9.10", "198.19.9.11", 22, 0x02)[14:]
	other := frame("198.19.9.10", "198.19.9.11", 23, 0x02)[14:]
	payloads := nflogPayloads(append(nflogMessage(syn), nflogMessage(other)...))
	if len(payloads) != 2 {
		t.Fatalf("two messages, two payloads; got %d", len(payloads))
	}
	table := flowTable{}
	at := time.Unix(1000, 0)
	sent, _ := parseFrame(frame("198.19.9.10", "198.19.9.11", 22, 0x02))
	table.add(sent, at)
	for _, payload := range payloads {
		p, ok := parseIPv4(payload)
		if !ok {
			t.Fatal("the payload is the IPv4 packet")
		}
		table.addDenied(p, at)
	}
	records := table.records(nil, "node", at.Add(10*time.Second))
	var deny []map[string]any
	for _, r := range records {
		if r["action"] == "deny" {
			deny = append(deny, r)
			if r["reporter"] != "dst" {
				t.Errorf("a denied record is reported by the destination: %v", r)
			}
		} else if r["reporter"] != "src" {
			t.Errorf("the sent packet is an allowed record of the source: %v", r)
		}
	}
	if len(records) != 3 || len(deny) != 2 || deny[0]["dest_port"] != 22 || deny[1]["dest_port"] != 23 {
		t.Errorf("one allowed record of the sender, one denied record per dropped port: %v", records)
	}
}
