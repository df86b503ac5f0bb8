import { EventEmitter } from "node:events";
import { SendMessageBatchCommand, type SQSClient } from "@aws-sdk/client-sqs";
import type { AgentEvent, AgentEventType } from "./events.js";

/*
 * Sends agent events (results, heartbeats, session lists) to the events queue with
 * SendMessageBatch. `report()` only appends to a bounded in-memory buffer and returns at once, so
 * command handling never waits for reporting; a background sender drains the buffer in batches of
 * up to 10 (and 256 KiB), retrying with a growing pause while SQS is unreachable. When the buffer
 * is full, heartbeats and session lists are dropped before results.
 */

/** SQS's classic message and batch size limit; kept even where the service now allows more. */
export const MAX_BATCH_BYTES = 262_144;
const MAX_ENTRIES = 10;

export interface ReporterOptions {
  readonly client: SQSClient;
  readonly queueUrl: string;
  /** Events held while SQS is slow or unreachable. @default 10000 */
  readonly maxBuffered?: number;
  /** How long a partial batch waits for company. @default 20 */
  readonly flushMs?: number;
  /** Batch calls in flight at once. @default 4 */
  readonly concurrency?: number;
  /** @default 15000 */
  readonly callTimeoutMs?: number;
  /** First pause after a failed call; doubles up to maxRetryMs. @default 1000 */
  readonly retryMs?: number;
  /** @default 30000 */
  readonly maxRetryMs?: number;
}

/** A SendMessageBatch call failed; the events went back to the buffer. */
export class ReporterError extends Error {
  constructor(
    message: string,
    readonly queueUrl: string,
    readonly events: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "ReporterError";
  }
}

export interface ReporterEvents {
  sent: [count: number];
  dropped: [type: AgentEventType, reason: "buffer full" | "too large" | "rejected by SQS" | "stopped"];
  send_error: [error: ReporterError];
}

interface Entry {
  readonly type: AgentEventType;
  readonly body: string;
  readonly bytes: number;
  /** Told once whether the event reached SQS (see `deliver`). */
  readonly done?: (sent: boolean) => void;
}

export class Reporter extends EventEmitter<ReporterEvents> {
  private buffer: Entry[] = [];
  private head = 0;
  private sending = 0;
  private failures = 0;
  private flushTimer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private flushPartial = false;
  private closing = false;
  private readonly schedules: NodeJS.Timeout[] = [];
  private readonly hard = new AbortController();
  private readonly idleWaiters: (() => void)[] = [];
  private readonly maxBuffered: number;
  private readonly flushMs: number;
  private readonly concurrency: number;

  constructor(private readonly options: ReporterOptions) {
    super();
    this.maxBuffered = options.maxBuffered ?? 10_000;
    this.flushMs = options.flushMs ?? 20;
    this.concurrency = options.concurrency ?? 4;
    if (this.maxBuffered < 1 || this.concurrency < 1)
      throw new RangeError("maxBuffered and concurrency >= 1");
  }

  /** Events waiting to be sent. */
  get buffered(): number {
    return this.buffer.length - this.head;
  }

  /** Queues an event; false when it was dropped (too large, or the reporter is stopping). */
  report(event: AgentEvent): boolean {
    return this.enqueue(event, undefined);
  }

  /**
   * Queues an event and resolves once it is in SQS (true), dropped (false), or `timeoutMs` passed
   * (false, the event stays queued). The agent deletes a command message only after its result was
   * delivered or this bound ran out, so a crash in between repeats the command (a harmless
   * `skipped_stale` report) instead of losing its result.
   */
  deliver(event: AgentEvent, timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      let settled = false;
      const finish = (sent: boolean) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(sent);
      };
      const timer = setTimeout(() => finish(false), timeoutMs);
      if (!this.enqueue(event, finish)) finish(false);
    });
  }

  private enqueue(event: AgentEvent, done: Entry["done"]): boolean {
    if (this.closing && this.hard.signal.aborted) return this.drop(event.type, "stopped");
    const body = JSON.stringify(event);
    const bytes = Buffer.byteLength(body);
    if (bytes > MAX_BATCH_BYTES) return this.drop(event.type, "too large");
    if (this.buffered >= this.maxBuffered) this.evict();
    this.buffer.push({ type: event.type, body, bytes, ...(done !== undefined && { done }) });
    this.kick();
    return true;
  }

  /**
   * Runs `produce` every `intervalMs` (and once now) and reports what it returns. A producer that
   * fails or is still running when the next tick comes skips that tick.
   */
  every(intervalMs: number, produce: () => AgentEvent[] | Promise<AgentEvent[]>): void {
    if (this.closing) return;
    let busy = false;
    const tick = () => {
      if (busy || this.closing) return;
      busy = true;
      Promise.resolve()
        .then(produce)
        .then((events) => {
          for (const e of events) this.report(e);
        })
        .catch(() => {})
        .finally(() => {
          busy = false;
        });
    };
    tick();
    const timer = setInterval(tick, intervalMs);
    timer.unref();
    this.schedules.push(timer);
  }

  /** Stops the schedules, sends what is buffered for up to `timeoutMs`, then gives up on the rest. */
  async stop(timeoutMs = 10_000): Promise<void> {
    for (const t of this.schedules.splice(0)) clearInterval(t);
    this.closing = true;
    this.flushPartial = true;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.kick();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.idle(),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    clearTimeout(this.flushTimer);
    this.hard.abort(new Error("the reporter stopped"));
    for (const entry of this.buffer.slice(this.head)) this.dropped(entry, "stopped");
    this.buffer = [];
    this.head = 0;
  }

  private drop(type: AgentEventType, reason: ReporterEvents["dropped"][1]): false {
    this.emit("dropped", type, reason);
    return false;
  }

  private dropped(entry: Entry, reason: ReporterEvents["dropped"][1]): void {
    entry.done?.(false);
    this.emit("dropped", entry.type, reason);
  }

  /** Makes room for one: the oldest heartbeat or session list, else the oldest event of any kind. */
  private evict(): void {
    let index = this.head;
    for (let i = this.head; i < this.buffer.length; i++) {
      const type = this.buffer[i]?.type;
      if (type === "heartbeat" || type === "sessions") {
        index = i;
        break;
      }
    }
    const [victim] = this.buffer.splice(index, 1);
    if (victim !== undefined) this.dropped(victim, "buffer full");
  }

  private kick(): void {
    if (this.retryTimer !== undefined || this.hard.signal.aborted) return;
    while (this.sending < this.concurrency && this.buffered > 0) {
      if (this.buffered < MAX_ENTRIES && !this.flushPartial) {
        this.flushTimer ??= setTimeout(() => {
          this.flushTimer = undefined;
          this.flushPartial = true;
          this.kick();
        }, this.flushMs);
        return;
      }
      const batch = this.take();
      if (!this.closing && this.buffered === 0) this.flushPartial = false;
      this.sending += 1;
      void this.send(batch).finally(() => {
        this.sending -= 1;
        this.kick();
        if (this.sending === 0 && this.buffered === 0) for (const w of this.idleWaiters.splice(0)) w();
      });
    }
  }

  private take(): Entry[] {
    const batch: Entry[] = [];
    let bytes = 0;
    while (batch.length < MAX_ENTRIES && this.head < this.buffer.length) {
      const next = this.buffer[this.head];
      if (next === undefined || (batch.length > 0 && bytes + next.bytes > MAX_BATCH_BYTES)) break;
      batch.push(next);
      bytes += next.bytes;
      this.head += 1;
    }
    if (this.head > 1024 && this.head * 2 > this.buffer.length) {
      this.buffer = this.buffer.slice(this.head);
      this.head = 0;
    }
    return batch;
  }

  private async send(batch: Entry[]): Promise<void> {
    try {
      const out = await this.options.client.send(
        new SendMessageBatchCommand({
          QueueUrl: this.options.queueUrl,
          Entries: batch.map((e, i) => ({ Id: String(i), MessageBody: e.body })),
        }),
        {
          abortSignal: AbortSignal.any([
            this.hard.signal,
            AbortSignal.timeout(this.options.callTimeoutMs ?? 15_000),
          ]),
        },
      );
      this.failures = 0;
      const failed = out.Failed ?? [];
      const retry: Entry[] = [];
      const failedIds = new Set(failed.map((f) => f.Id));
      batch.forEach((entry, i) => {
        if (!failedIds.has(String(i))) entry.done?.(true);
      });
      for (const f of failed) {
        const entry = batch[Number(f.Id)];
        if (entry === undefined) continue;
        // A sender fault (too large, invalid) fails again the same way; a service fault may not.
        if (f.SenderFault) this.dropped(entry, "rejected by SQS");
        else retry.push(entry);
      }
      this.emit("sent", batch.length - failed.length);
      if (retry.length > 0) this.requeue(retry);
    } catch (cause) {
      if (this.hard.signal.aborted) {
        for (const e of batch) this.dropped(e, "stopped");
        return;
      }
      this.requeue(batch);
      this.failures += 1;
      const error = new ReporterError("SendMessageBatch failed", this.options.queueUrl, batch.length, {
        cause,
      });
      this.emit("send_error", error);
      const base = this.options.retryMs ?? 1_000;
      const pause = Math.min(this.options.maxRetryMs ?? 30_000, base * 2 ** Math.min(this.failures - 1, 16));
      if (this.retryTimer === undefined) {
        this.retryTimer = setTimeout(() => {
          this.retryTimer = undefined;
          this.kick();
        }, pause);
        this.retryTimer.unref();
      }
    }
  }

  /** Puts events back at the front, dropping the oldest beyond the bound. */
  private requeue(entries: readonly Entry[]): void {
    this.buffer.splice(this.head, 0, ...entries);
    while (this.buffered > this.maxBuffered) this.evict();
  }

  private idle(): Promise<void> {
    if (this.sending === 0 && this.buffered === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }
}
