import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { prerequisites } from "../../catalog/prerequisites";
import { ClusterUnreadableError, KubectlReader, kubectlMessage } from "../../cluster/kubectl";
import { preflight } from "../../cluster/preflight";
import { parseSettings } from "../../config/settings";
import { stackFileConfig } from "../helpers";

/**
 * A stand-in `kubectl` on PATH that logs its arguments and answers like kubectl against a
 * server nobody listens on (the stderr is kubectl 1.3x's, repeated as kubectl repeats it).
 */
function unreachableKubectl(): { log: string; restore: () => void } {
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), "calico-ad-kubectl-down-"));
    const log = path.join(directory, "calls");
    const refused =
        'E1201 couldn\'t get current server API group list: Get "https://127.0.0.1:1/api": dial tcp 127.0.0.1:1: connect: connection refused';
    const stderr = path.join(directory, "stderr");
    fs.writeFileSync(
        stderr,
        `${refused}\n${refused}\n${refused}\nThe connection to the server 127.0.0.1:1 was refused - did you specify the right host or port?\n`,
    );
    fs.writeFileSync(
        path.join(directory, "kubectl"),
        `#!/bin/sh\necho "$*" >> '${log}'\ncat '${stderr}' >&2\nexit 1\n`,
        { mode: 0o755 },
    );
    const saved = process.env.PATH;
    process.env.PATH = `${directory}${path.delimiter}${saved}`;
    return { log, restore: () => (process.env.PATH = saved) };
}

describe("an unreachable cluster", () => {
    it("fails preflight once, after one short probe, with a RunError that has no stack trace", async () => {
        const fake = unreachableKubectl();
        try {
            const reader = new KubectlReader("kind-gone");
            const error = await preflight(parseSettings(stackFileConfig("dev")), reader).then(
                () => undefined,
                (e: unknown) => e,
            );
            assert.ok(error instanceof ClusterUnreadableError, String(error));
            assert.ok(pulumi.RunError.isInstance(error), "the SDK prints it without a stack");
            assert.equal(error.stack, error.message);
            assert.match(
                error.message,
                /^preflight could not read the cluster \(context "kind-gone"\); nothing was changed: .*connection refused/,
            );
            assert.ok(!error.message.includes("\n"), "one line");
            const calls = fs.readFileSync(fake.log, "utf8").trim().split("\n");
            assert.deepEqual(calls, [
                "--context kind-gone get --raw /version --request-timeout=10s",
            ]);
        } finally {
            fake.restore();
        }
    });

    it("reports kubectl's repeated stderr once per distinct line", () => {
        assert.equal(kubectlMessage("a\na\nb\n\nb\n"), '"a"; "b"');
        assert.match(kubectlMessage("1\n2\n3\n4\n5"), /"3"; "4"; "5" \(and 2 more lines\)$/);
    });

    it("is asked about no object once the probe has failed", async () => {
        const fake = unreachableKubectl();
        try {
            const reader = new KubectlReader();
            await assert.rejects(
                reader.exists(prerequisites.esAccessSecret),
                ClusterUnreadableError,
            );
            await assert.rejects(reader.get(prerequisites.allowTigeraTier), ClusterUnreadableError);
            assert.equal(fs.readFileSync(fake.log, "utf8").trim().split("\n").length, 1);
        } finally {
            fake.restore();
        }
    });
});
