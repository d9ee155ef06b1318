import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
    buildDetectorGlobalAlert,
    DetectorAlerts,
    globalAlertName,
} from "../../components/detectorAlerts";
import { recordResources, valueOf } from "../helpers";

describe("GlobalAlert-era detectors", () => {
    it("names GlobalAlerts tigera.io.detector.<id-with-dashes>", () => {
        assert.equal(globalAlertName("port_scan"), "tigera.io.detector.port-scan");
        assert.equal(
            globalAlertName("http_connection_spike"),
            "tigera.io.detector.http-connection-spike",
        );
        assert.equal(globalAlertName("dga"), "tigera.io.detector.dga");
    });

    it("builds an AnomalyDetection GlobalAlert with detector name, period and severity", () => {
        assert.deepEqual(
            buildDetectorGlobalAlert("port_scan", {
                period: "5m",
                severity: 90,
                awaitRollout: true,
            }),
            {
                apiVersion: "projectcalico.org/v3",
                kind: "GlobalAlert",
                metadata: { name: "tigera.io.detector.port-scan" },
                spec: {
                    type: "AnomalyDetection",
                    description: "Port Scan detection",
                    summary: "Port Scan detection (anomaly detector port_scan)",
                    detector: { name: "port_scan" },
                    period: "5m",
                    severity: 90,
                },
            },
        );
    });

    it("registers one GlobalAlert per detector under the component", async () => {
        const recorded = await recordResources();
        const component = new DetectorAlerts("ad", {
            detectors: ["port_scan", "dns_tunnel"],
            period: "15m",
            severity: 100,
            awaitRollout: false,
        });
        await Promise.all(Object.values(component.alerts).map((alert) => valueOf(alert.urn)));
        const alerts = recorded.filter(
            (r) => r.type === "kubernetes:projectcalico.org/v3:GlobalAlert",
        );
        assert.deepEqual(alerts.map((a) => (a.inputs.metadata as { name: string }).name).sort(), [
            "tigera.io.detector.dns-tunnel",
            "tigera.io.detector.port-scan",
        ]);
        assert.ok(recorded.some((r) => r.type === "calico-ad:globalalert:DetectorAlerts"));
        const metadata = alerts[0].inputs.metadata as { annotations: Record<string, string> };
        assert.equal(metadata.annotations["pulumi.com/deletionPropagationPolicy"], "background");
    });
});
