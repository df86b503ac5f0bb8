import { EventEmitter } from "node:events";
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
} from "@aws-sdk/client-sqs";

/*
 * A long-polling SQS consumer in the manner of bbc/sqs-consumer, under strict TypeScript: a typed
 * event emitter with start() and stop({ abort }); an AbortSignal on every SDK call; a per-message
 * timeout; a visibility heartbeat while a handler runs; a pause, growing with each failure, after
 * credential and network errors; and at most `concurrency` messages in flight. The handler decides
 * what happens to each message (delete, release for redelivery, or leave it alone); the consumer
 * deletes only after the handler has returned, so a crash at any point means redelivery.
 */

import { Batcher } from "./batcher.js";
import {
  type ConsumerEvents,
  type ConsumerOptions,
  type ConsumerSettings,
  ConsumerSettingsSchema,
  type Disposition,
  type HandlerContext,
  type ReceivedMessage,
} from "./consumer-types.js";
import { classifySqsError, QueueConsumerError, type SqsOperation } from "./sqs-errors.js";

export * from "./consumer-types.js";
export * from "./sqs-errors.js";

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
  /** Receive loops running: one always while started, more while the queue returns full batches. */
  private readonly pollers = new Set<Promise<void>>();
  /** Messages asked for by receives still in flight: slots they may fill, not free for others. */
  private reserved = 0;
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
    this.addPoller(true);
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
    while (this.pollers.size > 0) await Promise.allSettled([...this.pollers]);
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

  /**
   * One receive loop. The primary loop runs until stop; it is the only one while the queue is quiet,
   * so an idle site costs one long poll at a time. A receive that comes back full starts another
   * loop (up to `maxPollers`), since one request at a time bounds a burst to batchSize messages per
   * round trip; an extra loop ends at its first short or failed receive.
   */
  private addPoller(primary: boolean): void {
    const loop: Promise<void> = this.poll(primary).finally(() => this.pollers.delete(loop));
    this.pollers.add(loop);
  }

  private async poll(primary: boolean): Promise<void> {
    while (this.polling) {
      await this.slot();
      if (!this.polling) return;
      const want = Math.min(this.settings.batchSize, this.room());
      if (want <= 0) continue;
      this.reserved += want;
      let messages: Message[];
      try {
        messages = await this.receive(want);
        this.failures = 0;
      } catch (cause) {
        if (this.hard.signal.aborted || !primary) return;
        await this.pauseAfter(cause);
        continue;
      } finally {
        this.reserved -= want;
        this.wake();
      }
      if (!this.polling) {
        // A graceful stop began while this poll waited: hand the messages straight back.
        for (const m of messages) this.giveBack(m);
        return;
      }
      for (const m of messages) this.dispatch(m);
      if (messages.length < want) {
        if (!primary) return;
        if (messages.length === 0) {
          this.emit("empty");
          // Without a long poll an empty queue would be asked again at once.
          if (this.settings.waitTimeSeconds === 0) await this.sleep(Math.max(50, this.settings.otherPauseMs));
        }
      } else if (this.pollers.size < this.settings.maxPollers && this.room() >= this.settings.batchSize) {
        this.addPoller(false);
      }
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
    return Math.min(concurrency - working, concurrency + maxWaiting - this.running.size) - this.reserved;
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
