// Command ad-jobs-stand-in is a TEST STAND-IN for Tigera's anomaly detection jobs image, which
// cannot be pulled here. It is installed as python3 and runs the two threshold detectors,
// port_scan and ip_sweep, on the flow logs (detect.go), and STAND-IN RULES for dga and dns_tunnel
// on the DNS logs' qnames (dns.go; the real ones are models this stand-in does not have). A run
// reads the records that arrived in its window from tigera_secure_ee_flows.<CLUSTER_NAME>.* and
// tigera_secure_ee_dns.<CLUSTER_NAME>.*, then every record of the buckets they reach, and writes
// an anomaly_detection_job event to tigera_secure_ee_events.<CLUSTER_NAME>.lma for each source
// above a threshold in a bucket, once per job, source and bucket. It runs in two ways:
//   - the manifest era's Deployment (`python3 -m adj`): answers the /ad/ping startup, liveness
//     and readiness probes on port 8000 as the real job's HTTP API (AD_NEED_API) does, and runs
//     every AD_search_interval_minutes over the logs since its last run (2 intervals back on the
//     first), all jobs but AD_DISABLED_JOBS and dns_tunnel (CE 3.15 to 3.17 only);
//   - the GlobalAlert era's detection Job (`python3 -m adj detect`, from the IDS's CronJob): one
//     run over the last two buckets, AD_ENABLED_DETECTORS only, then exits (`train` exits at once).
//
// Everything comes from its env, as the real job's settings do, and from the log records;
// CALICO_AD_STAND_IN_MINUTE_SECONDS (the image's env; default 60) shortens its minute for tests.
package main

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"os"
	"os/signal"
	"slices"
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

// allJobs are the jobs this stand-in runs, in the order its logs list them.
var allJobs = []string{"port_scan", "ip_sweep", "dga", "dns_tunnel"}

// disabledFor is the set of jobs a run leaves out. A detection job of the GlobalAlert era
// (`python3 -m adj detect`, started by the IDS's CronJob) runs only AD_ENABLED_DETECTORS; the
// manifest era's Deployment runs every job but AD_DISABLED_JOBS, and never dns_tunnel, which only
// the GlobalAlert era's CE 3.15 to 3.17 have.
func disabledFor(detect bool, enabledDetectors, disabled string) map[string]bool {
	if detect {
		enabled := disabledJobs(enabledDetectors)
		out := map[string]bool{}
		for _, job := range allJobs {
			out[job] = !enabled[job]
		}
		return out
	}
	out := disabledJobs(disabled)
	out["dns_tunnel"] = true
	return out
}

// detector reads the logs and writes the events of one cluster.
type detector struct {
	store      *es.Client
	types      []logType
	eventIndex string
	host       string
	rules      rules
	alerted    map[string]bool
	loaded     bool
}

// cycle writes an event for each new anomaly in the logs that arrived in (since, now], and
// returns false when it could not read them (the next cycle covers the window again).
func (d *detector) cycle(since, now time.Time) bool {
	if !d.loaded {
		// A new pod (a changed env rolls it, a CronJob starts one per run) must not alert a
		// bucket its predecessor did.
		events, err := eventsWritten(d.store, d.eventIndex, envInt("ES_query_size", 10000))
		if err != nil {
			log.Printf("reading the events already written: %v", err)
			return false
		}
		d.alerted, d.loaded = alertedKeys(events), true
	}
	log.Printf("START detection: logs from %s to %s", since.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	var found []anomaly
	counts := map[string]int{}
	for _, t := range d.types {
		anomalies, n, err := anomaliesSince(d.store, t, since, now, d.rules, d.alerted)
		if err != nil {
			log.Printf("reading %s logs: %v", t.name, err)
			return false
		}
		found = append(found, anomalies...)
		counts[t.name] = n
	}
	sent, byJob := 0, map[string]int{}
	for _, a := range found {
		if err := d.store.Index(d.eventIndex, a.event(time.Now(), d.host, d.rules.bucket)); err != nil {
			log.Printf("writing the %s event of %s/%s: %v", a.job, a.group.namespace, a.group.nameAggr, err)
			continue
		}
		d.alerted[a.key()] = true
		sent++
		byJob[a.job]++
	}
	log.Printf("STOP detection: %d flow records; AlertClient: sent %d alerts with anomalies. DNS: %d records. By job: %s",
		counts["flow"], sent, counts["DNS"], jobCounts(byJob))
	return true
}

func main() {
	cluster := os.Getenv("CLUSTER_NAME")
	if cluster == "" {
		cluster = "cluster"
	}
	detectOnce := slices.Contains(os.Args[1:], "detect")
	if slices.Contains(os.Args[1:], "train") {
		log.Printf("calico-ad TEST STAND-IN for the AD jobs image, args %q: no models to train", os.Args[1:])
		return
	}
	minute := time.Duration(envInt("CALICO_AD_STAND_IN_MINUTE_SECONDS", 60)) * time.Second
	interval := envInt("AD_search_interval_minutes", 30)
	r := rules{
		portScanThreshold: envInt("AD_port_scan_threshold", 500),
		ipSweepThreshold:  envInt("AD_ip_sweep_threshold", 32),
		dgaThreshold:      envFloat("AD_DGA_SCORE_THRESHOLD", 0.5),
		bucket:            time.Duration(envInt("ES_bucket_size_minutes", 5)) * time.Minute,
		disabled:          disabledFor(detectOnce, os.Getenv("AD_ENABLED_DETECTORS"), os.Getenv("AD_DISABLED_JOBS")),
	}
	var running []string
	for _, job := range allJobs {
		if !r.disabled[job] {
			running = append(running, job)
		}
	}
	log.Printf("calico-ad TEST STAND-IN for the AD jobs image, args %q: cluster %s, jobs %s, "+
		"port_scan threshold %d, ip_sweep threshold %d, dga score threshold %g (stand-in rule), disabled %v",
		os.Args[1:], cluster, strings.Join(running, ","), r.portScanThreshold, r.ipSweepThreshold, r.dgaThreshold, os.Getenv("AD_DISABLED_JOBS"))

	store, err := es.FromEnv("tigera-secure-es-http.tigera-elasticsearch.svc")
	host, _ := os.Hostname()
	d := &detector{
		store: store,
		types: []logType{
			{"flow", "tigera_secure_ee_flows." + cluster + ".*", detect},
			{"DNS", "tigera_secure_ee_dns." + cluster + ".*", detectDNS},
		},
		eventIndex: "tigera_secure_ee_events." + cluster + ".lma",
		host:       host,
		rules:      r,
	}
	if detectOnce {
		// One run of the detection CronJob: the last two buckets, as records arrive after a
		// flush delay; the events already written keep a bucket from being alerted twice.
		if err != nil {
			log.Fatalf("no Elasticsearch connection: %v", err)
		}
		now := time.Now().Add(-2 * time.Second)
		if !d.cycle(now.Add(-2*r.bucket), now) {
			os.Exit(1)
		}
		return
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	log.Printf("serving /ad/ping on :8000; search every %d minutes of %s", interval, minute)
	go serveProbes(ctx)
	if err != nil {
		log.Printf("no Elasticsearch connection, so no detection: %v", err)
		<-ctx.Done()
		return
	}
	lastCycle := time.Now().Add(-2 * time.Duration(interval) * minute)
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
		if d.cycle(lastCycle, now) {
			lastCycle = now
		}
	}
}

// jobCounts lists the alerts each job sent in a cycle, e.g. `dga=1 port_scan=0`, every job named.
func jobCounts(byJob map[string]int) string {
	parts := make([]string, len(allJobs))
	for i, job := range allJobs {
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
