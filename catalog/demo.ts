/**
 * What demo mode (`calico-ad:demo`) changes to make an alert arrive within minutes, with the
 * values the workshops use. Source: ../shared/reference/calico-ad.md section 4 (detection
 * latency) and 1.6 (workshop env block).
 */

/** Felix's defaults and the workshops' demo value for both flush intervals. */
export const felixFlushIntervals = {
    /** FelixConfiguration fields, projectcalico.org/v3. */
    fields: ["flowLogsFlushInterval", "dnsLogsFlushInterval"],
    defaultSeconds: 300,
    demo: "10s",
    demoSeconds: 10,
    /** The FelixConfiguration that holds the cluster-wide values. */
    resource: "felixconfigurations.projectcalico.org",
    name: "default",
} as const;

/** Manifest era: `AD_search_interval_minutes` in demo mode (default 30; workshop 5). */
export const demoSearchIntervalMinutes = 5;

/** GlobalAlert era: the detector `period` in demo mode (operator template 15m; workshop 5m). */
export const demoDetectorPeriod = "5m";
