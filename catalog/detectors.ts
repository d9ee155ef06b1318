/**
 * AD job (manifest era) and detector (GlobalAlert era) IDs, with the Calico Enterprise versions
 * whose AD jobs image runs each job. Which GlobalAlert-era release offers which detector is in
 * `releases.ts`, per patch release. Source: ../shared/reference/calico-ad.md 2.4 and 3.2.
 */
import { VersionRange } from "./versions";

export type LogSource = "flow logs" | "DNS logs" | "L7 logs" | "flow logs with process info";

export interface Detector {
    readonly id: string;
    /** Used as the GlobalAlert description. */
    readonly title: string;
    readonly needs: LogSource;
    /** Versions whose AD jobs image runs this job (manifest era). */
    readonly jobs: readonly VersionRange[];
}

const manifestEraFrom = (from: string): VersionRange[] => [{ from, until: "3.13.0" }];

export const detectorCatalog: readonly Detector[] = [
    {
        id: "port_scan",
        title: "Port Scan detection",
        needs: "flow logs",
        jobs: manifestEraFrom("3.5.0"),
    },
    {
        id: "ip_sweep",
        title: "IP Sweep detection",
        needs: "flow logs",
        jobs: manifestEraFrom("3.5.0"),
    },
    {
        id: "dga",
        title: "Domain Generation Algorithm detection",
        needs: "DNS logs",
        jobs: manifestEraFrom("3.5.0"),
    },
    {
        id: "bytes_in",
        title: "Excessive inbound bytes detection",
        needs: "flow logs",
        jobs: manifestEraFrom("3.5.0"),
    },
    {
        id: "bytes_out",
        title: "Excessive outbound bytes detection",
        needs: "flow logs",
        jobs: manifestEraFrom("3.5.0"),
    },
    {
        id: "dns_latency",
        title: "DNS latency anomaly detection",
        needs: "DNS logs",
        jobs: manifestEraFrom("3.6.0"),
    },
    {
        id: "l7_latency",
        title: "L7 latency anomaly detection",
        needs: "L7 logs",
        jobs: manifestEraFrom("3.6.0"),
    },
    {
        id: "process_restarts",
        title: "Excessive process restarts detection",
        needs: "flow logs with process info",
        jobs: manifestEraFrom("3.7.0"),
    },
    {
        id: "http_connection_spike",
        title: "HTTP connection spike detection",
        needs: "L7 logs",
        jobs: manifestEraFrom("3.8.0"),
    },
    {
        id: "http_response_codes",
        title: "HTTP response codes anomaly detection",
        needs: "L7 logs",
        jobs: manifestEraFrom("3.9.0"),
    },
    {
        id: "http_verbs",
        title: "Rare HTTP verbs detection",
        needs: "L7 logs",
        jobs: manifestEraFrom("3.9.0"),
    },
    {
        id: "generic_flows",
        title: "Excessive flow log values detection",
        needs: "flow logs",
        jobs: manifestEraFrom("3.10.0"),
    },
    {
        id: "generic_dns",
        title: "Excessive DNS log values detection",
        needs: "DNS logs",
        jobs: manifestEraFrom("3.10.0"),
    },
    {
        id: "generic_l7",
        title: "Excessive L7 log values detection",
        needs: "L7 logs",
        jobs: manifestEraFrom("3.10.0"),
    },
    {
        id: "l7_bytes",
        title: "Excessive L7 bytes detection",
        needs: "L7 logs",
        jobs: manifestEraFrom("3.11.0"),
    },
    {
        id: "process_bytes",
        title: "Excessive process bytes detection",
        needs: "flow logs with process info",
        jobs: manifestEraFrom("3.12.0"),
    },
    {
        id: "time_series_flows",
        title: "Flow log time series anomaly detection",
        needs: "flow logs",
        jobs: manifestEraFrom("3.12.0"),
    },
    {
        id: "time_series_dns",
        title: "DNS log time series anomaly detection",
        needs: "DNS logs",
        jobs: manifestEraFrom("3.12.0"),
    },
    {
        id: "time_series_l7",
        title: "L7 log time series anomaly detection",
        needs: "L7 logs",
        jobs: manifestEraFrom("3.12.0"),
    },
    {
        id: "multivariable_flow",
        title: "Multivariable flow anomaly detection",
        needs: "flow logs",
        jobs: [],
    },
    {
        id: "dns_tunnel",
        title: "DNS tunnel detection",
        needs: "DNS logs",
        jobs: [],
    },
];
