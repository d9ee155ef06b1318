/**
 * `npm run bench:engine`: how long the real engine takes, against the local API server.
 *
 * Prints, from one run: the toolchain's build times (a warm run measured now; the cold build as
 * recorded by scripts/toolchain.sh, or measured now into a scratch cache with --cold), and
 * `pulumi preview` wall time of this stack for ts-node with type checking, ts-node
 * transpile-only (shipped) and precompiled JavaScript, each against an empty program run the
 * same way on the same server (that variant's engine floor), so each ratio and difference is the
 * program's own cost. Needs scripts/env.sh sourced and scripts/local-cluster.sh running.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { repoRoot } from "../test/helpers";

const runs = Number(process.env.BENCH_RUNS ?? 3);
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "calico-ad-bench-"));
fs.mkdirSync(path.join(scratch, "state"));
const env = {
    ...process.env,
    PULUMI_BACKEND_URL: `file://${path.join(scratch, "state")}`,
    PULUMI_CONFIG_PASSPHRASE: "bench",
    PULUMI_SKIP_UPDATE_CHECK: "true",
};

function run(
    command: string,
    args: string[],
    cwd: string,
    extraEnv: Record<string, string> = {},
): number {
    const started = process.hrtime.bigint();
    const result = spawnSync(command, args, {
        cwd,
        env: { ...env, ...extraEnv },
        encoding: "utf8",
    });
    if (result.status !== 0) {
        throw new Error(
            `${command} ${args.join(" ")} failed in ${cwd}:\n${result.stdout}\n${result.stderr}`,
        );
    }
    return Number(process.hrtime.bigint() - started) / 1e9;
}

const median = (values: number[]) =>
    [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** A throwaway project: the given Pulumi.yaml, copied sources and the shared node_modules. */
function project(
    name: string,
    projectFile: string,
    copy: string[],
    files: Record<string, string> = {},
): string {
    const dir = path.join(scratch, name);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, "Pulumi.yaml"), projectFile);
    for (const entry of copy) {
        fs.cpSync(path.join(repoRoot, entry), path.join(dir, entry), { recursive: true });
    }
    for (const [file, text] of Object.entries(files)) {
        fs.writeFileSync(path.join(dir, file), text);
    }
    fs.symlinkSync(path.join(repoRoot, "node_modules"), path.join(dir, "node_modules"));
    return dir;
}

/** This project's Pulumi.yaml with its runtime section replaced. */
function withRuntime(runtime: string): string {
    return fs
        .readFileSync(path.join(repoRoot, "Pulumi.yaml"), "utf8")
        .replace(/^runtime:\n(?:\s+.*\n)+/m, `${runtime}\n`);
}

/** Median wall time of `pulumi preview` of the `bench` stack, after one warm-up preview. */
function previewSeconds(dir: string, extraEnv: Record<string, string> = {}): number {
    run("pulumi", ["stack", "select", "--create", "bench", "--non-interactive"], dir, extraEnv);
    const preview = () =>
        run("pulumi", ["preview", "--stack", "bench", "--non-interactive"], dir, extraEnv);
    preview();
    return median(Array.from({ length: runs }, preview));
}

function toolchainTimes(): { cold: string; warm: number } {
    const cold = process.argv.includes("--cold")
        ? `${run("bash", ["scripts/toolchain.sh"], repoRoot, { CALICO_AD_CACHE: path.join(scratch, "cold-cache") }).toFixed(0)} s (measured now)`
        : recordedColdBuild();
    const warm = run("bash", ["scripts/toolchain.sh"], repoRoot);
    return { cold, warm };
}

/**
 * The wall clock of the newest successful cold build that scripts/toolchain.sh logged: Go caches
 * cold at start and a build step that ran (a cache filled from a toolchain archive builds none).
 */
function recordedColdBuild(): string {
    const logs = path.join(
        process.env.CALICO_AD_CACHE ?? path.join(os.homedir(), ".cache", "calico-ad"),
        "logs",
    );
    const summaries = fs.existsSync(logs)
        ? fs
              .readdirSync(logs)
              .sort()
              .reverse()
              .map((d) => path.join(logs, d, "summary.txt"))
              .filter((f) => fs.existsSync(f))
        : [];
    for (const file of summaries) {
        const text = fs.readFileSync(file, "utf8");
        const total = /TOTAL \(wall clock\)\s+(?:\d+\s+)?(\d+)\s+ok/.exec(text);
        const built = /^build-\S+\s+\d+\s+\d+\s+ok$/m.test(text);
        if (/caches cold at start/.test(text) && built && total) {
            return `${total[1]} s (recorded ${path.basename(path.dirname(file))}; --cold measures anew)`;
        }
    }
    return "no cold build recorded; run with --cold";
}

function main(): void {
    const sources = [
        "index.ts",
        "tsconfig.json",
        "catalog",
        "common",
        "config",
        "cluster",
        "components",
        "scan",
        "simulations",
        "verify",
        "demo",
    ];
    // The salt belongs to the passphrase of whoever created the local stack; the bench stack
    // lives in its own scratch backend with its own passphrase, so it gets a new one.
    const stackConfig = {
        "Pulumi.bench.yaml": fs
            .readFileSync(path.join(repoRoot, "Pulumi.local.yaml"), "utf8")
            .replace(/^encryptionsalt:.*\n?/m, ""),
    };
    // The empty programs run as the stack does: noCheck (transpile-only) unless
    // PULUMI_NODEJS_TRANSPILE_ONLY=false asks for type checking; precompiled from index.js.
    const emptyTs = project("empty-ts", "name: bench-empty\nruntime: nodejs\n", [], {
        "index.ts": "export {};\n",
        "tsconfig.json": JSON.stringify({ compilerOptions: { strict: true, noCheck: true } }),
    });
    const emptyJs = project(
        "empty-js",
        "name: bench-empty\nruntime:\n    name: nodejs\n    options:\n        typescript: false\nmain: index.js\n",
        [],
        {
            "index.js":
                '"use strict";\nObject.defineProperty(exports, "__esModule", { value: true });\n',
        },
    );
    const tsNode = project(
        "ts-node",
        withRuntime("runtime:\n    name: nodejs"),
        sources,
        stackConfig,
    );
    run("npx", ["tsc", "-p", "tsconfig.json", "--noCheck", "false"], repoRoot);
    const compiled = project(
        "compiled",
        withRuntime(
            "runtime:\n    name: nodejs\n    options:\n        typescript: false\nmain: bin/index.js",
        ),
        // The compiled program still reads its shell scripts from the source folders.
        ["bin", ...sources.filter((entry) => !entry.endsWith(".ts") && !entry.endsWith(".json"))],
        stackConfig,
    );

    const { cold, warm } = toolchainTimes();
    const typeCheck = { PULUMI_NODEJS_TRANSPILE_ONLY: "false" };
    const variants = [
        {
            label: "ts-node with type check",
            program: previewSeconds(tsNode, typeCheck),
            floor: previewSeconds(emptyTs, typeCheck),
        },
        {
            label: "ts-node transpile-only (shipped)",
            program: previewSeconds(tsNode),
            floor: previewSeconds(emptyTs),
        },
        {
            label: "precompiled JavaScript",
            program: previewSeconds(compiled),
            floor: previewSeconds(emptyJs),
        },
    ];

    console.log(`toolchain: cold build ${cold}; warm run ${warm.toFixed(1)} s`);
    console.log(
        `pulumi preview against the local API server, median of ${runs} runs; each variant against an empty program run the same way:`,
    );
    console.log(
        `  ${"variant".padEnd(34)} ${"calico-ad".padStart(9)} ${"empty".padStart(8)} ${"ratio".padStart(7)} ${"own cost".padStart(9)}`,
    );
    for (const { label, program, floor } of variants) {
        console.log(
            `  ${label.padEnd(34)} ${program.toFixed(2).padStart(7)} s ${floor.toFixed(2).padStart(6)} s ${(program / floor).toFixed(2).padStart(6)}x ${(program - floor).toFixed(2).padStart(7)} s`,
        );
    }
    const [checked, transpiled, precompiled] = variants.map((v) => v.program);
    console.log(
        `calico-ad with ts-node type check vs precompiled: ${(checked / precompiled).toFixed(2)}x; vs transpile-only: ${(checked / transpiled).toFixed(2)}x`,
    );
}

try {
    main();
} finally {
    fs.rmSync(scratch, { recursive: true, force: true });
}
