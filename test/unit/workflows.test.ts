/**
 * What a reviewer of the workflows relies on, read from the YAML itself: actionlint checks the
 * syntax; these check the order of the gates and that every step calls a command of this project.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import * as yaml from "js-yaml";
import { repoRoot } from "../helpers";

interface Step {
    readonly name?: string;
    readonly id?: string;
    readonly if?: string;
    readonly uses?: string;
    readonly run?: string;
    readonly with?: Record<string, unknown>;
}

interface Job {
    readonly needs?: string | string[];
    readonly uses?: string;
    readonly if?: string;
    readonly environment?: string;
    readonly steps?: Step[];
}

function load<T>(file: string): T {
    return yaml.load(fs.readFileSync(path.join(repoRoot, file), "utf8")) as T;
}

const workflowFiles = fs
    .readdirSync(path.join(repoRoot, ".github", "workflows"))
    .filter((f) => f.endsWith(".yml"))
    .map((f) => `.github/workflows/${f}`);
const jobsOf = (file: string) => load<{ jobs: Record<string, Job> }>(file).jobs;
const needsOf = (job: Job) => (typeof job.needs === "string" ? [job.needs] : (job.needs ?? []));
const packageJson = load<{ scripts: Record<string, string>; dependencies: Record<string, string> }>(
    "package.json",
);

const touchesCluster = (step: Step) =>
    /preview:summary|scripts\/ci\/(deploy|detection-tests)\.sh|pulumi (preview|up)/.test(
        step.run ?? "",
    );

describe("the workflows", () => {
    it("run one command per step, each a project command or script that exists", () => {
        const setup = load<{ runs: { steps: Step[] } }>(".github/actions/setup/action.yml");
        const steps = [
            ...workflowFiles.flatMap((file) =>
                Object.values(jobsOf(file)).flatMap((job) => job.steps ?? []),
            ),
            ...setup.runs.steps,
        ];
        for (const step of steps.filter((s) => s.run !== undefined)) {
            const run = step.run!.trim();
            assert.ok(!run.includes("\n"), `a step runs several lines:\n${run}`);
            const npmScript = /^npm (?:run (?:--silent )?)?([\w:-]+)/.exec(run);
            if (npmScript && !["ci", "test"].includes(npmScript[1])) {
                assert.ok(packageJson.scripts[npmScript[1]], `no npm script ${npmScript[1]}`);
            }
            for (const script of run.match(/(?:scripts|\.ci)\/[\w./-]+/g) ?? []) {
                assert.ok(fs.existsSync(path.join(repoRoot, script)), `${run}: no ${script}`);
            }
        }
    });

    it("install the Pulumi CLI at the version of @pulumi/pulumi", () => {
        const setup = load<{ runs: { steps: Step[] } }>(".github/actions/setup/action.yml");
        const install = setup.runs.steps.find((s) => s.uses?.startsWith("pulumi/actions@"));
        assert.equal(install?.with?.["pulumi-version"], packageJson.dependencies["@pulumi/pulumi"]);
    });

    it("test with lint, format, type check and unit tests, actionlint and shellcheck", () => {
        const runs = (jobsOf(".github/workflows/test.yml").hosted.steps ?? []).map((s) => s.run);
        for (const command of ["npm test", "npm run lint:workflows", "npm run lint:shell"]) {
            assert.ok(runs.includes(command), command);
        }
        assert.match(packageJson.scripts.test, /lint.*format:check.*build.*test:unit/);
    });

    it("test end to end with the toolchain archive restored from the cache, keyed on the pins", () => {
        const steps = jobsOf(".github/workflows/test.yml")["end-to-end"].steps ?? [];
        const at = (find: (s: Step) => boolean) => steps.findIndex(find);
        const key = at((s) => /bash scripts\/toolchain\.sh archive-key/.test(s.run ?? ""));
        const restore = at((s) => s.uses?.startsWith("actions/cache/restore@") ?? false);
        const install = at((s) => /bash scripts\/toolchain\.sh install /.test(s.run ?? ""));
        const ci = at((s) => s.run === ".ci/run");
        const save = at((s) => s.uses?.startsWith("actions/cache/save@") ?? false);
        assert.ok(key >= 0 && key < restore && restore < install && install < ci && ci < save);
        const keyed = `\${{ steps.${steps[key].id}.outputs.key }}`;
        assert.equal(steps[restore].with?.key, keyed);
        assert.equal(steps[save].with?.key, keyed);
        assert.equal(steps[install].if, `steps.${steps[restore].id}.outputs.cache-hit == 'true'`);
        assert.equal(steps[save].if, `steps.${steps[restore].id}.outputs.cache-hit != 'true'`);
    });

    it("check a stack's credentials before any step that reaches its backend or cluster", () => {
        for (const file of workflowFiles) {
            for (const [name, job] of Object.entries(jobsOf(file))) {
                const steps = job.steps ?? [];
                const first = steps.findIndex(touchesCluster);
                if (first < 0) {
                    continue;
                }
                const check = steps.findIndex((s) =>
                    /npm run --silent ci:credentials/.test(s.run ?? ""),
                );
                assert.ok(check >= 0 && check < first, `${file} ${name}`);
            }
        }
    });
});

describe("the pull-request workflow", () => {
    const jobs = jobsOf(".github/workflows/pull-request.yml");

    it("previews only after the tests passed", () => {
        assert.equal(jobs.test.uses, "./.github/workflows/test.yml");
        assert.ok(needsOf(jobs.preview).includes("test"));
    });

    it("previews each stack once; comment, job summary and check come from that run", () => {
        const steps = jobs.preview.steps ?? [];
        const previews = steps.filter(
            (s) => touchesCluster(s) || (s.uses?.startsWith("pulumi/actions@") && s.with?.command),
        );
        assert.equal(previews.length, 1, "one preview per stack");
        const [preview] = previews;
        assert.match(preview.run ?? "", /--policy-pack policy/);
        assert.match(preview.run ?? "", /--out "\$RUNNER_TEMP\/preview\.md"/);
        assert.match(preview.run ?? "", /--out "\$GITHUB_STEP_SUMMARY"/);
        const comment = steps.find((s) =>
            s.uses?.startsWith("marocchino/sticky-pull-request-comment@"),
        );
        assert.equal(comment?.with?.path, "${{ runner.temp }}/preview.md");
        assert.equal(comment?.with?.header, "calico-ad-preview-${{ matrix.stack }}");
        // Posted for a failed preview too: the failure and the violations are what to read.
        assert.match(comment?.if ?? "", new RegExp(`steps\\.${preview.id}\\.outcome != 'skipped'`));
        assert.ok(steps.indexOf(comment!) > steps.indexOf(preview));
    });

    it("gates merging on one check that fails when the tests or any preview failed", () => {
        const gate = jobs["previews-passed"];
        assert.deepEqual(needsOf(gate).sort(), ["preview", "stacks", "test"]);
        assert.match(gate.if ?? "", /!cancelled\(\)/);
        assert.match(gate.steps?.at(-1)?.run ?? "", /scripts\/ci\/needs-passed\.sh/);
    });
});

describe("the deploy workflow", () => {
    const jobs = jobsOf(".github/workflows/deploy.yml");

    it("deploys only after the tests and every preview of the same commit passed", () => {
        assert.equal(jobs.test.uses, "./.github/workflows/test.yml");
        assert.ok(needsOf(jobs.preview).includes("test"));
        assert.ok(needsOf(jobs.deploy).includes("preview"));
        // An `if` without a status function keeps the implicit success() of every need.
        assert.doesNotMatch(jobs.deploy.if ?? "", /always\(\)|failure\(\)|cancelled\(\)/);
    });

    it("deploys each stack through the protected environment named after it", () => {
        assert.equal(jobs.deploy.environment, "${{ matrix.stack }}");
        assert.ok(
            (jobs.deploy.steps ?? []).some((s) => /scripts\/ci\/deploy\.sh/.test(s.run ?? "")),
        );
    });
});

describe("the detection-tests workflow", () => {
    const workflow = load<{
        on: { schedule?: { cron: string }[] };
        jobs: Record<string, Job & { concurrency?: { group: string } }>;
    }>(".github/workflows/detection-tests.yml");
    const drift = load<{ on: { schedule?: { cron: string }[] } }>(".github/workflows/drift.yml");
    const deploy = load<{ jobs: Record<string, { concurrency?: { group: string } }> }>(
        ".github/workflows/deploy.yml",
    );
    const run = workflow.jobs["detection-tests"];

    it("is scheduled like the drift check, over every stack as drift selects them", () => {
        assert.ok(workflow.on.schedule?.length && drift.on.schedule?.length);
        const select = (jobs: Record<string, Job>) =>
            jobs.stacks.steps?.find((s) => s.id === "select")?.run;
        assert.equal(select(workflow.jobs), select(jobsOf(".github/workflows/drift.yml")));
        assert.match(select(workflow.jobs) ?? "", /--all/);
        assert.deepEqual(needsOf(run), ["stacks"]);
    });

    it("runs each stack through scripts/ci/detection-tests.sh with this run's identity, never at the same time as its deploy", () => {
        const steps = run.steps ?? [];
        const detection = steps.filter(touchesCluster);
        assert.equal(detection.length, 1, "one step reaches the stack");
        assert.equal(
            detection[0].run,
            'bash scripts/ci/detection-tests.sh "$PULUMI_STACK" "$RUN_ID"',
        );
        const env = (detection[0] as Step & { env?: Record<string, string> }).env;
        assert.equal(env?.RUN_ID, "${{ github.run_id }}-${{ github.run_attempt }}");
        assert.equal(run.concurrency?.group, deploy.jobs.deploy.concurrency?.group);
    });
});
