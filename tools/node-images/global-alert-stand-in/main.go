// Command global-alert-stand-in is a TEST STAND-IN for the GlobalAlert controllers of Calico
// Enterprise's intrusion-detection-controller, which cannot run here. For GlobalAlerts of type
// AnomalyDetection (CE 3.13 to 3.17) it keeps a detection CronJob per alert, built from the
// operator's PodTemplate tigera.io.detectors.detection (detectors.go); the kube-controller-manager
// and kubelet run its Jobs, and the AD jobs image they start does the detecting. For GlobalAlerts
// of type RuleBased, one `period` after it first sees each and every `period` after, it counts
// the flow log documents of tigera_secure_ee_flows.<CLUSTER_NAME>.* whose end_time is within
// `lookback` and that match its query (evaluate.go: the AND of `key = value` / `key != value`
// comparisons), per combination of its aggregateBy fields; for each count that satisfies
// condition and threshold it writes a global_alert event to
// tigera_secure_ee_events.<CLUSTER_NAME>.lma, and it sets the alert's status (lastUpdate, active,
// healthy, lastExecuted, lastEvent, errorConditions). It reads nothing but the GlobalAlerts, the
// PodTemplate and the flow records. CALICO_AD_STAND_IN_MINUTE_SECONDS (the image's env; default
// 60) shortens its minute, and so each period and CronJob schedule, for tests; the lookback is
// never shortened, as the flow records carry real times.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"net/url"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"calico-ad.local/tools/node-images/internal/es"
	"calico-ad.local/tools/node-images/internal/kube"
)

const alertsPath = "/apis/projectcalico.org/v3/globalalerts"

type globalAlert struct {
	Metadata struct {
		Name       string `json:"name"`
		Generation int64  `json:"generation"`
	} `json:"metadata"`
	Spec alertSpec `json:"spec"`
}

// schedule is when an alert runs next, for the generation of its spec that set it.
type schedule struct {
	generation int64
	next       time.Time
}

func searchFlows(store *es.Client, index string, comparisons []comparison, from, to time.Time) ([]map[string]any, error) {
	return store.SearchAll(index, 10000, func(size, offset int) map[string]any {
		return searchBody(comparisons, from, to, size, offset)
	})
}

func rfc3339(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// run evaluates one alert once and returns its status patch.
func run(store *es.Client, cluster string, a globalAlert, now time.Time) map[string]any {
	status := map[string]any{"lastUpdate": rfc3339(now), "active": true, "lastExecuted": rfc3339(now)}
	fail := func(format string, args ...any) map[string]any {
		message := "calico-ad TEST STAND-IN: " + fmt.Sprintf(format, args...)
		log.Printf("%s: %s", a.Metadata.Name, message)
		status["healthy"] = false
		status["errorConditions"] = []any{map[string]any{"type": "QueryFailed", "message": message}}
		return status
	}
	if problem := specProblem(a.Spec); problem != "" {
		return fail("%s", problem)
	}
	comparisons, err := parseQuery(a.Spec.Query)
	if err != nil {
		return fail("%v", err)
	}
	lookback := duration(a.Spec.Lookback, 10*time.Minute)
	docs, err := searchFlows(store, "tigera_secure_ee_flows."+cluster+".*", comparisons, now.Add(-lookback), now)
	if err != nil {
		return fail("searching the flow logs: %v", err)
	}
	fired := 0
	for _, b := range aggregate(docs, a.Spec.AggregateBy) {
		if !satisfied(a.Spec, b.count) {
			continue
		}
		if err := store.Index("tigera_secure_ee_events."+cluster+".lma", event(a.Metadata.Name, a.Spec, b, now)); err != nil {
			return fail("writing the global_alert event: %v", err)
		}
		fired++
	}
	log.Printf("%s: %d flow log documents in the last %s, %d events written", a.Metadata.Name, len(docs), lookback, fired)
	status["healthy"] = true
	status["errorConditions"] = nil
	if fired > 0 {
		status["lastEvent"] = rfc3339(now)
	}
	return status
}

func main() {
	cluster := os.Getenv("CLUSTER_NAME")
	if cluster == "" {
		cluster = "cluster"
	}
	minuteSeconds, err := strconv.Atoi(os.Getenv("CALICO_AD_STAND_IN_MINUTE_SECONDS"))
	if err != nil || minuteSeconds <= 0 {
		minuteSeconds = 60
	}
	scale := func(d time.Duration) time.Duration { return max(time.Second, d*time.Duration(minuteSeconds)/60) }
	api, err := kube.InCluster()
	if err != nil {
		log.Fatalf("API client: %v", err)
	}
	store, err := es.FromEnv("tigera-secure-es-http.tigera-elasticsearch.svc")
	if err != nil {
		log.Fatalf("Elasticsearch client: %v", err)
	}
	log.Printf("calico-ad TEST STAND-IN for the intrusion-detection-controller's GlobalAlert controllers: cluster %s, minute of %d s", cluster, minuteSeconds)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	schedules := map[string]schedule{}
	reported := map[string]string{} // AnomalyDetection alert -> the problem its status shows
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Second):
		}
		var list struct{ Items []json.RawMessage }
		if err := api.Get(alertsPath, &list); err != nil {
			log.Printf("listing GlobalAlerts: %v", err)
			continue
		}
		now := time.Now()
		if problems := detectionJobs(api, cluster, list.Items, scale); problems != nil {
			reportDetectionProblems(api, list.Items, problems, reported, now)
		}
		seen := map[string]bool{}
		for _, raw := range list.Items {
			var a globalAlert
			if json.Unmarshal(raw, &a) != nil || (a.Spec.Type != "" && a.Spec.Type != "RuleBased") {
				continue
			}
			name := a.Metadata.Name
			seen[name] = true
			period := scale(duration(a.Spec.Period, 5*time.Minute))
			s, known := schedules[name]
			// A new or changed alert first runs one full period later, like the IDS.
			if !known || s.generation != a.Metadata.Generation {
				schedules[name] = schedule{a.Metadata.Generation, now.Add(period)}
				log.Printf("%s: picked up; first run in %s", name, period)
				if err := api.MergePatch(alertsPath+"/"+url.PathEscape(name)+"/status",
					map[string]any{"status": map[string]any{"active": true, "lastUpdate": rfc3339(now)}}); err != nil {
					log.Printf("%s: setting status: %v", name, err)
				}
				continue
			}
			if now.Before(s.next) {
				continue
			}
			schedules[name] = schedule{s.generation, now.Add(period)}
			if err := api.MergePatch(alertsPath+"/"+url.PathEscape(name)+"/status",
				map[string]any{"status": run(store, cluster, a, now)}); err != nil {
				log.Printf("%s: setting status: %v", name, err)
			}
		}
		for name := range schedules {
			if !seen[name] {
				delete(schedules, name)
			}
		}
	}
}

// reportDetectionProblems sets the status of each AnomalyDetection alert whose problem changed
// since it was last reported (none: active and healthy).
func reportDetectionProblems(api *kube.Client, alerts []json.RawMessage, problems, reported map[string]string, now time.Time) {
	seen := map[string]bool{}
	for _, raw := range alerts {
		var a globalAlert
		if json.Unmarshal(raw, &a) != nil || a.Spec.Type != "AnomalyDetection" {
			continue
		}
		name, problem := a.Metadata.Name, problems[a.Metadata.Name]
		seen[name] = true
		if last, ok := reported[name]; ok && last == problem {
			continue
		}
		status := map[string]any{"lastUpdate": rfc3339(now), "active": problem == "", "healthy": problem == "", "errorConditions": nil}
		if problem != "" {
			log.Printf("%s: %s", name, problem)
			status["errorConditions"] = []any{map[string]any{"type": "DetectionJobFailed", "message": "calico-ad TEST STAND-IN: " + problem}}
		}
		if err := api.MergePatch(alertsPath+"/"+url.PathEscape(name)+"/status", map[string]any{"status": status}); err != nil {
			log.Printf("%s: setting status: %v", name, err)
			continue
		}
		reported[name] = problem
	}
	for name := range reported {
		if !seen[name] {
			delete(reported, name)
		}
	}
}
