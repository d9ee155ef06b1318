/**
 * The simulation scripts as the Command resources run them: scan/common.sh followed by the
 * script of the simulation, with the `@NAME@` placeholders filled in from scan/arithmetic.ts.
 */
import { loadShellScript } from "../common/shellScript";
import { bucketGuardSeconds, bucketSeconds, ipSweepFlags, portScanFlags } from "./arithmetic";

const placeholders: Readonly<Record<string, string>> = {
    BUCKET_SECONDS: String(bucketSeconds),
    BUCKET_GUARD_SECONDS: String(bucketGuardSeconds),
    PORT_SCAN_FLAGS: portScanFlags.join(" "),
    IP_SWEEP_FLAGS: ipSweepFlags.join(" "),
};

const loadScript = (file: string) =>
    loadShellScript(["scan/common.sh", `scan/${file}`], placeholders);

/** The port scan; env: SCAN_NAMESPACE, SCANNER_POD, TARGET_NAMESPACE, TARGET_SELECTOR, SCAN_PORTS, SCAN_THRESHOLD, KUBE_CONTEXT. */
export const portScanScript = loadScript("portScan.sh");

/** The ip sweep; env: SCAN_NAMESPACE, SCANNER_POD, SWEEP_CIDR, SCAN_THRESHOLD, KUBE_CONTEXT. */
export const ipSweepScript = loadScript("ipSweep.sh");
