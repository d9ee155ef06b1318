/**
 * The facts scripts/recover.sh needs after a killed `pulumi up`, one verdict per line
 * (tab-separated), from files, /proc and the cluster; it changes nothing.
 *
 *   cli locks --backend-url URL --stack ORG/PROJECT/STACK    state, file, lock time, reason
 *   cli plugins --stack STACK --project-dir DIR [--since S]  pid, command line
 *   cli pending --state FILE                                 type, urn
 *   cli orphans --state FILE --owner OWNER                   context, kubeconfig, resource, namespace, name
 *
 * FILE is the output of `pulumi stack export`.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { missingResourceType } from "../cluster/kubectl";
import { ownedResourceTypes } from "../common/ownership";
import { UserError } from "../common/userError";
import {
    kubernetesProviders,
    lockDirectory,
    lockVerdict,
    ownedObjectsNotInState,
    parseExportedState,
    parseLockFile,
    pendingOperations,
    ProcessFacts,
    pluginEnginePort,
    strayPlugins,
} from "./interruptedUpdate";

/** Linux reports process start times in clock ticks of USER_HZ, 100 on every common build. */
const ticksPerSecond = 100;

function bootTime(): number {
    const line = fs
        .readFileSync("/proc/stat", "utf8")
        .split("\n")
        .find((l) => l.startsWith("btime "));
    return Number(line?.split(" ")[1]);
}

function readProcess(pid: number, booted: number): ProcessFacts | undefined {
    try {
        const dir = `/proc/${pid}`;
        const argv = fs.readFileSync(`${dir}/cmdline`, "utf8").split("\0");
        if (argv.at(-1) === "") {
            argv.pop();
        }
        const status = fs.readFileSync(`${dir}/status`, "utf8");
        const field = (name: string) =>
            Number(status.match(new RegExp(`^${name}:\\s+(\\d+)`, "m"))?.[1]);
        // Fields after the command name, which may itself hold spaces and parentheses.
        const stat = fs.readFileSync(`${dir}/stat`, "utf8");
        const startTicks = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19]);
        let cwd: string | undefined;
        try {
            cwd = fs.readlinkSync(`${dir}/cwd`);
        } catch {
            cwd = undefined;
        }
        return {
            pid,
            parentPid: field("PPid"),
            uid: field("Uid"),
            argv,
            cwd,
            startedAt: booted + startTicks / ticksPerSecond,
        };
    } catch {
        return undefined; // gone meanwhile
    }
}

function readProcesses(): ProcessFacts[] {
    const booted = bootTime();
    return fs
        .readdirSync("/proc")
        .filter((entry) => /^\d+$/.test(entry))
        .flatMap((entry) => readProcess(Number(entry), booted) ?? []);
}

function answers(port: number): Promise<boolean> {
    return new Promise((resolve) => {
        const socket = net.connect({ host: "127.0.0.1", port, timeout: 1000 });
        const done = (result: boolean) => {
            socket.destroy();
            resolve(result);
        };
        socket.once("connect", () => done(true));
        socket.once("error", () => done(false));
        socket.once("timeout", () => done(false));
    });
}

const stateFile = (file: string) => parseExportedState(fs.readFileSync(file, "utf8"));
const line = (...fields: (string | number | undefined)[]) =>
    process.stdout.write(
        `${fields.map((f) => (f === undefined || f === "" ? "-" : f)).join("\t")}\n`,
    );

async function main(): Promise<void> {
    const { positionals, values } = parseArgs({
        allowPositionals: true,
        options: {
            "backend-url": { type: "string" },
            stack: { type: "string" },
            "project-dir": { type: "string" },
            since: { type: "string" },
            owner: { type: "string" },
            state: { type: "string" },
        },
    });
    const need = (name: keyof typeof values) => {
        const value = values[name];
        if (value === undefined || value === "") {
            throw new UserError(`--${name} is required`);
        }
        return value;
    };
    switch (positionals[0]) {
        case "locks": {
            const dir = lockDirectory(need("backend-url"), need("stack"));
            if (dir === undefined || !fs.existsSync(dir)) {
                return;
            }
            const booted = bootTime();
            for (const entry of fs
                .readdirSync(dir)
                .filter((e) => e.endsWith(".json"))
                .sort()) {
                const file = path.join(dir, entry);
                const lock = parseLockFile(file, fs.readFileSync(file, "utf8"));
                const verdict = lockVerdict(lock, os.hostname(), readProcess(lock.pid, booted));
                line(
                    verdict.state,
                    file,
                    Math.floor(Date.parse(lock.timestamp) / 1000),
                    verdict.reason,
                );
            }
            return;
        }
        case "plugins": {
            const stack = need("stack");
            const processes = readProcesses();
            const ports = [
                ...new Set(processes.flatMap((p) => pluginEnginePort(p.argv, stack) ?? [])),
            ];
            const live = new Set<number>();
            for (const port of ports) {
                if (await answers(port)) {
                    live.add(port);
                }
            }
            const stray = strayPlugins(processes, {
                uid: process.getuid?.() ?? -1,
                projectDir: fs.realpathSync(need("project-dir")),
                stack,
                engineAnswers: (port) => live.has(port),
                since: values.since === undefined ? undefined : Number(values.since),
            });
            for (const p of stray) {
                line(p.pid, p.argv.join(" "));
            }
            return;
        }
        case "pending":
            for (const op of pendingOperations(stateFile(need("state")))) {
                line(op.type, op.urn);
            }
            return;
        case "orphans": {
            const state = stateFile(need("state"));
            const owner = need("owner");
            const targets = new Map<string, { context?: string; kubeconfig?: string }>();
            for (const provider of kubernetesProviders(state)) {
                // Only a path: a kubeconfig given as content holds credentials and is not printed.
                const kubeconfig =
                    provider.kubeconfig && fs.existsSync(provider.kubeconfig)
                        ? provider.kubeconfig
                        : undefined;
                targets.set(`${provider.context}\0${kubeconfig}`, {
                    context: provider.context,
                    kubeconfig,
                });
            }
            for (const provider of targets.values()) {
                const target = [
                    ...(provider.context ? ["--context", provider.context] : []),
                    ...(provider.kubeconfig ? ["--kubeconfig", provider.kubeconfig] : []),
                ];
                const listed = ownedResourceTypes.flatMap((resource) => {
                    try {
                        const text = execFileSync(
                            "kubectl",
                            [...target, "get", resource, "--all-namespaces", "-o", "json"],
                            { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] },
                        );
                        return [
                            { resource, items: (JSON.parse(text) as { items: unknown[] }).items },
                        ];
                    } catch (error) {
                        const stderr = String((error as { stderr?: unknown }).stderr ?? error);
                        if (missingResourceType.test(stderr)) {
                            return [];
                        }
                        throw new UserError(`kubectl get ${resource}: ${stderr.trim()}`);
                    }
                });
                for (const o of ownedObjectsNotInState(state, owner, listed)) {
                    line(provider.context, provider.kubeconfig, o.resource, o.namespace, o.name);
                }
            }
            return;
        }
        default:
            throw new UserError("usage: cli locks|plugins|pending|orphans [options]");
    }
}

main().catch((error: unknown) => {
    process.stderr.write(
        `recover: ${error instanceof UserError ? error.message : String(error)}\n`,
    );
    process.exit(2);
});
