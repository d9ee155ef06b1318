/**
 * End-to-end harness: the real Pulumi engine (Automation API) with a local file backend, against
 * the local kube-apiserver that scripts/local-cluster.sh runs (context calico-ad-local).
 */
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
    ConfigMap,
    EngineEvent,
    LocalWorkspace,
    OpType,
    PreviewResult,
    Stack,
} from "@pulumi/pulumi/automation";
import * as yaml from "js-yaml";
import { repoRoot, stackFileConfig } from "../helpers";

export const kubeContext = "calico-ad-local";

/**
 * A committed stack file's config as plain values (structured ones parsed), with some keys
 * replaced. `committedConfig("local")` is the workshop stack aimed at the local cluster without
 * its port scan (simulation.test.ts sets its own) and with `awaitRollout: false`: without a node
 * no pod can become ready, and on the node each awaited rollout takes 60 to 100 s (the startup
 * probe's initialDelaySeconds is 40), so only node.test.ts awaits it, by passing
 * `"calico-ad:awaitRollout": "true"` as an override.
 */
export function committedConfig(
    stack: string,
    overrides: Record<string, unknown> = {},
): Record<string, unknown> {
    const config: Record<string, unknown> = Object.fromEntries(
        Object.entries(stackFileConfig(stack)).map(([key, value]) => [
            key,
            value.startsWith("{") || value.startsWith("[") ? JSON.parse(value) : value,
        ]),
    );
    if (stack === "local") {
        delete config["calico-ad:simulation"];
        config["calico-ad:awaitRollout"] = "false";
    }
    return { ...config, ...overrides };
}

let nodeState: { reason: string | undefined } | undefined;

/**
 * Why the local cluster has no Ready node (scripts/local-cluster.sh writes the reason to
 * node-status in the cluster dir), or undefined when it has one.
 */
export function nodeUnavailable(): string | undefined {
    if (nodeState === undefined) {
        const nodes = kubectl(["get", "nodes", "-o", "json"]);
        const ready =
            nodes.status === 0 &&
            (
                JSON.parse(nodes.stdout) as {
                    items: { status?: { conditions?: { type: string; status: string }[] } }[];
                }
            ).items.some((node) =>
                node.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"),
            );
        const statusFile = path.join(
            process.env.CALICO_AD_CLUSTER_DIR ??
                path.join(os.homedir(), ".cache", "calico-ad", "cluster"),
            "node-status",
        );
        const written = fs.existsSync(statusFile)
            ? fs.readFileSync(statusFile, "utf8").trim()
            : "not started";
        nodeState = {
            reason:
                ready && written === "ready"
                    ? undefined
                    : `the local cluster has no Ready node (node-status: ${written})`,
        };
    }
    return nodeState.reason;
}

/**
 * Why tests that need pods to run (the local node) cannot run, or undefined. With
 * CALICO_AD_REQUIRE_ALL_TESTS=1 a missing node is an error, not a skip.
 */
export function missingNode(): string | undefined {
    const reason = missingPrerequisite() ?? nodeUnavailable();
    if (reason && process.env.CALICO_AD_REQUIRE_ALL_TESTS === "1") {
        throw new Error(`end-to-end tests that need the local node cannot run: ${reason}`);
    }
    return reason;
}

/**
 * Why the end-to-end tests cannot run here, or undefined when they can. With
 * CALICO_AD_REQUIRE_ALL_TESTS=1 (scripts/test.sh, CI) a missing tool is an error, not a skip.
 */
export function missingPrerequisite(): string | undefined {
    const reason =
        spawnSync("pulumi", ["version"]).status !== 0
            ? "pulumi is not on PATH (run scripts/toolchain.sh and source scripts/env.sh)"
            : kubectl(["get", "--raw", "/readyz"]).status !== 0
              ? "the local API server is not running (scripts/local-cluster.sh start)"
              : undefined;
    if (reason && process.env.CALICO_AD_REQUIRE_ALL_TESTS === "1") {
        throw new Error(`end-to-end tests cannot run: ${reason}`);
    }
    return reason;
}

export function kubectl(args: string[]): { status: number; stdout: string; stderr: string } {
    const result = spawnSync("kubectl", ["--context", kubeContext, ...args], { encoding: "utf8" });
    return { status: result.status ?? 1, stdout: result.stdout, stderr: result.stderr };
}

/** The object as JSON, or undefined when the API server does not have it. */
export function getObject(
    resource: string,
    name: string,
    namespace?: string,
): Record<string, unknown> | undefined {
    const result = kubectl([
        "get",
        resource,
        name,
        "-o",
        "json",
        "--ignore-not-found",
        ...(namespace ? ["-n", namespace] : []),
    ]);
    if (result.status !== 0) {
        throw new Error(`kubectl get ${resource} ${name}: ${result.stderr}`);
    }
    return result.stdout.trim() === "" ? undefined : JSON.parse(result.stdout);
}

/**
 * Replaces FelixConfiguration `default` with one holding `spec`. STAND-IN: the local cluster's
 * FelixConfiguration CRD is test/fixtures/cluster/00-crd-felixconfigurations.yaml, and nothing
 * runs Felix, so the values change no flow logs.
 */
export function setFelix(spec: Record<string, unknown>): void {
    kubectl(["delete", "felixconfigurations.projectcalico.org", "default", "--ignore-not-found"]);
    execFileSync("kubectl", ["--context", kubeContext, "create", "-f", "-"], {
        input: JSON.stringify({
            apiVersion: "projectcalico.org/v3",
            kind: "FelixConfiguration",
            metadata: { name: "default" },
            spec,
        }),
        stdio: "pipe",
    });
}

export const felixResource = "felixconfigurations.projectcalico.org";

/** Applies the fixture's FelixConfiguration `default`. */
export function applyFelixDefault(): void {
    kubectl([
        "apply",
        "-f",
        path.join(repoRoot, "test/fixtures/cluster/35-felixconfiguration-default.yaml"),
    ]);
}

/** Puts back FelixConfiguration `default` as the cluster fixtures create it, for the tests that follow. */
export function restoreFelixDefault(): void {
    kubectl(["delete", felixResource, "default", "--ignore-not-found"]);
    applyFelixDefault();
}

export function deploymentEnv(): Record<string, string> {
    const deployment = getObject(
        "deployment",
        "ad-jobs-deployment",
        "tigera-intrusion-detection",
    ) as {
        spec: { template: { spec: { containers: { env: { name: string; value?: string }[] }[] } } };
    };
    return Object.fromEntries(
        deployment.spec.template.spec.containers[0].env.map((e) => [
            e.name,
            e.value ?? "(from secret)",
        ]),
    );
}

const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "calico-ad-e2e-state-"));
const backendEnv = {
    PULUMI_BACKEND_URL: `file://${stateDir}`,
    PULUMI_CONFIG_PASSPHRASE: "calico-ad-e2e",
    PULUMI_SKIP_UPDATE_CHECK: "true",
};

/** A throwaway stack of the real project; its Pulumi.<stack>.yaml is removed by `remove`. */
export class TestStack {
    private constructor(readonly stack: Stack) {}

    /**
     * @param label Part of the stack name `e2e-<label>-<pid>`.
     * @param config The stack's whole config; keys without a namespace get `calico-ad:`.
     * @param options `stackName` replaces the generated name; `env` is added to the environment
     *   of the Pulumi CLI, and so of its plugins and the commands they run.
     */
    static async create(
        label: string,
        config: Record<string, unknown>,
        options: { stackName?: string; env?: Record<string, string> } = {},
    ): Promise<TestStack> {
        const stackName = options.stackName ?? `e2e-${label}-${process.pid}`;
        const stack = await LocalWorkspace.createOrSelectStack(
            { stackName, workDir: repoRoot },
            { envVars: { ...backendEnv, ...options.env } },
        );
        const test = new TestStack(stack);
        await test.setConfig(config);
        return test;
    }

    /** Replaces the stack's whole config with `config`. */
    async setConfig(config: Record<string, unknown>): Promise<void> {
        const values: ConfigMap = {};
        for (const [key, value] of Object.entries(config)) {
            const fullKey = key.includes(":") ? key : `calico-ad:${key}`;
            values[fullKey] = { value: typeof value === "string" ? value : JSON.stringify(value) };
        }
        // Read from the file: `pulumi config` refuses a new stack that lacks the required keys.
        const file = path.join(repoRoot, `Pulumi.${this.stack.name}.yaml`);
        const current = fs.existsSync(file)
            ? ((
                  yaml.load(fs.readFileSync(file, "utf8")) as
                      { config?: Record<string, unknown> } | undefined
              )?.config ?? {})
            : {};
        const stale = Object.keys(current).filter((key) => !(key in values));
        if (stale.length > 0) {
            await this.stack.removeAllConfig(stale);
        }
        // Structured values are stored as JSON text, which the program parses like YAML maps.
        await this.stack.setAllConfig(values);
    }

    /** Preview, collecting each resource's operation and the engine's detailed diff. */
    async preview(
        options: { expectNoChanges?: boolean } = {},
    ): Promise<{ result: PreviewResult; steps: PlannedStep[] }> {
        const steps: PlannedStep[] = [];
        const result = await this.stack.preview({
            diff: true,
            expectNoChanges: options.expectNoChanges,
            onEvent: (event: EngineEvent) => {
                const metadata = event.resourcePreEvent?.metadata;
                if (metadata) {
                    steps.push({
                        op: metadata.op,
                        type: metadata.type,
                        urn: metadata.urn,
                        diffs: metadata.diffs ?? [],
                        oldInputs: metadata.old?.inputs ?? {},
                        newInputs: metadata.new?.inputs ?? {},
                    });
                }
            },
        });
        return { result, steps };
    }

    async remove(): Promise<void> {
        try {
            await this.stack.destroy();
        } finally {
            await this.stack.workspace.removeStack(this.stack.name, { force: true });
            fs.rmSync(path.join(repoRoot, `Pulumi.${this.stack.name}.yaml`), { force: true });
        }
    }
}

export interface PlannedStep {
    readonly op: OpType;
    readonly type: string;
    readonly urn: string;
    readonly diffs: readonly string[];
    readonly oldInputs: Record<string, unknown>;
    readonly newInputs: Record<string, unknown>;
}

/** Steps that change something (not `same`, not reads). */
export const changes = (steps: readonly PlannedStep[]) =>
    steps.filter((s) => s.op !== "same" && s.op !== "read");

/** Runs a command with the repository's tools on PATH; used for CLI-level checks. */
export function pulumiCli(args: string[], stackName: string): { status: number; output: string } {
    try {
        const stdout = execFileSync(
            "pulumi",
            [...args, "--stack", stackName, "--non-interactive"],
            {
                cwd: repoRoot,
                encoding: "utf8",
                env: { ...process.env, ...backendEnv },
                stdio: ["ignore", "pipe", "pipe"],
            },
        );
        return { status: 0, output: stdout };
    } catch (error) {
        const e = error as { status?: number; stdout?: string; stderr?: string };
        return { status: e.status ?? 1, output: `${e.stdout ?? ""}${e.stderr ?? ""}` };
    }
}
