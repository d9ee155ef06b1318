/**
 * The simulation scripts as the Command resources run them: scan/common.sh followed by the
 * script of the simulation, with the `@NAME@` placeholders filled in from scan/arithmetic.ts.
 * The `.sh` files are the source (shellcheck reads them); they are found beside this module, or
 * in the source tree when it runs compiled from bin/.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { bucketGuardSeconds, bucketSeconds, ipSweepFlags, portScanFlags } from "./arithmetic";

const placeholders: Readonly<Record<string, string>> = {
    BUCKET_SECONDS: String(bucketSeconds),
    BUCKET_GUARD_SECONDS: String(bucketGuardSeconds),
    PORT_SCAN_FLAGS: portScanFlags.join(" "),
    IP_SWEEP_FLAGS: ipSweepFlags.join(" "),
};

function scriptDirectory(): string {
    const candidates = [__dirname, path.resolve(__dirname, "..", "..", "scan")];
    const found = candidates.find((dir) => fs.existsSync(path.join(dir, "common.sh")));
    if (!found) {
        throw new Error(`the simulation scripts are missing (looked in ${candidates.join(", ")})`);
    }
    return found;
}

/** common.sh and `file`, with every placeholder filled in; throws on an unknown one. */
export function loadScript(file: string): string {
    const dir = scriptDirectory();
    const text = ["common.sh", file]
        .map((name) => fs.readFileSync(path.join(dir, name), "utf8"))
        .join("\n");
    return text.replace(/@([A-Z_]+)@/g, (_, name: string) => {
        const value = placeholders[name];
        if (value === undefined) {
            throw new Error(`scan script ${file} uses an unknown placeholder @${name}@`);
        }
        return value;
    });
}

/** The port scan; env: SCAN_NAMESPACE, SCANNER_POD, TARGET_NAMESPACE, TARGET_SELECTOR, SCAN_PORTS, SCAN_THRESHOLD, KUBE_CONTEXT. */
export const portScanScript = loadScript("portScan.sh");

/** The ip sweep; env: SCAN_NAMESPACE, SCANNER_POD, SWEEP_CIDR, SCAN_THRESHOLD, KUBE_CONTEXT. */
export const ipSweepScript = loadScript("ipSweep.sh");
