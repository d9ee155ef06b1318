/**
 * The simulation scripts as the Command resources run them: scan/common.sh followed by the
 * script of the simulation (simulations/<name>.sh), with the `@NAME@` placeholders filled in
 * from scan/arithmetic.ts.
 */
import { loadShellScript } from "../common/shellScript";
import { bucketGuardSeconds, bucketSeconds, ipSweepFlags, portScanFlags } from "./arithmetic";

const placeholders: Readonly<Record<string, string>> = {
    BUCKET_SECONDS: String(bucketSeconds),
    BUCKET_GUARD_SECONDS: String(bucketGuardSeconds),
    PORT_SCAN_FLAGS: portScanFlags.join(" "),
    IP_SWEEP_FLAGS: ipSweepFlags.join(" "),
};

/**
 * scan/common.sh and `file` (a path from the source root) as one script; `extra` adds
 * placeholders a simulation needs beyond the shared ones.
 */
export const simulationScript = (
    file: string,
    extra: Readonly<Record<string, string>> = {},
): string => loadShellScript(["scan/common.sh", file], { ...placeholders, ...extra });
