package main

import (
	"regexp"
	"strings"
	"testing"
	"time"
)

var regexpDetection = regexp.MustCompile(`-detection-[0-9a-f]{5}$`)

func operatorTemplate() map[string]any {
	return map[string]any{"template": map[string]any{
		"metadata": map[string]any{"labels": map[string]any{"k8s-app": "anomaly-detectors"}},
		"spec": map[string]any{
			"restartPolicy": "OnFailure",
			"containers": []any{map[string]any{
				"name":  "adjobs",
				"image": "quay.io/tigera/anomaly_detection_jobs:v3.16.0",
				"env":   []any{map[string]any{"name": "ELASTIC_PORT", "value": "9200"}},
			}},
		},
	}}
}

func TestDetectionCronJobNameFitsTheCronJobLimitAndNamesEachAlertApart(t *testing.T) {
	long := detectionCronJobName("cd8i1cf9.aks-calicocloud-repo", "tigera.io.detector.dns-tunnel")
	if len(long) > maxCronJobName || !strings.HasPrefix(long, "cd8i1cf9.aks-calicocloud-repo-tigera") ||
		!regexpDetection.MatchString(long) {
		t.Fatalf("name %q (%d characters)", long, len(long))
	}
	other := detectionCronJobName("cd8i1cf9.aks-calicocloud-repo", "tigera.io.detector.dns-latency")
	if other == long {
		t.Fatalf("two alerts whose names differ only past the cut share CronJob %q", long)
	}
	if short := detectionCronJobName("c", "a"); !strings.HasPrefix(short, "c-a-detection-") {
		t.Fatalf("short name %q", short)
	}
}

func TestDetectionCronJobRunsTheAlertsDetectorFromTheOperatorsTemplateEveryPeriod(t *testing.T) {
	job, err := detectionCronJob("local-cluster", "tigera.io.detector.dns-tunnel", "dns_tunnel", 0, 30*time.Second, operatorTemplate())
	if err != nil {
		t.Fatal(err)
	}
	spec := job["spec"].(map[string]any)
	if spec["schedule"] != "@every 60s" || spec["concurrencyPolicy"] != "Forbid" {
		t.Fatalf("schedule %v, concurrency %v", spec["schedule"], spec["concurrencyPolicy"])
	}
	pod := spec["jobTemplate"].(map[string]any)["spec"].(map[string]any)["template"].(map[string]any)
	container := pod["spec"].(map[string]any)["containers"].([]any)[0].(map[string]any)
	env := map[string]string{}
	for _, e := range container["env"].([]any) {
		e := e.(map[string]any)
		env[e["name"].(string)] = e["value"].(string)
	}
	want := map[string]string{"ELASTIC_PORT": "9200", "CLUSTER_NAME": "local-cluster", "AD_ENABLED_DETECTORS": "dns_tunnel", "AD_ALERT_SEVERITY": "100", "AD_DETECTION_VERIFY_MODEL_EXISTENCE": "True"}
	for k, v := range want {
		if env[k] != v {
			t.Errorf("env %s = %q, want %q", k, env[k], v)
		}
	}
	if args := container["args"].([]any); len(args) != 3 || args[2] != "detect" {
		t.Errorf("args %v", args)
	}
	labels := job["metadata"].(map[string]any)["labels"].(map[string]any)
	if labels[cycleLabel] != "detection" || labels["cluster"] != "local-cluster" {
		t.Errorf("labels %v", labels)
	}
	// The template is copied, not changed: the next alert starts from the operator's env.
	template := operatorTemplate()
	if _, err := detectionCronJob("c", "a", "dga", 0, time.Minute, template); err != nil {
		t.Fatal(err)
	}
	if n := len(template["template"].(map[string]any)["spec"].(map[string]any)["containers"].([]any)[0].(map[string]any)["env"].([]any)); n != 1 {
		t.Errorf("the PodTemplate's env grew to %d entries", n)
	}
}

func TestEveryScheduleKeepsThePeriodButRunsAtMostOnceAMinute(t *testing.T) {
	for period, want := range map[time.Duration]string{5 * time.Minute: "@every 300s", 90 * time.Second: "@every 90s", 30 * time.Second: "@every 60s"} {
		if got := everySchedule(period); got != want {
			t.Errorf("period %s: schedule %q, want %q", period, got, want)
		}
	}
}

func TestDetectionCronJobSpecDigestChangesWithPeriodAndDetectorOnly(t *testing.T) {
	digest := func(detector string, period time.Duration) any {
		job, err := detectionCronJob("c", "a", detector, 100, period, operatorTemplate())
		if err != nil {
			t.Fatal(err)
		}
		return job["metadata"].(map[string]any)["annotations"].(map[string]any)[specAnnotation]
	}
	if digest("dga", time.Minute) != digest("dga", time.Minute) {
		t.Fatal("the same alert gives two digests: its CronJob would be replaced every second")
	}
	if digest("dga", time.Minute) == digest("dga", 2*time.Minute) || digest("dga", time.Minute) == digest("dns_tunnel", time.Minute) {
		t.Fatal("a changed period or detector keeps the digest: the CronJob would not be replaced")
	}
}

func TestDetectionCronJobRefusesATemplateWithoutTheAdjobsContainerOrAnAlertWithoutDetector(t *testing.T) {
	if _, err := detectionCronJob("c", "a", "", 100, time.Minute, operatorTemplate()); err == nil || !strings.Contains(err.Error(), "spec.detector.name") {
		t.Errorf("no detector: %v", err)
	}
	bare := map[string]any{"template": map[string]any{"spec": map[string]any{"containers": []any{map[string]any{"name": "other"}}}}}
	if _, err := detectionCronJob("c", "a", "dga", 100, time.Minute, bare); err == nil || !strings.Contains(err.Error(), "no container adjobs") {
		t.Errorf("no adjobs container: %v", err)
	}
	if _, err := detectionCronJob("c", "a", "dga", 100, time.Minute, map[string]any{}); err == nil || !strings.Contains(err.Error(), "no template") {
		t.Errorf("no template: %v", err)
	}
}
