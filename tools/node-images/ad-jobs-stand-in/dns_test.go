package main

import (
	"math/rand"
	"strings"
	"testing"
	"time"
)

// randomLabels are n labels drawn as the dga and dns_tunnel simulations draw theirs
// (simulations/dga.ts, dnsTunnel.ts): a letter, then letters of alphabet, min to max long.
func randomLabels(seed int64, n int, alphabet string, min, max int) []string {
	rng := rand.New(rand.NewSource(seed))
	out := make([]string, n)
	for i := range out {
		b := []byte{byte('a' + rng.Intn(26))}
		for length := min + rng.Intn(max-min+1); len(b) < length; {
			b = append(b, alphabet[rng.Intn(len(alphabet))])
		}
		out[i] = string(b)
	}
	return out
}

// ordinaryNames are names pods look up every day: Services, the API, well-known sites and CDNs.
var ordinaryNames = []string{
	"kubernetes.default.svc.cluster.local", "tigera-guardian.tigera-guardian.svc.cluster.local",
	"tigera-secure-es-gateway-http.tigera-elasticsearch.svc.cluster.local", "calico-ad-flow-recorder.calico-system.svc.cluster.local",
	"example.com", "www.example.com", "netshoot.dev.svc.cluster.local", "googleapis.com", "storage.googleapis.com",
	"login.microsoftonline.com", "registry-1.docker.io", "production.cloudflare.docker.com", "quay.io",
	"github.com", "objects.githubusercontent.com", "s3.us-west-2.amazonaws.com", "ip-10-0-12-34.ec2.internal",
	"api.segment.io", "mirrors.kernel.org", "deb.debian.org", "security.ubuntu.com", "cdn.jsdelivr.net",
	"kube-dns.kube-system.svc.cluster.local", "metrics-server.kube-system.svc.cluster.local",
	"elasticsearch-master-headless.logging.svc.cluster.local", "this-is-a-rather-long-service-name-for-a-test.apps.example.org",
	"tigera-secure-es-gateway-http.tigera-elasticsearch.svc.tigera-intrusion-detection.svc.cluster.local",
	"ad-jobs-deployment-7d9f8c6b5-x2x9z.tigera-intrusion-detection.pod.cluster.local", "cad-e2e-alert-123456.example.org",
	"kubernetes-dashboard.example.org", "10-244-1-17.dev.pod.cluster.local", "1.0.19.198.in-addr.arpa",
}

func TestStandInDgaRuleScoresGeneratedLabelsAboveTheDefaultThresholdAndOrdinaryNamesBelow(t *testing.T) {
	above := 0
	labels := randomLabels(18, 1000, "abcdefghijklmnopqrstuvwxyz0123456789", 15, 20)
	for _, label := range labels {
		if dgaScore(label+".example.com") > 0.5 {
			above++
		}
	}
	// Thirty lookups then all but certainly include names above the cut-off.
	if above < 900 {
		t.Errorf("only %d of 1000 generated labels score above 0.5", above)
	}
	for _, name := range ordinaryNames {
		if score := dgaScore(name); score > 0.5 {
			t.Errorf("%s scores %.2f, above the default threshold", name, score)
		}
	}
}

func TestStandInDnsTunnelRuleFindsLongEncodedLabelsOnly(t *testing.T) {
	for _, label := range randomLabels(15, 1000, "abcdefghijklmnopqrstuvwxyz234567", 50, 60) {
		if got := tunnelLabel(label + ".example.com"); got != label {
			t.Fatalf("%s.example.com: want its base32 label found, got %q", label, got)
		}
	}
	short := randomLabels(16, 100, "abcdefghijklmnopqrstuvwxyz0123456789", 15, 20)
	for _, name := range append(ordinaryNames, short[0]+".example.com", strings.Repeat("ab", 30)+".example.com") {
		if got := tunnelLabel(name); got != "" {
			t.Errorf("%s: no encoded label, got %q", name, got)
		}
	}
}

// dnsLogs are DNS log records of client dev/netshoot for qnames, starting at start.
func dnsLogs(qnames []string, start float64) []map[string]any {
	var out []map[string]any
	for _, q := range qnames {
		out = append(out, map[string]any{"start_time": start, "client_namespace": "dev", "client_name": "netshoot",
			"client_name_aggr": "netshoot", "qname": q, "qtype": "A", "rcode": "NXDomain", "count": float64(1)})
	}
	return out
}

func withDomain(labels []string, domain string) []string {
	out := make([]string, len(labels))
	for i, l := range labels {
		out[i] = l + "." + domain
	}
	return out
}

var dnsRules = rules{portScanThreshold: 500, ipSweepThreshold: 32, dgaThreshold: 0.5, bucket: 5 * time.Minute, disabled: map[string]bool{}}

func TestStandInDnsJobsWriteOneEventPerClientAndBucket(t *testing.T) {
	generated := dnsLogs(withDomain(randomLabels(1, 30, "abcdefghijklmnopqrstuvwxyz0123456789", 15, 20), "example.com"), 1200)
	got := detectDNS(append(generated, dnsLogs(ordinaryNames, 1210)...), dnsRules)
	if len(got) != 1 || got[0].job != "dga" || got[0].distinct < 27 || got[0].group.nameAggr != "netshoot" {
		t.Fatalf("30 generated names: want one dga anomaly of dev/netshoot, got %+v", got)
	}
	event := got[0].event(time.Unix(1300, 0), "node", 5*time.Minute)
	if d := event["description"].(string); !strings.HasPrefix(d, "anomaly_detection.dga: dev/netshoot looked up") ||
		event["source_name"] != "netshoot" || event["type"] != "anomaly_detection_job" || event["origin"] != "dga" {
		t.Errorf("event: %v", event)
	}
	tunnel := dnsLogs(withDomain(randomLabels(2, 30, "abcdefghijklmnopqrstuvwxyz234567", 50, 60), "example.com"), 1200)
	jobs := map[string]int{}
	for _, a := range detectDNS(tunnel, dnsRules) {
		jobs[a.job] = a.distinct
	}
	if jobs["dns_tunnel"] != 30 {
		t.Errorf("30 base32 labels: want a dns_tunnel anomaly over 30 names, got %v", jobs)
	}
	if got := detectDNS(dnsLogs(ordinaryNames, 1200), dnsRules); len(got) != 0 {
		t.Errorf("ordinary names: got %+v", got)
	}
}

func TestStandInDgaThresholdAndDisabledJobsComeFromTheEnv(t *testing.T) {
	generated := dnsLogs(withDomain(randomLabels(3, 30, "abcdefghijklmnopqrstuvwxyz0123456789", 15, 20), "example.com"), 1200)
	raised := dnsRules
	raised.dgaThreshold = 1
	if got := detectDNS(generated, raised); len(got) != 0 {
		t.Errorf("AD_DGA_SCORE_THRESHOLD=1: no score is above it, got %+v", got)
	}
	off := dnsRules
	off.disabled = disabledJobs("dga,dns_tunnel")
	if got := detectDNS(generated, off); len(got) != 0 {
		t.Errorf("AD_DISABLED_JOBS=dga,dns_tunnel: got %+v", got)
	}
}
