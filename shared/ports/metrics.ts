/**
 * Business metrics the operators' alarms and dashboard read (infra/constructs/operations-*.ts).
 * The names are shared with CDK, so a renamed metric cannot silently orphan its alarm.
 */
export const METRIC_NAMES = [
  /** An edge command handed to its site queue (shared/services/lifecycle.ts `deliver`). */
  "CommandsSent",
  /** The agent changed the router and read the change back. */
  "CommandsVerified",
  /** The agent changed the router but could not read it back (REST/API without read-back). */
  "CommandsApplied",
  /** The agent gave up on a command (final failure). */
  "CommandsFailed",
  /** The agent skipped a command older than one it had already applied. */
  "CommandsSkipped",
  /** A payment settled (shared/services/payments/settle.ts); exactly once per payment. */
  "PaymentsSettled",
  /** Edge agents last heard running longer ago than the silence threshold (a gauge, from the sweep). */
  "SilentAgents",
] as const;
export type MetricName = (typeof METRIC_NAMES)[number];

/** The metric for each final outcome an agent reports for a command (edge-agent/events.ts). */
export const COMMAND_OUTCOME_METRIC = {
  verified: "CommandsVerified",
  applied: "CommandsApplied",
  failed: "CommandsFailed",
  skipped_stale: "CommandsSkipped",
} as const satisfies Record<string, MetricName>;

/**
 * Ids that travel with a data point for searching logs (tenant, site, gateway), never as
 * dimensions: a per-tenant dimension would create a metric per tenant and cost per metric.
 */
export type MetricContext = Readonly<Record<string, string | number>>;

export interface Metrics {
  /** Adds `value` (default 1) to a counter, or records a gauge's current value. */
  count(name: MetricName, value?: number, context?: MetricContext): void;
}

/** Records nothing: tests, npm start and any deployment without metrics configured. */
export const noMetrics: Metrics = { count: () => {} };
