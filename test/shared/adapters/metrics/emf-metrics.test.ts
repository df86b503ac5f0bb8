import { describe, expect, it } from "vitest";
import { EmfMetrics, METRICS_NAMESPACE } from "../../../../shared/adapters/metrics/emf-metrics.js";
import { noMetrics } from "../../../../shared/ports/metrics.js";

function capture() {
  const lines: string[] = [];
  const metrics = new EmfMetrics({ stage: "prod", write: (line) => lines.push(line), now: () => 1_700_000 });
  return { lines, metrics };
}

describe("EmfMetrics", () => {
  it("writes one Embedded Metric Format line per data point, with the Stage dimension", () => {
    const { lines, metrics } = capture();

    metrics.count("PaymentsSettled", 1, { tenantId: "ten_1", gateway: "bkash" });

    expect(lines).toHaveLength(1);
    expect(lines[0]?.endsWith("\n")).toBe(true);
    expect(JSON.parse(lines[0] ?? "")).toEqual({
      _aws: {
        Timestamp: 1_700_000,
        CloudWatchMetrics: [
          {
            Namespace: METRICS_NAMESPACE,
            Dimensions: [["Stage"]],
            Metrics: [{ Name: "PaymentsSettled", Unit: "Count" }],
          },
        ],
      },
      Stage: "prod",
      PaymentsSettled: 1,
      tenantId: "ten_1",
      gateway: "bkash",
    });
  });

  it("counts 1 by default and records a gauge's value as given", () => {
    const { lines, metrics } = capture();

    metrics.count("CommandsSent");
    metrics.count("SilentAgents", 0);

    expect(lines.map((l) => JSON.parse(l))).toMatchObject([{ CommandsSent: 1 }, { SilentAgents: 0 }]);
  });

  it("never lets context overwrite the dimension, the value or the metadata", () => {
    const { lines, metrics } = capture();

    metrics.count("CommandsSent", 2, { Stage: "dev", CommandsSent: 99, _aws: "x" });

    const record = JSON.parse(lines[0] ?? "");
    expect(record).toMatchObject({ Stage: "prod", CommandsSent: 2 });
    expect(record._aws.CloudWatchMetrics[0].Metrics).toEqual([{ Name: "CommandsSent", Unit: "Count" }]);
  });

  it("refuses to start without a stage", () => {
    expect(() => new EmfMetrics({ stage: "" })).toThrow(/stage/);
  });

  it("has a no-op implementation for tests and npm start", () => {
    expect(() => noMetrics.count("CommandsSent", 3, { tenantId: "t" })).not.toThrow();
  });
});
