package main

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// alertSpec is the part of a GlobalAlert's spec the stand-in evaluates.
type alertSpec struct {
	Type        string   `json:"type"`
	Description string   `json:"description"`
	Severity    int      `json:"severity"`
	DataSet     string   `json:"dataSet"`
	Period      string   `json:"period"`
	Lookback    string   `json:"lookback"`
	Query       string   `json:"query"`
	AggregateBy []string `json:"aggregateBy"`
	Field       string   `json:"field"`
	Metric      string   `json:"metric"`
	Condition   string   `json:"condition"`
	Threshold   float64  `json:"threshold"`
}

// comparison is one `key = value` or `key != value` of a query.
type comparison struct {
	key, value string
	negated    bool
}

var comparisonPattern = regexp.MustCompile(`^\s*("[^"]*"|'[^']*'|[A-Za-z0-9_.]+)\s*(!=|=)\s*("[^"]*"|'[^']*'|[^\s"'()]+)\s*$`)

// parseQuery reads the subset of Calico's query language this stand-in evaluates: comparisons
// `key = value` and `key != value` (keys and values optionally quoted) joined by AND. OR, NOT,
// IN, NOTIN, brackets, wildcards and <, <=, >, >= are refused, naming the part.
func parseQuery(query string) ([]comparison, error) {
	if strings.TrimSpace(query) == "" {
		return nil, nil
	}
	var out []comparison
	for _, part := range regexp.MustCompile(`\s+AND\s+`).Split(query, -1) {
		m := comparisonPattern.FindStringSubmatch(part)
		if m == nil {
			return nil, fmt.Errorf("query part %q is outside the stand-in's subset (key = value or key != value, joined by AND)", strings.TrimSpace(part))
		}
		out = append(out, comparison{key: unquote(m[1]), value: unquote(m[3]), negated: m[2] == "!="})
	}
	return out, nil
}

func unquote(s string) string {
	if len(s) >= 2 && (s[0] == '"' || s[0] == '\'') && s[len(s)-1] == s[0] {
		return s[1 : len(s)-1]
	}
	return s
}

// searchBody is the Elasticsearch query for the flow logs of the window (from, to] on end_time,
// as Linseed filters flow logs from CE 3.17 on, with the comparisons as term filters.
func searchBody(comparisons []comparison, from, to time.Time, size, offset int) map[string]any {
	filter := []any{map[string]any{"range": map[string]any{"end_time": map[string]any{
		"gt": from.Unix(), "lte": to.Unix(), "format": "epoch_second"}}}}
	var mustNot []any
	for _, c := range comparisons {
		term := map[string]any{"term": map[string]any{c.key: c.value}}
		if c.negated {
			mustNot = append(mustNot, term)
		} else {
			filter = append(filter, term)
		}
	}
	boolean := map[string]any{"filter": filter}
	if len(mustNot) > 0 {
		boolean["must_not"] = mustNot
	}
	return map[string]any{"size": size, "from": offset, "sort": []any{map[string]any{"end_time": "asc"}},
		"query": map[string]any{"bool": boolean}}
}

// bucket is one combination of aggregateBy values and its document count.
type bucket struct {
	values map[string]string
	count  int
}

// specProblem is why the stand-in cannot evaluate the spec, or "": it counts documents only.
func specProblem(spec alertSpec) string {
	switch {
	case spec.DataSet != "flows":
		return fmt.Sprintf("dataSet %q: the stand-in evaluates flows only", spec.DataSet)
	case spec.Metric != "" && spec.Metric != "count":
		return fmt.Sprintf("metric %q: the stand-in evaluates count only", spec.Metric)
	case spec.Metric == "" && len(spec.AggregateBy) == 0:
		return "no metric and no aggregateBy (one event per document) is not evaluated by the stand-in"
	case spec.Metric == "count" && !strings.Contains("eq not_eq lt lte gt gte", spec.Condition):
		return fmt.Sprintf("condition %q is not one of eq, not_eq, lt, lte, gt, gte", spec.Condition)
	}
	return ""
}

// aggregate counts the documents per combination of the aggregateBy fields (one bucket of all
// documents without aggregateBy), in a stable order, like the IDS's composite aggregation.
func aggregate(docs []map[string]any, by []string) []bucket {
	index := map[string]*bucket{}
	var keys []string
	for _, d := range docs {
		values := map[string]string{}
		parts := make([]string, len(by))
		for i, field := range by {
			values[field] = text(d[field])
			parts[i] = values[field]
		}
		key := strings.Join(parts, "\x00")
		if index[key] == nil {
			index[key] = &bucket{values: values}
			keys = append(keys, key)
		}
		index[key].count++
	}
	sort.Strings(keys)
	out := make([]bucket, len(keys))
	for i, k := range keys {
		out[i] = *index[k]
	}
	return out
}

func text(v any) string {
	switch s := v.(type) {
	case string:
		return s
	case float64:
		return strconv.FormatFloat(s, 'f', -1, 64)
	case nil:
		return ""
	}
	return fmt.Sprint(v)
}

// satisfied compares a bucket's count with the threshold; without a metric every bucket is an event.
func satisfied(spec alertSpec, count int) bool {
	v, t := float64(count), spec.Threshold
	switch spec.Metric {
	case "":
		return true
	case "count":
		switch spec.Condition {
		case "eq":
			return v == t
		case "not_eq":
			return v != t
		case "lt":
			return v < t
		case "lte":
			return v <= t
		case "gt":
			return v > t
		case "gte":
			return v >= t
		}
	}
	return false
}

// eventFields are the flow log fields the IDS copies from an event's record to the event itself.
var eventFields = []string{"source_ip", "source_port", "source_namespace", "source_name", "source_name_aggr",
	"dest_ip", "dest_port", "dest_namespace", "dest_name", "dest_name_aggr", "host"}

// event is the global_alert event of a satisfied bucket in the shape the IDS writes
// (../shared/reference/after-ad-removal.md 1.4): origin the GlobalAlert's name, the description
// with ${field} and ${count} replaced, the record with the aggregateBy values and the metric.
func event(name string, spec alertSpec, b bucket, at time.Time) map[string]any {
	record := map[string]any{"generated_by": "calico-ad TEST STAND-IN for the intrusion-detection-controller"}
	for k, v := range b.values {
		record[k] = v
	}
	if spec.Metric == "count" {
		record["count"] = b.count
	}
	description := regexp.MustCompile(`\$\{([^}]*)\}`).ReplaceAllStringFunc(spec.Description, func(v string) string {
		field := v[2 : len(v)-1]
		if field == spec.Metric && spec.Metric != "" {
			return strconv.Itoa(b.count)
		}
		if value, ok := b.values[field]; ok {
			return value
		}
		return v
	})
	e := map[string]any{"type": "global_alert", "origin": name, "severity": spec.Severity,
		"description": description, "time": at.Unix(), "record": record}
	for _, field := range eventFields {
		if value, ok := b.values[field]; ok && value != "" {
			e[field] = value
		}
	}
	return e
}

// duration reads a GlobalAlert duration (`1h 2m 3s`, `2m10s`), or fallback when unset or bad.
func duration(value string, fallback time.Duration) time.Duration {
	if d, err := time.ParseDuration(strings.ReplaceAll(value, " ", "")); err == nil && d > 0 {
		return d
	}
	return fallback
}
