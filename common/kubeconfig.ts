/**
 * The kubeconfig contexts kubectl and the Kubernetes provider would see: the files of KUBECONFIG
 * (merged in order, as kubectl does) or ~/.kube/config. Only names are read, never credentials.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as yaml from "js-yaml";

/** The contexts on offer, or why none could be read. */
export interface KubeContexts {
    /** Context names, in file order, without duplicates. */
    readonly names: readonly string[];
    readonly current?: string;
    /** The kubeconfig cluster each context points at. */
    readonly clusters: Readonly<Record<string, string>>;
    /** The files read, for messages. */
    readonly files: readonly string[];
    /** Set when no kubeconfig could be read. */
    readonly unreadable?: string;
}

/** The kubeconfig files kubectl would read, from KUBECONFIG or the default location. */
export function kubeconfigFiles(env: NodeJS.ProcessEnv = process.env): string[] {
    const fromEnv = (env.KUBECONFIG ?? "").split(path.delimiter).filter((f) => f !== "");
    return fromEnv.length > 0 ? fromEnv : [path.join(env.HOME ?? os.homedir(), ".kube", "config")];
}

/** Context names, their clusters and current-context of kubeconfig text; throws when not YAML. */
export function contextsOf(text: string): {
    names: string[];
    clusters: Record<string, string>;
    current?: string;
} {
    const parsed = yaml.load(text, { schema: yaml.FAILSAFE_SCHEMA }) as {
        contexts?: unknown;
        "current-context"?: unknown;
    } | null;
    const contexts = Array.isArray(parsed?.contexts) ? parsed.contexts : [];
    const names: string[] = [];
    const clusters: Record<string, string> = {};
    for (const entry of contexts as { name?: unknown; context?: { cluster?: unknown } }[]) {
        if (typeof entry?.name !== "string") {
            continue;
        }
        names.push(entry.name);
        if (typeof entry.context?.cluster === "string") {
            clusters[entry.name] = entry.context.cluster;
        }
    }
    const current = parsed?.["current-context"];
    return {
        names,
        clusters,
        current: typeof current === "string" && current !== "" ? current : undefined,
    };
}

/** Reads the contexts of every kubeconfig file that exists; the first current-context wins. */
export function readKubeContexts(env: NodeJS.ProcessEnv = process.env): KubeContexts {
    const files = kubeconfigFiles(env);
    const names: string[] = [];
    const clusters: Record<string, string> = {};
    let current: string | undefined;
    const read: string[] = [];
    for (const file of files) {
        let text: string;
        try {
            text = fs.readFileSync(file, "utf8");
        } catch {
            continue;
        }
        try {
            const found = contextsOf(text);
            for (const name of found.names.filter((n) => !names.includes(n))) {
                names.push(name);
                if (Object.hasOwn(found.clusters, name)) {
                    clusters[name] = found.clusters[name];
                }
            }
            current ??= found.current;
            read.push(file);
        } catch (error) {
            return {
                names,
                clusters,
                files,
                unreadable: `${file} is not valid YAML (${(error as Error).message.split("\n")[0]})`,
            };
        }
    }
    if (read.length === 0) {
        return {
            names,
            clusters,
            files,
            unreadable: `no kubeconfig file exists (${files.join(", ")}${env.KUBECONFIG ? ", from KUBECONFIG" : ""})`,
        };
    }
    return { names, clusters, current, files: read };
}
