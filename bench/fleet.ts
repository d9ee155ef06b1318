/**
 * `npm run bench:fleet`: wall time of the multi-stack preview summary over a fleet of 1, 4 and 16
 * stacks, previewed one at a time (the baseline) and through the bounded pool, in one run with
 * the real engine against the local API server (scripts/env.sh sourced, scripts/local-cluster.sh
 * running and its env evaluated). Every stack is a fresh stack of this project with the local
 * stack's config, so each preview runs the program, preflight and a server-side dry run.
 * BENCH_FLEET_SIZES (default 1,4,16) and BENCH_FLEET_POOL (default 4) change the run; the test
 * suite uses small sizes so that the benchmark stays cheap there.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as yaml from "js-yaml";
import { previewStacks, PreviewRequest } from "../preview/runPreviews";
import { repoRoot } from "../test/helpers";

const sizes = (process.env.BENCH_FLEET_SIZES ?? "1,4,16").split(",").map(Number);
const pool = Number(process.env.BENCH_FLEET_POOL ?? 4);
if (sizes.some((n) => !Number.isInteger(n) || n < 1) || !Number.isInteger(pool) || pool < 1) {
    throw new Error(
        "BENCH_FLEET_SIZES must be positive integers like 1,4,16; BENCH_FLEET_POOL one",
    );
}
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "calico-ad-bench-fleet-"));
const envVars = {
    PULUMI_BACKEND_URL: `file://${scratch}`,
    PULUMI_CONFIG_PASSPHRASE: "bench",
    PULUMI_SKIP_UPDATE_CHECK: "true",
};

const localConfig = (
    yaml.load(fs.readFileSync(path.join(repoRoot, "Pulumi.local.yaml"), "utf8")) as {
        config: Record<string, unknown>;
    }
).config;

/** Creates the stack in the scratch backend with its config file in the scratch directory. */
function createStack(stack: string): PreviewRequest {
    const created = spawnSync("pulumi", ["stack", "init", stack, "--non-interactive"], {
        cwd: repoRoot,
        env: { ...process.env, ...envVars },
        encoding: "utf8",
    });
    if (created.status !== 0) {
        throw new Error(`pulumi stack init ${stack} failed:\n${created.stdout}${created.stderr}`);
    }
    // `stack init` wrote the encryption salt next to Pulumi.yaml; move it out of the checkout.
    const written = path.join(repoRoot, `Pulumi.${stack}.yaml`);
    const initial = fs.existsSync(written)
        ? (yaml.load(fs.readFileSync(written, "utf8")) as Record<string, unknown> | null)
        : null;
    fs.rmSync(written, { force: true });
    const configFile = path.join(scratch, `Pulumi.${stack}.yaml`);
    fs.writeFileSync(configFile, yaml.dump({ ...initial, config: localConfig }));
    return { stack, configFile };
}

async function timed(requests: readonly PreviewRequest[], concurrency: number): Promise<number> {
    const started = process.hrtime.bigint();
    const previews = await previewStacks(requests, { workDir: repoRoot, envVars, concurrency });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const failed = previews.filter((p) => p.errors.length > 0);
    if (failed.length > 0) {
        throw new Error(`preview of ${failed[0].stack} failed:\n${failed[0].errors.join("\n")}`);
    }
    if (previews.some((p, i) => p.stack !== requests[i].stack)) {
        throw new Error("the summaries came back in another order than the stacks");
    }
    return seconds;
}

async function main(): Promise<void> {
    const largest = Math.max(...sizes);
    const requests = Array.from({ length: largest }, (_, i) =>
        createStack(`bench-fleet-${i}-${process.pid}`),
    );
    // One warm-up preview, so that the first timing does not pay for cold caches.
    await timed(requests.slice(0, 1), 1);
    console.log(
        `pulumi preview of N stacks against the local API server, one at a time vs a pool of ${pool} (${os.availableParallelism()} CPUs):`,
    );
    for (const size of sizes) {
        const fleet = requests.slice(0, size);
        const sequential = await timed(fleet, 1);
        const concurrent = await timed(fleet, pool);
        console.log(
            `  ${String(size).padStart(3)} stack(s)   sequential ${sequential.toFixed(1).padStart(6)} s   pool ${concurrent.toFixed(1).padStart(6)} s   ${(concurrent / sequential).toFixed(2)}x sequential (${(sequential / concurrent).toFixed(2)}x faster)`,
        );
    }
}

main()
    .catch((error: unknown) => {
        console.error(`bench:fleet: ${error instanceof Error ? error.message : String(error)}`);
        process.exitCode = 1;
    })
    .finally(() => fs.rmSync(scratch, { recursive: true, force: true }));
