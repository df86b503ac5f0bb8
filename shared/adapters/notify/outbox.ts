import { appendFile, mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import { type Clock, systemClock } from "../../domain/clock.js";
import {
  NotificationError,
  type Notifier,
  type OutgoingMessage,
  type SendResult,
} from "../../ports/notifier.js";

export interface OutboxEntry extends OutgoingMessage {
  readonly providerId: string;
  readonly at: string;
}

export interface OutboxNotifierOptions {
  /** Appends each message as one JSON line here (the folder is created); omitted = memory only. */
  readonly file?: string;
  readonly clock?: Clock;
  /** The in-memory list keeps the newest this many; default 1000. */
  readonly capacity?: number;
}

/**
 * The notifier of `npm start`: nothing leaves the machine; messages are kept in memory and
 * optionally in a JSONL file, so the demo can show what subscribers would have received. A repeated
 * idempotency key is answered with the first send's id and stored once, as a deduplicating
 * provider would.
 */
export class OutboxNotifier implements Notifier {
  private readonly entries: OutboxEntry[] = [];
  private readonly byKey = new Map<string, string>();
  private readonly clock: Clock;
  private readonly capacity: number;
  private sequence = 0;

  constructor(private readonly options: OutboxNotifierOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.capacity = options.capacity ?? 1000;
  }

  /** What was sent, oldest first. */
  get messages(): readonly OutboxEntry[] {
    return this.entries;
  }

  async send(message: OutgoingMessage): Promise<SendResult> {
    const known = this.byKey.get(message.idempotencyKey);
    if (known) return { providerId: known };
    const entry: OutboxEntry = {
      channel: message.channel,
      to: message.to,
      ...(message.subject === undefined ? {} : { subject: message.subject }),
      body: message.body,
      idempotencyKey: message.idempotencyKey,
      providerId: `local-${++this.sequence}`,
      at: this.clock.now().toISOString(),
    };
    if (this.options.file) {
      try {
        await mkdir(dirname(this.options.file), { recursive: true });
        await appendFile(this.options.file, `${JSON.stringify(entry)}\n`, "utf8");
      } catch (error) {
        throw new NotificationError("outbox: the file could not be written", {
          retryable: true,
          provider: "outbox",
          channel: message.channel,
          cause: error,
        });
      }
    }
    this.entries.push(entry);
    this.byKey.set(entry.idempotencyKey, entry.providerId);
    while (this.entries.length > this.capacity) {
      const dropped = this.entries.shift();
      if (dropped) this.byKey.delete(dropped.idempotencyKey);
    }
    return { providerId: entry.providerId };
  }
}
