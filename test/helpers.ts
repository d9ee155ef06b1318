/** Shared test helpers: Pulumi mocks that record resources, and stack config builders. */
import * as fs from "node:fs";
import * as path from "node:path";
import * as yaml from "js-yaml";
import * as pulumi from "@pulumi/pulumi";
import type { ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import { projectName } from "../catalog/configKeys";

export const repoRoot = path.resolve(__dirname, "..", "..");

export interface RecordedResource {
    readonly type: string;
    readonly name: string;
    readonly inputs: Record<string, unknown>;
}

/** Installs Pulumi mocks and returns the list every registered resource is appended to. */
export async function recordResources(
    options: { preview?: boolean } = {},
): Promise<RecordedResource[]> {
    const recorded: RecordedResource[] = [];
    await pulumi.runtime.setMocks(
        {
            newResource: (args) => {
                recorded.push({ type: args.type, name: args.name, inputs: args.inputs });
                return { id: `${args.name}-id`, state: args.inputs };
            },
            call: (args) => args.inputs,
        },
        projectName,
        "test",
        options.preview ?? false,
        "organization",
    );
    return recorded;
}

/** The value of an Output, for assertions. */
export function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
    return new Promise((resolve) => output.apply(resolve));
}

/** Raw stack config as the engine hands it over: project-prefixed keys, JSON for structures. */
export function rawConfig(values: Record<string, unknown>): Record<string, string> {
    return Object.fromEntries(
        Object.entries(values).map(([key, value]) => [
            key.includes(":") ? key : `${projectName}:${key}`,
            typeof value === "string" ? value : JSON.stringify(value),
        ]),
    );
}

/** The config of a committed `Pulumi.<stack>.yaml`, as raw stack config. */
export function stackFileConfig(stack: string): Record<string, string> {
    const file = path.join(repoRoot, `Pulumi.${stack}.yaml`);
    const parsed = yaml.load(fs.readFileSync(file, "utf8")) as { config: Record<string, unknown> };
    return rawConfig(parsed.config);
}

/** The message of the error `fn` throws; fails the test when it does not throw. */
export function errorOf(fn: () => unknown): string {
    try {
        fn();
    } catch (error) {
        return (error as Error).message;
    }
    throw new Error("expected an error, but none was thrown");
}

/**
 * Policy test helpers in the style of pulumi-policy-aws `tests/util.ts`: build the arguments the
 * policy runtime passes to `validateResource`, run a policy, collect its violations.
 */
export interface PolicyTestResource {
    readonly type: string;
    readonly props: Record<string, unknown>;
    /** Logical name; defaults to "test". */
    readonly name?: string;
    /** Stack name, for the URN; defaults to "dev". */
    readonly stack?: string;
    /** Types of the parents, outermost first, for the URN. */
    readonly parentTypes?: readonly string[];
    readonly config?: Record<string, unknown>;
    readonly stackTags?: Record<string, string>;
}

export function createResourceValidationArgs(resource: PolicyTestResource): ResourceValidationArgs {
    const name = resource.name ?? "test";
    const typeChain = [...(resource.parentTypes ?? []), resource.type].join("$");
    return {
        type: resource.type,
        props: resource.props,
        urn: `urn:pulumi:${resource.stack ?? "dev"}::calico-ad::${typeChain}::${name}`,
        name,
        opts: {
            protect: false,
            ignoreChanges: [],
            aliases: [],
            customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
            additionalSecretOutputs: [],
        },
        stackTags: new Map(Object.entries(resource.stackTags ?? {})),
        isType: (resourceClass) =>
            (resourceClass as unknown as { __pulumiType?: string }).__pulumiType === resource.type,
        asType: () => undefined,
        getConfig: <T extends object>() => (resource.config ?? {}) as T,
        notApplicable: (reason?: string) => {
            throw new Error(`not applicable: ${reason}`);
        },
    };
}

/** The violations `policy` reports for the resource (empty when it complies). */
export async function runResourcePolicy(
    policy: ResourceValidationPolicy,
    resource: PolicyTestResource,
): Promise<string[]> {
    const violations: string[] = [];
    const args = createResourceValidationArgs(resource);
    const validations = Array.isArray(policy.validateResource)
        ? policy.validateResource
        : [policy.validateResource];
    for (const validate of validations) {
        await validate?.(args, (message) => violations.push(message));
    }
    return violations;
}

/** The workshop's port scan block of `calico-ad:simulation`: dev/netshoot scans app=centos. */
export const workshopPortScan = {
    enabled: true,
    namespace: "dev",
    scannerPod: "netshoot",
    targetSelector: "app=centos",
} as const;
