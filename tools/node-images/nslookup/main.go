// Command nslookup is the netshoot stand-in's nslookup (the real image has BusyBox's; this
// machine has none to copy): `nslookup NAME` asks the resolver of the pod's /etc/resolv.conf
// (Go's own resolver, so the queries are real UDP packets to kube-dns) for NAME's addresses,
// prints them, and exits 1 when there are none (NXDOMAIN included), as BusyBox's does.
package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"time"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: nslookup NAME")
		os.Exit(2)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resolver := &net.Resolver{PreferGo: true}
	addrs, err := resolver.LookupHost(ctx, os.Args[1])
	if err != nil {
		fmt.Fprintf(os.Stderr, "** server can't find %s: %v\n", os.Args[1], err)
		os.Exit(1)
	}
	fmt.Printf("Name:\t%s\n", os.Args[1])
	for _, a := range addrs {
		fmt.Printf("Address: %s\n", a)
	}
}
