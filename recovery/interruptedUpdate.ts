/**
 * What a killed `pulumi up` leaves behind, read from files and process facts: the stack's lock
 * of a self-managed (file) backend, the pending operations of its state, the plugin processes of
 * the dead run, and objects in the cluster that carry the stack's owner annotation but that the
 * state does not know. Pure functions; `recovery/cli.ts` gathers the facts, `scripts/recover.sh`
 * acts on the verdicts.
 */
import * as os from "node:os";
import * as path from "node:path";
import { z } from "zod";
import { ownerOf } from "../common/ownership";
import { quote } from "../common/quote";
import { UserError } from "../common/userError";

/**
 * A lock file of a self-managed backend: `.pulumi/locks/<org>/<project>/<stack>/<id>.json`,
 * written by `pkg/backend/diy/lock.go` (`lockContent`) when an update starts and deleted when it
 * ends; a killed CLI leaves it.
 */
const lockFileSchema = z.object({
    pid: z.number().int().positive(),
    username: z.string(),
    hostname: z.string(),
    timestamp: z.iso.datetime({ offset: true }),
});

export type StackLock = z.output<typeof lockFileSchema>;

export function parseLockFile(file: string, text: string): StackLock {
    let json: unknown;
    try {
        json = JSON.parse(text);
    } catch {
        json = undefined;
    }
    const parsed = lockFileSchema.safeParse(json);
    if (!parsed.success) {
        throw new UserError(
            `${file} is not a Pulumi lock file (expected {"pid", "username", "hostname", "timestamp"}): ${quote(text)}`,
        );
    }
    return parsed.data;
}

/**
 * The directory holding the stack's lock files, for a `file://` backend URL (the form `pulumi
 * login` and PULUMI_BACKEND_URL take, `~` for the home directory, query options ignored); undefined
 * for other backends, whose locks this machine cannot inspect.
 */
export function lockDirectory(
    backendUrl: string,
    qualifiedStack: string,
    home = os.homedir(),
): string | undefined {
    if (!backendUrl.startsWith("file://")) {
        return undefined;
    }
    const root = backendUrl.slice("file://".length).split("?")[0];
    const expanded = root === "~" || root.startsWith("~/") ? home + root.slice(1) : root;
    return path.join(expanded, ".pulumi", "locks", ...qualifiedStack.split("/"));
}

/** What this machine knows about a process, from /proc. */
export interface ProcessFacts {
    readonly pid: number;
    readonly parentPid: number;
    readonly uid: number;
    /** The command line, one entry per argument. */
    readonly argv: readonly string[];
    /** The working directory, when readable. */
    readonly cwd?: string;
    /** Start time, seconds since the epoch. */
    readonly startedAt: number;
}

/** Whether a lock's update may still be running, and why. */
export type LockVerdict =
    | { readonly state: "stale"; readonly reason: string }
    | { readonly state: "live"; readonly reason: string }
    | { readonly state: "unknown"; readonly reason: string };

const isPulumiCli = (argv: readonly string[]) => path.basename(argv[0] ?? "") === "pulumi";

/**
 * A lock is stale only when its holder is known to be gone: written on this host and its pid
 * either not running, or running something else than the Pulumi CLI, or started after the lock
 * was written (the pid was reused). A lock from another host cannot be checked here.
 */
export function lockVerdict(
    lock: StackLock,
    hostname: string,
    holder: ProcessFacts | undefined,
): LockVerdict {
    const who = `pid ${lock.pid} on ${quote(lock.hostname)}, since ${lock.timestamp}`;
    if (lock.hostname !== hostname) {
        return {
            state: "unknown",
            reason: `the update holding it runs on another host (${who}); check there that it has ended, then run \`pulumi cancel\``,
        };
    }
    if (holder === undefined) {
        return { state: "stale", reason: `its update (${who}) is no longer running` };
    }
    const lockedAt = Date.parse(lock.timestamp) / 1000;
    if (!isPulumiCli(holder.argv) || holder.startedAt > lockedAt + 1) {
        return {
            state: "stale",
            reason: `its update (${who}) is no longer running; pid ${lock.pid} is now ${quote(holder.argv.join(" "))}`,
        };
    }
    return {
        state: "live",
        reason: `pulumi (${who}) is still running: ${quote(holder.argv.join(" "), 200)}; wait for it to end, or stop it (Ctrl-C once lets it finish the operations in flight)`,
    };
}

const pluginName = /^pulumi-(resource|language|analyzer|converter)-/;
const engineAddress = /^(127\.0\.0\.1|localhost|\[::1\]):(\d+)$/;

/**
 * The engine's gRPC address a Pulumi plugin process was started with, if it is one: plugins get
 * it as an argument (`pulumi-resource-kubernetes 127.0.0.1:PORT`), the Node.js program as
 * `--engine 127.0.0.1:PORT` (with `--stack <stack>`, which must be `stack`).
 */
export function pluginEnginePort(argv: readonly string[], stack: string): number | undefined {
    const program = argv.findIndex((arg) => /@pulumi[/\\]pulumi[/\\]cmd[/\\]run/.test(arg));
    let address: string | undefined;
    if (pluginName.test(path.basename(argv[0] ?? ""))) {
        address = argv.slice(1).find((arg) => engineAddress.test(arg));
    } else if (program >= 0) {
        const value = (flag: string) => {
            const i = argv.indexOf(flag, program);
            return i >= 0 ? argv[i + 1] : undefined;
        };
        address = value("--stack") === stack ? value("--engine") : undefined;
    }
    const port = address?.match(engineAddress)?.[2];
    return port === undefined ? undefined : Number(port);
}

/**
 * The processes a dead run of this project left: Pulumi plugins (and the Node.js program of
 * `stack`) of the same user, working in the project directory, whose parent is not a Pulumi CLI,
 * whose engine no longer answers (`engineAnswers`: a plugin of a running update always has its
 * engine), and, when the dead run's lock is known, started after that lock was written.
 * Other developers' runs, other checkouts and every live run are never matched.
 */
export function strayPlugins(
    processes: readonly ProcessFacts[],
    options: {
        readonly uid: number;
        readonly projectDir: string;
        readonly stack: string;
        readonly engineAnswers: (port: number) => boolean;
        /** Seconds since the epoch: the dead run's lock time, when known. */
        readonly since?: number;
    },
): ProcessFacts[] {
    const byPid = new Map(processes.map((p) => [p.pid, p]));
    return processes.filter((p) => {
        const port = pluginEnginePort(p.argv, options.stack);
        const parent = byPid.get(p.parentPid);
        return (
            port !== undefined &&
            p.uid === options.uid &&
            p.cwd === options.projectDir &&
            !(parent && isPulumiCli(parent.argv)) &&
            (options.since === undefined || p.startedAt >= options.since - 1) &&
            !options.engineAnswers(port)
        );
    });
}

/** A pending operation of the exported state (`pulumi stack export`). */
export interface PendingOperation {
    /** `creating`, `updating`, `deleting`, `reading` or `importing`. */
    readonly type: string;
    readonly urn: string;
}

const exportSchema = z.object({
    deployment: z.object({
        resources: z
            .array(
                z.looseObject({
                    urn: z.string(),
                    type: z.string(),
                    id: z.string().optional(),
                    inputs: z.record(z.string(), z.unknown()).optional(),
                }),
            )
            .optional(),
        pending_operations: z
            .array(z.object({ type: z.string(), resource: z.object({ urn: z.string() }) }))
            .optional(),
    }),
});

export type ExportedState = z.output<typeof exportSchema>;

export function parseExportedState(text: string): ExportedState {
    const parsed = exportSchema.safeParse(JSON.parse(text));
    if (!parsed.success) {
        throw new UserError(`not the output of \`pulumi stack export\`: ${parsed.error.message}`);
    }
    return parsed.data;
}

export function pendingOperations(state: ExportedState): PendingOperation[] {
    return (state.deployment.pending_operations ?? []).map((op) => ({
        type: op.type,
        urn: op.resource.urn,
    }));
}

/** The kube contexts (and kubeconfig files) of the stack's Kubernetes providers. */
export function kubernetesProviders(
    state: ExportedState,
): { context?: string; kubeconfig?: string }[] {
    return (state.deployment.resources ?? [])
        .filter((r) => r.type === "pulumi:providers:kubernetes")
        .map((r) => {
            const text = (key: string) =>
                typeof r.inputs?.[key] === "string" && r.inputs[key] !== ""
                    ? (r.inputs[key] as string)
                    : undefined;
            return { context: text("context"), kubeconfig: text("kubeconfig") };
        });
}

/** An object in the cluster, as `kubectl get -o json` lists it. */
export interface ClusterObject {
    /** The resource type as kubectl names it, e.g. `deployments.apps`. */
    readonly resource: string;
    readonly namespace?: string;
    readonly name: string;
}

/**
 * Objects that carry `owner` (the stack's owner annotation) but that the state holds no
 * Kubernetes resource for: half-made by a killed run and not taken back by the next `up`,
 * because the stack no longer declares them. They are this stack's own, so deleting them leaves
 * nothing behind. The Kubernetes provider's IDs are `namespace/name`, or `name` for cluster-scoped
 * objects.
 */
export function ownedObjectsNotInState(
    state: ExportedState,
    owner: string,
    listed: readonly { resource: string; items: readonly unknown[] }[],
): ClusterObject[] {
    const known = new Set(
        (state.deployment.resources ?? [])
            .filter((r) => r.type.startsWith("kubernetes:") && r.id !== undefined)
            .map((r) => {
                const [, apiVersion, kind] = r.type.split(":");
                return `${apiVersion.replace(/^core\//, "")}/${kind}\0${r.id}`;
            }),
    );
    return listed.flatMap(({ resource, items }) =>
        items.flatMap((item) => {
            const object = item as {
                apiVersion?: string;
                kind?: string;
                metadata?: { name?: string; namespace?: string };
            };
            const name = object.metadata?.name;
            if (ownerOf(item) !== owner || name === undefined) {
                return [];
            }
            const namespace = object.metadata?.namespace;
            const id = namespace ? `${namespace}/${name}` : name;
            return known.has(`${object.apiVersion}/${object.kind}\0${id}`)
                ? []
                : [{ resource, namespace, name }];
        }),
    );
}
