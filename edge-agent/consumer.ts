import { EventEmitter } from "node:events";
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import * as z from "zod";

/*
 * A long-polling SQS consumer in the manner of bbc/sqs-consumer, under strict TypeScript: a typed
 * event emitter with start() and stop({ abort }); an AbortSignal on every SDK call; a per-message
 * timeout; a visibility heartbeat while a handler runs; a pause, growing with each failure, after
 * credential and network errors; and at most `concurrency` messages in flight. The handler decides
 * what happens to each message (delete, release for redelivery, or leave it alone); the consumer
 * deletes only after the handler has returned, so a crash at any point means redelivery.
 */

export interface ReceivedMessage {
  readonly id: string;
  readonly body: string;
  readonly receiptHandle: string;
  /** SQS ApproximateReceiveCount: 1 on the first delivery. */
  readonly receiveCount: number;
  /** SentTimestamp (epoch ms), when SQS gave it. */
  readonly sentAt: number | undefined;
  readonly receivedAt: number;
}

export interface HandlerContext {
  /** Aborted on timeout, on stop({ abort: true }) and when a graceful stop runs out of time. */
  readonly signal: AbortSignal;
  /** Aborted when a graceful stop begins: work that has not started yet should give the message back. */
  readonly draining: AbortSignal;
  /** This delivery reached `maxReceiveCount`: retrying is pointless, report and delete. */
  readonly lastAttempt: boolean;
  /**
   * The handler will wait until `at` (epoch ms, e.g. a command's notBefore) before it works: the
   * timeout counts from `at`, and until then the message holds no concurrency slot (it counts
   * against `maxWaiting` instead), so commands parked for later never starve due ones.
   */
  deferUntil(at: number): void;
}

export type Disposition =
  /**
   * DeleteMessage, once `after` (if given) has settled. The concurrency slot is free as soon as the
   * handler returns; `after` must settle in bounded time (the agent waits for its result report).
   */
  | { readonly action: "delete"; readonly after?: Promise<unknown> }
  /** ChangeMessageVisibility: the message comes back after this many seconds (0 = at once). */
  | { readonly action: "release"; readonly afterSeconds: number }
  /** Do nothing: the visibility timeout runs out and SQS delivers it again. */
  | { readonly action: "leave" };

export type MessageHandler = (message: ReceivedMessage, context: HandlerContext) => Promise<Disposition>;

export interface ConsumerEvents {
  started: [];
  stopped: [];
  empty: [];
  message_received: [message: ReceivedMessage];
  message_processed: [message: ReceivedMessage, disposition: Disposition];
  processing_error: [error: QueueConsumerError, message: ReceivedMessage];
  timeout_error: [error: QueueConsumerError, message: ReceivedMessage];
  /** The last allowed delivery failed in the handler; the message was deleted. */
  gave_up: [message: ReceivedMessage, error: QueueConsumerError];
  /** An SQS call failed (the poll, a delete, a visibility change). */
  sqs_error: [error: QueueConsumerError];
  /** Polling pauses after a failed receive. */
  paused: [info: { readonly reason: PauseReason; readonly ms: number }];
}

const Seconds = (max: number) => z.number().int().min(0).max(max);
const Ms = z.number().int().min(0).max(86_400_000);

export const ConsumerSettingsSchema = z
  .strictObject({
    /** Long-poll wait per ReceiveMessage. @default 20 */
    waitTimeSeconds: Seconds(20).default(20),
    /** Messages per ReceiveMessage. @default 10 */
    batchSize: z.number().int().min(1).max(10).default(10),
    /** Messages handled at once. @default 64 */
    concurrency: z.number().int().min(1).max(10_000).default(64),
    /** Messages parked by `deferUntil` at once, on top of `concurrency`. @default 1000 */
    maxWaiting: z.number().int().min(0).max(100_000).default(1_000),
    /** Asked for on every receive and renewed by the heartbeat. @default 60 */
    visibilityTimeoutSeconds: Seconds(43_200).min(1).default(60),
    /** How often running messages get their visibility renewed; 0 turns it off. @default 20 */
    heartbeatSeconds: Seconds(43_199).default(20),
    /** Per-message timeout; a handler can make it count from a later instant. @default 300000 */
    handlerTimeoutMs: Ms.min(1).default(300_000),
    /** Deliveries after which a failing message is given up (reported and deleted). @default 8 */
    maxReceiveCount: z.number().int().min(1).max(1000).default(8),
    /** Release delay after a handler error: base doubling per delivery, capped. */
    errorBackoffSeconds: Seconds(43_200).default(5),
    maxErrorBackoffSeconds: Seconds(43_200).default(300),
    /** A graceful stop waits this long for running handlers, then aborts them. @default 60000 */
    drainTimeoutMs: Ms.default(60_000),
    /** Bound on each SDK call other than the long poll (which gets wait + this). @default 15000 */
    callTimeoutMs: Ms.min(1).default(15_000),
    /** First pause after a credential error / a network error / anything else; doubles per failure. */
    credentialsPauseMs: Ms.default(10_000),
    networkPauseMs: Ms.default(1_000),
    otherPauseMs: Ms.default(1_000),
    maxPauseMs: Ms.default(60_000),
    /** How long deletes and visibility changes wait to fill a batch of 10. @default 5 */
    batchFlushMs: Ms.max(1_000).default(5),
  })
  .refine((s) => s.heartbeatSeconds < s.visibilityTimeoutSeconds, {
    path: ["heartbeatSeconds"],
    message: "must be shorter than visibilityTimeoutSeconds",
  });
export type ConsumerSettings = z.infer<typeof ConsumerSettingsSchema>;

export interface ConsumerOptions extends z.input<typeof ConsumerSettingsSchema> {
  readonly client: SQSClient;
  readonly queueUrl: string;
  readonly handleMessage: MessageHandler;
  /** @default Math.random, for the pause jitter */
  readonly random?: () => number;
}

interface Running {
  readonly message: ReceivedMessage;
  readonly controller: AbortController;
  timer: NodeJS.Timeout | undefined;
  /** Set while the handler waits for a later instant (see `deferUntil`). */
  parked: NodeJS.Timeout | undefined;
  settling: boolean;
  /** Why the handler was aborted, when it was. */
  abortedBy: "timeout" | "drain" | "abort" | undefined;
}

interface VisibilityChange {
  readonly receipt: string;
  readonly seconds: number;
  readonly messageId: string;
}

export class QueueConsumer extends EventEmitter<ConsumerEvents> {
  readonly settings: ConsumerSettings;
  private readonly running = new Map<string, Running>();
  /** Deletes and visibility changes of messages whose handler has returned. */
  private readonly settling = new Set<Promise<void>>();
  private parkedCount = 0;
  private readonly random: () => number;
  private readonly hard = new AbortController();
  /** Settles when `hard` aborts: one listener shared by every settle, not one each. */
  private readonly hardAborted: Promise<unknown> = aborted(this.hard).catch(() => undefined);
  private readonly draining = new AbortController();
  private polling = false;
  private loop: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;
  private wakers: (() => void)[] = [];
  private heartbeat: NodeJS.Timeout | undefined;
  private failures = 0;
  private readonly deletes: Batcher<{ readonly receipt: string; readonly messageId: string }>;
  private readonly visibility: Batcher<VisibilityChange>;

  constructor(private readonly options: ConsumerOptions) {
    super();
    const { client: _c, queueUrl: _q, handleMessage: _h, random, ...settings } = options;
    this.settings = ConsumerSettingsSchema.parse(settings);
    this.random = random ?? Math.random;
    const flush = this.settings.batchFlushMs;
    this.deletes = new Batcher(flush, (items) => this.deleteBatch(items));
    this.visibility = new Batcher(flush, (items) => this.visibilityBatch(items));
  }

  get queueUrl(): string {
    return this.options.queueUrl;
  }

  get isRunning(): boolean {
    return this.polling;
  }

  /** Messages being handled now, parked ones included. */
  get inFlight(): number {
    return this.running.size;
  }

  /** Messages whose handler waits for a later instant (`deferUntil`). */
  get waiting(): number {
    return this.parkedCount;
  }

  start(): void {
    if (this.polling) return;
    if (this.stopping) throw new Error("a stopped consumer cannot be started again; create a new one");
    this.polling = true;
    const beat = this.settings.heartbeatSeconds * 1000;
    if (beat > 0) {
      this.heartbeat = setInterval(() => this.beat(), beat);
      this.heartbeat.unref();
    }
    this.loop = this.poll();
    this.emit("started");
  }

  /**
   * Graceful (default): stop polling once the current long poll returns (its messages are given
   * back at once), let running handlers finish for up to `drainTimeoutMs`, then flush deletes.
   * `abort: true` cuts the poll and every handler and SDK call now; unfinished messages come back
   * when their visibility timeout ends. Calling it again with abort escalates a graceful stop.
   */
  stop(options: { readonly abort?: boolean } = {}): Promise<void> {
    if (options.abort) this.abortAll("abort");
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  private async shutdown(): Promise<void> {
    this.polling = false;
    this.draining.abort(new Error("the consumer is stopping"));
    this.wake();
    await this.loop;
    if (this.running.size > 0) {
      const timer = setTimeout(() => this.abortAll("drain"), this.settings.drainTimeoutMs);
      await this.idle();
      clearTimeout(timer);
    }
    while (this.settling.size > 0) await Promise.allSettled([...this.settling]);
    await Promise.all([this.deletes.drain(), this.visibility.drain()]);
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.hard.abort(new Error("the consumer stopped"));
    this.emit("stopped");
  }

  private abortAll(reason: "drain" | "abort"): void {
    if (reason === "abort") this.hard.abort(new Error("the consumer was stopped with abort"));
    for (const entry of this.running.values()) {
      if (entry.abortedBy !== undefined) continue;
      entry.abortedBy = reason;
      entry.controller.abort(new Error(`handler aborted (${reason})`));
    }
  }

  private async poll(): Promise<void> {
    while (this.polling) {
      await this.slot();
      if (!this.polling) return;
      const room = Math.min(this.settings.batchSize, this.room());
      let messages: Message[];
      try {
        messages = await this.receive(room);
        this.failures = 0;
      } catch (cause) {
        if (this.hard.signal.aborted) return;
        await this.pauseAfter(cause);
        continue;
      }
      if (!this.polling) {
        // A graceful stop began while this poll waited: hand the messages straight back.
        for (const m of messages) this.giveBack(m);
        return;
      }
      if (messages.length === 0) {
        this.emit("empty");
        // Without a long poll an empty queue would be asked again at once.
        if (this.settings.waitTimeSeconds === 0) await this.sleep(Math.max(50, this.settings.otherPauseMs));
        continue;
      }
      for (const m of messages) this.dispatch(m);
    }
  }

  private async receive(max: number): Promise<Message[]> {
    const { waitTimeSeconds, visibilityTimeoutSeconds, callTimeoutMs } = this.settings;
    const out = await this.options.client.send(
      new ReceiveMessageCommand({
        QueueUrl: this.options.queueUrl,
        MaxNumberOfMessages: max,
        WaitTimeSeconds: waitTimeSeconds,
        VisibilityTimeout: visibilityTimeoutSeconds,
        MessageSystemAttributeNames: ["ApproximateReceiveCount", "SentTimestamp"],
      }),
      { abortSignal: this.callSignal(waitTimeSeconds * 1000 + callTimeoutMs) },
    );
    return out.Messages ?? [];
  }

  private async pauseAfter(cause: unknown): Promise<void> {
    this.failures += 1;
    const reason = classifySqsError(cause);
    const { credentialsPauseMs, networkPauseMs, otherPauseMs, maxPauseMs } = this.settings;
    const base = { credentials: credentialsPauseMs, network: networkPauseMs, other: otherPauseMs }[reason];
    const grown = Math.min(maxPauseMs, base * 2 ** Math.min(this.failures - 1, 16));
    const ms = Math.round(grown * (0.8 + 0.2 * this.random()));
    this.emit("sqs_error", this.error("ReceiveMessage", `receive failed (${reason})`, [], cause));
    this.emit("paused", { reason, ms });
    await this.sleep(ms);
  }

  private dispatch(m: Message): void {
    const receipt = m.ReceiptHandle;
    const id = m.MessageId ?? "unknown";
    if (receipt === undefined) {
      this.emit("sqs_error", this.error("ReceiveMessage", "a message came without a receipt handle", [id]));
      return;
    }
    const sent = Number(m.Attributes?.SentTimestamp);
    const message: ReceivedMessage = {
      id,
      body: m.Body ?? "",
      receiptHandle: receipt,
      receiveCount: Math.max(1, Number(m.Attributes?.ApproximateReceiveCount) || 1),
      sentAt: Number.isFinite(sent) && sent > 0 ? sent : undefined,
      receivedAt: Date.now(),
    };
    const entry: Running = {
      message,
      controller: new AbortController(),
      timer: undefined,
      parked: undefined,
      settling: false,
      abortedBy: undefined,
    };
    this.running.set(receipt, entry);
    this.emit("message_received", message);
    void this.process(entry).then((disposition) => {
      entry.settling = true;
      this.running.delete(receipt);
      this.wake();
      const settled = this.settle(message, disposition)
        .then(() => {
          this.emit("message_processed", message, disposition);
        })
        // A throwing listener is its owner's bug; it must not become an unhandled rejection here.
        .catch(() => {});
      this.settling.add(settled);
      void settled.finally(() => this.settling.delete(settled));
    });
  }

  /** Runs the handler; never rejects: failures become a disposition. */
  private async process(entry: Running): Promise<Disposition> {
    const { message, controller } = entry;
    const lastAttempt = message.receiveCount >= this.settings.maxReceiveCount;
    const arm = (ms: number) => {
      clearTimeout(entry.timer);
      entry.timer = setTimeout(() => {
        if (entry.abortedBy !== undefined) return;
        entry.abortedBy = "timeout";
        controller.abort(new Error("handler timed out"));
      }, ms);
    };
    arm(this.settings.handlerTimeoutMs);
    const context: HandlerContext = {
      signal: controller.signal,
      draining: this.draining.signal,
      lastAttempt,
      deferUntil: (at) => {
        const wait = Math.max(0, at - Date.now());
        arm(wait + this.settings.handlerTimeoutMs);
        this.unpark(entry);
        if (wait === 0) return;
        this.parkedCount += 1;
        entry.parked = setTimeout(() => this.unpark(entry), wait);
        this.wake();
      },
    };
    let disposition: Disposition;
    try {
      // The abort race bounds the wait even for a handler that ignores its signal.
      disposition = await Promise.race([this.options.handleMessage(message, context), aborted(controller)]);
    } catch (cause) {
      disposition = this.afterFailure(entry, cause, lastAttempt);
    } finally {
      clearTimeout(entry.timer);
      this.unpark(entry);
    }
    return disposition;
  }

  private afterFailure(entry: Running, cause: unknown, lastAttempt: boolean): Disposition {
    const { message } = entry;
    if (entry.abortedBy === "abort" || this.hard.signal.aborted) return { action: "leave" };
    if (entry.abortedBy === "drain") return { action: "release", afterSeconds: 0 };
    const timedOut = entry.abortedBy === "timeout";
    const error = this.error(
      "handler",
      timedOut ? `handler timed out after ${this.settings.handlerTimeoutMs} ms` : "handler failed",
      [message.id],
      cause,
    );
    if (timedOut) this.emit("timeout_error", error, message);
    else this.emit("processing_error", error, message);
    if (lastAttempt) {
      this.emit("gave_up", message, error);
      return { action: "delete" };
    }
    const { errorBackoffSeconds, maxErrorBackoffSeconds } = this.settings;
    const afterSeconds = Math.min(
      maxErrorBackoffSeconds,
      errorBackoffSeconds * 2 ** Math.min(message.receiveCount - 1, 16),
    );
    return { action: "release", afterSeconds };
  }

  private async settle(message: ReceivedMessage, disposition: Disposition): Promise<void> {
    try {
      if (disposition.action === "delete") {
        if (disposition.after !== undefined) {
          await Promise.race([disposition.after.catch(() => {}), this.hardAborted]);
        }
        await this.deletes.add({ receipt: message.receiptHandle, messageId: message.id });
      } else if (disposition.action === "release") {
        const seconds = Math.min(43_200, Math.max(0, Math.floor(disposition.afterSeconds)));
        await this.visibility.add({ receipt: message.receiptHandle, seconds, messageId: message.id });
      }
    } catch (error) {
      if (error instanceof QueueConsumerError) this.emit("sqs_error", error);
      else this.emit("sqs_error", this.error("DeleteMessageBatch", "settling failed", [message.id], error));
    }
  }

  /** Renews the visibility of every message whose handler still runs. */
  private beat(): void {
    for (const entry of this.running.values()) {
      if (entry.settling) continue;
      const { receiptHandle: receipt, id: messageId } = entry.message;
      this.visibility
        .add({ receipt, seconds: this.settings.visibilityTimeoutSeconds, messageId })
        .catch((error: unknown) => {
          if (error instanceof QueueConsumerError) this.emit("sqs_error", error);
        });
    }
  }

  private giveBack(m: Message): void {
    if (m.ReceiptHandle === undefined) return;
    const item = { receipt: m.ReceiptHandle, seconds: 0, messageId: m.MessageId ?? "unknown" };
    this.visibility.add(item).catch((error: unknown) => {
      if (error instanceof QueueConsumerError) this.emit("sqs_error", error);
    });
  }

  private async deleteBatch(items: readonly { receipt: string; messageId: string }[]) {
    const ids = items.map((i) => i.messageId);
    const out = await this.call("DeleteMessageBatch", ids, (abortSignal) =>
      this.options.client.send(
        new DeleteMessageBatchCommand({
          QueueUrl: this.options.queueUrl,
          Entries: items.map((item, i) => ({ Id: String(i), ReceiptHandle: item.receipt })),
        }),
        { abortSignal },
      ),
    );
    return this.entryErrors("DeleteMessageBatch", items, out.Failed);
  }

  private async visibilityBatch(items: readonly VisibilityChange[]) {
    const ids = items.map((i) => i.messageId);
    const out = await this.call("ChangeMessageVisibilityBatch", ids, (abortSignal) =>
      this.options.client.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: this.options.queueUrl,
          Entries: items.map((item, i) => ({
            Id: String(i),
            ReceiptHandle: item.receipt,
            VisibilityTimeout: item.seconds,
          })),
        }),
        { abortSignal },
      ),
    );
    return this.entryErrors("ChangeMessageVisibilityBatch", items, out.Failed);
  }

  private async call<T>(
    operation: SqsOperation,
    messageIds: readonly string[],
    send: (signal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    try {
      return await send(this.callSignal(this.settings.callTimeoutMs));
    } catch (cause) {
      throw this.error(operation, `${operation} failed`, messageIds, cause);
    }
  }

  private entryErrors(
    operation: SqsOperation,
    items: readonly { messageId: string }[],
    failed: readonly { Id?: string; Code?: string }[] | undefined,
  ): (QueueConsumerError | undefined)[] {
    const errors: (QueueConsumerError | undefined)[] = items.map(() => undefined);
    for (const f of failed ?? []) {
      const index = Number(f.Id);
      const item = items[index];
      if (item === undefined) continue;
      errors[index] = this.error(operation, `${operation} entry failed (${f.Code ?? "unknown"})`, [
        item.messageId,
      ]);
    }
    return errors;
  }

  private callSignal(timeoutMs: number): AbortSignal {
    return AbortSignal.any([this.hard.signal, AbortSignal.timeout(timeoutMs)]);
  }

  private error(
    operation: SqsOperation | "handler",
    message: string,
    messageIds: readonly string[],
    cause?: unknown,
  ): QueueConsumerError {
    return new QueueConsumerError(message, {
      operation,
      queueUrl: this.options.queueUrl,
      messageIds,
      ...(cause !== undefined && { cause }),
    });
  }

  private unpark(entry: Running): void {
    if (entry.parked === undefined) return;
    clearTimeout(entry.parked);
    entry.parked = undefined;
    this.parkedCount -= 1;
  }

  /** Messages one receive may take: free working slots, bounded by the room left for parking. */
  private room(): number {
    const { concurrency, maxWaiting } = this.settings;
    const working = this.running.size - this.parkedCount;
    return Math.min(concurrency - working, concurrency + maxWaiting - this.running.size);
  }

  /** Resolves when a handler slot is free or polling stops. */
  private slot(): Promise<void> {
    if (this.room() > 0 || !this.polling) return Promise.resolve();
    return new Promise((resolve) => {
      const check = () => (this.room() > 0 || !this.polling ? resolve() : this.wakers.push(check));
      this.wakers.push(check);
    });
  }

  private idle(): Promise<void> {
    if (this.running.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const check = () => (this.running.size === 0 ? resolve() : this.wakers.push(check));
      this.wakers.push(check);
    });
  }

  private wake(): void {
    const wakers = this.wakers;
    this.wakers = [];
    for (const w of wakers) w();
  }

  /** Sleeps, cut short by a stop. */
  private sleep(ms: number): Promise<void> {
    const signal = this.draining.signal;
    if (signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener("abort", done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener("abort", done, { once: true });
    });
  }
}

function aborted(controller: AbortController): Promise<never> {
  return new Promise((_, reject) => {
    const { signal } = controller;
    if (signal.aborted) reject(signal.reason);
    else signal.addEventListener("abort", () => reject(signal.reason), { once: true });
  });
}

export type SqsOperation = "ReceiveMessage" | "DeleteMessageBatch" | "ChangeMessageVisibilityBatch";

/** An SQS call or a handler failed; carries the queue and the message ids, the original as `cause`. */
export class QueueConsumerError extends Error {
  readonly operation: SqsOperation | "handler";
  readonly queueUrl: string;
  readonly messageIds: readonly string[];

  constructor(
    message: string,
    context: {
      readonly operation: SqsOperation | "handler";
      readonly queueUrl: string;
      readonly messageIds: readonly string[];
      readonly cause?: unknown;
    },
  ) {
    super(message, context.cause === undefined ? undefined : { cause: context.cause });
    this.name = "QueueConsumerError";
    this.operation = context.operation;
    this.queueUrl = context.queueUrl;
    this.messageIds = context.messageIds;
  }
}

export type PauseReason = "credentials" | "network" | "other";

// AWS reports these as error names (the SDK's documented way to tell service errors apart).
const CREDENTIAL_ERRORS = new Set([
  "CredentialsProviderError",
  "ExpiredToken",
  "ExpiredTokenException",
  "InvalidClientTokenId",
  "UnrecognizedClientException",
  "InvalidAccessKeyId",
  "SignatureDoesNotMatch",
  "IncompleteSignature",
  "RequestExpired",
  "AccessDenied",
  "AccessDeniedException",
  "InvalidSecurity",
]);
const NETWORK_ERRORS = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EPIPE",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENETDOWN",
  "ECONNABORTED",
  "UND_ERR_SOCKET",
  "TimeoutError",
  "RequestTimeout",
  "RequestTimeoutException",
  "NetworkingError",
]);

/** Why a receive failed, to choose the pause: expired or missing credentials, the network, or else. */
export function classifySqsError(error: unknown): PauseReason {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    const code = "code" in e && typeof e.code === "string" ? e.code : undefined;
    if (CREDENTIAL_ERRORS.has(e.name) || (code !== undefined && CREDENTIAL_ERRORS.has(code))) {
      return "credentials";
    }
    const status = "$metadata" in e ? Reflect.get(Object(e.$metadata), "httpStatusCode") : undefined;
    if (status === 401 || status === 403) return "credentials";
    if (NETWORK_ERRORS.has(e.name) || (code !== undefined && NETWORK_ERRORS.has(code))) return "network";
  }
  return "other";
}

interface Pending<T> {
  readonly item: T;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Groups single deletes or visibility changes into SQS batch calls of up to 10, sent when 10 are
 * waiting or `flushMs` after the first. `send` returns one error (or undefined) per item.
 */
class Batcher<T> {
  private pending: Pending<T>[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly active = new Set<Promise<void>>();

  constructor(
    private readonly flushMs: number,
    private readonly send: (items: readonly T[]) => Promise<readonly (Error | undefined)[]>,
  ) {}

  add(item: T): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (this.pending.length >= 10) this.flush();
      else this.timer ??= setTimeout(() => this.flush(), this.flushMs);
    });
  }

  /** Sends everything waiting and resolves once every call in flight has settled. */
  async drain(): Promise<void> {
    this.flush();
    while (this.active.size > 0) await Promise.allSettled([...this.active]);
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, 10);
      const call = this.sendBatch(batch);
      this.active.add(call);
      void call.finally(() => this.active.delete(call));
    }
  }

  private async sendBatch(batch: readonly Pending<T>[]): Promise<void> {
    try {
      const errors = await this.send(batch.map((p) => p.item));
      batch.forEach((p, i) => {
        const error = errors[i];
        if (error === undefined) p.resolve();
        else p.reject(error);
      });
    } catch (error) {
      for (const p of batch) p.reject(error);
    }
  }
}
