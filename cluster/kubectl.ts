/** A ClusterReader that asks `kubectl`, with the stack's kubeconfig context, without a shell. */
import { execFile } from "node:child_process";
import { ClusterObject } from "../catalog/prerequisites";
import { ClusterReader } from "./preflight";

interface KubectlResult {
    readonly code: number;
    readonly stdout: string;
    readonly stderr: string;
}

const missingResourceType =
    /doesn't have a resource type|the server could not find the requested resource/;

export class KubectlReader implements ClusterReader {
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
        return new Error(
            `preflight could not read the cluster${this.context ? ` (context ${this.context})` : ""}: ${result.stderr.trim() || `kubectl exited with ${result.code}`}`,
        );
    }

    private run(args: string[]): Promise<KubectlResult> {
        const fullArgs = this.context ? ["--context", this.context, ...args] : args;
        return new Promise((resolve, reject) => {
            execFile(
                "kubectl",
                fullArgs,
                { timeout: 60_000, maxBuffer: 16 * 1024 * 1024 },
                (error, stdout, stderr) => {
                    if (error && (error as NodeJS.ErrnoException).code === "ENOENT") {
                        reject(
                            new Error(
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
