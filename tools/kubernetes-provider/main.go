// Command pulumi-resource-kubernetes is calico-ad's own entry point for the
// Pulumi Kubernetes provider, built from the published
// github.com/pulumi/pulumi-kubernetes/provider/v4 module (no upstream source is
// copied here).
//
// The two embedded JSON files are generated at build time by
// scripts/toolchain.sh, in a build copy of this directory outside the checkout:
//   - schema-embed.json: the module's cmd/pulumi-resource-kubernetes/schema.json
//     with "version" set to the provider version, compacted;
//   - terraform-mapping-embed.json: terraform-mapping.json, compacted.
//
// They are never committed.
package main

import (
	_ "embed"

	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/provider"
	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version"
)

//go:embed schema-embed.json
var schemaJSON []byte

//go:embed terraform-mapping-embed.json
var terraformMappingJSON []byte

func main() {
	// provider v4.25.0 takes (name, version, schema, terraformMapping).
	provider.Serve("kubernetes", version.Version, schemaJSON, terraformMappingJSON)
}
