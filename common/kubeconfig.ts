/**
 * The kubeconfig contexts kubectl and the Kubernetes provider would see: the files of KUBECONFIG
 * (merged in order, as kubectl does) or ~/.kube/config. Only names are read, never credentials.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as yaml from "js-yaml";
import { z } from "zod";

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

/**
 * The parts of a kubeconfig read here. Loaded with the YAML failsafe schema, every scalar is a
 * string; other fields (clusters, users, credentials) are passed over, never kept.
 */
const kubeconfigSchema = z.looseObject({
    "current-context": z.string().optional(),
    contexts: z
        .array(
            z.looseObject({
                name: z.string(),
                context: z.looseObject({ cluster: z.string().optional() }).optional(),
            }),
        )
        .optional(),
});

/** Context names, their clusters and current-context of kubeconfig text; throws when unusable. */
export function contextsOf(text: string): {
    names: string[];
    clusters: Record<string, string>;
    current?: string;
} {
    const parsed = kubeconfigSchema.safeParse(
        yaml.load(text, { schema: yaml.FAILSAFE_SCHEMA }) ?? {},
    );
    if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new Error(`${issue.path.join(".") || "the document"}: ${issue.message}`);
    }
    const names: string[] = [];
    const clusters: Record<string, string> = {};
    for (const entry of parsed.data.contexts ?? []) {
        names.push(entry.name);
        if (entry.context?.cluster !== undefined) {
            clusters[entry.name] = entry.context.cluster;
        }
    }
    const current = parsed.data["current-context"];
    return { names, clusters, current: current === "" ? undefined : current };
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
                unreadable: `${file} is not a kubeconfig (${(error as Error).message.split("\n")[0]})`,
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
