import { EventEmitter } from "node:events";
import { SQSClient } from "@aws-sdk/client-sqs";
import * as z from "zod";
import { withoutSdkLogging } from "../shared/adapters/aws-client-hook.js";
import { type EdgeCommand, EdgeCommandSchema } from "../shared/domain/schemas/edge-command.js";
import { AppliedVersionStore } from "./applied-versions.js";
import { type AgentConfig, AgentConfigError, type ConfigIssue } from "./config.js";
import { type Disposition, type HandlerContext, QueueConsumer, type ReceivedMessage } from "./consumer.js";
import { enrolledCredentials } from "./credentials.js";
import { waitUntil } from "./enforce/wait.js";
import { type EnforcementResult, Enforcer, type EnforcerLogger } from "./enforcer.js";
import type { AgentEvent, HeartbeatEvent, NasHealth, RejectedEvent, ResultEvent } from "./events.js";
import { AgentMetrics, type CommandOutcomeLabel, type MetricsServer, serveMetrics } from "./metrics.js";
import { Reporter } from "./reporter.js";
import { createSessionLister, type SessionLister } from "./sessions.js";

/*
 * The running agent: the queue consumer feeds edge commands to the enforcer, the reporter sends
 * results, heartbeats and session lists to the events queue, and the metrics endpoint exposes
 * counters. A message is deleted only after the enforcer returned, which is after the applied
 * version is durable (or after a stale command was found superseded by a durable one): a SIGKILL at
 * any instant leads to redelivery and an idempotent re-apply, never to a lost command.
 */

declare const __EDGE_AGENT_VERSION__: string | undefined;
/** Set by edge-agent/build.ts in the bundle. */
export const AGENT_VERSION =
  typeof __EDGE_AGENT_VERSION__ === "string" ? __EDGE_AGENT_VERSION__ : "0.0.0-dev";

const int = (min: number, max: number) => z.number().int().min(min).max(max);

/** Operational knobs with production defaults; `main.ts` reads them from ISP_EDGE_* variables. */
export const AgentTuningSchema = z
  .strictObject({
    waitTimeSeconds: int(0, 20).default(20),
    batchSize: int(1, 10).default(10),
    concurrency: int(1, 4096).default(64),
    /** Receives in flight at once during a burst (one while the queue is quiet). */
    maxPollers: int(1, 64).default(8),
    visibilityTimeoutSeconds: int(1, 43_200).default(60),
    /** Visibility renewal for running commands (waiting for notBefore included); 0 = off. */
    visibilityHeartbeatSeconds: int(0, 43_199).default(20),
    /** Per-command timeout, counted from the command's notBefore. */
    commandTimeoutSeconds: int(1, 86_400).default(300),
    /** Deliveries of a failing command before it is reported failed for good and deleted. */
    maxAttempts: int(1, 1000).default(8),
    retryBackoffSeconds: int(0, 43_200).default(5),
    maxRetryBackoffSeconds: int(0, 43_200).default(300),
    /** A malformed message comes back after this long, so the queue's redrive can dead-letter it. */
    malformedRetrySeconds: int(0, 43_200).default(60),
    /** Deliveries after which a malformed message is deleted (a queue without a DLQ). */
    malformedMaxReceives: int(1, 1000).default(20),
    drainTimeoutSeconds: int(0, 3_600).default(60),
    /** Commands due later than this are handed back instead of held (SQS delays end at 900 s). */
    holdSeconds: int(1, 43_000).default(900),
    /**
     * Each heartbeat is an SQS send, a Lambda invocation and a table write: at 120 s a site costs
     * about 5 cents a month in heartbeats (bench/cost-model), and the API calls an agent silent
     * after 5 minutes, the operators' alarm after 10.
     */
    heartbeatSeconds: int(1, 86_400).default(120),
    /** Active-session reports per NAS; 0 = off. */
    sessionsSeconds: int(0, 86_400).default(300),
    sessionsPerMessage: int(1, 2_000).default(500),
    reportBuffer: int(10, 1_000_000).default(10_000),
    /** How long a command's delete waits for its result to reach the events queue. */
    resultDeliveryMs: int(0, 60_000).default(2_000),
    /** Commands parked until their notBefore, on top of `concurrency`. */
    maxWaiting: int(0, 100_000).default(1_000),
    enforcerRounds: int(1, 10).default(3),
    enforcerBackoffMs: int(0, 60_000).default(250),
  })
  .refine((t) => t.visibilityHeartbeatSeconds < t.visibilityTimeoutSeconds, {
    path: ["visibilityHeartbeatSeconds"],
    message: "must be shorter than visibilityTimeoutSeconds",
  });
export type AgentTuning = z.infer<typeof AgentTuningSchema>;
export type AgentTuningInput = z.input<typeof AgentTuningSchema>;

/** `ISP_EDGE_VISIBILITY_TIMEOUT_SECONDS` for `visibilityTimeoutSeconds`, and so on. */
export function tuningVariable(key: string): string {
  return `ISP_EDGE_${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
}

/**
 * Tuning from `ISP_EDGE_*` environment variables. An unknown ISP_EDGE_ name, a value that is not a
 * number or one out of range throws AgentConfigError naming the variable.
 */
export function tuningFromEnvironment(env: NodeJS.ProcessEnv): AgentTuning {
  const keys = Object.keys(AgentTuningSchema.shape);
  const byVariable = new Map(keys.map((k) => [tuningVariable(k), k]));
  const input: Record<string, number> = {};
  const issues: ConfigIssue[] = [];
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith("ISP_EDGE_") || raw === undefined || raw.trim() === "") continue;
    const key = byVariable.get(name);
    if (key === undefined) issues.push({ path: name, message: "is not a known setting" });
    else if (!/^\d+$/.test(raw.trim())) issues.push({ path: name, message: "must be a whole number" });
    else input[key] = Number(raw);
  }
  const parsed = AgentTuningSchema.safeParse(input);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const key = String(issue.path[0] ?? "");
      issues.push({ path: tuningVariable(key), message: issue.message });
    }
  }
  if (issues.length > 0 || !parsed.success) {
    const lines = issues.map((i) => `  ${i.path}: ${i.message}`).join("\n");
    throw new AgentConfigError(`invalid agent tuning (environment):\n${lines}`, issues);
  }
  return parsed.data;
}

export interface AgentLogger extends EnforcerLogger {
  error(message: string, context: Readonly<Record<string, unknown>>): void;
}

export interface AgentOptions {
  readonly config: AgentConfig;
  readonly tuning?: AgentTuningInput;
  /** Used for both queues; created from `config.queue` (and destroyed on stop) when absent. */
  readonly client?: SQSClient;
  readonly logger?: AgentLogger;
  /** @default opened from `config.stateFile` */
  readonly versions?: AppliedVersionStore;
}

export interface AgentEvents {
  result: [event: ResultEvent];
  rejected: [event: RejectedEvent];
}

interface NasState {
  lastSuccessAt?: number;
  lastFailureAt?: number;
  lastError?: string;
}

const SILENT: AgentLogger = { info: () => {}, warn: () => {}, error: () => {} };

export class Agent extends EventEmitter<AgentEvents> {
  readonly tuning: AgentTuning;
  readonly metrics: AgentMetrics;
  readonly consumer: QueueConsumer;
  readonly reporter: Reporter;
  private readonly enforcer: Enforcer;
  private readonly config: AgentConfig;
  private readonly client: SQSClient;
  private readonly ownsClient: boolean;
  private readonly logger: AgentLogger;
  private readonly listers: SessionLister[];
  private readonly nas = new Map<string, NasState>();
  private readonly startedAt = Date.now();
  private lagWindow = 0;
  private lagPrevious = 0;
  private metricsServer: MetricsServer | undefined;
  private stopping: Promise<void> | undefined;

  /** Opens the state file (refusing a corrupt one) and builds the agent; `start()` runs it. */
  static async create(options: AgentOptions): Promise<Agent> {
    const versions = options.versions ?? (await AppliedVersionStore.open(options.config.stateFile));
    return new Agent(options, versions);
  }

  private constructor(
    options: AgentOptions,
    private readonly versions: AppliedVersionStore,
  ) {
    super();
    const { config } = options;
    this.config = config;
    this.tuning = AgentTuningSchema.parse(options.tuning ?? {});
    this.logger = options.logger ?? SILENT;
    this.ownsClient = options.client === undefined;
    this.client =
      options.client ??
      withoutSdkLogging(
        new SQSClient({
          region: config.queue.region,
          ...(config.queue.endpoint !== undefined && { endpoint: config.queue.endpoint }),
          ...enrolledCredentials(config, this.logger),
        }),
      );
    const t = this.tuning;
    this.enforcer = new Enforcer({
      config,
      versions,
      maxRounds: t.enforcerRounds,
      backoffMs: t.enforcerBackoffMs,
      logger: this.logger,
    });
    this.consumer = new QueueConsumer({
      client: this.client,
      queueUrl: config.queue.commandsUrl,
      handleMessage: (message, context) => this.handle(message, context),
      waitTimeSeconds: t.waitTimeSeconds,
      batchSize: t.batchSize,
      concurrency: t.concurrency,
      maxPollers: t.maxPollers,
      maxWaiting: t.maxWaiting,
      visibilityTimeoutSeconds: t.visibilityTimeoutSeconds,
      heartbeatSeconds: t.visibilityHeartbeatSeconds,
      handlerTimeoutMs: t.commandTimeoutSeconds * 1000,
      maxReceiveCount: t.maxAttempts,
      errorBackoffSeconds: t.retryBackoffSeconds,
      maxErrorBackoffSeconds: t.maxRetryBackoffSeconds,
      drainTimeoutMs: t.drainTimeoutSeconds * 1000,
    });
    this.reporter = new Reporter({
      client: this.client,
      queueUrl: config.queue.eventsUrl,
      maxBuffered: t.reportBuffer,
    });
    this.metrics = new AgentMetrics(() => this.consumer.inFlight, AGENT_VERSION);
    this.listers = config.nas.flatMap((n) => createSessionLister(n) ?? []);
    this.wire();
  }

  async start(): Promise<void> {
    const { metrics } = this.config;
    if (metrics) this.metricsServer = await serveMetrics(this.metrics.registry, metrics);
    const t = this.tuning;
    this.reporter.every(t.heartbeatSeconds * 1000, () => [this.heartbeat("running")]);
    if (t.sessionsSeconds > 0 && this.listers.length > 0) {
      this.reporter.every(t.sessionsSeconds * 1000, () => this.sessionReports());
    }
    this.consumer.start();
    this.logger.info("edge agent started", {
      version: AGENT_VERSION,
      tenantId: this.config.tenantId,
      siteId: this.config.siteId,
      nas: this.config.nas.map((n) => n.id),
      metricsPort: this.metricsServer?.port,
    });
  }

  /** The port the metrics endpoint listens on, once started with `config.metrics`. */
  get metricsPort(): number | undefined {
    return this.metricsServer?.port;
  }

  /** Graceful by default: running commands finish, waiting ones go back to the queue. */
  stop(options: { readonly abort?: boolean } = {}): Promise<void> {
    if (options.abort) void this.consumer.stop({ abort: true });
    this.stopping ??= this.shutdown(options.abort === true);
    return this.stopping;
  }

  private async shutdown(abort: boolean): Promise<void> {
    this.logger.info("edge agent stopping", { inFlight: this.consumer.inFlight, abort });
    await this.consumer.stop({ abort });
    await Promise.allSettled([this.enforcer.close(), ...this.listers.map((l) => l.close())]);
    this.reporter.report(this.heartbeat("stopping"));
    await this.reporter.stop(abort ? 1_000 : 10_000);
    await this.versions.close().catch(() => {});
    await this.metricsServer?.close();
    if (this.ownsClient) this.client.destroy();
    this.logger.info("edge agent stopped", {});
  }

  private async handle(message: ReceivedMessage, context: HandlerContext): Promise<Disposition> {
    this.metrics.received.inc();
    const parsed = parseCommand(message.body);
    if (typeof parsed === "string") return this.reject(message, parsed);
    const command = parsed;
    const notBefore = Date.parse(command.notBefore);
    this.observeLag(message, notBefore);
    const early = notBefore - Date.now();
    const hold = this.tuning.holdSeconds;
    if (early > hold * 1000) {
      return { action: "release", afterSeconds: Math.min(43_000, Math.ceil(early / 1000) - hold + 1) };
    }
    if (early > 0) {
      context.deferUntil(notBefore);
      try {
        await waitUntil(notBefore, AbortSignal.any([context.signal, context.draining]));
      } catch (error) {
        if (context.signal.aborted) throw error;
        // Stopping before the instant: hand it back to reappear just before it (the next run waits
        // out the rest), instead of leaving it invisible for a whole visibility timeout.
        const left = Math.floor((notBefore - Date.now()) / 1000) - 1;
        return { action: "release", afterSeconds: Math.max(0, left) };
      }
    }
    this.metrics.lateness.observe(Math.max(0, Date.now() - notBefore) / 1000);
    const started = performance.now();
    const result = await this.enforcer.apply(command, context.signal);
    this.metrics.applyLatency.observe((performance.now() - started) / 1000);
    const final = result.outcome !== "failed" || !result.retryable || context.lastAttempt;
    this.metrics.outcome(outcomeLabel(result, final));
    const nasId = this.nasIdFor(command);
    if (nasId !== undefined) this.noteResult(nasId, result);
    // Deleting only once the result is in the events queue (bounded wait) means a crash between
    // the two repeats the command, which is harmless, instead of losing its result.
    const reported = this.publishResult(command, result, nasId, message.receiveCount, final);
    if (final) return { action: "delete", after: reported };
    const { retryBackoffSeconds: base, maxRetryBackoffSeconds: max } = this.tuning;
    return {
      action: "release",
      afterSeconds: Math.min(max, base * 2 ** Math.min(message.receiveCount - 1, 16)),
    };
  }

  /** Not an EdgeCommand: reported, then left for the queue's dead-letter redrive. */
  private reject(message: ReceivedMessage, reason: string): Disposition {
    this.observeLag(message, undefined);
    const final = message.receiveCount >= this.tuning.malformedMaxReceives;
    this.metrics.outcome("malformed");
    const event: RejectedEvent = {
      type: "rejected",
      ...this.envelope(),
      messageId: message.id.slice(0, 128),
      reason: reason.slice(0, 500),
      attempt: message.receiveCount,
      final,
    };
    this.logger.warn("malformed queue message", { messageId: message.id, attempt: event.attempt, reason });
    this.reporter.report(event);
    this.emit("rejected", event);
    return final
      ? { action: "delete" }
      : { action: "release", afterSeconds: this.tuning.malformedRetrySeconds };
  }

  private async publishResult(
    command: EdgeCommand,
    result: EnforcementResult,
    nasId: string | undefined,
    attempt: number,
    final: boolean,
  ): Promise<void> {
    const { retryable: _, ...plain } = result;
    const event: ResultEvent = {
      type: "result",
      ...this.envelope(),
      ...(nasId !== undefined && { nasId }),
      result: plain,
      attempt,
      final,
    };
    if (result.outcome === "failed") {
      this.logger.warn("edge command failed", {
        commandId: command.commandId,
        subscriberId: command.subscriberId,
        attempt,
        final,
        reason: result.reason,
      });
    }
    this.emit("result", event);
    await this.reporter.deliver(event, this.tuning.resultDeliveryMs);
  }

  private wire(): void {
    const log = this.logger;
    const c = this.consumer;
    c.on("sqs_error", (e) => {
      this.metrics.sqsErrors.inc({ operation: e.operation });
      log.warn("sqs call failed", {
        operation: e.operation,
        messages: e.messageIds.length,
        error: describe(e),
      });
    });
    c.on("paused", ({ reason, ms }) => log.warn("polling paused", { reason, ms }));
    c.on("processing_error", (e, m) => log.error("handler failed", { messageId: m.id, error: describe(e) }));
    c.on("timeout_error", (_e, m) =>
      log.warn("command timed out", { messageId: m.id, attempt: m.receiveCount }),
    );
    c.on("gave_up", (m, e) => this.gaveUp(m, describe(e)));
    this.reporter.on("sent", (n) => this.metrics.reports.inc({ result: "sent" }, n));
    this.reporter.on("dropped", (type, reason) => {
      this.metrics.reports.inc({ result: "dropped" });
      log.warn("event dropped", { type, reason });
    });
    this.reporter.on("send_error", (e) => {
      this.metrics.sqsErrors.inc({ operation: "SendMessageBatch" });
      log.warn("sending events failed", { events: e.events, error: describe(e) });
    });
  }

  /** The last delivery threw or timed out in the handler: report a final failure. */
  private gaveUp(message: ReceivedMessage, why: string): void {
    const parsed = parseCommand(message.body);
    if (typeof parsed === "string") return;
    const result: EnforcementResult = {
      commandId: parsed.commandId,
      subscriberId: parsed.subscriberId,
      version: parsed.version,
      outcome: "failed",
      reason: `gave up after ${message.receiveCount} deliveries: ${why}`.slice(0, 500),
      at: new Date().toISOString(),
      retryable: false,
    };
    this.metrics.outcome("failed");
    void this.publishResult(parsed, result, this.nasIdFor(parsed), message.receiveCount, true);
  }

  private envelope() {
    return { tenantId: this.config.tenantId, siteId: this.config.siteId, at: new Date().toISOString() };
  }

  /** The NAS a command lands on, as the enforcer picks it (named, or the only one serving). */
  private nasIdFor(command: EdgeCommand): string | undefined {
    if (command.nasId !== undefined) return command.nasId;
    const serving = this.config.nas.filter((n) => n.services.includes(command.service));
    return serving.length === 1 ? serving[0]?.id : undefined;
  }

  private noteResult(nasId: string, result: EnforcementResult): void {
    if (result.outcome === "applied" || result.outcome === "verified") this.noteNas(nasId, true);
    else if (result.outcome === "failed" && result.retryable) this.noteNas(nasId, false, result.reason);
  }

  private noteNas(nasId: string, ok: boolean, error?: string): void {
    const state = this.nas.get(nasId) ?? {};
    if (ok) state.lastSuccessAt = Date.now();
    else {
      state.lastFailureAt = Date.now();
      state.lastError = (error ?? "failed").slice(0, 500);
    }
    this.nas.set(nasId, state);
    this.metrics.nasReachable.set(ok ? 1 : 0, { nas: nasId });
  }

  /** Queue lag: receipt minus the instant the message fell due (sent, or its notBefore if later). */
  private observeLag(message: ReceivedMessage, notBefore: number | undefined): void {
    const due = Math.max(message.sentAt ?? message.receivedAt, notBefore ?? 0);
    const lag = Math.max(0, message.receivedAt - due) / 1000;
    this.lagWindow = Math.max(this.lagWindow, lag);
    this.metrics.queueLag.set(Math.max(this.lagPrevious, this.lagWindow));
  }

  private heartbeat(state: HeartbeatEvent["state"]): HeartbeatEvent {
    const queueLagSeconds = Math.max(this.lagPrevious, this.lagWindow);
    this.lagPrevious = this.lagWindow;
    this.lagWindow = 0;
    this.metrics.queueLag.set(this.lagPrevious);
    const outcomes: CommandOutcomeLabel[] = [
      "applied",
      "verified",
      "stale",
      "failed",
      "retrying",
      "malformed",
    ];
    return {
      type: "heartbeat",
      ...this.envelope(),
      agentVersion: AGENT_VERSION,
      state,
      startedAt: new Date(this.startedAt).toISOString(),
      inFlight: this.consumer.inFlight,
      queueLagSeconds,
      commands: {
        received: this.metrics.received.get(),
        ...Object.fromEntries(outcomes.map((o) => [o, this.metrics.commands.get({ outcome: o })])),
      },
      nas: this.config.nas.map((n) => nasHealth(n.id, this.nas.get(n.id))),
    };
  }

  private async sessionReports(): Promise<AgentEvent[]> {
    const per = this.tuning.sessionsPerMessage;
    const lists = await Promise.all(
      this.listers.map(async (lister) => {
        try {
          const sessions = await lister.listActive();
          this.noteNas(lister.nasId, true);
          const parts = Math.max(1, Math.ceil(sessions.length / per));
          const snapshotId = `${lister.nasId.slice(-8)}-${Date.now().toString(36)}`;
          return Array.from(
            { length: parts },
            (_, i): AgentEvent => ({
              type: "sessions",
              ...this.envelope(),
              nasId: lister.nasId,
              snapshotId,
              part: i + 1,
              parts,
              total: sessions.length,
              sessions: sessions.slice(i * per, (i + 1) * per),
            }),
          );
        } catch (error) {
          this.noteNas(lister.nasId, false, describe(error));
          this.logger.warn("listing active sessions failed", { nasId: lister.nasId, error: describe(error) });
          return [];
        }
      }),
    );
    return lists.flat();
  }
}

/** The command in a message body, or why it is not one (paths and rules, never values). */
export function parseCommand(body: string): EdgeCommand | string {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return "the body is not JSON";
  }
  const parsed = EdgeCommandSchema.safeParse(json);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.slice(0, 5).map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`);
  return `not an EdgeCommand: ${issues.join("; ")}`;
}

function outcomeLabel(result: EnforcementResult, final: boolean): CommandOutcomeLabel {
  if (result.outcome === "skipped_stale") return "stale";
  if (result.outcome === "failed") return final ? "failed" : "retrying";
  return result.outcome;
}

function nasHealth(nasId: string, state: NasState | undefined): NasHealth {
  const { lastSuccessAt: ok, lastFailureAt: bad, lastError } = state ?? {};
  const iso = (t: number) => new Date(t).toISOString();
  return {
    nasId,
    reachable: ok === undefined && bad === undefined ? null : (ok ?? 0) >= (bad ?? 0),
    ...(ok !== undefined && { lastSuccessAt: iso(ok) }),
    ...(bad !== undefined && { lastFailureAt: iso(bad), ...(lastError !== undefined && { lastError }) }),
  };
}

/** `Name: message` of an error and its causes; router and SDK messages carry no secrets. */
export function describe(error: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = error, depth = 0; e !== undefined && depth < 3; depth++) {
    if (e instanceof Error) {
      parts.push(`${e.name}: ${e.message}`);
      e = e.cause;
    } else {
      parts.push(String(e));
      e = undefined;
    }
  }
  return parts.join(" <- ").slice(0, 500);
}
