// Command dns-stand-in is a TEST STAND-IN for the cluster's kube-dns, so that the local node's
// pods can reach Services by name (the AD jobs' ELASTIC_HOST). It answers A queries for
// `<service>.<namespace>.svc.<CLUSTER_DOMAIN>` over UDP on DNS_ADDRESS with the addresses of the
// Service's ready endpoints (EndpointSlices), because no kube-proxy runs here to route cluster IPs (so a Service
// port must equal its target port), and follows ExternalName Services inside the cluster domain.
// Every other name is NXDOMAIN. It reads Services and Endpoints through the API with a service
// account that may only get Services and list EndpointSlices.
package main

import (
	"context"
	"log"
	"net"
	"net/netip"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"calico-ad.local/tools/node-images/internal/kube"
)

type resolver struct {
	api    *kube.Client
	domain string
}

// lookup returns the addresses for a Service name, following up to 4 ExternalNames.
func (r *resolver) lookup(name string) ([]netip.Addr, bool) {
	for hop := 0; hop < 4; hop++ {
		service, namespace, ok := serviceName(name, r.domain)
		if !ok {
			return nil, false
		}
		var svc struct {
			Spec struct {
				Type         string `json:"type"`
				ExternalName string `json:"externalName"`
			} `json:"spec"`
		}
		if err := r.api.Get("/api/v1/namespaces/"+namespace+"/services/"+service, &svc); err != nil {
			if err != kube.ErrNotFound {
				log.Printf("service %s/%s: %v", namespace, service, err)
			}
			return nil, false
		}
		if svc.Spec.Type == "ExternalName" {
			name = strings.TrimSuffix(strings.ToLower(svc.Spec.ExternalName), ".")
			continue
		}
		var slices struct {
			Items []struct {
				AddressType string `json:"addressType"`
				Endpoints   []struct {
					Addresses  []string `json:"addresses"`
					Conditions struct {
						Ready *bool `json:"ready"`
					} `json:"conditions"`
				} `json:"endpoints"`
			} `json:"items"`
		}
		if err := r.api.Get("/apis/discovery.k8s.io/v1/namespaces/"+namespace+
			"/endpointslices?labelSelector=kubernetes.io%2Fservice-name%3D"+service, &slices); err != nil {
			log.Printf("endpoint slices of %s/%s: %v", namespace, service, err)
		}
		var addrs []netip.Addr
		for _, slice := range slices.Items {
			for _, e := range slice.Endpoints {
				// An unset ready condition means ready.
				if slice.AddressType != "IPv4" || (e.Conditions.Ready != nil && !*e.Conditions.Ready) {
					continue
				}
				for _, a := range e.Addresses {
					if ip, err := netip.ParseAddr(a); err == nil {
						addrs = append(addrs, ip)
					}
				}
			}
		}
		return addrs, true
	}
	return nil, false
}

func (r *resolver) respond(query []byte) []byte {
	q, err := parseQuery(query)
	if err != nil {
		if len(query) >= 12 {
			out := append([]byte(nil), query[:12]...)
			out[2], out[3] = 0x84, rcodeFormErr
			clear(out[4:12])
			return out
		}
		return nil
	}
	if q.qclass != classIN {
		return answer(query, q, rcodeNotImp, nil)
	}
	addrs, known := r.lookup(q.name)
	switch {
	case !known:
		return answer(query, q, rcodeNXDomain, nil)
	case q.qtype == typeA:
		return answer(query, q, rcodeOK, addrs)
	default:
		// The name exists, with no record of this type (AAAA and others).
		return answer(query, q, rcodeOK, nil)
	}
}

func main() {
	addr, domain := os.Getenv("DNS_ADDRESS"), os.Getenv("CLUSTER_DOMAIN")
	if addr == "" || domain == "" {
		log.Fatal("DNS_ADDRESS and CLUSTER_DOMAIN must be set")
	}
	api, err := kube.InCluster()
	if err != nil {
		log.Fatalf("API client: %v", err)
	}
	conn, err := net.ListenPacket("udp4", addr)
	if err != nil {
		log.Fatal(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	go func() { <-ctx.Done(); conn.Close() }()
	log.Printf("calico-ad TEST STAND-IN for kube-dns: answering <service>.<namespace>.svc.%s on %s/udp", domain, addr)
	r := &resolver{api: api, domain: domain}
	buf := make([]byte, 512)
	for {
		n, from, err := conn.ReadFrom(buf)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			log.Fatal(err)
		}
		query := append([]byte(nil), buf[:n]...)
		go func() {
			if out := r.respond(query); out != nil {
				_, _ = conn.WriteTo(out, from)
			}
		}()
	}
}
