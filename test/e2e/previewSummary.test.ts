/**
 * The preview summary against the real engine and the local API server: two deployed stacks, one
 * threshold changed in one of them, and the summary shows exactly that change. Needs
 * scripts/toolchain.sh and a running scripts/local-cluster.sh; skips with the reason otherwise.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { describeChange } from "../../preview/markdown";
import { previewStacks } from "../../preview/runPreviews";
import { repoRoot } from "../helpers";
import { committedConfig, missingPrerequisite, TestStack } from "./harness";

const skip = missingPrerequisite();

describe(
    "preview summary of two stacks, one threshold changed",
    { skip, concurrency: false },
    () => {
        let jobs: TestStack;
        let alerts: TestStack;
        let env: Record<string, string>;

        before(async () => {
            // Different objects in one cluster: the manifest-era Deployment, and a GlobalAlert whose
            // detector the other end-to-end tests do not use.
            jobs = await TestStack.create("summary-jobs", committedConfig("local"));
            alerts = await TestStack.create("summary-alerts", {
                calicoVersion: "3.17.1",
                clusterType: "management",
                kubeContext: "calico-ad-local",
                awaitRollout: "false",
                detectors: ["dns_tunnel"],
            });
            await jobs.stack.up();
            await alerts.stack.up();
            const config = committedConfig("local");
            (config["calico-ad:jobEnv"] as Record<string, unknown>).AD_port_scan_threshold = 300;
            await jobs.setConfig(config);
            env = { ...process.env, ...jobs.stack.workspace.envVars } as Record<string, string>;
        });
        after(async () => {
            try {
                await jobs?.remove();
            } finally {
                await alerts?.remove();
            }
        });

        it("reports one update of the AD Deployment with only that env var, and no change to the other stack", async () => {
            const previews = await previewStacks(
                [{ stack: jobs.stack.name }, { stack: alerts.stack.name }],
                { workDir: repoRoot, envVars: jobs.stack.workspace.envVars },
            );
            const [changed, unchanged] = previews;
            assert.deepEqual(changed.errors, []);
            assert.deepEqual(
                changed.resources.map((r) => `${r.operation} ${r.label}`),
                ["update Deployment tigera-intrusion-detection/ad-jobs-deployment"],
            );
            assert.deepEqual(changed.resources[0].changes.map(describeChange), [
                "AD_port_scan_threshold: 200 → 300",
            ]);
            assert.deepEqual(changed.alerts, []);
            assert.ok(changed.unchanged > 0);
            assert.deepEqual(unchanged.errors, []);
            assert.deepEqual(unchanged.resources, []);
        });

        it("previews the stacks concurrently in a bounded pool and reports them in the order given", async () => {
            const broken = await TestStack.create(
                "summary-broken",
                committedConfig("local", { clusterType: "manged" }),
            );
            try {
                const log: string[] = [];
                const order = [alerts.stack.name, broken.stack.name, jobs.stack.name];
                const previews = await previewStacks(
                    order.map((stack) => ({ stack })),
                    {
                        workDir: repoRoot,
                        envVars: jobs.stack.workspace.envVars,
                        concurrency: 2,
                        log: (line) => log.push(line),
                    },
                );
                assert.deepEqual(
                    previews.map((p) => p.stack),
                    order,
                );
                assert.deepEqual(previews[0].resources, []);
                assert.match(previews[1].errors.join("\n"), /calico-ad:clusterType: "manged"/);
                assert.deepEqual(
                    previews[2].resources.map((r) => `${r.operation} ${r.label}`),
                    ["update Deployment tigera-intrusion-detection/ad-jobs-deployment"],
                );
                // Two started before either finished; the third waited for a free slot.
                const started = (stack: string) => log.indexOf(`previewing stack ${stack} ...`);
                const finished = (stack: string) =>
                    log.findIndex((line) => line.startsWith(`stack ${stack}: `));
                assert.ok(started(order[1]) < finished(order[0]));
                assert.ok(started(order[0]) < finished(order[1]));
                assert.ok(
                    started(order[2]) > Math.min(finished(order[0]), finished(order[1])),
                    log.join("\n"),
                );
            } finally {
                await broken.remove();
            }
        });

        it("writes the same as Markdown through the command", () => {
            const out = path.join(
                fs.mkdtempSync(path.join(os.tmpdir(), "calico-ad-summary-")),
                "s.md",
            );
            execFileSync(
                process.execPath,
                [
                    path.join(repoRoot, "bin", "preview", "cli", "summary.js"),
                    "--stacks",
                    `${jobs.stack.name},${alerts.stack.name}`,
                    "--out",
                    out,
                ],
                { cwd: repoRoot, env, stdio: ["ignore", "inherit", "inherit"] },
            );
            const markdown = fs.readFileSync(out, "utf8");
            const section = (stack: string) =>
                markdown.split(/^## /m).find((s) => s.startsWith(`\`${stack}\``)) ?? "";
            assert.match(
                markdown,
                new RegExp(
                    `^\\| \`${jobs.stack.name}\` \\| ok \\| 1 to update, \\d+ unchanged \\|$`,
                    "m",
                ),
            );
            assert.match(
                markdown,
                new RegExp(
                    `^\\| \`${alerts.stack.name}\` \\| no changes \\| \\d+ unchanged \\|$`,
                    "m",
                ),
            );
            const items = section(jobs.stack.name)
                .split("\n")
                .filter((line) => line.startsWith("- ") || line.startsWith("  - "));
            assert.deepEqual(items, [
                "- **update** `Deployment tigera-intrusion-detection/ad-jobs-deployment`",
                "  - `AD_port_scan_threshold: 200 → 300`",
            ]);
            assert.match(section(alerts.stack.name), /No changes\./);
            assert.doesNotMatch(markdown, /CAUTION|failed/);
        });
    },
);
