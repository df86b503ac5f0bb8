import type { MetricContext, MetricName, Metrics } from "../../ports/metrics.js";

/** The CloudWatch namespace of the project's own metrics; the alarms read the same constant. */
export const METRICS_NAMESPACE = "IspBilling";
/** The one dimension every data point carries, so dev and prod in one account stay apart. */
export const STAGE_DIMENSION = "Stage";

export interface EmfMetricsOptions {
  /** The value of the Stage dimension (`dev`, `prod`). */
  readonly stage: string;
  /** Where a line goes. @default process.stdout */
  readonly write?: (line: string) => void;
  /** @default Date.now */
  readonly now?: () => number;
}

/**
 * CloudWatch Embedded Metric Format: one JSON line on stdout per data point, which Lambda sends to
 * the function's log group and CloudWatch turns into a metric. No SDK call, no added latency, no IAM
 * grant. Lines go straight to stdout (like shared/logger.ts), so the Lambda runtime adds no prefix
 * that would stop CloudWatch from reading them.
 */
export class EmfMetrics implements Metrics {
  private readonly write: (line: string) => void;
  private readonly now: () => number;

  constructor(private readonly options: EmfMetricsOptions) {
    if (!options.stage) throw new Error("EmfMetrics: stage is required");
    this.write = options.write ?? ((line) => process.stdout.write(line));
    this.now = options.now ?? Date.now;
  }

  count(name: MetricName, value = 1, context: MetricContext = {}): void {
    const record = {
      // Context first: a context key can never overwrite the dimension or the value.
      ...context,
      _aws: {
        Timestamp: this.now(),
        CloudWatchMetrics: [
          {
            Namespace: METRICS_NAMESPACE,
            Dimensions: [[STAGE_DIMENSION]],
            Metrics: [{ Name: name, Unit: "Count" }],
          },
        ],
      },
      [STAGE_DIMENSION]: this.options.stage,
      [name]: value,
    };
    this.write(`${JSON.stringify(record)}\n`);
  }
}
