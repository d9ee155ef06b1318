// Command ad-jobs-stand-in is a TEST STAND-IN for Tigera's anomaly detection jobs image, which
// cannot be pulled here. It is installed as python3 (the Deployment runs `python3 -m adj`),
// ignores its arguments, answers the /ad/ping startup, liveness and readiness probes on port
// 8000 as the real job's HTTP API (AD_NEED_API) does, and runs the two threshold detectors,
// port_scan and ip_sweep: every AD_search_interval_minutes it reads the flow log records that
// arrived since its last cycle (2 intervals back on the first) from
// tigera_secure_ee_flows.<CLUSTER_NAME>.*, then every record of the buckets they reach, and
// writes an anomaly_detection_job event to tigera_secure_ee_events.<CLUSTER_NAME>.lma for each
// source above a threshold in a bucket, once per job, source and bucket (detect.go).
// Everything comes from its env, as the real job's settings do, and from the flow records;
// CALICO_AD_STAND_IN_MINUTE_SECONDS (the image's env; default 60) shortens its minute for tests.
package main

import (
	"context"
	"log"
	"net/http"
	"os"
	"os/signal"
	"strconv"
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

// flowsSince reads the flow records whose end_time is in (since, until], page by page.
func flowsSince(store *es.Client, index string, since, until time.Time, pageSize int) ([]map[string]any, error) {
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
		bucket:            time.Duration(envInt("ES_bucket_size_minutes", 5)) * time.Minute,
		disabled:          disabledJobs(os.Getenv("AD_DISABLED_JOBS")),
	}
	host, _ := os.Hostname()
	log.Printf("calico-ad TEST STAND-IN for the AD jobs image, args %q: serving /ad/ping on :8000; cluster %s, "+
		"search every %d minutes of %s, port_scan threshold %d, ip_sweep threshold %d, disabled %v",
		os.Args[1:], cluster, interval, minute, r.portScanThreshold, r.ipSweepThreshold, os.Getenv("AD_DISABLED_JOBS"))

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	go serveProbes(ctx)

	store, err := es.FromEnv("tigera-secure-es-http.tigera-elasticsearch.svc")
	if err != nil {
		log.Printf("no Elasticsearch connection, so no detection: %v", err)
		<-ctx.Done()
		return
	}
	flowIndex := "tigera_secure_ee_flows." + cluster + ".*"
	eventIndex := "tigera_secure_ee_events." + cluster + ".lma"
	lastCycle := time.Now().Add(-2 * time.Duration(interval) * minute)
	alerted := map[string]bool{}
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
		log.Printf("START detection: flows from %s to %s", lastCycle.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
		flows, err := flowsSince(store, flowIndex, lastCycle, now, envInt("ES_query_size", 10000))
		if err != nil {
			log.Printf("reading flow logs: %v (the next cycle covers this window again)", err)
			continue
		}
		// The whole of each bucket the fresh records reach, read again (records end after they start).
		earliest := time.Time{}
		for start := range bucketStarts(flows, r.bucket) {
			if at := time.Unix(start, 0); earliest.IsZero() || at.Before(earliest) {
				earliest = at
			}
		}
		bucketFlows := flows
		if !earliest.IsZero() && earliest.Before(lastCycle) {
			if bucketFlows, err = flowsSince(store, flowIndex, earliest.Add(-time.Second), now, envInt("ES_query_size", 10000)); err != nil {
				log.Printf("reading flow logs: %v (the next cycle covers this window again)", err)
				continue
			}
		}
		sent := 0
		for _, a := range newAnomalies(flows, bucketFlows, r, alerted) {
			if err := store.Index(eventIndex, a.event(time.Now(), host, r.bucket)); err != nil {
				log.Printf("writing the %s event of %s/%s: %v", a.job, a.group.namespace, a.group.nameAggr, err)
				continue
			}
			alerted[a.key()] = true
			sent++
		}
		lastCycle = now
		log.Printf("STOP detection: %d flow records; AlertClient: sent %d alerts with anomalies.", len(flows), sent)
	}
}
