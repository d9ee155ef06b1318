/**
 * `npm run bench:preview`: how long a failing `pulumi preview` takes next to a healthy one, with
 * the real engine against the local API server (scripts/env.sh sourced, scripts/local-cluster.sh
 * running and its env evaluated). Each case is a stack of this project with the local stack's
 * config plus one mistake; each is previewed BENCH_RUNS times (default 3) after one warm-up.
 * Prints the median wall time, the ratio to the healthy preview, and whether the failure ended
 * as intended: a non-zero exit, the expected message, no "unhandled exception", no stack frames.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as yaml from "js-yaml";
import { repoRoot } from "../test/helpers";

const runs = Number(process.env.BENCH_RUNS ?? 3);
/** The bound issue 10 sets: a failing preview within 1.5 times a healthy one. */
const allowedRatio = 1.5;
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "calico-ad-bench-preview-"));

/** A kubeconfig with one more context, whose server nobody listens on. */
const unreachableKubeconfig = path.join(scratch, "unreachable.kubeconfig");
fs.writeFileSync(
    unreachableKubeconfig,
    yaml.dump({
        apiVersion: "v1",
        kind: "Config",
        clusters: [{ name: "nowhere", cluster: { server: "https://127.0.0.1:1" } }],
        users: [{ name: "nobody", user: { token: "none" } }],
        contexts: [
            { name: "calico-ad-unreachable", context: { cluster: "nowhere", user: "nobody" } },
        ],
    }),
);
const env = {
    ...process.env,
    PULUMI_BACKEND_URL: `file://${scratch}`,
    PULUMI_CONFIG_PASSPHRASE: "bench",
    PULUMI_SKIP_UPDATE_CHECK: "true",
    KUBECONFIG: [
        process.env.KUBECONFIG ?? path.join(os.homedir(), ".kube", "config"),
        unreachableKubeconfig,
    ].join(path.delimiter),
};

interface Case {
    readonly label: string;
    /** Changes to the local stack's config; null removes a key. */
    readonly config: Record<string, unknown>;
    /** What the failure must say; undefined for the healthy baseline. */
    readonly expected?: RegExp;
}

const cases: Case[] = [
    { label: "healthy (Pulumi.local.yaml)", config: {} },
    {
        label: "bad config (3 problems)",
        config: {
            "calico-ad:clusterType": "manged",
            "calico-ad:jobEnv": { AD_port_scan_threshold: 0 },
            "calico_ad:imageTag": "v3.12.1",
        },
        expected: /stack config has 3 problems/,
    },
    {
        // A release without AD previews the rule-based alert unless the stack refuses such releases.
        label: "release without AD, refused (3.18.0)",
        config: {
            "calico-ad:product": "enterprise",
            "calico-ad:calicoVersion": "3.18.0",
            "calico-ad:afterAdRemoval": "fail",
        },
        expected: /Anomaly Detection was removed in Calico Enterprise 3\.18/,
    },
    {
        label: "kube context not in the kubeconfig",
        config: { "calico-ad:kubeContext": "calico-ad-missing" },
        expected: /"calico-ad-missing" is not a context of/,
    },
    {
        label: "unreachable cluster",
        config: { "calico-ad:kubeContext": "calico-ad-unreachable" },
        expected: /preflight could not read the cluster \(context "calico-ad-unreachable"\)/,
    },
    {
        label: "missing pull secret (preflight)",
        config: { "calico-ad:imagePullSecret": "no-such-pull-secret" },
        expected: /missing secrets\/no-such-pull-secret/,
    },
];

function pulumi(args: string[]): { status: number; output: string; seconds: number } {
    const started = process.hrtime.bigint();
    const result = spawnSync("pulumi", [...args, "--non-interactive"], {
        cwd: repoRoot,
        env,
        encoding: "utf8",
    });
    return {
        status: result.status ?? 1,
        output: `${result.stdout}${result.stderr}`,
        seconds: Number(process.hrtime.bigint() - started) / 1e9,
    };
}

const localConfig = (
    yaml.load(fs.readFileSync(path.join(repoRoot, "Pulumi.local.yaml"), "utf8")) as {
        config: Record<string, unknown>;
    }
).config;

/** Median preview time of the case, and what went wrong with how it ended, if anything. */
function measure(benchCase: Case, index: number): { seconds: number; verdict: string } {
    const stack = `bench-preview-${index}-${process.pid}`;
    const file = path.join(repoRoot, `Pulumi.${stack}.yaml`);
    const config = Object.fromEntries(
        Object.entries({ ...localConfig, ...benchCase.config }).filter(([, v]) => v !== null),
    );
    try {
        const created = pulumi(["stack", "init", stack]);
        if (created.status !== 0) {
            throw new Error(`pulumi stack init ${stack} failed:\n${created.output}`);
        }
        // `stack init` wrote the encryption salt here; keep it.
        const initial = fs.existsSync(file)
            ? (yaml.load(fs.readFileSync(file, "utf8")) as Record<string, unknown> | null)
            : null;
        fs.writeFileSync(file, yaml.dump({ ...initial, config }));
        const previews = Array.from({ length: runs + 1 }, () =>
            pulumi(["preview", "--stack", stack]),
        );
        const timed = previews.slice(1);
        const seconds = [...timed.map((p) => p.seconds)].sort((a, b) => a - b)[
            Math.floor(runs / 2)
        ];
        const last = timed[timed.length - 1];
        const problems = [
            ...(benchCase.expected === undefined
                ? last.status === 0
                    ? []
                    : ["failed"]
                : [
                      ...(last.status === 0 ? ["succeeded"] : []),
                      ...(benchCase.expected.test(last.output) ? [] : ["message missing"]),
                  ]),
            ...(/unhandled exception/.test(last.output) ? ["unhandled exception"] : []),
            ...(/^\s+at .+:\d+:\d+\)?$/m.test(last.output) ? ["stack trace"] : []),
        ];
        if (problems.length > 0 && process.env.BENCH_VERBOSE) {
            console.error(last.output);
        }
        return { seconds, verdict: problems.length === 0 ? "ok" : problems.join(", ") };
    } finally {
        pulumi(["stack", "rm", "--yes", "--force", stack]);
        fs.rmSync(file, { force: true });
    }
}

/** Prints the table; false when a case did not end as intended (its verdict says how). */
function main(): boolean {
    const results = cases.map((c, i) => ({ ...c, ...measure(c, i) }));
    const healthy = results[0].seconds;
    console.log(
        `pulumi preview against the local API server, median of ${runs} runs after a warm-up:`,
    );
    for (const r of results) {
        const ratio = r.seconds / healthy;
        const bound =
            r.expected === undefined
                ? "baseline"
                : ratio <= allowedRatio
                  ? `within ${allowedRatio}x`
                  : `OVER ${allowedRatio}x`;
        console.log(
            `  ${r.label.padEnd(38)} ${r.seconds.toFixed(2).padStart(6)} s   ${ratio.toFixed(2)}x healthy   ${bound.padEnd(12)} ${r.verdict}`,
        );
    }
    return results.every((r) => r.verdict === "ok");
}

try {
    if (!main()) {
        console.error(
            "bench:preview: a case did not end as intended, so its time is not the one this benchmark means (BENCH_VERBOSE=1 prints its output)",
        );
        process.exitCode = 1;
    }
} finally {
    fs.rmSync(scratch, { recursive: true, force: true });
}
