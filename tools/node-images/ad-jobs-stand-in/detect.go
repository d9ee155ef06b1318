package main

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// rules are the thresholds of the detectors this stand-in runs, read from its env the way the
// AD jobs read them (AD_port_scan_threshold, AD_ip_sweep_threshold, AD_DGA_SCORE_THRESHOLD,
// ES_bucket_size_minutes, AD_DISABLED_JOBS). Source: ../shared/reference/calico-ad.md 2.1, 2.2;
// detection-tests.md 2.
type rules struct {
	portScanThreshold, ipSweepThreshold int
	dgaThreshold                        float64
	bucket                              time.Duration
	disabled                            map[string]bool
}

// group is one source's flows in one bucket.
type group struct {
	namespace, nameAggr string
	bucketStart         int64
	names, ports, ips   map[string]bool
	flows               int
}

// anomaly is one alert to write.
type anomaly struct {
	job                 string
	group               *group
	distinct, threshold int
	// For dga and dns_tunnel: the score cut-off, and the name with the highest score (dga) or
	// longest encoded label (dns_tunnel).
	scoreThreshold float64
	topName        string
	topValue       float64
}

func text(v any) string {
	switch s := v.(type) {
	case string:
		return s
	case float64:
		return fmt.Sprintf("%.0f", s)
	case nil:
		return ""
	}
	return fmt.Sprint(v)
}

// detect applies the port_scan and ip_sweep rules: per source_namespace and source_name_aggr
// and per bucket of flow start times, the distinct dest_port and dest_ip values (nulled ones
// skipped), each compared with its threshold. More than the threshold is an anomaly.
func detect(flows []map[string]any, r rules) []anomaly {
	groups := map[string]*group{}
	bucket := int64(r.bucket / time.Second)
	for _, f := range flows {
		start, ok := f["start_time"].(float64)
		if !ok {
			continue
		}
		g0 := &group{namespace: text(f["source_namespace"]), nameAggr: text(f["source_name_aggr"])}
		g0.bucketStart = int64(start) - int64(start)%bucket
		key := fmt.Sprintf("%s/%s/%d", g0.namespace, g0.nameAggr, g0.bucketStart)
		g := groups[key]
		if g == nil {
			g0.names, g0.ports, g0.ips = map[string]bool{}, map[string]bool{}, map[string]bool{}
			g, groups[key] = g0, g0
		}
		g.flows++
		if name := text(f["source_name"]); name != "" && name != "-" {
			g.names[name] = true
		}
		if port := text(f["dest_port"]); port != "" {
			g.ports[port] = true
		}
		if ip := text(f["dest_ip"]); ip != "" && ip != "-" {
			g.ips[ip] = true
		}
	}
	var out []anomaly
	for _, k := range slices.Sorted(maps.Keys(groups)) {
		g := groups[k]
		if !r.disabled["port_scan"] && len(g.ports) > r.portScanThreshold {
			out = append(out, anomaly{job: "port_scan", group: g, distinct: len(g.ports), threshold: r.portScanThreshold})
		}
		if !r.disabled["ip_sweep"] && len(g.ips) > r.ipSweepThreshold {
			out = append(out, anomaly{job: "ip_sweep", group: g, distinct: len(g.ips), threshold: r.ipSweepThreshold})
		}
	}
	return out
}

// event is the anomaly_detection_job event of an anomaly, in the EventsData shape
// (../shared/reference/calico-ad.md 4): the description starts with anomaly_detection.<job>.
func (a anomaly) event(at time.Time, host string, bucket time.Duration) map[string]any {
	g := a.group
	source := g.namespace + "/" + g.nameAggr
	within := fmt.Sprintf("within the %d-minute bucket from %s", int(bucket/time.Minute), time.Unix(g.bucketStart, 0).UTC().Format("15:04 UTC"))
	record := map[string]any{"job": a.job, "bucket_start": g.bucketStart, "distinct": a.distinct,
		"generated_by": "calico-ad TEST STAND-IN for the AD jobs"}
	var description string
	switch a.job {
	case "dga":
		description = fmt.Sprintf("anomaly_detection.dga: %s looked up %d names that look generated %s (highest score %.2f, for %s; threshold %g)",
			source, a.distinct, within, a.topValue, a.topName, a.scoreThreshold)
		record["threshold"], record["qname"], record["score"], record["dns_logs"] = a.scoreThreshold, a.topName, a.topValue, g.flows
	case "dns_tunnel":
		description = fmt.Sprintf("anomaly_detection.dns_tunnel: %s looked up %d names with an encoded subdomain %s (longest label %d characters, in %s)",
			source, a.distinct, within, int(a.topValue), a.topName)
		record["qname"], record["dns_logs"] = a.topName, g.flows
	default:
		what := map[string]string{"port_scan": "distinct destination ports", "ip_sweep": "distinct destination IPs"}[a.job]
		description = fmt.Sprintf("anomaly_detection.%s: %s sent packets to %d %s %s (threshold %d)",
			a.job, source, a.distinct, what, within, a.threshold)
		record["threshold"], record["flows"] = a.threshold, g.flows
	}
	e := map[string]any{
		"time": at.Unix(), "type": "anomaly_detection_job", "origin": a.job, "severity": 100, "host": host,
		"description": description, "source_namespace": g.namespace, "source_name_aggr": g.nameAggr, "record": record,
	}
	if len(g.names) == 1 {
		for name := range g.names {
			e["source_name"] = name
		}
	}
	if a.job == "port_scan" && len(g.ips) == 1 {
		for ip := range g.ips {
			e["dest_ip"] = ip
		}
	}
	return e
}

// disabledJobs reads AD_DISABLED_JOBS, a comma list without spaces.
func disabledJobs(list string) map[string]bool {
	out := map[string]bool{}
	for _, job := range strings.Split(list, ",") {
		if job != "" {
			out[job] = true
		}
	}
	return out
}

// key names an anomaly's job, source and bucket: one alert each, however many cycles see it.
func (a anomaly) key() string {
	return fmt.Sprintf("%s/%s/%s/%d", a.job, a.group.namespace, a.group.nameAggr, a.group.bucketStart)
}

// bucketStarts are the buckets the flow records' start times fall in.
func bucketStarts(flows []map[string]any, bucket time.Duration) map[int64]bool {
	out := map[int64]bool{}
	size := int64(bucket / time.Second)
	for _, f := range flows {
		if start, ok := f["start_time"].(float64); ok {
			out[int64(start)-int64(start)%size] = true
		}
	}
	return out
}

// newAnomalies applies a log type's rules (detect or detectDNS) to every record of the buckets
// that fresh records reach, as the AD jobs search a whole bucket, so a scan whose records arrive
// in two flushes (two cycles) is still counted once in full. Anomalies whose key is in alerted
// are left out.
func newAnomalies(fresh, bucketRecords []map[string]any, r rules, alerted map[string]bool,
	detect func([]map[string]any, rules) []anomaly) []anomaly {
	touched := bucketStarts(fresh, r.bucket)
	var out []anomaly
	for _, a := range detect(bucketRecords, r) {
		if touched[a.group.bucketStart] && !alerted[a.key()] {
			out = append(out, a)
		}
	}
	return out
}

// alertedKeys are the keys (anomaly.key) of the anomalies that events already report.
func alertedKeys(events []map[string]any) map[string]bool {
	out := map[string]bool{}
	for _, e := range events {
		record, _ := e["record"].(map[string]any)
		if start, ok := record["bucket_start"].(float64); ok {
			a := anomaly{job: text(e["origin"]), group: &group{namespace: text(e["source_namespace"]),
				nameAggr: text(e["source_name_aggr"]), bucketStart: int64(start)}}
			out[a.key()] = true
		}
	}
	return out
}
