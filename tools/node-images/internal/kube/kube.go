// Package kube is the API client of the local node's TEST STAND-INS (flow recorder, DNS,
// GlobalAlert evaluator): GET and merge-patch requests with the pod's projected service-account
// token, checked against the cluster CA.
package kube

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"time"
)

const serviceAccountDir = "/var/run/secrets/kubernetes.io/serviceaccount"

// Client reads objects from the API server.
type Client struct {
	base      string
	tokenFile string
	http      *http.Client
}

// InCluster is the client of a pod: KUBERNETES_SERVICE_HOST and _PORT, the token and CA of its
// projected service-account volume (re-read on every request: the kubelet rotates the token).
func InCluster() (*Client, error) {
	host, port := os.Getenv("KUBERNETES_SERVICE_HOST"), os.Getenv("KUBERNETES_SERVICE_PORT")
	if host == "" || port == "" {
		return nil, fmt.Errorf("KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be set")
	}
	ca, err := os.ReadFile(serviceAccountDir + "/ca.crt")
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(ca) {
		return nil, fmt.Errorf("no certificate in %s/ca.crt", serviceAccountDir)
	}
	return &Client{
		base:      "https://" + net.JoinHostPort(host, port),
		tokenFile: serviceAccountDir + "/token",
		http: &http.Client{Timeout: 10 * time.Second,
			Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}},
	}, nil
}

// ErrNotFound is returned by Get for a 404.
var ErrNotFound = fmt.Errorf("not found")

// Get decodes the JSON object at path (e.g. /api/v1/pods) into out.
func (c *Client) Get(path string, out any) error {
	return c.do(http.MethodGet, path, nil, out)
}

// MergePatch sends patch as a JSON merge patch to path (e.g. an object's /status).
func (c *Client) MergePatch(path string, patch any) error {
	body, err := json.Marshal(patch)
	if err != nil {
		return err
	}
	var ignored map[string]any
	return c.do(http.MethodPatch, path, body, &ignored)
}

func (c *Client) do(method, path string, body []byte, out any) error {
	token, err := os.ReadFile(c.tokenFile)
	if err != nil {
		return err
	}
	req, err := http.NewRequest(method, c.base+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+string(token))
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/merge-patch+json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode == http.StatusNotFound {
		return ErrNotFound
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s %s: HTTP %d: %.200s", method, path, resp.StatusCode, answer)
	}
	return json.Unmarshal(answer, out)
}
