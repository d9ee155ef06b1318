import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ClusterObject } from "../../catalog/prerequisites";
import { ClusterReader } from "../../cluster/clusterReader";
import {
    adoptionWarning,
    envNotWritten,
    unmanagedEnvWarning,
    writtenEnvNames,
    clusterNameFromController,
    preflight,
    PreflightError,
    managedObjects,
    requiredObjects,
} from "../../cluster/preflight";
import * as fs from "node:fs";
import * as path from "node:path";
import * as yaml from "js-yaml";
import { ManifestEraSettings, parseSettings } from "../../config/settings";
import { rawConfig, stackFileConfig } from "../helpers";

const key = (o: ClusterObject) => `${o.resource}/${o.namespace ?? ""}/${o.name ?? "*"}`;

/** A cluster holding exactly the given objects. */
class FakeCluster implements ClusterReader {
    constructor(
        private readonly present: Set<string>,
        private readonly controllerClusterName?: string,
    ) {}
    async exists(o: ClusterObject) {
        return this.present.has(key(o));
    }
    async get(o: ClusterObject): Promise<unknown> {
        if (!this.present.has(key(o))) {
            return undefined;
        }
        const env =
            this.controllerClusterName === undefined
                ? []
                : [{ name: "CLUSTER_NAME", value: this.controllerClusterName }];
        return { spec: { template: { spec: { containers: [{ name: "controller", env }] } } } };
    }
}

const devSettings = parseSettings(stackFileConfig("dev"));
const complete = (settings = devSettings) =>
    new Set(
        [
            ...requiredObjects(settings),
            ...requiredObjects(parseSettings(stackFileConfig("management"))),
        ]
            .map(key)
            .concat(
                "deployments/tigera-intrusion-detection/intrusion-detection-controller",
                "podtemplates/tigera-intrusion-detection/tigera.io.detectors.detection",
            ),
    );
const failure = async (promise: Promise<unknown>): Promise<PreflightError> => {
    try {
        await promise;
    } catch (error) {
        assert.ok(error instanceof PreflightError, String(error));
        return error;
    }
    throw new Error("preflight passed");
};

describe("preflight", () => {
    it("checks the managed 3.12 prerequisites, including the gateway CA and Guardian namespace", () => {
        assert.deepEqual(requiredObjects(devSettings).map(key), [
            "namespaces//tigera-intrusion-detection",
            "namespaces//tigera-guardian",
            "secrets/tigera-intrusion-detection/tigera-ee-ad-job-elasticsearch-access",
            "secrets/tigera-intrusion-detection/tigera-secure-es-gateway-http-certs-public",
            "secrets/tigera-intrusion-detection/tigera-pull-secret",
            "tiers.projectcalico.org//allow-tigera",
        ]);
    });

    it("checks the ES http CA for 3.8 and the configured pull secret", () => {
        const settings = parseSettings(
            rawConfig({
                calicoVersion: "3.8.0",
                clusterType: "standalone",
                imagePullSecret: "mirror-pull",
            }),
        );
        const names = requiredObjects(settings).map((o) => o.name);
        assert.ok(names.includes("tigera-secure-es-http-certs-public"));
        assert.ok(names.includes("mirror-pull"));
        assert.ok(names.includes("tigera-elasticsearch"));
    });

    it("reads the cluster name from the intrusion-detection-controller", async () => {
        const result = await preflight(
            devSettings,
            new FakeCluster(complete(), "cd8i1cf9.aks-calicocloud-repo"),
        );
        assert.deepEqual(result, { clusterName: "cd8i1cf9.aks-calicocloud-repo", adopted: [] });
    });

    it("names every missing object and how it is normally created", async () => {
        const present = complete();
        present.delete("secrets/tigera-intrusion-detection/tigera-ee-ad-job-elasticsearch-access");
        present.delete("tiers.projectcalico.org//allow-tigera");
        const error = await failure(preflight(devSettings, new FakeCluster(present, "prod")));
        assert.equal(error.problems.length, 2);
        assert.match(
            error.message,
            /missing secrets\/tigera-ee-ad-job-elasticsearch-access in namespace tigera-intrusion-detection: holds the AD job's Elasticsearch user; the Tigera operator copies it/,
        );
        assert.match(
            error.message,
            /missing tiers\.projectcalico\.org\/allow-tigera: created by Calico Enterprise/,
        );
        assert.match(error.message, /nothing was changed/);
    });

    it("reports a config/cluster name mismatch with both values", async () => {
        const settings = parseSettings({
            ...stackFileConfig("dev"),
            "calico-ad:clusterName": "prod-west",
        });
        const error = await failure(preflight(settings, new FakeCluster(complete(), "prod-east")));
        assert.match(
            error.message,
            /calico-ad:clusterName is "prod-west" but the cluster calls itself "prod-east"/,
        );
    });

    it("fails when the name is neither configured nor readable", async () => {
        const present = complete();
        present.delete("deployments/tigera-intrusion-detection/intrusion-detection-controller");
        const error = await failure(preflight(devSettings, new FakeCluster(present)));
        assert.match(
            error.message,
            /calico-ad:clusterName is not set and the cluster name could not be read/,
        );
    });

    it("rejects an unusable name read from the cluster", async () => {
        const error = await failure(
            preflight(devSettings, new FakeCluster(complete(), "$CALICOCLUSTERNAME")),
        );
        assert.match(
            error.message,
            /the cluster name read from CLUSTER_NAME .* is an unreplaced template placeholder/,
        );
    });

    it("needs the GlobalAlert API and the controller in the GlobalAlert era", async () => {
        const settings = parseSettings(stackFileConfig("management"));
        const error = await failure(preflight(settings, new FakeCluster(new Set())));
        assert.match(error.message, /missing the globalalerts\.projectcalico\.org API/);
        assert.match(error.message, /missing deployments\/intrusion-detection-controller/);
        assert.deepEqual(
            await preflight(settings, new FakeCluster(complete(settings), "cluster")),
            { clusterName: "cluster", adopted: [] },
        );
    });

    it("warns on the GlobalAlert era, and only there, when the operator's detection PodTemplate is missing, naming it and how to see the detection jobs", async () => {
        const settings = parseSettings(stackFileConfig("management"));
        const present = complete(settings);
        present.delete("podtemplates/tigera-intrusion-detection/tigera.io.detectors.detection");
        const result = await preflight(settings, new FakeCluster(present, "cluster"));
        assert.match(
            result.detectionJobsWarning ?? "",
            /^no podtemplates\/tigera\.io\.detectors\.detection in namespace tigera-intrusion-detection: the intrusion-detection-controller builds each detector's detection CronJob from it, .*standalone and management clusters, not in FIPS mode.*`kubectl get cronjobs -n tigera-intrusion-detection -l tigera\.io\.detector-cycle=detection`/,
        );
        const withoutTemplate = complete();
        withoutTemplate.delete(
            "podtemplates/tigera-intrusion-detection/tigera.io.detectors.detection",
        );
        const manifestEra = await preflight(devSettings, new FakeCluster(withoutTemplate, "c"));
        assert.equal(manifestEra.detectionJobsWarning, undefined);
    });

    it("finds CLUSTER_NAME in any container", () => {
        const deployment = {
            spec: {
                template: {
                    spec: {
                        containers: [
                            { env: [{ name: "X", value: "1" }] },
                            { env: [{ name: "CLUSTER_NAME", value: "c1" }] },
                        ],
                    },
                },
            },
        };
        assert.equal(clusterNameFromController(deployment), "c1");
        assert.equal(clusterNameFromController({}), undefined);
    });
});

/** A complete cluster that also holds the stack's own objects, with the given owner annotations. */
class ClusterWithObjects extends FakeCluster {
    constructor(
        settings: typeof devSettings,
        private readonly objects: Map<string, string | undefined>,
    ) {
        super(complete(settings), "cd8i1cf9.aks-calicocloud-repo");
    }
    async get(o: ClusterObject): Promise<unknown> {
        if (this.objects.has(key(o))) {
            const owner = this.objects.get(key(o));
            return {
                metadata: { name: o.name, annotations: owner ? { "calico-ad/stack": owner } : {} },
            };
        }
        return super.get(o);
    }
}

describe("preflight: who owns the stack's objects", () => {
    const deployment = "deployments/tigera-intrusion-detection/ad-jobs-deployment";
    const me = "organization/calico-ad/dev";

    it("lists the manifest era's three objects and one GlobalAlert per detector", () => {
        assert.deepEqual(managedObjects(devSettings).map(key), [
            deployment,
            "networkpolicies.projectcalico.org/tigera-intrusion-detection/allow-tigera.allow-anomaly-detection",
            "networkpolicies.projectcalico.org/tigera-guardian/allow-tigera.elasticsearch-access-anomaly-detection",
        ]);
        const management = parseSettings(stackFileConfig("management"));
        assert.deepEqual(
            managedObjects(management).map((o) => o.name),
            management.era === "globalAlert"
                ? management.detectors.map((id) => `tigera.io.detector.${id.replace(/_/g, "-")}`)
                : [],
        );
    });

    it("refuses objects another stack owns, naming that stack and the object", async () => {
        const cluster = new ClusterWithObjects(
            devSettings,
            new Map([[deployment, "organization/calico-ad/staging"]]),
        );
        const error = await failure(preflight(devSettings, cluster, me));
        assert.match(
            error.message,
            /deployments\/ad-jobs-deployment in namespace tigera-intrusion-detection is managed by stack "organization\/calico-ad\/staging" \(annotation calico-ad\/stack\), not by this stack "organization\/calico-ad\/dev"/,
        );
        assert.match(
            error.message,
            /kubectl annotate deployments ad-jobs-deployment -n tigera-intrusion-detection calico-ad\/stack-/,
        );
    });

    it("accepts its own objects, and reports objects without an owner as adopted", async () => {
        const own = new ClusterWithObjects(devSettings, new Map([[deployment, me]]));
        assert.deepEqual((await preflight(devSettings, own, me)).adopted, []);
        const handApplied = new ClusterWithObjects(devSettings, new Map([[deployment, undefined]]));
        const result = await preflight(devSettings, handApplied, me);
        assert.deepEqual(result.adopted, [
            "deployments/ad-jobs-deployment in namespace tigera-intrusion-detection",
        ]);
        assert.match(adoptionWarning(result.adopted) ?? "", /takes it over in place \(same UID\)/);
        assert.equal(adoptionWarning([]), undefined);
    });
});

describe("env vars of an adopted Deployment that the stack does not write", () => {
    const workshop = (
        yaml.loadAll(
            fs.readFileSync(
                path.join(
                    __dirname,
                    "..",
                    "..",
                    "..",
                    "test",
                    "fixtures",
                    "workshop",
                    "ad-jobs-deployment-managed.yaml",
                ),
                "utf8",
            ),
        ) as { kind?: string }[]
    ).find((o) => o.kind === "Deployment");
    const stack = (jobEnv?: Record<string, unknown>) =>
        parseSettings(
            rawConfig({
                product: "cloud",
                calicoVersion: "3.12.0",
                clusterType: "managed",
                ...(jobEnv ? { jobEnv } : {}),
            }),
        ) as ManifestEraSettings;

    it("names the workshop's AD_debug under a stack that sets nothing, and nothing once jobEnv carries it", () => {
        assert.ok(workshop, "the fixture holds a Deployment");
        assert.deepEqual(envNotWritten(workshop, writtenEnvNames(stack())), ["AD_debug"]);
        assert.deepEqual(envNotWritten(workshop, writtenEnvNames(stack({ AD_debug: true }))), []);
    });

    it("warns naming each such variable, the config key to carry it in, and how to remove it", () => {
        const warning = unmanagedEnvWarning(["AD_debug", "EXTRA"]) ?? "";
        assert.match(warning, /sets AD_debug, EXTRA, which this stack does not write/);
        assert.match(warning, /carry them into calico-ad:jobEnv/);
        assert.match(warning, /set env deployment\/ad-jobs-deployment NAME-/);
        assert.equal(unmanagedEnvWarning(undefined), undefined);
    });
});
