import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { readClusterRelease } from "./cluster/clusterRelease";
import { KubectlReader } from "./cluster/kubectl";
import { flushInForce } from "./cluster/flowLogs";
import { adoptionWarning, checkCluster, unmanagedEnvWarning } from "./cluster/preflight";
import { AlertVerification } from "./components/alertVerification";
import { AnomalyDetection } from "./components/anomalyDetection";
import { FelixFlushIntervals } from "./components/felixFlushIntervals";
import { ScanAlert } from "./components/scanAlert";
import { Simulation } from "./components/simulation";
import { readKubeContexts } from "./common/kubeconfig";
import { stackOwner } from "./common/ownership";
import { removalOfDeployedAd, scanAlertTransition } from "./config/removal";
import { clusterReleaseToRead, parseSettings, readStackConfig } from "./config/settings";
import { EnabledSimulation, enabledSimulations } from "./config/simulation";
import { requireClusterName, summarize } from "./config/summary";
import { simulationCommand } from "./simulations/definition";
import { alertVerificationAlias } from "./verify/detectionTest";

export = async () => {
    const config = readStackConfig();
    const kubeContexts = readKubeContexts();
    const releaseRead = clusterReleaseToRead(config, kubeContexts);
    // The context is calico-ad:kubeContext, as in settings: preflight reuses this reader.
    const cluster = releaseRead && new KubectlReader(releaseRead.kubeContext);
    const reportedRelease = cluster ? await readClusterRelease(cluster) : undefined;
    const removal = await removalOfDeployedAd(config, reportedRelease);
    if (removal) {
        return removal;
    }
    const settings = parseSettings(config, {
        kubeContexts,
        stack: pulumi.getStack(),
        reportedRelease,
    });
    settings.warnings.forEach((warning) => pulumi.log.warn(warning));

    const owner = stackOwner(pulumi.getOrganization(), pulumi.getProject(), pulumi.getStack());
    const {
        clusterName,
        adopted,
        unmanagedEnv,
        verificationClusterName,
        flowLogs,
        alertExceptionWarnings,
        detectionJobsWarning,
    } = await checkCluster(settings, cluster || new KubectlReader(settings.kubeContext), owner);
    for (const warning of [
        adoptionWarning(adopted),
        unmanagedEnvWarning(unmanagedEnv),
        detectionJobsWarning,
    ]) {
        if (warning) {
            pulumi.log.warn(warning);
        }
    }
    flowLogs?.warnings.forEach((warning) => pulumi.log.warn(warning));
    alertExceptionWarnings?.forEach((warning) => pulumi.log.warn(warning));

    const provider = new k8s.Provider("cluster", {
        context: settings.kubeContext,
        renderYamlToDirectory: settings.renderDirectory,
        // Rendering needs no cluster; an empty kubeconfig keeps an ambient KUBECONFIG out of it.
        kubeconfig: settings.renderDirectory ? "" : undefined,
    });
    const flush = flushInForce(settings.demo !== undefined, flowLogs);
    const detection =
        settings.era === "ruleBased"
            ? new ScanAlert(
                  "scan-alert",
                  {
                      threshold: settings.portScanThreshold,
                      severity: settings.scanAlertSeverity,
                      flushSeconds: flush.seconds,
                      rules: settings.globalAlertRules,
                      webhook: settings.webhook,
                      awaitRollout: settings.awaitRollout,
                      owner,
                  },
                  { provider },
              )
            : new AnomalyDetection(
                  "anomaly-detection",
                  settings.era === "manifest"
                      ? {
                            jobs: {
                                profile: settings.profile,
                                clusterName: requireClusterName(clusterName),
                                image: settings.image,
                                imagePullSecret: settings.imagePullSecret,
                                jobEnv: settings.effectiveEnv,
                                disabledJobs: settings.disabledJobs,
                                awaitRollout: settings.awaitRollout,
                                owner,
                            },
                        }
                      : {
                            detectors: {
                                detectors: settings.detectors,
                                period: settings.detectorPeriod,
                                severity: settings.detectorSeverity,
                                awaitRollout: settings.awaitRollout,
                                owner,
                            },
                        },
                  { provider },
              );
    const felix =
        settings.demo &&
        new FelixFlushIntervals("demo-felix", {
            interval: settings.demo.felixInterval,
            resource: settings.demo.felixResource,
            name: settings.demo.felixName,
            kubeContext: settings.kubeContext,
            holder: owner,
        });

    // One at a time, in registry order, so one simulation's traffic never mixes into another's.
    const runs: (EnabledSimulation & {
        source: { namespace: string; pod: string };
        component: Simulation;
    })[] = [];
    for (const enabled of enabledSimulations(settings.simulation)) {
        const previous = runs.at(-1)?.component;
        runs.push({
            ...enabled,
            source: enabled.definition.source(enabled.settings),
            component: new Simulation(enabled.definition.resourceName, {
                run: simulationCommand(enabled.definition, enabled.settings, settings.kubeContext),
                runAfter: [detection, ...(felix ? [felix] : []), ...(previous ? [previous] : [])],
                runId: settings.simulation?.runId,
            }),
        });
    }
    // Where AD was removed, the port scan's alert is the rule-based GlobalAlert's.
    const scanAlertName = detection instanceof ScanAlert ? detection.name : undefined;
    const verifications = runs.flatMap((run) =>
        settings.verification && verificationClusterName !== undefined
            ? [
                  new AlertVerification(`${run.definition.resourceName}-verification`, {
                      ...settings.verification,
                      summary: run.component.summary,
                      simulation: run.key,
                      title: run.definition.title,
                      detector: run.definition.detector,
                      sourceNamespace: run.source.namespace,
                      sourcePod: run.source.pod,
                      clusterName: verificationClusterName,
                      kubeContext: settings.kubeContext,
                      runAfter: runs.map((each) => each.component),
                      globalAlert: scanAlertName,
                      runId: settings.simulation?.runId,
                  }),
              ]
            : [],
    );
    const detectionTests = pulumi.all(verifications.map((verification) => verification.report));

    const summary = summarize(settings, clusterName);
    if (settings.era === "ruleBased" && !settings.renderDirectory) {
        const transition = await scanAlertTransition(
            config,
            reportedRelease,
            summary.objects,
            settings.portScanThreshold,
        );
        if (transition) {
            pulumi.log.warn(transition);
        }
    }
    return {
        release: summary.release,
        era: summary.era,
        // Releases without AD have no AD job to name the cluster's indices.
        ...(summary.clusterName === undefined ? {} : { clusterName: summary.clusterName }),
        deployed: summary.objects,
        effectiveSettings: summary.effectiveSettings,
        enabled: summary.enabled,
        disabled: summary.disabled,
        warnings: summary.warnings,
        ...Object.fromEntries(runs.map((run) => [run.key, run.component.summary])),
        ...(detection instanceof ScanAlert
            ? { scanAlert: { ...detection.timing, flushInterval: flush.source } }
            : {}),
        ...(verifications.length > 0
            ? {
                  detectionTests,
                  // The outputs before detectionTests: the port scan's entry.
                  [scanAlertName ? "scanAlertVerification" : "alertVerification"]:
                      detectionTests.apply(alertVerificationAlias),
              }
            : {}),
        ...(felix ? { demoFelixBefore: felix.previous } : {}),
    };
};
