/**
 * Preflight's AlertException check against the local API server: the real kubectl (through the
 * program's KubectlReader) lists the AlertExceptions the test creates, and preflight warns of the
 * active one whose selector matches the port scan's alert. The AlertException CRD is a STAND-IN
 * (test/fixtures/cluster/00-crd-alertexceptions.yaml; Calico Enterprise's API server serves the
 * kind in a real cluster). No Pulumi engine: the check runs before any resource is declared.
 * Needs a running scripts/local-cluster.sh; skips with the reason otherwise.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { KubectlReader } from "../../cluster/kubectl";
import { preflightAlertExceptions } from "../../cluster/preflight";
import { parseSettings } from "../../config/settings";
import { rawConfig, stackFileConfig, workshopPortScan } from "../helpers";
import { kubeContext, kubectl, missingPrerequisite } from "./harness";

const skip = missingPrerequisite();
const resource = "alertexceptions.projectcalico.org";
const names = [`cad-e2e-silence-${process.pid}`, `cad-e2e-ended-${process.pid}`];

describe(
    "preflight reads AlertExceptions with kubectl (real kube-apiserver; STAND-IN: the AlertException CRD)",
    { skip },
    () => {
        before(() => {
            const exception = (name: string, endTime?: string) => ({
                apiVersion: "projectcalico.org/v3",
                kind: "AlertException",
                metadata: { name },
                spec: {
                    description: "silences the dev namespace",
                    selector: 'source_namespace = "dev" AND type = anomaly_detection_job',
                    startTime: "2020-01-01T00:00:00Z",
                    ...(endTime ? { endTime } : {}),
                },
            });
            const directory = fs.mkdtempSync(path.join(os.tmpdir(), "calico-ad-exceptions-"));
            const file = path.join(directory, "exceptions.json");
            fs.writeFileSync(
                file,
                JSON.stringify({
                    apiVersion: "v1",
                    kind: "List",
                    items: [exception(names[0]), exception(names[1], "2020-01-02T00:00:00Z")],
                }),
            );
            try {
                const result = kubectl(["apply", "-f", file]);
                assert.equal(result.status, 0, result.stderr);
            } finally {
                fs.rmSync(directory, { recursive: true, force: true });
            }
        });
        after(() => {
            kubectl(["delete", resource, ...names, "--ignore-not-found"]);
        });

        it("on CE 3.17 warns of the active exception whose selector matches the port scan's alert, not of the ended one", async () => {
            const settings = parseSettings(
                {
                    ...stackFileConfig("management"),
                    ...rawConfig({
                        simulation: {
                            portScan: workshopPortScan,
                        },
                    }),
                },
                { stack: "e2e" },
            );
            const warnings = await preflightAlertExceptions(
                settings,
                new KubectlReader(kubeContext),
                Date.now(),
            );
            const ours = warnings.filter((w) => names.some((name) => w.includes(`"${name}"`)));
            assert.equal(ours.length, 1, warnings.join("\n"));
            assert.match(
                ours[0],
                new RegExp(
                    `^preflight: AlertException "${names[0]}" matches the port_scan alert of the port scan from dev/netshoot`,
                ),
            );
        });
    },
);
