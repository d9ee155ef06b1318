package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log"
	"net/url"
	"strconv"
	"strings"
	"time"

	"calico-ad.local/tools/node-images/internal/kube"
)

// The GlobalAlert era's AD (CE 3.13 to 3.17): for each GlobalAlert of type AnomalyDetection the
// intrusion-detection-controller runs a detection CronJob built from the operator's PodTemplate
// tigera.io.detectors.detection. This stand-in does the same with the PodTemplate it finds; it
// starts no training CronJob, as the stand-in AD jobs have no models to train.
const (
	detectionTemplatePath = "/api/v1/namespaces/tigera-intrusion-detection/podtemplates/tigera.io.detectors.detection"
	cronJobsPath          = "/apis/batch/v1/namespaces/tigera-intrusion-detection/cronjobs"
	cycleLabel            = "tigera.io.detector-cycle"
	standInLabel          = "calico-ad.test/stand-in"
	specAnnotation        = "calico-ad.test/detection-spec"
	// CronJob names are at most 52 characters: the Job controller appends 11.
	maxCronJobName = 52
)

// detectorSpec is what an AnomalyDetection GlobalAlert says beyond alertSpec.
type detectorSpec struct {
	Detector struct {
		Name string `json:"name"`
	} `json:"detector"`
}

// detectionCronJobName is `<cluster>-<alert>` cut to fit, then `-detection-` and five hex digits
// of a hash of the whole, as the IDS names them.
func detectionCronJobName(cluster, alert string) string {
	whole := cluster + "-" + alert
	sum := sha256.Sum256([]byte(whole))
	suffix := "-detection-" + hex.EncodeToString(sum[:])[:5]
	prefix := whole
	if len(prefix) > maxCronJobName-len(suffix) {
		prefix = strings.TrimRight(prefix[:maxCronJobName-len(suffix)], ".-")
	}
	return prefix + suffix
}

// everySchedule is a CronJob schedule running every period, in whole seconds, and at most once
// a minute: the CronJob controller names each Job after its scheduled minute, so a second run in
// the same minute would never start.
func everySchedule(period time.Duration) string {
	return "@every " + strconv.Itoa(int(max(time.Minute, period).Round(time.Second)/time.Second)) + "s"
}

// detectionCronJob is the CronJob that runs one detector every period, from the PodTemplate's
// template: its `adjobs` container runs `python3 -m adj detect` with the detector, cluster and
// severity in its env. An error says what the template lacks.
func detectionCronJob(cluster, alert, detector string, severity int, period time.Duration, template map[string]any) (map[string]any, error) {
	if detector == "" {
		return nil, fmt.Errorf("spec.detector.name is empty")
	}
	var pod map[string]any
	if err := roundTrip(template["template"], &pod); err != nil || pod == nil {
		return nil, fmt.Errorf("the PodTemplate has no template")
	}
	spec, _ := pod["spec"].(map[string]any)
	containers, _ := spec["containers"].([]any)
	var adjobs map[string]any
	for _, c := range containers {
		if c, ok := c.(map[string]any); ok && c["name"] == "adjobs" {
			adjobs = c
		}
	}
	if adjobs == nil {
		return nil, fmt.Errorf("the PodTemplate has no container adjobs")
	}
	if severity == 0 {
		severity = 100
	}
	env, _ := adjobs["env"].([]any)
	for _, v := range [][2]string{
		{"CLUSTER_NAME", cluster},
		{"AD_ENABLED_DETECTORS", detector},
		{"AD_ALERT_SEVERITY", strconv.Itoa(severity)},
		{"AD_DETECTION_VERIFY_MODEL_EXISTENCE", "True"},
	} {
		env = append(env, map[string]any{"name": v[0], "value": v[1]})
	}
	adjobs["env"] = env
	adjobs["command"] = []any{"python3"}
	adjobs["args"] = []any{"-m", "adj", "detect"}
	labels := map[string]any{cycleLabel: "detection", "cluster": cluster, standInLabel: "true"}
	cronSpec := map[string]any{
		"schedule":                   everySchedule(period),
		"concurrencyPolicy":          "Forbid",
		"successfulJobsHistoryLimit": 1,
		"failedJobsHistoryLimit":     1,
		"jobTemplate": map[string]any{
			"metadata": map[string]any{"labels": labels},
			"spec":     map[string]any{"backoffLimit": 0, "template": pod},
		},
	}
	digest, err := json.Marshal(cronSpec)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(digest)
	return map[string]any{
		"apiVersion": "batch/v1",
		"kind":       "CronJob",
		"metadata": map[string]any{
			"name":   detectionCronJobName(cluster, alert),
			"labels": labels,
			"annotations": map[string]any{
				"calico-ad.test/global-alert": alert,
				specAnnotation:                hex.EncodeToString(sum[:8]),
			},
		},
		"spec": cronSpec,
	}, nil
}

func roundTrip(in, out any) error {
	data, err := json.Marshal(in)
	if err != nil {
		return err
	}
	return json.Unmarshal(data, out)
}

type cronJob struct {
	Metadata struct {
		Name        string            `json:"name"`
		Annotations map[string]string `json:"annotations"`
	} `json:"metadata"`
}

// detectionJobs keeps one detection CronJob per AnomalyDetection GlobalAlert in alerts (raw
// objects), replaces those whose spec changed, and deletes those whose alert is gone. It
// returns the status problem of each alert it could not start (alert name -> message), or nil
// when it could not list the CronJobs.
func detectionJobs(api *kube.Client, cluster string, alerts []json.RawMessage, scale func(time.Duration) time.Duration) map[string]string {
	var existing struct{ Items []cronJob }
	selector := url.QueryEscape(cycleLabel + "=detection," + standInLabel + "=true")
	if err := api.Get(cronJobsPath+"?labelSelector="+selector, &existing); err != nil {
		log.Printf("listing the detection CronJobs: %v", err)
		return nil
	}
	problems := map[string]string{}
	current := map[string]string{}
	for _, c := range existing.Items {
		current[c.Metadata.Name] = c.Metadata.Annotations[specAnnotation]
	}
	var template map[string]any
	templateErr := api.Get(detectionTemplatePath, &template)
	wanted := map[string]bool{}
	for _, raw := range alerts {
		var a globalAlert
		var d struct {
			Spec detectorSpec `json:"spec"`
		}
		if json.Unmarshal(raw, &a) != nil || json.Unmarshal(raw, &d) != nil || a.Spec.Type != "AnomalyDetection" {
			continue
		}
		name := detectionCronJobName(cluster, a.Metadata.Name)
		wanted[name] = true
		if templateErr != nil {
			problems[a.Metadata.Name] = fmt.Sprintf("reading PodTemplate tigera-intrusion-detection/tigera.io.detectors.detection: %v", templateErr)
			continue
		}
		job, err := detectionCronJob(cluster, a.Metadata.Name, d.Spec.Detector.Name, a.Spec.Severity,
			scale(duration(a.Spec.Period, 15*time.Minute)), template)
		if err != nil {
			problems[a.Metadata.Name] = err.Error()
			continue
		}
		digest := job["metadata"].(map[string]any)["annotations"].(map[string]any)[specAnnotation]
		if have, ok := current[name]; ok && have == digest {
			continue
		} else if ok {
			if err := api.Delete(cronJobsPath + "/" + name); err != nil && err != kube.ErrNotFound {
				log.Printf("%s: replacing CronJob %s: %v", a.Metadata.Name, name, err)
				continue
			}
		}
		if err := api.Create(cronJobsPath, job); err != nil {
			problems[a.Metadata.Name] = fmt.Sprintf("creating CronJob %s: %v", name, err)
			continue
		}
		log.Printf("%s: detection CronJob %s runs detector %s %s", a.Metadata.Name, name, d.Spec.Detector.Name,
			job["spec"].(map[string]any)["schedule"])
	}
	for name := range current {
		if wanted[name] {
			continue
		}
		if err := api.Delete(cronJobsPath + "/" + name); err != nil && err != kube.ErrNotFound {
			log.Printf("deleting CronJob %s, whose GlobalAlert is gone: %v", name, err)
			continue
		}
		log.Printf("deleted CronJob %s: its GlobalAlert is gone", name)
	}
	return problems
}
