// Command pulumi-language-nodejs is calico-ad's own, minimal Node.js language
// host for the Pulumi CLI (written for this project; no upstream source is
// copied). It exists because the upstream host is a separate, never-tagged Go
// module that the module proxy available to this project does not serve.
//
// It implements the pulumirpc.LanguageRuntime gRPC service from the published
// github.com/pulumi/pulumi/sdk/v3 module:
//
//   - Run starts `node` with the program's own @pulumi/pulumi/cmd/run, passing
//     the flags and environment that run script reads (see run.go);
//   - GetRequiredPackages/GetRequiredPlugins report the resource plugins named
//     by the "pulumi" field of the package.json files under node_modules;
//   - GetProgramDependencies, About, InstallDependencies (npm/yarn/pnpm/bun
//     install), RunPlugin (policy packs via @pulumi/pulumi/cmd/run-policy-pack),
//     GetPluginInfo, Handshake and Cancel.
//
// Code generation (GenerateProgram/Project/Package, Pack, Link, Template) is
// not implemented: `pulumi convert`, `pulumi package gen-sdk` and friends need
// the upstream host.
//
// Like every plugin, it prints the port of its gRPC server on the first line of
// stdout; the engine address is its last positional argument.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/logging"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
)

func main() {
	if err := mainErr(); err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-nodejs: %v\n", err)
		os.Exit(1)
	}
}

func mainErr() error {
	// Flags the engine may pass to any plugin (buildPluginArguments in the CLI):
	// -logtostderr and -v are glog's, registered by the SDK's logging package;
	// plus the legacy runtime-option flags of older CLIs, accepted for
	// compatibility (the options now arrive in ProgramInfo.Options).
	tracing := flag.String("tracing", "", "tracing endpoint, passed on to the Node.js SDK")
	typescript := flag.Bool("typescript", true, "legacy: run TypeScript with ts-node")
	tsconfig := flag.String("tsconfig", "", "legacy: path of tsconfig.json")
	nodeargs := flag.String("nodeargs", "", "legacy: extra arguments for node")
	_ = flag.String("root", "", "legacy: project root (ignored)")
	_ = flag.String("packagemanager", "", "legacy: package manager")
	flag.Parse()

	logging.InitLogging(false, 0, false) // takes -logtostderr / -v from the flags

	engineAddress := ""
	if args := flag.Args(); len(args) > 0 {
		engineAddress = args[len(args)-1]
	}

	host := &languageHost{
		engineAddress: engineAddress,
		tracing:       *tracing,
		defaults: runtimeOptions{
			typescript: *typescript,
			tsconfig:   *tsconfig,
			nodeargs:   *nodeargs,
		},
	}

	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, host)
			return nil
		},
	})
	if err != nil {
		return fmt.Errorf("could not start the gRPC server: %w", err)
	}

	// The plugin protocol: the first line on stdout is the port.
	fmt.Printf("%d\n", handle.Port)

	if err := <-handle.Done; err != nil {
		return fmt.Errorf("gRPC server stopped: %w", err)
	}
	return nil
}
