// Command coredns is CoreDNS (github.com/coredns/coredns, pinned in go.mod) as the local node's
// kube-dns: the real server with only the plugins its Corefile (test/fixtures/node-pipeline)
// uses, instead of upstream's list of every plugin, so the build stays small. The plugin order
// is CoreDNS's own (core/dnsserver's directives), not the order of these imports.
package main

import (
	"github.com/coredns/coredns/coremain"

	_ "github.com/coredns/coredns/plugin/bind"
	_ "github.com/coredns/coredns/plugin/errors"
	_ "github.com/coredns/coredns/plugin/health"
	_ "github.com/coredns/coredns/plugin/kubernetes"
	_ "github.com/coredns/coredns/plugin/log"
	_ "github.com/coredns/coredns/plugin/ready"
	_ "github.com/coredns/coredns/plugin/template"
)

func main() {
	coremain.Run()
}
