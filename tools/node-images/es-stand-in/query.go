package main

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"
)

// The subset of the Elasticsearch query DSL this stand-in evaluates (docs/simulations.md lists
// it): bool (filter, must, should, must_not, minimum_should_match), term, terms, range (gt, gte,
// lt, lte; format epoch_second or none), exists and match_all; size, from and sort by fields.
// Anything else is refused with HTTP 400, as Elasticsearch refuses an unknown query.

// queryError is a query this stand-in does not evaluate; answered with HTTP 400.
type queryError struct{ reason string }

func (e queryError) Error() string { return e.reason }

func refuse(format string, args ...any) error { return queryError{fmt.Sprintf(format, args...)} }

// single returns the one key and value of a clause like {"term": {...}}.
func single(clause any, what string) (string, any, error) {
	m, ok := clause.(map[string]any)
	if !ok || len(m) != 1 {
		return "", nil, refuse("[%s] expects an object with exactly one key", what)
	}
	for k, v := range m {
		return k, v, nil
	}
	return "", nil, nil
}

// matches reports whether doc passes the query clause.
func matches(clause any, doc map[string]any) (bool, error) {
	kind, body, err := single(clause, "query")
	if err != nil {
		return false, err
	}
	switch kind {
	case "match_all":
		return true, nil
	case "term":
		field, value, err := single(body, "term")
		if err != nil {
			return false, err
		}
		if inner, ok := value.(map[string]any); ok {
			value = inner["value"]
		}
		return equal(doc[field], value), nil
	case "terms":
		field, value, err := single(body, "terms")
		if err != nil {
			return false, err
		}
		values, ok := value.([]any)
		if !ok {
			return false, refuse("[terms] query requires an array of values for [%s]", field)
		}
		for _, v := range values {
			if equal(doc[field], v) {
				return true, nil
			}
		}
		return false, nil
	case "exists":
		m, _ := body.(map[string]any)
		field, _ := m["field"].(string)
		if field == "" {
			return false, refuse("[exists] requires a field")
		}
		v, ok := doc[field]
		return ok && v != nil, nil
	case "range":
		return rangeMatches(body, doc)
	case "bool":
		return boolMatches(body, doc)
	default:
		return false, refuse("unknown query [%s] (this stand-in evaluates bool, term, terms, range, exists, match_all)", kind)
	}
}

func boolMatches(body any, doc map[string]any) (bool, error) {
	b, ok := body.(map[string]any)
	if !ok {
		return false, refuse("[bool] expects an object")
	}
	list := func(key string) []any {
		switch v := b[key].(type) {
		case []any:
			return v
		case map[string]any:
			return []any{v}
		}
		return nil
	}
	for key := range b {
		switch key {
		case "filter", "must", "should", "must_not", "minimum_should_match":
		default:
			return false, refuse("[bool] does not support [%s]", key)
		}
	}
	for _, key := range []string{"filter", "must"} {
		for _, c := range list(key) {
			ok, err := matches(c, doc)
			if err != nil || !ok {
				return false, err
			}
		}
	}
	for _, c := range list("must_not") {
		ok, err := matches(c, doc)
		if err != nil || ok {
			return false, err
		}
	}
	should := list("should")
	min := 0
	if len(should) > 0 && len(list("filter"))+len(list("must")) == 0 {
		min = 1
	}
	if v, ok := b["minimum_should_match"].(float64); ok {
		min = int(v)
	}
	passed := 0
	for _, c := range should {
		ok, err := matches(c, doc)
		if err != nil {
			return false, err
		}
		if ok {
			passed++
		}
	}
	return passed >= min, nil
}

func rangeMatches(body any, doc map[string]any) (bool, error) {
	field, value, err := single(body, "range")
	if err != nil {
		return false, err
	}
	bounds, ok := value.(map[string]any)
	if !ok {
		return false, refuse("[range] expects an object for [%s]", field)
	}
	if f, ok := bounds["format"]; ok && f != "epoch_second" {
		return false, refuse("[range] format %v is not supported (only epoch_second)", f)
	}
	have, ok := number(doc[field])
	if !ok {
		return false, nil
	}
	for op, limit := range bounds {
		if op == "format" {
			continue
		}
		want, ok := number(limit)
		if !ok {
			return false, refuse("[range] %s of [%s] must be a number of epoch seconds", op, field)
		}
		var pass bool
		switch op {
		case "gt":
			pass = have > want
		case "gte":
			pass = have >= want
		case "lt":
			pass = have < want
		case "lte":
			pass = have <= want
		default:
			return false, refuse("[range] does not support [%s]", op)
		}
		if !pass {
			return false, nil
		}
	}
	return true, nil
}

// number reads a JSON number, a numeric string or an RFC 3339 time (as epoch seconds).
func number(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	case string:
		var f float64
		if _, err := fmt.Sscan(n, &f); err == nil {
			return f, true
		}
		if t, err := time.Parse(time.RFC3339, n); err == nil {
			return float64(t.Unix()), true
		}
	}
	return 0, false
}

func equal(a, b any) bool {
	if x, ok := number(a); ok {
		if y, ok := number(b); ok {
			_, aText := a.(string)
			_, bText := b.(string)
			if !aText && !bText {
				return x == y
			}
		}
	}
	return fmt.Sprint(a) == fmt.Sprint(b) && a != nil
}

// indexMatcher matches index names against a comma-separated list of patterns with `*`.
func indexMatcher(patterns string) func(string) bool {
	var res []*regexp.Regexp
	for _, p := range strings.Split(patterns, ",") {
		parts := strings.Split(p, "*")
		for i := range parts {
			parts[i] = regexp.QuoteMeta(parts[i])
		}
		res = append(res, regexp.MustCompile("^"+strings.Join(parts, ".*")+"$"))
	}
	return func(index string) bool {
		for _, re := range res {
			if re.MatchString(index) {
				return true
			}
		}
		return false
	}
}

// sortHits orders hits by the request's `sort`: a list of {field: {order}} or {field: order}.
func sortHits(hits []storedDoc, spec any) error {
	if spec == nil {
		return nil
	}
	list, ok := spec.([]any)
	if !ok {
		list = []any{spec}
	}
	type key struct {
		field string
		desc  bool
	}
	var keys []key
	for _, item := range list {
		field, value, err := single(item, "sort")
		if err != nil {
			return err
		}
		order := value
		if m, ok := value.(map[string]any); ok {
			order = m["order"]
		}
		keys = append(keys, key{field, order == "desc"})
	}
	sort.SliceStable(hits, func(i, j int) bool {
		for _, k := range keys {
			a, _ := number(hits[i].source[k.field])
			b, _ := number(hits[j].source[k.field])
			if a != b {
				return (a < b) != k.desc
			}
		}
		return false
	})
	return nil
}
