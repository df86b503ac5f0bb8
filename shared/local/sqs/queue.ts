import { MinHeap } from "../../min-heap.js";
import type { QueueConfig } from "./attributes.js";
import { sqsErrors } from "./errors.js";
import { createMessage, type MessageState, type StoredMessage, type ValidatedMessage } from "./message.js";
import { messageIdOf, newReceipt } from "./receipt.js";
import { DeadlineTimer } from "./timer.js";

export const MAX_INFLIGHT = 120_000;

export interface ReceiveOptions {
  readonly max: number;
  readonly visibilityTimeout: number;
}

/** What one receive hands out: a snapshot, so later redeliveries cannot change a response in flight. */
export interface Delivery {
  readonly message: StoredMessage;
  readonly receipt: string;
  readonly receiveCount: number;
  readonly firstReceivedAt: number;
}

export interface QueueHooks {
  /** Something worth persisting changed. */
  changed(): void;
  /** Hands a message that used up its receives to the dead-letter queue; false if there is none. */
  deadLetter(source: LocalQueue, message: StoredMessage): boolean;
}

interface DueEntry {
  readonly at: number;
  readonly seq: number;
  readonly message: StoredMessage;
}

interface Waiter {
  readonly options: ReceiveOptions;
  finish(deliveries: Delivery[]): void;
}

/**
 * One standard queue. Visible messages wait in `ready` (insertion order); delayed and in-flight ones
 * sit in a heap ordered by the instant they become visible, driven by a single timer armed for the
 * earliest instant, so a delay ends within a millisecond or two of its due time. Long-polling
 * receivers wait as `waiters` and are served the moment a message turns visible.
 */
export class LocalQueue {
  readonly messages = new Map<string, StoredMessage>();
  private readonly ready = new Map<string, StoredMessage>();
  private readonly due = new MinHeap<DueEntry>((a, b) => a.at < b.at);
  private readonly expiries = new MinHeap<StoredMessage>((a, b) => a.sentAt < b.sentAt);
  private readonly waiters = new Set<Waiter>();
  private inflight = 0;
  private delayed = 0;
  private readonly timer = new DeadlineTimer(() => {
    const now = Date.now();
    this.releaseDue(now);
    this.settle(now);
  });
  private closed = false;

  constructor(
    readonly name: string,
    private settings: QueueConfig,
    readonly createdAt: number,
    public modifiedAt: number,
    private readonly tagMap: Map<string, string>,
    private readonly hooks: QueueHooks,
  ) {}

  get tags(): ReadonlyMap<string, string> {
    return this.tagMap;
  }

  get config(): QueueConfig {
    return this.settings;
  }

  set config(next: QueueConfig) {
    this.settings = next;
    this.modifiedAt = Date.now();
    this.hooks.changed();
    this.settle(Date.now());
  }

  tag(entries: Iterable<[string, string]>): void {
    for (const [key, value] of entries) this.tagMap.set(key, value);
    this.hooks.changed();
  }

  untag(keys: Iterable<string>): void {
    for (const key of keys) this.tagMap.delete(key);
    this.hooks.changed();
  }

  counts() {
    return { visible: this.ready.size, notVisible: this.inflight, delayed: this.delayed };
  }

  send(items: readonly { valid: ValidatedMessage; delaySeconds: number }[]): StoredMessage[] {
    const now = Date.now();
    const sent = items.map(({ valid, delaySeconds }) => {
      const message = createMessage(valid, now, delaySeconds);
      this.insert(message, delaySeconds > 0 ? "delayed" : "ready", now);
      return message;
    });
    this.hooks.changed();
    this.settle(now);
    return sent;
  }

  /** Loads messages from saved state, each in the state it was saved in (times are absolute). */
  restore(messages: readonly StoredMessage[]): void {
    const now = Date.now();
    for (const message of messages) this.insert({ ...message, state: "gone", seq: 0 }, message.state, now);
    this.settle(now);
  }

  /**
   * Takes a dead-lettered message from another queue, visible at once. Waiters are served in a
   * microtask, so that a redrive cycle between two queues can never recurse.
   */
  adopt(message: StoredMessage): void {
    const { receipt: _, ...rest } = message;
    const copy: StoredMessage = { ...rest, state: "gone", seq: 0 };
    this.messages.set(copy.id, copy);
    this.expiries.push(copy);
    this.place(copy, "ready");
    this.hooks.changed();
    queueMicrotask(() => this.settle(Date.now()));
  }

  receive(options: ReceiveOptions, waitMs: number, signal?: AbortSignal): Promise<Delivery[]> {
    const now = Date.now();
    this.releaseDue(now);
    const got = this.take(options, now);
    this.arm();
    // Like SQS: a short poll at the in-flight limit fails; a long poll just waits for room.
    if (got.length === 0 && waitMs <= 0 && this.inflight >= MAX_INFLIGHT && this.ready.size > 0)
      return Promise.reject(sqsErrors.overLimit(`Too many messages in flight (limit ${MAX_INFLIGHT}).`));
    if (got.length > 0 || waitMs <= 0 || this.closed || signal?.aborted) return Promise.resolve(got);
    return new Promise((resolve) => {
      const finish = (deliveries: Delivery[]) => {
        if (!this.waiters.delete(waiter)) return;
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        resolve(deliveries);
      };
      const onAbort = () => finish([]);
      const waiter: Waiter = { options, finish };
      const timer = setTimeout(onAbort, waitMs);
      signal?.addEventListener("abort", onAbort, { once: true });
      this.waiters.add(waiter);
    });
  }

  /** A stale receipt (the message was received again since) is accepted and deletes nothing, as in SQS. */
  delete(receipt: string): void {
    const message = this.messages.get(messageIdOf(this.name, receipt));
    if (message?.receipt !== receipt) return;
    this.remove(message);
    this.settle(Date.now());
  }

  changeVisibility(receipt: string, seconds: number): void {
    const message = this.messages.get(messageIdOf(this.name, receipt));
    if (!message || message.receipt !== receipt)
      throw sqsErrors.invalidValue(
        "ReceiptHandle",
        receipt,
        "Message does not exist or is not available for visibility timeout change.",
      );
    if (message.state !== "inflight") throw sqsErrors.messageNotInflight();
    const now = Date.now();
    if (now + seconds * 1000 > (message.receivedAt ?? now) + 43_200_000)
      throw sqsErrors.invalidValue(
        "VisibilityTimeout",
        seconds,
        "Total VisibilityTimeout for the message is beyond the limit [43200 seconds]",
      );
    message.visibleAt = now + seconds * 1000;
    if (seconds === 0) this.release(message);
    else this.place(message, "inflight");
    this.hooks.changed();
    this.settle(now);
  }

  purge(): void {
    for (const message of this.messages.values()) {
      message.state = "gone";
      message.seq++;
    }
    this.messages.clear();
    this.ready.clear();
    this.due.clear();
    this.expiries.clear();
    this.inflight = 0;
    this.delayed = 0;
    this.hooks.changed();
    this.arm();
  }

  /** Ends every waiting receive with no messages and stops the timer. */
  close(): void {
    this.closed = true;
    for (const waiter of [...this.waiters]) waiter.finish([]);
    this.timer.cancel();
  }

  private insert(message: StoredMessage, state: MessageState, now: number): void {
    this.messages.set(message.id, message);
    this.expiries.push(message);
    if ((state === "delayed" || state === "inflight") && message.visibleAt > now) this.place(message, state);
    else this.release(message);
  }

  /** The message turns visible, unless it has used up its receives and goes to the dead-letter queue. */
  private release(message: StoredMessage): void {
    const policy = this.settings.redrivePolicy;
    if (policy && message.receiveCount >= policy.maxReceiveCount && this.hooks.deadLetter(this, message)) {
      this.remove(message);
      return;
    }
    this.place(message, "ready");
  }

  private take(options: ReceiveOptions, now: number): Delivery[] {
    const out: Delivery[] = [];
    const retentionMs = this.settings.messageRetentionPeriod * 1000;
    const policy = this.settings.redrivePolicy;
    for (const message of this.ready.values()) {
      if (out.length >= options.max || this.inflight >= MAX_INFLIGHT) break;
      if (message.sentAt + retentionMs <= now) {
        this.remove(message);
        continue;
      }
      if (policy && message.receiveCount >= policy.maxReceiveCount && this.hooks.deadLetter(this, message)) {
        this.remove(message);
        continue;
      }
      message.receiveCount++;
      message.firstReceivedAt ??= now;
      message.receivedAt = now;
      message.receipt = newReceipt(this.name, message.id);
      message.visibleAt = now + options.visibilityTimeout * 1000;
      this.place(message, "inflight");
      out.push({
        message,
        receipt: message.receipt,
        receiveCount: message.receiveCount,
        firstReceivedAt: message.firstReceivedAt,
      });
    }
    if (out.length > 0) this.hooks.changed();
    return out;
  }

  private place(message: StoredMessage, state: MessageState): void {
    this.leave(message);
    message.state = state;
    message.seq++;
    if (state === "ready") this.ready.set(message.id, message);
    else if (state === "inflight" || state === "delayed") {
      if (state === "inflight") this.inflight++;
      else this.delayed++;
      this.due.push({ at: message.visibleAt, seq: message.seq, message });
    }
  }

  private leave(message: StoredMessage): void {
    if (message.state === "ready") this.ready.delete(message.id);
    else if (message.state === "inflight") this.inflight--;
    else if (message.state === "delayed") this.delayed--;
  }

  private remove(message: StoredMessage): void {
    this.leave(message);
    message.state = "gone";
    message.seq++;
    this.messages.delete(message.id);
    this.hooks.changed();
    // The heaps delete lazily; rebuild them when stale entries dominate.
    if (this.expiries.size > 2 * this.messages.size + 1024)
      this.expiries.retain((m) => this.messages.get(m.id) === m);
    if (this.due.size > 2 * (this.inflight + this.delayed) + 1024)
      this.due.retain((e) => e.seq === e.message.seq && e.message.state !== "gone");
  }

  private releaseDue(now: number): void {
    for (let top = this.due.peek(); top && top.at <= now; top = this.due.peek()) {
      this.due.pop();
      if (top.seq === top.message.seq && top.message.state !== "gone") this.release(top.message);
    }
    const retentionMs = this.settings.messageRetentionPeriod * 1000;
    for (let m = this.expiries.peek(); m && m.sentAt + retentionMs <= now; m = this.expiries.peek()) {
      this.expiries.pop();
      if (this.messages.get(m.id) === m) this.remove(m);
    }
  }

  private serveWaiters(now: number): void {
    for (const waiter of this.waiters) {
      if (this.ready.size === 0 || this.inflight >= MAX_INFLIGHT) return;
      const got = this.take(waiter.options, now);
      if (got.length === 0) return;
      waiter.finish(got);
    }
  }

  private settle(now: number): void {
    this.serveWaiters(now);
    this.arm();
  }

  /** Keeps one timer armed for the earliest instant a message turns visible or expires. */
  private arm(): void {
    if (this.closed) return;
    let top = this.due.peek();
    while (top && (top.seq !== top.message.seq || top.message.state === "gone")) {
      this.due.pop();
      top = this.due.peek();
    }
    let oldest = this.expiries.peek();
    while (oldest && this.messages.get(oldest.id) !== oldest) {
      this.expiries.pop();
      oldest = this.expiries.peek();
    }
    const next = Math.min(
      top?.at ?? Number.POSITIVE_INFINITY,
      oldest ? oldest.sentAt + this.settings.messageRetentionPeriod * 1000 : Number.POSITIVE_INFINITY,
    );
    this.timer.ensure(next);
  }
}
