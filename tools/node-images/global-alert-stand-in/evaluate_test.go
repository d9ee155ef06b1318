package main

import (
	"strings"
	"testing"
	"time"
)

// The scan alert calico-ad deploys (catalog/scanAlert.ts).
var scanSpec = alertSpec{Type: "RuleBased", DataSet: "flows", Severity: 100, Metric: "count", Condition: "gte", Threshold: 3,
	Query:       "action = deny AND reporter = dst AND proto = tcp",
	AggregateBy: []string{"source_namespace", "source_name_aggr", "dest_namespace", "dest_name_aggr"},
	Description: "Possible port scan: ${count} denied TCP flows from ${source_namespace}/${source_name_aggr} to ${dest_namespace}/${dest_name_aggr} (calico-ad)"}

func flow(src string, port int) map[string]any {
	return map[string]any{"source_namespace": "dev", "source_name_aggr": src, "dest_namespace": "dev",
		"dest_name_aggr": "centos", "dest_port": float64(port), "action": "deny", "reporter": "dst", "host": "node"}
}

func TestTheScanAlertsQueryBecomesTermFiltersOnTheLookbackWindow(t *testing.T) {
	comparisons, err := parseQuery(scanSpec.Query)
	if err != nil || len(comparisons) != 3 || comparisons[0] != (comparison{"action", "deny", false}) {
		t.Fatalf("%v %v", comparisons, err)
	}
	quoted, err := parseQuery(`"dest_namespace"="tigera-internal" AND reporter != 'src'`)
	if err != nil || quoted[0].value != "tigera-internal" || !quoted[1].negated {
		t.Errorf("quoted keys and values, !=: %v %v", quoted, err)
	}
	body := searchBody(quoted, time.Unix(100, 0), time.Unix(230, 0), 10, 0)
	boolean := body["query"].(map[string]any)["bool"].(map[string]any)
	if len(boolean["filter"].([]any)) != 2 || len(boolean["must_not"].([]any)) != 1 {
		t.Errorf("one range and one term filter, one must_not: %v", boolean)
	}
	for _, q := range []string{"a = b OR c = d", "dest_port > 10", "(a = b)", "a IN {x}"} {
		if _, err := parseQuery(q); err == nil || !strings.Contains(err.Error(), "outside the stand-in's subset") {
			t.Errorf("%q must be refused: %v", q, err)
		}
	}
}

func TestCountsPerAggregationKeyAgainstTheThresholdAndWritesTheIdsEventShape(t *testing.T) {
	docs := []map[string]any{flow("netshoot", 1), flow("netshoot", 2), flow("netshoot", 3), flow("other", 1)}
	buckets := aggregate(docs, scanSpec.AggregateBy)
	if len(buckets) != 2 || buckets[0].count != 3 || buckets[1].count != 1 {
		t.Fatalf("buckets %v", buckets)
	}
	if !satisfied(scanSpec, buckets[0].count) || satisfied(scanSpec, buckets[1].count) {
		t.Error("3 >= 3 fires, 1 >= 3 does not")
	}
	higher := scanSpec
	higher.Threshold = 4
	if satisfied(higher, buckets[0].count) {
		t.Error("3 >= 4 does not fire")
	}
	e := event("calico-ad.port-scan", scanSpec, buckets[0], time.Unix(5000, 0))
	if e["type"] != "global_alert" || e["origin"] != "calico-ad.port-scan" || e["time"] != int64(5000) ||
		e["source_name_aggr"] != "netshoot" || e["dest_name_aggr"] != "centos" || e["severity"] != 100 {
		t.Errorf("event %v", e)
	}
	if e["description"] != "Possible port scan: 3 denied TCP flows from dev/netshoot to dev/centos (calico-ad)" {
		t.Errorf("description %q", e["description"])
	}
	if e["record"].(map[string]any)["count"] != 3 {
		t.Errorf("record %v", e["record"])
	}
}

func TestRefusesWhatItDoesNotEvaluate(t *testing.T) {
	sum := scanSpec
	sum.Metric = "sum"
	dns := scanSpec
	dns.DataSet = "dns"
	if specProblem(scanSpec) != "" || specProblem(sum) == "" || specProblem(dns) == "" {
		t.Error("count on flows only")
	}
	if duration("2m10s", 0) != 130*time.Second || duration("1h 2m", 0) != 62*time.Minute || duration("", time.Minute) != time.Minute {
		t.Error("durations")
	}
}
