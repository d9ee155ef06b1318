package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
)

// Exit code with which @pulumi/pulumi's run script says "the error was already
// reported to the user" (nodeJSProcessExitedAfterLoggingUserActionableMessage).
const exitAfterReportedError = 32

// resolveModule asks node where `module` resolves from dir (the project's own
// node_modules), e.g. "@pulumi/pulumi/cmd/run".
func resolveModule(node, dir, module string) (string, error) {
	cmd := exec.Command(node, "-e", "process.stdout.write(require.resolve(process.argv[1]))", module)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("could not find %s from %s; did you run `npm install`? (%w)", module, dir, err)
	}
	return strings.TrimSpace(string(out)), nil
}

// Run executes the Pulumi program: node [nodeargs] <@pulumi/pulumi/cmd/run> <flags> <program> [args].
func (h *languageHost) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	node, err := exec.LookPath("node")
	if err != nil {
		return &pulumirpc.RunResponse{Error: "could not find node on $PATH: " + err.Error()}, nil
	}
	dir := programDir(req.GetInfo(), req.GetPwd())
	pwd := req.GetPwd()
	if pwd == "" {
		pwd = dir
	}
	opts := h.options(req.GetInfo())

	runPath := os.Getenv("PULUMI_LANGUAGE_NODEJS_RUN_PATH")
	if runPath == "" {
		if runPath, err = resolveModule(node, dir, "@pulumi/pulumi/cmd/run"); err != nil {
			return &pulumirpc.RunResponse{Error: "It looks like the Pulumi SDK has not been installed: " + err.Error()}, nil
		}
	}

	// nodeargs is split on white space (no shell quoting).
	args := append(strings.Fields(opts.nodeargs), runPath)
	flagArg := func(name, value string) {
		if value != "" {
			args = append(args, "--"+name, value)
		}
	}
	flagArg("monitor", req.GetMonitorAddress())
	flagArg("engine", h.engineAddress)
	flagArg("organization", req.GetOrganization())
	flagArg("project", req.GetProject())
	flagArg("stack", req.GetStack())
	flagArg("pwd", pwd)
	if root := req.GetInfo().GetRootDirectory(); root != "" {
		flagArg("root-directory", root)
	}
	if req.GetDryRun() {
		args = append(args, "--dry-run")
	}
	if req.GetParallel() > 0 {
		flagArg("parallel", strconv.Itoa(int(req.GetParallel())))
	}
	flagArg("tracing", h.tracing)
	program := req.GetProgram()
	if program == "" {
		program = "." // run.js then uses package.json's exports/main
	}
	args = append(args, program)
	args = append(args, req.GetArgs()...)

	config, err := json.Marshal(orEmpty(req.GetConfig()))
	if err != nil {
		return nil, err
	}
	secretKeys, err := json.Marshal(orEmptySlice(req.GetConfigSecretKeys()))
	if err != nil {
		return nil, err
	}
	env := append(os.Environ(),
		"PULUMI_CONFIG="+string(config),
		"PULUMI_CONFIG_SECRET_KEYS="+string(secretKeys),
	)
	if opts.typescript {
		env = append(env, "PULUMI_NODEJS_TYPESCRIPT=true")
	}
	if opts.tsconfig != "" {
		env = append(env, "PULUMI_NODEJS_TSCONFIG_PATH="+opts.tsconfig)
	}

	code, err := h.runNode(ctx, node, args, env, pwd, os.Stdout, os.Stderr)
	switch {
	case err != nil:
		return &pulumirpc.RunResponse{Error: "could not run node: " + err.Error()}, nil
	case code == 0:
		return &pulumirpc.RunResponse{}, nil
	case code == exitAfterReportedError:
		return &pulumirpc.RunResponse{Bail: true}, nil
	default:
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("Program exited with non-zero exit code: %d", code)}, nil
	}
}

// runNode runs node and returns its exit code; err only if it could not run.
func (h *languageHost) runNode(
	ctx context.Context, node string, args, env []string, dir string, stdout, stderr interface{ Write([]byte) (int, error) },
) (int, error) {
	cmd := exec.CommandContext(ctx, node, args...)
	cmd.Dir = dir
	cmd.Env = env
	cmd.Stdout = stdout
	cmd.Stderr = stderr
	// On cancellation ask node to stop, then kill it after a grace period.
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGINT) }
	cmd.WaitDelay = 10 * time.Second
	if err := cmd.Start(); err != nil {
		return -1, err
	}
	untrack := h.track(cmd)
	defer untrack()
	err := cmd.Wait()
	// Flush what node wrote before it exited, so the engine sees all of it.
	_ = os.Stdout.Sync()
	_ = os.Stderr.Sync()
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		return exitErr.ExitCode(), nil
	}
	if err != nil {
		return -1, err
	}
	return 0, nil
}

// RunPlugin runs a plugin implemented in Node.js: a policy pack ("analyzer")
// through @pulumi/pulumi/cmd/run-policy-pack, anything else by running the
// plugin's directory with node. Output and the exit code are streamed back.
func (h *languageHost) RunPlugin(
	req *pulumirpc.RunPluginRequest, server grpc.ServerStreamingServer[pulumirpc.RunPluginResponse],
) error {
	node, err := exec.LookPath("node")
	if err != nil {
		return errors.New("could not find node on $PATH")
	}
	dir := programDir(req.GetInfo(), req.GetPwd())
	pwd := req.GetPwd()
	if pwd == "" {
		pwd = dir
	}
	opts := h.options(req.GetInfo())
	args := strings.Fields(opts.nodeargs)
	if req.GetKind() == "analyzer" || req.GetKind() == "" {
		runPolicyPack, err := resolveModule(node, dir, "@pulumi/pulumi/cmd/run-policy-pack")
		if err != nil {
			return err
		}
		args = append(args, runPolicyPack)
	} else {
		args = append(args, dir)
	}
	args = append(args, req.GetArgs()...)
	if req.GetKind() == "analyzer" || req.GetKind() == "" {
		// run-policy-pack takes the engine address from the request's args, then the pack's
		// directory, and must run inside it.
		args = append(args, dir)
		pwd = dir
	}
	env := append(os.Environ(), req.GetEnv()...)
	if opts.typescript {
		env = append(env, "PULUMI_NODEJS_TYPESCRIPT=true")
	}
	if opts.tsconfig != "" {
		env = append(env, "PULUMI_NODEJS_TSCONFIG_PATH="+opts.tsconfig)
	}
	stdout := &streamWriter{send: func(b []byte) error {
		return server.Send(&pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Stdout{Stdout: b}})
	}}
	stderr := &streamWriter{send: func(b []byte) error {
		return server.Send(&pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Stderr{Stderr: b}})
	}}
	code, err := h.runNode(server.Context(), node, args, env, pwd, stdout, stderr)
	if err != nil {
		return fmt.Errorf("could not run node: %w", err)
	}
	return server.Send(&pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Exitcode{Exitcode: int32(code)}})
}

func orEmpty(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

func orEmptySlice(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
