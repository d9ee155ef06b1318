// Command ad-jobs-stand-in is a TEST STAND-IN for Tigera's anomaly detection jobs image, which
// cannot be pulled here. It is installed as python3 (the Deployment runs `python3 -m adj`),
// ignores its arguments and answers the /ad/ping startup, liveness and readiness probes on port
// 8000 as the real job's HTTP API (AD_NEED_API) does. It runs no detection job.
package main

import (
	"context"
	"log"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	mux := http.NewServeMux()
	mux.HandleFunc("/ad/ping", func(w http.ResponseWriter, r *http.Request) {
		// One line per probe, so a test can see that the kubelet really probed.
		log.Printf("%s %s from %s", r.Method, r.URL.Path, r.UserAgent())
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write([]byte("pong (calico-ad test stand-in)\n"))
	})
	server := &http.Server{Addr: ":8000", Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	log.Printf("calico-ad test stand-in for the AD jobs image, args %q: serving /ad/ping on :8000", os.Args[1:])

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = server.Shutdown(shutdown)
	}()
	if err := server.ListenAndServe(); err != nil && err != http.ErrServerClosed {
		log.Fatal(err)
	}
}
