package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
)

func scanFlows(ports int, start float64) []map[string]any {
	var flows []map[string]any
	for p := 1; p <= ports; p++ {
		flows = append(flows, map[string]any{"start_time": start, "source_namespace": "dev", "source_name": "netshoot",
			"source_name_aggr": "netshoot", "dest_ip": "198.19.9.11", "dest_port": float64(p)})
	}
	return flows
}

var workshop = rules{portScanThreshold: 200, ipSweepThreshold: 32, bucket: 5 * time.Minute, disabled: map[string]bool{}}

func TestStandInPortScanAlertsAboveTheThresholdOnly(t *testing.T) {
	if got := detect(scanFlows(220, 1200), workshop); len(got) != 1 || got[0].job != "port_scan" || got[0].distinct != 220 {
		t.Fatalf("220 ports over a threshold of 200: want one port_scan anomaly, got %+v", got)
	}
	if got := detect(scanFlows(200, 1200), workshop); len(got) != 0 {
		t.Fatalf("200 ports is not above a threshold of 200: got %+v", got)
	}
	raised := workshop
	raised.portScanThreshold = 300
	if got := detect(scanFlows(220, 1200), raised); len(got) != 0 {
		t.Fatalf("220 ports under a raised threshold of 300: got %+v", got)
	}
}

func TestStandInCountsPerFiveMinuteBucket(t *testing.T) {
	// 120 ports at the end of one bucket and 100 at the start of the next: no bucket crosses 200.
	flows := append(scanFlows(120, 1199), scanFlows(220, 1200)[120:]...)
	if got := detect(flows, workshop); len(got) != 0 {
		t.Fatalf("a scan split over two buckets: got %+v", got)
	}
}

func TestStandInIpSweepCountsDistinctAddressesAndSkipsNulledOnes(t *testing.T) {
	var flows []map[string]any
	for i := 0; i < 40; i++ {
		flows = append(flows, map[string]any{"start_time": 1200.0, "source_namespace": "dev", "source_name_aggr": "netshoot",
			"dest_ip": fmt.Sprintf("10.0.1.%d", i), "dest_port": 80.0})
		flows = append(flows, map[string]any{"start_time": 1200.0, "source_namespace": "dev", "source_name_aggr": "other",
			"dest_ip": "-", "dest_port": 80.0})
	}
	got := detect(flows, workshop)
	if len(got) != 1 || got[0].job != "ip_sweep" || got[0].group.nameAggr != "netshoot" {
		t.Fatalf("want one ip_sweep of dev/netshoot, got %+v", got)
	}
	off := workshop
	off.disabled = disabledJobs("ip_sweep,dga")
	if got := detect(flows, off); len(got) != 0 {
		t.Fatalf("AD_DISABLED_JOBS=ip_sweep: got %+v", got)
	}
}

func TestStandInEventHasTheDocumentedShape(t *testing.T) {
	e := detect(scanFlows(220, 1200), workshop)[0].event(time.Unix(1300, 0), "host", 5*time.Minute)
	for k, want := range map[string]any{"type": "anomaly_detection_job", "origin": "port_scan", "source_namespace": "dev",
		"source_name": "netshoot", "source_name_aggr": "netshoot", "time": int64(1300), "dest_ip": "198.19.9.11"} {
		if e[k] != want {
			t.Errorf("%s: want %v, got %v", k, want, e[k])
		}
	}
	if d := e["description"].(string); !strings.HasPrefix(d, "anomaly_detection.port_scan: dev/netshoot sent packets to 220 distinct destination ports") {
		t.Errorf("description %q", d)
	}
}

func TestStandInCountsAScanWhoseRecordsArriveInTwoCyclesOnceInFull(t *testing.T) {
	first, second := scanFlows(220, 1200)[:120], scanFlows(220, 1200)[120:]
	alerted := map[string]bool{}
	if got := newAnomalies(first, first, workshop, alerted, detect); len(got) != 0 {
		t.Fatalf("120 ports so far: want nothing, got %+v", got)
	}
	got := newAnomalies(second, append(append([]map[string]any{}, first...), second...), workshop, alerted, detect)
	if len(got) != 1 || got[0].job != "port_scan" || got[0].distinct != 220 {
		t.Fatalf("the bucket read again in the second cycle: want one port_scan of 220 ports, got %+v", got)
	}
	alerted[got[0].key()] = true
	late := scanFlows(221, 1200)[220:]
	if again := newAnomalies(late, scanFlows(221, 1200), workshop, alerted, detect); len(again) != 0 {
		t.Fatalf("a late record of an alerted bucket: want no second alert, got %+v", again)
	}
	if other := newAnomalies(scanFlows(1, 1500), scanFlows(220, 1200), workshop, alerted, detect); len(other) != 0 {
		t.Fatalf("only buckets that fresh records reach are alerted: got %+v", other)
	}
}

func TestStandInDoesNotAlertABucketAgainThatAnEventInTheIndexReports(t *testing.T) {
	flows := scanFlows(220, 1200)
	first := newAnomalies(flows, flows, workshop, map[string]bool{}, detect)
	if len(first) != 1 {
		t.Fatalf("want one port_scan anomaly, got %+v", first)
	}
	// The event as a new pod reads it back from Elasticsearch (JSON numbers are float64).
	body, _ := json.Marshal(first[0].event(time.Unix(1300, 0), "node", 5*time.Minute))
	var stored map[string]any
	if err := json.Unmarshal(body, &stored); err != nil {
		t.Fatal(err)
	}
	if again := newAnomalies(flows, flows, workshop, alertedKeys([]map[string]any{stored}), detect); len(again) != 0 {
		t.Fatalf("a new pod alerted the same bucket again: %+v", again)
	}
}

func TestADetectionJobRunsOnlyItsEnabledDetectorsAndTheDeploymentNeverRunsDnsTunnel(t *testing.T) {
	job := disabledFor(true, "dns_tunnel", "dga")
	if job["dns_tunnel"] || !job["dga"] || !job["port_scan"] || !job["ip_sweep"] {
		t.Errorf("detection job for dns_tunnel disables %v", job)
	}
	deployment := disabledFor(false, "dns_tunnel", "ip_sweep")
	if !deployment["dns_tunnel"] || !deployment["ip_sweep"] || deployment["dga"] || deployment["port_scan"] {
		t.Errorf("manifest-era Deployment with AD_DISABLED_JOBS=ip_sweep disables %v", deployment)
	}
}
