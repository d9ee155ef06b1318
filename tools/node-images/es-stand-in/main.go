// Command es-stand-in is a TEST STAND-IN for Calico Enterprise's Elasticsearch (no
// Elasticsearch-compatible server can be built here). It keeps documents in memory and serves,
// over TLS with the certificate in TLS_CERT and TLS_KEY (signed by the CA the release's CA
// Secret holds) and Basic authentication against the `user:password` lines of USERS_FILE:
//
//	GET  /                          cluster info
//	POST /_bulk                     NDJSON `index`/`create` actions (the flow recorder's writes)
//	POST /<index>/_doc              one document (the AD jobs' events)
//	GET|POST /<patterns>/_search    the query subset of query.go, size, from, sort
//
// It only stores and searches what its clients send; it derives nothing itself.
package main

import (
	"bufio"
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"
)

type storedDoc struct {
	index, id string
	source    map[string]any
}

type store struct {
	mu   sync.Mutex
	docs []storedDoc
	next int
}

func (s *store) add(index string, source map[string]any) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.next++
	id := fmt.Sprintf("stand-in-%d", s.next)
	s.docs = append(s.docs, storedDoc{index, id, source})
	return id
}

// searchRequest is the part of a _search body this stand-in reads.
type searchRequest struct {
	Query any  `json:"query"`
	Size  *int `json:"size"`
	From  int  `json:"from"`
	Sort  any  `json:"sort"`
}

// search evaluates req against the documents of the indices that patterns name.
func (s *store) search(patterns string, req searchRequest) (map[string]any, error) {
	in := indexMatcher(patterns)
	s.mu.Lock()
	docs := append([]storedDoc(nil), s.docs...)
	s.mu.Unlock()
	query := req.Query
	if query == nil {
		query = map[string]any{"match_all": map[string]any{}}
	}
	var hits []storedDoc
	for _, d := range docs {
		if !in(d.index) {
			continue
		}
		ok, err := matches(query, d.source)
		if err != nil {
			return nil, err
		}
		if ok {
			hits = append(hits, d)
		}
	}
	if err := sortHits(hits, req.Sort); err != nil {
		return nil, err
	}
	total := len(hits)
	size := 10
	if req.Size != nil {
		size = *req.Size
	}
	if req.From > len(hits) {
		hits = nil
	} else {
		hits = hits[req.From:]
	}
	if len(hits) > size {
		hits = hits[:size]
	}
	out := make([]map[string]any, 0, len(hits))
	for _, h := range hits {
		out = append(out, map[string]any{"_index": h.index, "_id": h.id, "_score": nil, "_source": h.source})
	}
	return map[string]any{
		"took": 1, "timed_out": false,
		"hits": map[string]any{"total": map[string]any{"value": total, "relation": "eq"}, "max_score": nil, "hits": out},
	}, nil
}

// bulk stores the documents of an NDJSON body; returns the item count.
func (s *store) bulk(body io.Reader) (int, error) {
	scanner := bufio.NewScanner(body)
	scanner.Buffer(make([]byte, 1<<20), 16<<20)
	n := 0
	for scanner.Scan() {
		line := strings.TrimSpace(scanner.Text())
		if line == "" {
			continue
		}
		var action map[string]struct {
			Index string `json:"_index"`
		}
		if err := json.Unmarshal([]byte(line), &action); err != nil {
			return n, fmt.Errorf("bulk action: %w", err)
		}
		meta, ok := action["index"]
		if !ok {
			meta, ok = action["create"]
		}
		if !ok || meta.Index == "" {
			return n, fmt.Errorf("bulk action %q: only index and create with _index are supported", line)
		}
		if !scanner.Scan() {
			return n, errors.New("bulk action without a document")
		}
		var source map[string]any
		if err := json.Unmarshal(scanner.Bytes(), &source); err != nil {
			return n, fmt.Errorf("bulk document: %w", err)
		}
		s.add(meta.Index, source)
		n++
	}
	return n, scanner.Err()
}

func send(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

func esError(w http.ResponseWriter, status int, kind, reason string) {
	send(w, status, map[string]any{"error": map[string]any{"type": kind, "reason": reason}, "status": status})
}

// readUsers reads `user:password` lines.
func readUsers(file string) (map[string]string, error) {
	text, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	users := map[string]string{}
	for _, line := range strings.Split(string(text), "\n") {
		if user, password, ok := strings.Cut(strings.TrimSpace(line), ":"); ok && user != "" {
			users[user] = password
		}
	}
	if len(users) == 0 {
		return nil, fmt.Errorf("%s holds no user:password line", file)
	}
	return users, nil
}

func handler(s *store, users map[string]string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, password, ok := r.BasicAuth()
		want, known := users[user]
		status := http.StatusOK
		defer func() { log.Printf("%s %s user=%q -> %d", r.Method, r.URL.Path, user, status) }()
		if !ok || !known || subtle.ConstantTimeCompare([]byte(password), []byte(want)) != 1 {
			status = http.StatusUnauthorized
			w.Header().Set("WWW-Authenticate", `Basic realm="security"`)
			esError(w, status, "security_exception", "unable to authenticate user")
			return
		}
		parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
		switch {
		case r.URL.Path == "/" && r.Method == http.MethodGet:
			send(w, status, map[string]any{"name": "calico-ad-es-stand-in", "cluster_name": "calico-ad TEST STAND-IN",
				"version": map[string]any{"number": "7.17.0"}, "tagline": "TEST STAND-IN, not Elasticsearch"})
		case len(parts) == 1 && parts[0] == "_bulk" && r.Method == http.MethodPost:
			n, err := s.bulk(r.Body)
			if err != nil {
				status = http.StatusBadRequest
				esError(w, status, "illegal_argument_exception", err.Error())
				return
			}
			send(w, status, map[string]any{"took": 1, "errors": false, "items": n})
		case len(parts) == 2 && parts[1] == "_doc" && r.Method == http.MethodPost:
			var source map[string]any
			if err := json.NewDecoder(r.Body).Decode(&source); err != nil {
				status = http.StatusBadRequest
				esError(w, status, "mapper_parsing_exception", err.Error())
				return
			}
			status = http.StatusCreated
			send(w, status, map[string]any{"_index": parts[0], "_id": s.add(parts[0], source), "result": "created"})
		case len(parts) == 2 && parts[1] == "_search" && (r.Method == http.MethodPost || r.Method == http.MethodGet):
			var req searchRequest
			if r.ContentLength != 0 {
				if err := json.NewDecoder(r.Body).Decode(&req); err != nil && !errors.Is(err, io.EOF) {
					status = http.StatusBadRequest
					esError(w, status, "parsing_exception", err.Error())
					return
				}
			}
			answer, err := s.search(parts[0], req)
			if err != nil {
				status = http.StatusBadRequest
				esError(w, status, "parsing_exception", err.Error())
				return
			}
			send(w, status, answer)
		default:
			status = http.StatusBadRequest
			esError(w, status, "illegal_argument_exception",
				fmt.Sprintf("%s %s is not served by this stand-in", r.Method, r.URL.Path))
		}
	})
}

func main() {
	users, err := readUsers(os.Getenv("USERS_FILE"))
	if err != nil {
		log.Fatalf("USERS_FILE: %v", err)
	}
	addr := os.Getenv("LISTEN_ADDRESS")
	if addr == "" {
		addr = ":9200"
	}
	server := &http.Server{Addr: addr, Handler: handler(&store{}, users), ReadHeaderTimeout: 5 * time.Second}
	log.Printf("calico-ad TEST STAND-IN for Elasticsearch: serving %d users on %s (TLS)", len(users), addr)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = server.Shutdown(shutdown)
	}()
	if err := server.ListenAndServeTLS(os.Getenv("TLS_CERT"), os.Getenv("TLS_KEY")); err != nil && err != http.ErrServerClosed {
		log.Fatal(err)
	}
}
