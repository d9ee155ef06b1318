// Package es is the Elasticsearch client of the local node's TEST STAND-INS (flow recorder, AD
// jobs, GlobalAlert evaluator): the connection the AD jobs Deployment describes in its env (ELASTIC_HOST, ELASTIC_PORT,
// ES_CA_CERT, ELASTIC_USER, ELASTIC_PASSWORD), bulk indexing and search.
package es

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"time"
)

// Client talks to one Elasticsearch endpoint over TLS with Basic authentication.
type Client struct {
	base, user, password string
	http                 *http.Client
}

// FromEnv builds the client from the AD jobs' env; defaultHost applies when ELASTIC_HOST is
// unset (AD jobs before CE 3.9 have none).
func FromEnv(defaultHost string) (*Client, error) {
	host := os.Getenv("ELASTIC_HOST")
	if host == "" {
		host = defaultHost
	}
	port := os.Getenv("ELASTIC_PORT")
	if port == "" {
		port = "9200"
	}
	caFile := os.Getenv("ES_CA_CERT")
	ca, err := os.ReadFile(caFile)
	if err != nil {
		return nil, fmt.Errorf("ES_CA_CERT %q: %w", caFile, err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(ca) {
		return nil, fmt.Errorf("ES_CA_CERT %q holds no certificate", caFile)
	}
	return &Client{
		base: "https://" + net.JoinHostPort(host, port), user: os.Getenv("ELASTIC_USER"),
		password: os.Getenv("ELASTIC_PASSWORD"),
		http: &http.Client{Timeout: 20 * time.Second,
			Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}},
	}, nil
}

func (c *Client) do(method, path, contentType string, body []byte) ([]byte, error) {
	req, err := http.NewRequest(method, c.base+path, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.SetBasicAuth(c.user, c.password)
	req.Header.Set("Content-Type", contentType)
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode/100 != 2 {
		return nil, fmt.Errorf("%s %s: HTTP %d: %.300s", method, path, resp.StatusCode, answer)
	}
	return answer, nil
}

// Doc is one document to index.
type Doc struct {
	Index  string
	Source map[string]any
}

// BulkBody is the NDJSON body of POST /_bulk for docs.
func BulkBody(docs []Doc) ([]byte, error) {
	var buf bytes.Buffer
	for _, d := range docs {
		action, err := json.Marshal(map[string]any{"index": map[string]string{"_index": d.Index}})
		if err != nil {
			return nil, err
		}
		source, err := json.Marshal(d.Source)
		if err != nil {
			return nil, err
		}
		buf.Write(action)
		buf.WriteByte('\n')
		buf.Write(source)
		buf.WriteByte('\n')
	}
	return buf.Bytes(), nil
}

// Bulk indexes docs with one POST /_bulk.
func (c *Client) Bulk(docs []Doc) error {
	if len(docs) == 0 {
		return nil
	}
	body, err := BulkBody(docs)
	if err != nil {
		return err
	}
	answer, err := c.do(http.MethodPost, "/_bulk", "application/x-ndjson", body)
	if err != nil {
		return err
	}
	var result struct {
		Errors bool `json:"errors"`
	}
	if err := json.Unmarshal(answer, &result); err != nil {
		return fmt.Errorf("POST /_bulk: %w", err)
	}
	if result.Errors {
		return fmt.Errorf("POST /_bulk: some documents were refused: %.300s", answer)
	}
	return nil
}

// Hit is one search hit.
type Hit struct {
	Index  string         `json:"_index"`
	ID     string         `json:"_id"`
	Source map[string]any `json:"_source"`
}

// Search runs POST /<index>/_search with query and returns the hits.
func (c *Client) Search(index string, query map[string]any) ([]Hit, error) {
	body, err := json.Marshal(query)
	if err != nil {
		return nil, err
	}
	answer, err := c.do(http.MethodPost, "/"+url.PathEscape(index)+"/_search?ignore_unavailable=true&allow_no_indices=true",
		"application/json", body)
	if err != nil {
		return nil, err
	}
	var result struct {
		Hits struct {
			Hits []Hit `json:"hits"`
		} `json:"hits"`
	}
	if err := json.Unmarshal(answer, &result); err != nil {
		return nil, fmt.Errorf("search %s: %w", index, err)
	}
	return result.Hits.Hits, nil
}

// SearchAll pages through a search: body(size, from) is the query of one page of pageSize hits;
// it returns every hit's source, stopping at the first short page.
func (c *Client) SearchAll(index string, pageSize int, body func(size, from int) map[string]any) ([]map[string]any, error) {
	var out []map[string]any
	for from := 0; ; from += pageSize {
		hits, err := c.Search(index, body(pageSize, from))
		if err != nil {
			return nil, err
		}
		for _, h := range hits {
			out = append(out, h.Source)
		}
		if len(hits) < pageSize {
			return out, nil
		}
	}
}

// Index stores one document with POST /<index>/_doc.
func (c *Client) Index(index string, source map[string]any) error {
	body, err := json.Marshal(source)
	if err != nil {
		return err
	}
	_, err = c.do(http.MethodPost, "/"+url.PathEscape(index)+"/_doc", "application/json", body)
	return err
}
