import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/*
 * Prometheus text exposition (format 0.0.4), written by hand so the agent needs no metrics library.
 * Metrics keep one series per label set; label values come from a small closed set (outcomes, NAS
 * ids, SQS operations), never from command data, so the series count stays bounded.
 */

export type Labels = Readonly<Record<string, string>>;

interface Series<T> {
  readonly labels: Labels;
  value: T;
}

abstract class Metric<T> {
  protected readonly series = new Map<string, Series<T>>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: "counter" | "gauge" | "histogram",
  ) {
    if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(name)) throw new RangeError(`invalid metric name ${name}`);
  }

  protected entry(labels: Labels, initial: () => T): Series<T> {
    const key = labelKey(labels);
    let found = this.series.get(key);
    if (found === undefined) {
      found = { labels: { ...labels }, value: initial() };
      this.series.set(key, found);
    }
    return found;
  }

  abstract samples(): string[];

  expose(): string {
    const head = [`# HELP ${this.name} ${escapeHelp(this.help)}`, `# TYPE ${this.name} ${this.type}`];
    return [...head, ...this.samples()].join("\n");
  }
}

export class Counter extends Metric<number> {
  constructor(name: string, help: string) {
    super(name, help, "counter");
  }

  inc(labels: Labels = {}, by = 1): void {
    if (by < 0) throw new RangeError("a counter only goes up");
    this.entry(labels, () => 0).value += by;
  }

  get(labels: Labels = {}): number {
    return this.series.get(labelKey(labels))?.value ?? 0;
  }

  samples(): string[] {
    return [...this.series.values()].map((s) => sample(this.name, s.labels, s.value));
  }
}

export class Gauge extends Metric<number> {
  constructor(
    name: string,
    help: string,
    /** Called before each exposition to refresh the values (process RSS, in-flight count). */
    private readonly collect?: (gauge: Gauge) => void,
  ) {
    super(name, help, "gauge");
  }

  set(value: number, labels: Labels = {}): void {
    this.entry(labels, () => 0).value = value;
  }

  remove(labels: Labels = {}): void {
    this.series.delete(labelKey(labels));
  }

  get(labels: Labels = {}): number | undefined {
    return this.series.get(labelKey(labels))?.value;
  }

  samples(): string[] {
    this.collect?.(this);
    return [...this.series.values()].map((s) => sample(this.name, s.labels, s.value));
  }
}

interface Buckets {
  readonly counts: number[];
  sum: number;
  count: number;
}

export class Histogram extends Metric<Buckets> {
  private readonly bounds: readonly number[];

  constructor(name: string, help: string, bounds: readonly number[]) {
    super(name, help, "histogram");
    this.bounds = [...bounds].sort((a, b) => a - b);
  }

  observe(value: number, labels: Labels = {}): void {
    const entry = this.entry(labels, () => ({ counts: this.bounds.map(() => 0), sum: 0, count: 0 })).value;
    // Counts are stored per bucket and made cumulative at exposition.
    const index = this.bounds.findIndex((bound) => value <= bound);
    if (index >= 0) entry.counts[index] = (entry.counts[index] ?? 0) + 1;
    entry.sum += value;
    entry.count += 1;
  }

  samples(): string[] {
    const out: string[] = [];
    for (const { labels, value } of this.series.values()) {
      let cumulative = 0;
      this.bounds.forEach((bound, i) => {
        cumulative += value.counts[i] ?? 0;
        out.push(sample(`${this.name}_bucket`, { ...labels, le: formatNumber(bound) }, cumulative));
      });
      out.push(sample(`${this.name}_bucket`, { ...labels, le: "+Inf" }, value.count));
      out.push(sample(`${this.name}_sum`, labels, value.sum));
      out.push(sample(`${this.name}_count`, labels, value.count));
    }
    return out;
  }
}

interface Exposable {
  readonly name: string;
  expose(): string;
}

export class Registry {
  private readonly metrics = new Map<string, Exposable>();

  counter(name: string, help: string): Counter {
    return this.add(new Counter(name, help));
  }

  gauge(name: string, help: string, collect?: (gauge: Gauge) => void): Gauge {
    return this.add(new Gauge(name, help, collect));
  }

  histogram(name: string, help: string, bounds: readonly number[]): Histogram {
    return this.add(new Histogram(name, help, bounds));
  }

  /** The whole registry in the text format, ending with a newline. */
  expose(): string {
    return `${[...this.metrics.values()].map((m) => m.expose()).join("\n")}\n`;
  }

  private add<M extends Exposable>(metric: M): M {
    if (this.metrics.has(metric.name)) throw new Error(`metric ${metric.name} is registered twice`);
    this.metrics.set(metric.name, metric);
    return metric;
  }
}

export interface MetricsServer {
  readonly port: number;
  close(): Promise<void>;
}

export const CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** Serves `GET /metrics` on host:port (loopback only, per the config schema). */
export async function serveMetrics(
  registry: Registry,
  options: { readonly host: string; readonly port: number },
): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method !== "GET" || path !== "/metrics") {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
      return;
    }
    const body = registry.expose();
    res.writeHead(200, { "content-type": CONTENT_TYPE, "content-length": Buffer.byteLength(body) }).end(body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function labelKey(labels: Labels): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}\u0000${labels[k]}`)
    .join("\u0001");
}

function sample(name: string, labels: Labels, value: number): string {
  const pairs = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
  return `${name}${pairs.length > 0 ? `{${pairs.join(",")}}` : ""} ${formatNumber(value)}`;
}

function formatNumber(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Number.POSITIVE_INFINITY) return "+Inf";
  if (value === Number.NEGATIVE_INFINITY) return "-Inf";
  return String(value);
}

const escapeLabel = (v: string) => v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
const escapeHelp = (v: string) => v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");

const SECONDS_FAST = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const SECONDS_LATE = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300];

export type CommandOutcomeLabel = "applied" | "verified" | "stale" | "failed" | "retrying" | "malformed";

/** The agent's metric set. */
export class AgentMetrics {
  readonly registry = new Registry();
  readonly received = this.registry.counter(
    "isp_edge_commands_received_total",
    "Queue messages received (every delivery, malformed ones included)",
  );
  readonly commands = this.registry.counter(
    "isp_edge_commands_total",
    "Edge command deliveries handled, by outcome (retrying: a retryable failure left for redelivery)",
  );
  readonly applyLatency = this.registry.histogram(
    "isp_edge_apply_duration_seconds",
    "Time from handing a due command to the enforcer until its result",
    SECONDS_FAST,
  );
  readonly lateness = this.registry.histogram(
    "isp_edge_notbefore_lateness_seconds",
    "How long after its notBefore instant a command was handed to the enforcer",
    SECONDS_LATE,
  );
  readonly queueLag = this.registry.gauge(
    "isp_edge_queue_lag_seconds",
    "Longest time a message received in the current window waited in the queue after it fell due",
  );
  readonly inFlight: Gauge;
  readonly nasReachable = this.registry.gauge(
    "isp_edge_nas_reachable",
    "1 when the last contact with the NAS worked, 0 when it failed (absent: not tried yet)",
  );
  readonly reports = this.registry.counter(
    "isp_edge_reports_total",
    "Events for the events queue, by result (sent, dropped)",
  );
  readonly sqsErrors = this.registry.counter("isp_edge_sqs_errors_total", "Failed SQS calls by operation");

  constructor(inFlight: () => number, version: string) {
    this.inFlight = this.registry.gauge(
      "isp_edge_commands_in_flight",
      "Commands being handled now, waiting for notBefore included",
      (g) => g.set(inFlight()),
    );
    this.registry.gauge("process_resident_memory_bytes", "Resident memory size in bytes", (g) =>
      g.set(process.memoryUsage.rss()),
    );
    const started = Date.now() / 1000;
    this.registry.gauge("process_start_time_seconds", "Start time of the process since the epoch", (g) =>
      g.set(started),
    );
    this.registry.gauge("isp_edge_agent_info", "Agent build information", (g) => g.set(1, { version }));
  }

  outcome(outcome: CommandOutcomeLabel): void {
    this.commands.inc({ outcome });
  }
}
