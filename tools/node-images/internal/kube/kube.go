// Package kube is the API client of the local node's TEST STAND-INS (flow recorder, DNS,
// intrusion-detection-controller): GET, create, merge-patch and delete requests with the pod's
// projected service-account token, checked against the cluster CA.
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

// Create posts object to the collection at path (e.g. a namespace's /cronjobs).
func (c *Client) Create(path string, object any) error {
	body, err := json.Marshal(object)
	if err != nil {
		return err
	}
	var ignored map[string]any
	return c.do(http.MethodPost, path, body, &ignored)
}

// Delete deletes the object at path, and its dependents in the background.
func (c *Client) Delete(path string) error {
	body := []byte(`{"kind":"DeleteOptions","apiVersion":"v1","propagationPolicy":"Background"}`)
	var ignored map[string]any
	return c.do(http.MethodDelete, path, body, &ignored)
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
	switch {
	case method == http.MethodPatch:
		req.Header.Set("Content-Type", "application/merge-patch+json")
	case body != nil:
		req.Header.Set("Content-Type", "application/json")
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
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("%s %s: HTTP %d: %.200s", method, path, resp.StatusCode, answer)
	}
	return json.Unmarshal(answer, out)
}
