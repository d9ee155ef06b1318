package main

import (
	"fmt"
	"net/netip"
	"sort"
	"strings"
)

// networkPolicy is the part of a networking.k8s.io/v1 NetworkPolicy the enforcement stand-in
// reads. It enforces one shape only, default-deny ingress: Ingress among policyTypes (or no
// policyTypes, which means Ingress) and no ingress rules, for the pods its podSelector's
// matchLabels select in its namespace. Policies of any other shape are not enforced (notEnforced
// says why), so traffic they would allow or deny is recorded as allowed.
type networkPolicy struct {
	Metadata struct{ Name, Namespace string } `json:"metadata"`
	Spec     struct {
		PodSelector struct {
			MatchLabels      map[string]string `json:"matchLabels"`
			MatchExpressions []any             `json:"matchExpressions"`
		} `json:"podSelector"`
		PolicyTypes []string `json:"policyTypes"`
		Ingress     []any    `json:"ingress"`
	} `json:"spec"`
}

// notEnforced is why the stand-in does not enforce the policy, or "" for a default-deny ingress.
func (p networkPolicy) notEnforced() string {
	ingress := len(p.Spec.PolicyTypes) == 0
	for _, t := range p.Spec.PolicyTypes {
		ingress = ingress || t == "Ingress"
	}
	switch {
	case !ingress:
		return "it has no Ingress policy type"
	case len(p.Spec.Ingress) > 0:
		return "it has ingress rules (only default-deny ingress is enforced)"
	case len(p.Spec.PodSelector.MatchExpressions) > 0:
		return "its podSelector has matchExpressions (only matchLabels is read)"
	}
	return ""
}

// podInfo is a pod of the node as the enforcement reads it.
type podInfo struct {
	namespace string
	labels    map[string]string
	ip        netip.Addr
}

// deniedAddresses are the addresses of the pods a default-deny ingress policy selects, sorted.
func deniedAddresses(policies []networkPolicy, pods []podInfo) []netip.Addr {
	set := map[netip.Addr]bool{}
	for _, p := range policies {
		if p.notEnforced() != "" {
			continue
		}
		for _, pod := range pods {
			if pod.namespace == p.Metadata.Namespace && selects(p.Spec.PodSelector.MatchLabels, pod.labels) {
				set[pod.ip] = true
			}
		}
	}
	out := make([]netip.Addr, 0, len(set))
	for a := range set {
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Less(out[j]) })
	return out
}

func selects(matchLabels, labels map[string]string) bool {
	for k, v := range matchLabels {
		if labels[k] != v {
			return false
		}
	}
	return true
}

// tableName is this node's nftables table: one per bridge, so nodes side by side keep their own.
func tableName(bridge string) string {
	return "calico_ad_stand_in_" + strings.NewReplacer("-", "_", ".", "_").Replace(bridge)
}

// ruleset is the nft script that replaces the node's table: in the forward hook (bridged pod
// traffic passes it with br_netfilter's bridge-nf-call-iptables), packets to a denied pod are
// logged to NFLOG group `group` and dropped, as Felix's policy chains do with their NFLOG rules.
// With no denied pod the table is only removed.
func ruleset(bridge string, group uint16, denied []netip.Addr) string {
	table := tableName(bridge)
	var b strings.Builder
	fmt.Fprintf(&b, "add table ip %s\ndelete table ip %s\n", table, table)
	if len(denied) == 0 {
		return b.String()
	}
	addrs := make([]string, len(denied))
	for i, a := range denied {
		addrs[i] = a.String()
	}
	fmt.Fprintf(&b, "table ip %s {\n\tchain forward {\n\t\ttype filter hook forward priority 0; policy accept;\n", table)
	fmt.Fprintf(&b, "\t\tip daddr { %s } log group %d drop\n\t}\n}\n", strings.Join(addrs, ", "), group)
	return b.String()
}

// nflogGroup is the node's NFLOG group, from the third octet of its 198.19.N.0/24 subnet, so the
// nodes of one machine (one network namespace) never share a group.
func nflogGroup(subnet netip.Prefix) uint16 {
	return 20000 + uint16(subnet.Addr().As4()[2])
}
