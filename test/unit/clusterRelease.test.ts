import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ClusterObject } from "../../catalog/prerequisites";
import { version } from "../../catalog/versions";
import {
    readClusterRelease,
    releaseFromClusterInformation,
    releaseMismatch,
} from "../../cluster/clusterRelease";
import { ClusterUnreadableError } from "../../cluster/kubectl";
import { ClusterReader } from "../../cluster/clusterReader";
import { preflight, PreflightError, requiredObjects } from "../../cluster/preflight";
import { removedRelease } from "../../config/removal";
import {
    clusterReleaseToRead,
    parseSettings,
    ReportedRelease,
    SettingsEnvironment,
} from "../../config/settings";
import { errorOf, rawConfig } from "../helpers";

const source = "spec.cnxVersion of clusterinformations.projectcalico.org/default";
const reportedAs = (cnxVersion: string): ReportedRelease =>
    releaseFromClusterInformation({ spec: { calicoVersion: "v3.23.1", cnxVersion } });

describe("the release a ClusterInformation object reports", () => {
    it("reads spec.cnxVersion, dropping the v and a build suffix", () => {
        assert.deepEqual(reportedAs("v3.17.1"), {
            version: version("3.17.1"),
            reported: "v3.17.1",
            source,
        });
        assert.deepEqual(
            ["v3.14.0-4", "v3.18.0-1.1", "3.12.0"].map((v) => {
                const r = reportedAs(v);
                return "version" in r ? r.version : r;
            }),
            [version("3.14.0"), version("3.18.0"), version("3.12.0")],
        );
    });

    it("prefers spec.calicoEnterpriseVersion, which deprecates cnxVersion", () => {
        const reported = releaseFromClusterInformation({
            spec: { cnxVersion: "v3.17.0", calicoEnterpriseVersion: "v3.17.1" },
        });
        assert.ok("version" in reported);
        assert.deepEqual(reported.version, version("3.17.1"));
        assert.match(reported.source, /^spec\.calicoEnterpriseVersion of /);
    });

    it("says why there is no release: no object, only the open-source version, a bad value", () => {
        const why = (object: unknown) => {
            const reported = releaseFromClusterInformation(object);
            assert.ok("unknown" in reported, JSON.stringify(reported));
            return reported.unknown;
        };
        assert.match(
            why(undefined),
            /the cluster has no clusterinformations\.projectcalico\.org\/default \(written by calico\/node/,
        );
        assert.match(
            why({ spec: { calicoVersion: "v3.23.1" } }),
            /has no spec\.calicoEnterpriseVersion or spec\.cnxVersion \(only spec\.calicoVersion "v3\.23\.1", the Calico Open Source version/,
        );
        assert.match(
            why({ spec: { cnxVersion: "master" } }),
            /spec\.cnxVersion of clusterinformations\.projectcalico\.org\/default is "master", not a release version/,
        );
    });

    it("turns an unreadable cluster into a reason, so config problems are listed with it", async () => {
        const unreadable: ClusterReader = {
            exists: async () => false,
            get: async () => {
                throw new ClusterUnreadableError("preflight could not read the cluster");
            },
        };
        assert.deepEqual(await readClusterRelease(unreadable), {
            unknown: "preflight could not read the cluster",
        });
        const broken: ClusterReader = {
            exists: async () => false,
            get: async () => {
                throw new TypeError("a bug");
            },
        };
        await assert.rejects(readClusterRelease(broken), TypeError);
    });

    it("names both releases when the configured one is not the cluster's", () => {
        assert.equal(
            releaseMismatch(version("3.12.0"), reportedAs("v3.13.0")),
            `calico-ad:calicoVersion is "3.12.0" but the cluster runs Calico Enterprise "v3.13.0" (${source}); fix the config or unset it to use the cluster's release`,
        );
        assert.equal(releaseMismatch(version("3.13.0"), reportedAs("v3.13.0")), undefined);
        assert.equal(releaseMismatch(version("3.13.0"), { unknown: "no object" }), undefined);
    });
});

describe("calicoVersion unset: the settings take the cluster's release", () => {
    const unset = (values: Record<string, unknown>, environment: SettingsEnvironment) =>
        parseSettings(rawConfig({ clusterType: "standalone", ...values }), environment);

    it("deploys the era of the release the cluster reports", () => {
        const globalAlert = unset({}, { reportedRelease: reportedAs("v3.15.2") });
        assert.equal(globalAlert.era, "globalAlert");
        assert.deepEqual(globalAlert.calicoVersion, version("3.15.2"));
        assert.equal(globalAlert.calicoVersionReadFrom, source);
        const manifest = unset({}, { reportedRelease: reportedAs("v3.12.0") });
        assert.equal(manifest.era, "manifest");
        assert.equal(manifest.era === "manifest" && manifest.image.endsWith(":v3.12.0"), true);
    });

    it("keeps a configured version as the stack's, for preflight to compare", () => {
        const settings = unset(
            { calicoVersion: "3.12.0" },
            { reportedRelease: reportedAs("v3.15.2") },
        );
        assert.deepEqual(settings.calicoVersion, version("3.12.0"));
        assert.equal(settings.calicoVersionReadFrom, undefined);
    });

    it("fails naming the key, the reason and how to set it, with every other problem", () => {
        const message = errorOf(() =>
            unset(
                { clusterType: "manged" },
                { reportedRelease: releaseFromClusterInformation(undefined) },
            ),
        );
        assert.match(
            message,
            /calico-ad:calicoVersion: not set, and the cluster does not report its Calico Enterprise release: the cluster has no clusterinformations\.projectcalico\.org\/default .*; set it with `pulumi config set calico-ad:calicoVersion <MAJOR\.MINOR\.PATCH>`/,
        );
        assert.match(message, /calico-ad:clusterType: "manged" is not allowed/);
    });

    it("is required with renderDirectory, which reads no cluster", () => {
        assert.match(
            errorOf(() => unset({ renderDirectory: "out", clusterName: "c" }, {})),
            /calico-ad:calicoVersion: required with calico-ad:renderDirectory, because a rendered manifest cannot read the release from a cluster; set it with/,
        );
    });

    it("is required for Calico Cloud, whose clusters report their Enterprise build", () => {
        assert.match(
            errorOf(() =>
                unset({ product: "cloud" }, { reportedRelease: reportedAs("v3.21.0-1.0") }),
            ),
            /calico-ad:calicoVersion: required for Calico Cloud, because its clusters report the Calico Enterprise build they run/,
        );
    });

    it("reports what is wrong with a read release under the field it came from", () => {
        assert.match(
            errorOf(() => unset({}, { reportedRelease: reportedAs("v3.4.0") })),
            /the release read from spec\.cnxVersion of clusterinformations\.projectcalico\.org\/default \(calico-ad:calicoVersion is not set\): Calico Enterprise 3\.4\.0 is not supported/,
        );
    });

    it("moves a deployed stack off AD when the cluster reports a release without it", () => {
        assert.equal(
            removedRelease(rawConfig({}), reportedAs("v3.18.0-1.1"))?.release,
            "Calico Enterprise 3.18.0",
        );
        assert.equal(
            removedRelease(rawConfig({ calicoVersion: "3.17.1" }), reportedAs("v3.18.0")),
            undefined,
        );
    });
});

describe("whether the cluster's release is read before the settings", () => {
    const contexts = { names: ["lab"], clusters: { lab: "lab" }, files: ["kubeconfig"] };
    const toRead = (values: Record<string, unknown>) =>
        clusterReleaseToRead(rawConfig({ clusterType: "standalone", ...values }), contexts);

    it("reads it, with the configured context, only for an Enterprise stack that deploys", () => {
        assert.deepEqual(toRead({}), { kubeContext: undefined });
        assert.deepEqual(toRead({ kubeContext: "lab", calicoVersion: "" }), { kubeContext: "lab" });
        assert.equal(toRead({ calicoVersion: "3.12.0" }), false);
        assert.equal(toRead({ renderDirectory: "out" }), false);
        assert.equal(toRead({ product: "cloud" }), false);
    });

    it("does not read through a context the kubeconfig lacks (parseSettings reports it)", () => {
        assert.equal(toRead({ kubeContext: "prod" }), false);
        assert.equal(toRead({ product: "entreprise" }), false);
    });
});

describe("preflight compares a configured release with the cluster's", () => {
    const key = (o: ClusterObject) => `${o.resource}/${o.namespace ?? ""}/${o.name ?? "*"}`;
    /** Has every prerequisite; ClusterInformation reports `cnxVersion`; counts its reads. */
    class Cluster implements ClusterReader {
        reads = 0;
        constructor(
            private readonly objects: ReadonlySet<string>,
            private readonly cnxVersion: string,
        ) {}
        async exists(o: ClusterObject) {
            return this.objects.has(key(o));
        }
        async get(o: ClusterObject): Promise<unknown> {
            if (o.resource === "clusterinformations.projectcalico.org") {
                this.reads++;
                return { spec: { cnxVersion: this.cnxVersion } };
            }
            return undefined;
        }
    }
    const settingsOf = (values: Record<string, unknown>, reportedRelease?: ReportedRelease) =>
        parseSettings(rawConfig({ clusterType: "management", ...values }), { reportedRelease });
    const clusterFor = (settings: ReturnType<typeof settingsOf>, cnxVersion: string) =>
        new Cluster(new Set(requiredObjects(settings).map(key)), cnxVersion);

    it("fails before anything changes, showing both values first", async () => {
        const settings = settingsOf({ calicoVersion: "3.15.0" });
        const error = await preflight(settings, clusterFor(settings, "v3.16.1")).then(
            () => undefined,
            (e: unknown) => e,
        );
        assert.ok(error instanceof PreflightError, String(error));
        assert.match(
            error.problems[0],
            /calico-ad:calicoVersion is "3\.15\.0" but the cluster runs Calico Enterprise "v3\.16\.1" \(spec\.cnxVersion of clusterinformations\.projectcalico\.org\/default\)/,
        );
        assert.match(error.message, /nothing was changed/);
    });

    it("passes when they agree, and does not read again a release it took from the cluster", async () => {
        const configured = settingsOf({ calicoVersion: "3.16.1" });
        const agreeing = clusterFor(configured, "v3.16.1");
        await preflight(configured, agreeing);
        assert.equal(agreeing.reads, 1);

        const read = settingsOf({}, reportedAs("v3.16.1"));
        const cluster = clusterFor(read, "v3.16.1");
        await preflight(read, cluster);
        assert.equal(cluster.reads, 0);
    });

    it("does not compare for Calico Cloud, whose cluster reports its Enterprise build", async () => {
        const settings = settingsOf({ product: "cloud", calicoVersion: "18.2.0" });
        const cluster = clusterFor(settings, "v3.21.0-1.0");
        await preflight(settings, cluster);
        assert.equal(cluster.reads, 0);
    });
});
