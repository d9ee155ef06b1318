// Command ad-jobs-stand-in is a TEST STAND-IN for Tigera's anomaly detection jobs image, which
// cannot be pulled here. It is installed as python3 (the Deployment runs `python3 -m adj`),
// ignores its arguments, answers the /ad/ping startup, liveness and readiness probes on port
// 8000 as the real job's HTTP API (AD_NEED_API) does, and runs the two threshold detectors,
// port_scan and ip_sweep, on the flow logs (detect.go), and STAND-IN RULES for dga and dns_tunnel
// on the DNS logs' qnames (dns.go; the real ones are models this stand-in does not have): every
// AD_search_interval_minutes it reads the records that arrived since its last cycle (2 intervals
// back on the first) from tigera_secure_ee_flows.<CLUSTER_NAME>.* and
// tigera_secure_ee_dns.<CLUSTER_NAME>.*, then every record of the buckets they reach, and writes
// an anomaly_detection_job event to tigera_secure_ee_events.<CLUSTER_NAME>.lma for each source
// above a threshold in a bucket, once per job, source and bucket. The image is shared by every
// tag it carries and does not know its release, so dns_tunnel (CE 3.15 to 3.17 only) runs under a
// 3.12 tag too, unless AD_DISABLED_JOBS names it.
// Everything comes from its env, as the real job's settings do, and from the flow records;
// CALICO_AD_STAND_IN_MINUTE_SECONDS (the image's env; default 60) shortens its minute for tests.
package main

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"calico-ad.local/tools/node-images/internal/es"
)

// envInt reads an integer setting, or the job's documented default.
func envInt(name string, fallback int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return fallback
}

func serveProbes(ctx context.Context) {
	mux := http.NewServeMux()
	mux.HandleFunc("/ad/ping", func(w http.ResponseWriter, r *http.Request) {
		// One line per probe, so a test can see that the kubelet really probed.
		log.Printf("%s %s from %s", r.Method, r.URL.Path, r.UserAgent())
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write([]byte("pong (calico-ad test stand-in)\n"))
	})
	server := &http.Server{Addr: ":8000", Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = server.Shutdown(shutdown)
	}()
	if err := server.ListenAndServe(); err != nil && err != http.ErrServerClosed {
		log.Fatal(err)
	}
}

// recordsSince reads the log records whose end_time is in (since, until], page by page.
func recordsSince(store *es.Client, index string, since, until time.Time, pageSize int) ([]map[string]any, error) {
	return store.SearchAll(index, pageSize, func(size, from int) map[string]any {
		return map[string]any{
			"size": size, "from": from, "sort": []any{map[string]any{"end_time": "asc"}},
			"query": map[string]any{"bool": map[string]any{"filter": []any{
				map[string]any{"range": map[string]any{"end_time": map[string]any{
					"gt": since.Unix(), "lte": until.Unix(), "format": "epoch_second"}}},
			}}},
		}
	})
}

// logType is one kind of log the jobs read (flows, DNS) and the rules applied to it.
type logType struct {
	name, index string
	detect      func([]map[string]any, rules) []anomaly
}

// anomaliesSince reads the records of a log type that arrived in (since, now], then every record
// of the buckets they reach, and returns the new anomalies and the number of fresh records.
func anomaliesSince(store *es.Client, t logType, since, now time.Time, r rules, alerted map[string]bool) ([]anomaly, int, error) {
	pageSize := envInt("ES_query_size", 10000)
	fresh, err := recordsSince(store, t.index, since, now, pageSize)
	if err != nil {
		return nil, 0, err
	}
	// The whole of each bucket the fresh records reach, read again (records end after they start).
	earliest := time.Time{}
	for start := range bucketStarts(fresh, r.bucket) {
		if at := time.Unix(start, 0); earliest.IsZero() || at.Before(earliest) {
			earliest = at
		}
	}
	bucketRecords := fresh
	if !earliest.IsZero() && earliest.Before(since) {
		if bucketRecords, err = recordsSince(store, t.index, earliest.Add(-time.Second), now, pageSize); err != nil {
			return nil, 0, err
		}
	}
	return newAnomalies(fresh, bucketRecords, r, alerted, t.detect), len(fresh), nil
}

// envFloat reads a decimal setting, or the job's documented default.
func envFloat(name string, fallback float64) float64 {
	if v, err := strconv.ParseFloat(os.Getenv(name), 64); err == nil {
		return v
	}
	return fallback
}

func main() {
	cluster := os.Getenv("CLUSTER_NAME")
	if cluster == "" {
		cluster = "cluster"
	}
	minute := time.Duration(envInt("CALICO_AD_STAND_IN_MINUTE_SECONDS", 60)) * time.Second
	interval := envInt("AD_search_interval_minutes", 30)
	r := rules{
		portScanThreshold: envInt("AD_port_scan_threshold", 500),
		ipSweepThreshold:  envInt("AD_ip_sweep_threshold", 32),
		dgaThreshold:      envFloat("AD_DGA_SCORE_THRESHOLD", 0.5),
		bucket:            time.Duration(envInt("ES_bucket_size_minutes", 5)) * time.Minute,
		disabled:          disabledJobs(os.Getenv("AD_DISABLED_JOBS")),
	}
	host, _ := os.Hostname()
	log.Printf("calico-ad TEST STAND-IN for the AD jobs image, args %q: serving /ad/ping on :8000; cluster %s, "+
		"search every %d minutes of %s, port_scan threshold %d, ip_sweep threshold %d, dga score threshold %g (stand-in rule), disabled %v",
		os.Args[1:], cluster, interval, minute, r.portScanThreshold, r.ipSweepThreshold, r.dgaThreshold, os.Getenv("AD_DISABLED_JOBS"))

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	go serveProbes(ctx)

	store, err := es.FromEnv("tigera-secure-es-http.tigera-elasticsearch.svc")
	if err != nil {
		log.Printf("no Elasticsearch connection, so no detection: %v", err)
		<-ctx.Done()
		return
	}
	types := []logType{
		{"flow", "tigera_secure_ee_flows." + cluster + ".*", detect},
		{"DNS", "tigera_secure_ee_dns." + cluster + ".*", detectDNS},
	}
	eventIndex := "tigera_secure_ee_events." + cluster + ".lma"
	lastCycle := time.Now().Add(-2 * time.Duration(interval) * minute)
	alerted, loaded := map[string]bool{}, false
	ticker := time.NewTicker(minute)
	defer ticker.Stop()
	for minutes := 1; ; minutes++ {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
		if minutes%interval != 0 {
			continue
		}
		// A record stamped a moment ago may still be on its way into the index: leave the last
		// seconds to the next run.
		now := time.Now().Add(-2 * time.Second)
		if !loaded {
			// A new pod (a changed env rolls it) must not alert a bucket its predecessor did.
			events, err := eventsWritten(store, eventIndex, envInt("ES_query_size", 10000))
			if err != nil {
				log.Printf("reading the events already written: %v (retrying at the next cycle)", err)
				continue
			}
			alerted, loaded = alertedKeys(events), true
		}
		log.Printf("START detection: logs from %s to %s", lastCycle.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
		var found []anomaly
		counts, failed := map[string]int{}, false
		for _, t := range types {
			anomalies, n, err := anomaliesSince(store, t, lastCycle, now, r, alerted)
			if err != nil {
				log.Printf("reading %s logs: %v (the next cycle covers this window again)", t.name, err)
				failed = true
				break
			}
			found = append(found, anomalies...)
			counts[t.name] = n
		}
		if failed {
			continue
		}
		sent, byJob := 0, map[string]int{}
		for _, a := range found {
			if err := store.Index(eventIndex, a.event(time.Now(), host, r.bucket)); err != nil {
				log.Printf("writing the %s event of %s/%s: %v", a.job, a.group.namespace, a.group.nameAggr, err)
				continue
			}
			alerted[a.key()] = true
			sent++
			byJob[a.job]++
		}
		lastCycle = now
		log.Printf("STOP detection: %d flow records; AlertClient: sent %d alerts with anomalies. DNS: %d records. By job: %s",
			counts["flow"], sent, counts["DNS"], jobCounts(byJob))
	}
}

// jobCounts lists the alerts each job sent in a cycle, e.g. `dga=1 port_scan=0`, every job named.
func jobCounts(byJob map[string]int) string {
	jobs := []string{"port_scan", "ip_sweep", "dga", "dns_tunnel"}
	parts := make([]string, len(jobs))
	for i, job := range jobs {
		parts[i] = fmt.Sprintf("%s=%d", job, byJob[job])
	}
	return strings.Join(parts, " ")
}

// eventsWritten reads the anomaly_detection_job events already in the index.
func eventsWritten(store *es.Client, index string, pageSize int) ([]map[string]any, error) {
	return store.SearchAll(index, pageSize, func(size, from int) map[string]any {
		return map[string]any{"size": size, "from": from,
			"query": map[string]any{"term": map[string]any{"type": "anomaly_detection_job"}}}
	})
}
