package main

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"time"
)

// STAND-IN RULES for dga and dns_tunnel: Tigera's jobs use a pre-trained classifier (dga, a
// CatBoost score) and an undocumented model (dns_tunnel), neither of which is public. These rules
// read only the qname of each DNS log record and stand in for them; they are not the real models.

// minScoredLabel is the shortest label dga scores: shorter ones are words, abbreviations or
// counters, too short to tell apart from generated names.
const minScoredLabel = 8

// labelScore is how random a DNS label looks, from 0 to 1: the highest partScore of its parts
// between hyphens (hyphens join words and counters in the names people choose, such as
// cad-e2e-alert-1234; generated names rarely have them).
func labelScore(label string) float64 {
	best := 0.0
	for _, part := range strings.Split(strings.ToLower(label), "-") {
		best = math.Max(best, partScore(part))
	}
	return best
}

// partScore is the mean of four signs of a generated name, each from 0 to 1:
//   - few vowels among the letters (0.35 or more, as in words, counts 0; none counts 1);
//   - long runs of consonants (2 counts 0; 5 or more counts 1);
//   - digits mixed into letters (0 changes between letters and digits count 0; 3 or more count 1);
//   - character entropy close to the most the part's length allows.
func partScore(label string) float64 {
	if len(label) < minScoredLabel {
		return 0
	}
	letters, vowels, run, longestRun, switches := 0, 0, 0, 0, 0
	counts := map[rune]int{}
	var previousDigit bool
	for i, c := range label {
		counts[c]++
		digit := c >= '0' && c <= '9'
		if i > 0 && digit != previousDigit {
			switches++
		}
		previousDigit = digit
		switch {
		case strings.ContainsRune("aeiouy", c):
			letters++
			vowels++
			run = 0
		case c >= 'a' && c <= 'z':
			letters++
			run++
			longestRun = max(longestRun, run)
		default:
			run = 0
		}
	}
	vowelShortage := 1.0
	if letters > 0 {
		vowelShortage = clamp((0.35 - float64(vowels)/float64(letters)) / 0.35)
	}
	consonants := clamp(float64(longestRun-2) / 3)
	mixed := clamp(float64(switches) / 3)
	spread := entropy(counts, len(label)) / math.Log2(math.Min(float64(len(label)), 36))
	return (vowelShortage + consonants + mixed + clamp(spread)) / 4
}

func clamp(v float64) float64 { return math.Max(0, math.Min(1, v)) }

// entropy is the Shannon entropy in bits per character of a label with these character counts.
func entropy(counts map[rune]int, length int) float64 {
	h := 0.0
	for _, n := range counts {
		p := float64(n) / float64(length)
		h -= p * math.Log2(p)
	}
	return h
}

// scoredLabels are a qname's labels that could be generated: all but the top-level domain, and
// none of a name in the cluster's Service or pod zone (a `svc` or `pod` label, as in
// <service>.<namespace>.svc.cluster.local and the resolver's search-path expansions), whose
// labels are the cluster's own object names and ReplicaSet hashes.
func scoredLabels(qname string) []string {
	labels := strings.Split(strings.TrimSuffix(strings.ToLower(qname), "."), ".")
	if len(labels) < 2 {
		return nil
	}
	for _, label := range labels {
		if label == "svc" || label == "pod" {
			return nil
		}
	}
	return labels[:len(labels)-1]
}

// dgaScore is the highest labelScore among a qname's labels.
func dgaScore(qname string) float64 {
	best := 0.0
	for _, label := range scoredLabels(qname) {
		best = math.Max(best, labelScore(label))
	}
	return best
}

// A label looks like encoded data when it is at least tunnelLabelLength long, has at least
// tunnelEntropyBits per character (base32 data of 50 to 60 characters has 4.1 and more; long
// hyphenated names such as tigera-secure-es-gateway-http stay near 3.5) and scores above
// tunnelLabelScore (such names score up to about 0.35, base32 data 0.46 and more).
const (
	tunnelLabelLength = 40
	tunnelEntropyBits = 3.9
	tunnelLabelScore  = 0.4
)

// tunnelLabel returns the first label of qname that looks like encoded data, or "".
func tunnelLabel(qname string) string {
	for _, label := range scoredLabels(qname) {
		counts := map[rune]int{}
		for _, c := range label {
			counts[c]++
		}
		if len(label) >= tunnelLabelLength && entropy(counts, len(label)) >= tunnelEntropyBits && labelScore(label) > tunnelLabelScore {
			return label
		}
	}
	return ""
}

// dnsGroup is one client's suspicious lookups in one bucket, for one job.
type dnsGroup struct {
	names  map[string]float64 // qname -> score (dga) or label length (dns_tunnel)
	client *group
}

// detectDNS applies the dga and dns_tunnel stand-in rules to DNS log records: per
// client_namespace and client_name_aggr and per bucket of start times, the distinct qnames whose
// dgaScore is above AD_DGA_SCORE_THRESHOLD (dga), or that carry an encoded label (dns_tunnel).
// One or more such names is an anomaly.
func detectDNS(records []map[string]any, r rules) []anomaly {
	groups := map[string]*dnsGroup{}
	bucket := int64(r.bucket / time.Second)
	add := func(job string, f map[string]any, start int64, qname string, value float64) {
		g0 := &group{namespace: text(f["client_namespace"]), nameAggr: text(f["client_name_aggr"]), bucketStart: start - start%bucket}
		key := fmt.Sprintf("%s/%s/%s/%d", job, g0.namespace, g0.nameAggr, g0.bucketStart)
		g := groups[key]
		if g == nil {
			g0.names = map[string]bool{}
			g = &dnsGroup{names: map[string]float64{}, client: g0}
			groups[key] = g
		}
		g.names[qname] = value
		g.client.flows++
		if name := text(f["client_name"]); name != "" && name != "-" {
			g.client.names[name] = true
		}
	}
	for _, f := range records {
		start, ok := f["start_time"].(float64)
		qname := text(f["qname"])
		if !ok || qname == "" {
			continue
		}
		if score := dgaScore(qname); !r.disabled["dga"] && score > r.dgaThreshold {
			add("dga", f, int64(start), qname, score)
		}
		if label := tunnelLabel(qname); !r.disabled["dns_tunnel"] && label != "" {
			add("dns_tunnel", f, int64(start), qname, float64(len(label)))
		}
	}
	var out []anomaly
	for _, k := range slices.Sorted(maps.Keys(groups)) {
		g := groups[k]
		job := k[:strings.Index(k, "/")]
		a := anomaly{job: job, group: g.client, distinct: len(g.names), scoreThreshold: r.dgaThreshold}
		for name, value := range g.names {
			if value > a.topValue || (value == a.topValue && name < a.topName) {
				a.topName, a.topValue = name, value
			}
		}
		out = append(out, a)
	}
	return out
}
