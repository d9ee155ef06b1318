/**
 * Optional attack simulations that prove Anomaly Detection raises an alert: an nmap port scan
 * and, for releases with the ip_sweep job, an nmap ip sweep, run from a scanner pod with
 * `kubectl exec` by a `command.local.Command` on `pulumi up` (never in preview). The scripts are
 * fixed text (scan/*.sh); every configured value reaches them only as an environment variable
 * expanded inside double quotes. Source: ../shared/reference/calico-ad.md section 5.
 */
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { simulationComponentModule } from "../catalog/simulation";
import { scriptInterpreter } from "../common/shellScript";
import { ipSweepScript, portScanScript } from "../scan/scripts";

// The scripts and their arithmetic live below config and components, in scan/; tests and
// benchmarks keep importing them from here.
export * from "../scan/arithmetic";
export { ipSweepScript, portScanScript } from "../scan/scripts";

/** Arguments of the port-scan simulation; values come validated from `parseSimulation`. */
export interface PortScanSimulationArgs {
    /** Namespace of the scanner pod; alerts name it as the source namespace. */
    readonly namespace: pulumi.Input<string>;
    /** Pod that runs nmap, such as the workshop's nicolaka/netshoot pod `netshoot`. */
    readonly scannerPod: pulumi.Input<string>;
    /** Namespace of the target pod. */
    readonly targetNamespace: pulumi.Input<string>;
    /** Label selector of the target pod; the first Running match is scanned. */
    readonly targetSelector: pulumi.Input<string>;
    /** Ports to probe in nmap syntax, e.g. 1-220; more ports than the threshold. */
    readonly ports: pulumi.Input<string>;
    /** The port-scan threshold in force; shown in the summary, and a change re-runs the scan. */
    readonly threshold: pulumi.Input<number>;
    /** kubeconfig context of the stack's Kubernetes provider; unset uses the current one. */
    readonly kubeContext?: pulumi.Input<string>;
    /** Resources the scan must follow, normally the AnomalyDetection component. */
    readonly runAfter?: pulumi.Input<pulumi.Resource>[];
}

/**
 * Scans a target pod from a scanner pod once the Anomaly Detection objects are deployed, and again
 * whenever the threshold, target, ports, scanner or kube context change. Removing it runs nothing.
 */
export class PortScanSimulation extends pulumi.ComponentResource {
    /** The command that runs the scan on `pulumi up`. */
    public readonly command: command.local.Command;
    /** One line: target, ports, threshold, duration in seconds and nmap's "Nmap done" line. */
    public readonly summary: pulumi.Output<string>;

    /**
     * @param name The _unique_ name of the component.
     * @param args The validated simulation settings and what to run after.
     * @param opts Options of the component.
     */
    constructor(
        name: string,
        args: PortScanSimulationArgs,
        opts?: pulumi.ComponentResourceOptions,
    ) {
        super(`${simulationComponentModule}:PortScanSimulation`, name, {}, opts);
        const kubeContext = args.kubeContext ?? "";
        this.command = new command.local.Command(
            `${name}-nmap`,
            {
                interpreter: scriptInterpreter(portScanScript, "calico-ad-port-scan"),
                create: "port-scan",
                environment: {
                    SCAN_NAMESPACE: args.namespace,
                    SCANNER_POD: args.scannerPod,
                    TARGET_NAMESPACE: args.targetNamespace,
                    TARGET_SELECTOR: args.targetSelector,
                    SCAN_PORTS: args.ports,
                    SCAN_THRESHOLD: pulumi.output(args.threshold).apply(String),
                    KUBE_CONTEXT: kubeContext,
                },
                triggers: [
                    args.threshold,
                    args.namespace,
                    args.scannerPod,
                    args.targetNamespace,
                    args.targetSelector,
                    args.ports,
                    kubeContext,
                ],
                addPreviousOutputInEnv: false,
            },
            { parent: this, dependsOn: args.runAfter },
        );
        this.summary = this.command.stdout.apply((stdout) => stdout?.trim() ?? "");
        this.registerOutputs({ summary: this.summary });
    }
}

/** Arguments of the ip-sweep simulation; values come validated from `parseSimulation`. */
export interface IpSweepSimulationArgs {
    /** Namespace of the scanner pod; alerts name it as the source namespace. */
    readonly namespace: pulumi.Input<string>;
    /** Pod that runs nmap. */
    readonly scannerPod: pulumi.Input<string>;
    /** Private IPv4 range to sweep, holding more addresses than the threshold. */
    readonly targetCidr: pulumi.Input<string>;
    /** The ip-sweep threshold in force; shown in the summary, and a change re-runs the sweep. */
    readonly threshold: pulumi.Input<number>;
    /** kubeconfig context of the stack's Kubernetes provider; unset uses the current one. */
    readonly kubeContext?: pulumi.Input<string>;
    /** Resources the sweep must follow, normally the AnomalyDetection component. */
    readonly runAfter?: pulumi.Input<pulumi.Resource>[];
}

/**
 * Probes every address of a range once from a scanner pod once the Anomaly Detection objects are
 * deployed, and again whenever the threshold, range, scanner or kube context change.
 */
export class IpSweepSimulation extends pulumi.ComponentResource {
    /** The command that runs the sweep on `pulumi up`. */
    public readonly command: command.local.Command;
    /** One line: range, threshold, duration in seconds and nmap's "Nmap done" line. */
    public readonly summary: pulumi.Output<string>;

    /**
     * @param name The _unique_ name of the component.
     * @param args The validated simulation settings and what to run after.
     * @param opts Options of the component.
     */
    constructor(name: string, args: IpSweepSimulationArgs, opts?: pulumi.ComponentResourceOptions) {
        super(`${simulationComponentModule}:IpSweepSimulation`, name, {}, opts);
        const kubeContext = args.kubeContext ?? "";
        this.command = new command.local.Command(
            `${name}-nmap`,
            {
                interpreter: scriptInterpreter(ipSweepScript, "calico-ad-ip-sweep"),
                create: "ip-sweep",
                environment: {
                    SCAN_NAMESPACE: args.namespace,
                    SCANNER_POD: args.scannerPod,
                    SWEEP_CIDR: args.targetCidr,
                    SCAN_THRESHOLD: pulumi.output(args.threshold).apply(String),
                    KUBE_CONTEXT: kubeContext,
                },
                triggers: [
                    args.threshold,
                    args.namespace,
                    args.scannerPod,
                    args.targetCidr,
                    kubeContext,
                ],
                addPreviousOutputInEnv: false,
            },
            { parent: this, dependsOn: args.runAfter },
        );
        this.summary = this.command.stdout.apply((stdout) => stdout?.trim() ?? "");
        this.registerOutputs({ summary: this.summary });
    }
}
