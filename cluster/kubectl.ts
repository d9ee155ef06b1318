/** A ClusterReader that asks `kubectl`, with the stack's kubeconfig context, without a shell. */
import { execFile } from "node:child_process";
import { ClusterObject } from "../catalog/prerequisites";
import { quote } from "../common/quote";
import { UserError } from "../common/userError";
import { ClusterReader } from "./clusterReader";

interface KubectlResult {
    readonly code: number;
    readonly stdout: string;
    readonly stderr: string;
}

/** kubectl's stderr when the cluster has no such resource type (so no such object). */
export const missingResourceType =
    /doesn't have a resource type|the server could not find the requested resource/;

/** How long the first request may take before the cluster counts as unreachable. */
export const reachableTimeoutSeconds = 10;

/** The cluster cannot be read at all; nothing was changed. */
export class ClusterUnreadableError extends UserError {}

/** kubectl's stderr as one bounded, quoted line per distinct message (it repeats retries). */
export function kubectlMessage(stderr: string): string {
    const lines = [...new Set(stderr.split(/\r?\n/).map((l) => l.trim()))].filter((l) => l);
    const shown = lines
        .slice(-3)
        .map((line) => quote(line, 300))
        .join("; ");
    return lines.length > 3 ? `${shown} (and ${lines.length - 3} more lines)` : shown;
}

export class KubectlReader implements ClusterReader {
    private reachable?: Promise<void>;

    /** @param context kubeconfig context; undefined uses the current one. */
    constructor(private readonly context?: string) {}

    async exists(object: ClusterObject): Promise<boolean> {
        if (object.name === undefined) {
            const result = await this.run([
                "get",
                object.resource,
                "-o",
                "name",
                "--request-timeout=20s",
            ]);
            if (result.code !== 0 && !missingResourceType.test(result.stderr)) {
                throw this.failure(result);
            }
            return result.code === 0;
        }
        return (await this.get(object, "name")) !== undefined;
    }

    async get(object: ClusterObject, output: "json" | "name" = "json"): Promise<unknown> {
        const args = [
            "get",
            object.resource,
            ...(object.name ? [object.name] : []),
            "-o",
            output,
            "--ignore-not-found",
            "--request-timeout=20s",
        ];
        if (object.namespace) {
            args.push("--namespace", object.namespace);
        }
        const result = await this.run(args);
        if (result.code !== 0) {
            if (missingResourceType.test(result.stderr)) {
                return undefined;
            }
            throw this.failure(result);
        }
        const text = result.stdout.trim();
        if (text === "") {
            return undefined;
        }
        return output === "json" ? JSON.parse(text) : text;
    }

    private failure(result: KubectlResult): Error {
        return new ClusterUnreadableError(
            `preflight could not read the cluster${this.context ? ` (context ${quote(this.context)})` : ""}; nothing was changed: ${kubectlMessage(result.stderr) || `kubectl exited with ${result.code}`}`,
        );
    }

    /**
     * One short request before the real ones, so an unreachable cluster fails once and fast
     * instead of once per object after each request's own timeout.
     */
    private ensureReachable(): Promise<void> {
        this.reachable ??= this.kubectl([
            "get",
            "--raw",
            "/version",
            `--request-timeout=${reachableTimeoutSeconds}s`,
        ]).then((result) => {
            if (result.code !== 0) {
                throw this.failure(result);
            }
        });
        return this.reachable;
    }

    private async run(args: string[]): Promise<KubectlResult> {
        await this.ensureReachable();
        return this.kubectl(args);
    }

    private kubectl(args: string[]): Promise<KubectlResult> {
        const fullArgs = this.context ? ["--context", this.context, ...args] : args;
        return new Promise((resolve, reject) => {
            execFile(
                "kubectl",
                fullArgs,
                { timeout: 60_000, maxBuffer: 16 * 1024 * 1024 },
                (error, stdout, stderr) => {
                    if (error && (error as NodeJS.ErrnoException).code === "ENOENT") {
                        reject(
                            new ClusterUnreadableError(
                                "preflight needs kubectl on PATH to read the cluster (or set calico-ad:renderDirectory to render without a cluster)",
                            ),
                        );
                        return;
                    }
                    const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
                    resolve({ code, stdout, stderr });
                },
            );
        });
    }
}
