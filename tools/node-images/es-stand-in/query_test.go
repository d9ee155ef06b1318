package main

import (
	"encoding/json"
	"strings"
	"testing"
)

func decode(t *testing.T, text string) map[string]any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal([]byte(text), &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// The verification's own query shape (verify/events.ts eventQuery) finds the scan's event and
// skips events of another namespace, type, source or time.
func TestStandInEvaluatesTheVerificationQuery(t *testing.T) {
	s := &store{}
	base := `{"type":"anomaly_detection_job","source_namespace":"dev","source_name":"netshoot","source_name_aggr":"netshoot","time":1000}`
	s.add("tigera_secure_ee_events.local-cluster.lma", decode(t, base))
	for _, change := range []string{`"source_namespace":"other"`, `"type":"global_alert"`, `"source_name":"x","source_name_aggr":"x"`, `"time":10`} {
		doc := decode(t, base)
		for k, v := range decode(t, "{"+change+"}") {
			doc[k] = v
		}
		s.add("tigera_secure_ee_events.local-cluster.lma", doc)
	}
	s.add("tigera_secure_ee_events.other-cluster.lma", decode(t, base))
	query := `{"size":50,"sort":[{"time":{"order":"asc"}}],"query":{"bool":{"filter":[
		{"term":{"type":"anomaly_detection_job"}},{"term":{"source_namespace":"dev"}},
		{"bool":{"should":[{"terms":{"source_name":["netshoot"]}},{"terms":{"source_name_aggr":["netshoot"]}}],"minimum_should_match":1}},
		{"range":{"time":{"gte":900,"format":"epoch_second"}}}]}}}`
	var req searchRequest
	if err := json.Unmarshal([]byte(query), &req); err != nil {
		t.Fatal(err)
	}
	answer, err := s.search("tigera_secure_ee_events.local-cluster*", req)
	if err != nil {
		t.Fatal(err)
	}
	hits := answer["hits"].(map[string]any)["hits"].([]map[string]any)
	if len(hits) != 1 || hits[0]["_id"] != "stand-in-1" {
		t.Fatalf("want only the first event, got %v", hits)
	}
}

func TestStandInRefusesQueriesOutsideItsSubset(t *testing.T) {
	for _, q := range []string{`{"match":{"a":"b"}}`, `{"range":{"time":{"gte":"now-5m","format":"date_math"}}}`, `{"bool":{"boost":2}}`} {
		s := &store{}
		s.add("a", map[string]any{"time": 1.0})
		_, err := s.search("*", searchRequest{Query: decode(t, q)})
		if _, ok := err.(queryError); !ok {
			t.Errorf("%s: want a queryError, got %v", q, err)
		}
	}
}

func TestStandInBulkStoresEachDocumentInItsIndex(t *testing.T) {
	s := &store{}
	n, err := s.bulk(strings.NewReader(`{"index":{"_index":"a"}}` + "\n" + `{"x":1}` + "\n" + `{"create":{"_index":"b"}}` + "\n" + `{"x":2}` + "\n"))
	if err != nil || n != 2 {
		t.Fatalf("n=%d err=%v", n, err)
	}
	answer, _ := s.search("b", searchRequest{Query: decode(t, `{"range":{"x":{"gt":1}}}`)})
	if answer["hits"].(map[string]any)["total"].(map[string]any)["value"] != 1 {
		t.Fatalf("want one hit in b: %v", answer)
	}
	if _, err := s.bulk(strings.NewReader(`{"delete":{"_index":"a","_id":"1"}}` + "\n")); err == nil {
		t.Fatal("delete actions are not supported and must be refused")
	}
}
