/**
 * Previews several stacks and writes a Markdown summary of what each would change.
 *
 *   npm run preview:summary -- --stacks dev,management [--out summary.md ...]
 *       [--work-dir <dir with Pulumi.yaml>] [--policy-pack policy] [--policy-pack-config file.json]
 *       [--revision <commit>] [--record <dir>] [--concurrency <n>] [--refresh --expect-no-changes]
 *
 * Without --stacks every `Pulumi.<stack>.yaml` next to `Pulumi.yaml` is previewed. Each stack is
 * previewed once, up to --concurrency (default 4) at a time, and reported in the order given; the same Markdown goes to every --out file (e.g. a pull-request comment and the
 * job summary) or to stdout, and the exit code is the check result: 1 when any preview failed,
 * a mandatory policy violation included, after writing the summary. --refresh refreshes each stack
 * from its cluster first and --expect-no-changes also fails when any stack would change: the
 * nightly drift check, whose summary names each drifted env var. The backend, passphrase and
 * kubeconfig come from the environment (PULUMI_BACKEND_URL or `pulumi login`,
 * PULUMI_CONFIG_PASSPHRASE, KUBECONFIG). --record writes each run's engine events and output to
 * <dir>/<stack>.run.json, the shape of the fixtures in test/fixtures/preview/.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { renderMarkdown } from "../markdown";
import { PreviewRun, previewStacks } from "../runPreviews";
import { listStacks } from "../stacks";

/** Previews at once by default: each is a CLI, a Node program and a provider plugin. */
const defaultConcurrency = 4;
const maxConcurrency = 64;

/** The nearest directory at or above `start` that holds a Pulumi.yaml. */
function projectRoot(start: string): string {
    for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
        if (fs.existsSync(path.join(dir, "Pulumi.yaml"))) {
            return dir;
        }
        if (path.dirname(dir) === dir) {
            throw new Error(`no Pulumi.yaml at or above ${start}; pass --work-dir`);
        }
    }
}

function record(dir: string, run: PreviewRun): void {
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `${run.stack.replace(/[^\w.-]/g, "_")}.run.json`);
    const recorded = `npm run preview:summary -- --record, ${new Date().toISOString()}`;
    fs.writeFileSync(file, `${JSON.stringify({ recorded, ...run }, null, 4)}\n`);
    process.stderr.write(`run of stack ${run.stack} recorded in ${file}\n`);
}

async function main(): Promise<number> {
    const { values } = parseArgs({
        options: {
            stacks: { type: "string" },
            out: { type: "string", multiple: true },
            revision: { type: "string" },
            record: { type: "string" },
            "work-dir": { type: "string" },
            "policy-pack": { type: "string", multiple: true },
            "policy-pack-config": { type: "string", multiple: true },
            concurrency: { type: "string", default: String(defaultConcurrency) },
            refresh: { type: "boolean", default: false },
            "expect-no-changes": { type: "boolean", default: false },
        },
    });
    const concurrency = Number(values.concurrency);
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > maxConcurrency) {
        throw new Error(
            `--concurrency ${JSON.stringify(values.concurrency)} is not allowed; allowed: an integer from 1 to ${maxConcurrency}`,
        );
    }
    const workDir = projectRoot(values["work-dir"] ?? process.cwd());
    const stacks = values.stacks
        ? values.stacks
              .split(",")
              .map((s) => s.trim())
              .filter((s) => s !== "")
        : listStacks(fs.readdirSync(workDir));
    if (stacks.length === 0) {
        throw new Error(
            `no stacks to preview: pass --stacks or add Pulumi.<stack>.yaml to ${workDir}`,
        );
    }

    const previews = await previewStacks(
        stacks.map((stack) => ({ stack })),
        {
            workDir,
            concurrency,
            refresh: values.refresh,
            policyPacks: values["policy-pack"]?.map((p) => path.resolve(p)),
            policyPackConfigs: values["policy-pack-config"]?.map((p) => path.resolve(p)),
            log: (line) => process.stderr.write(`${line}\n`),
            onRun: values.record ? (run) => record(values.record!, run) : undefined,
        },
    );
    for (const preview of previews) {
        // The comment keeps only the start of a long output; the log keeps all of it.
        process.stderr.write(preview.output ?? "");
    }
    const markdown = renderMarkdown(previews, { revision: values.revision });
    for (const out of values.out ?? []) {
        fs.writeFileSync(out, markdown);
        process.stderr.write(`summary written to ${out}\n`);
    }
    if (!values.out) {
        process.stdout.write(markdown);
    }
    const changed = previews.filter((p) => p.resources.length > 0);
    if (values["expect-no-changes"] && changed.length > 0) {
        process.stderr.write(
            `no changes were expected, but ${changed.map((p) => p.stack).join(", ")} would change\n`,
        );
        return 1;
    }
    return previews.some((p) => p.errors.length > 0) ? 1 : 0;
}

main().then(
    (code) => {
        process.exitCode = code;
    },
    (error: unknown) => {
        process.stderr.write(
            `preview-summary: ${error instanceof Error ? error.message : String(error)}\n`,
        );
        process.exitCode = 2;
    },
);
