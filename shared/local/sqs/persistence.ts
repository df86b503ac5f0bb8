import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import * as z from "zod";
import type { Broker } from "./broker.js";

/**
 * Optional durability for `npm start`: the whole broker is written as JSON, atomically (temp file +
 * rename), at most `DEBOUNCE_MS` after a change, and loaded at start. Timestamps are absolute, so a
 * delay or visibility timeout keeps running across a restart.
 */
const DEBOUNCE_MS = 100;

const attributeValue = z.object({
  DataType: z.string(),
  StringValue: z.string().optional(),
  BinaryValue: z.string().optional(),
});
const message = z.object({
  id: z.string(),
  body: z.string(),
  md5OfBody: z.string(),
  attributes: z.record(z.string(), attributeValue).optional(),
  md5OfAttributes: z.string().optional(),
  traceHeader: z.string().optional(),
  deadLetterSourceArn: z.string().optional(),
  sentAt: z.number(),
  visibleAt: z.number(),
  receiveCount: z.number().int(),
  firstReceivedAt: z.number().optional(),
  receivedAt: z.number().optional(),
  receipt: z.string().optional(),
  state: z.enum(["delayed", "ready", "inflight"]),
});
const config = z.object({
  delaySeconds: z.number(),
  visibilityTimeout: z.number(),
  messageRetentionPeriod: z.number(),
  receiveMessageWaitTimeSeconds: z.number(),
  maximumMessageSize: z.number(),
  redrivePolicy: z.object({ deadLetterTargetArn: z.string(), maxReceiveCount: z.number().int() }).optional(),
  passthrough: z.record(z.string(), z.string()),
});
const state = z.object({
  version: z.literal(1),
  queues: z.array(
    z.object({
      name: z.string(),
      config,
      createdAt: z.number(),
      modifiedAt: z.number(),
      tags: z.record(z.string(), z.string()),
      messages: z.array(message),
    }),
  ),
});
type SavedState = z.infer<typeof state>;

export function snapshot(broker: Broker): SavedState {
  return {
    version: 1,
    queues: broker.list().map((q) => ({
      name: q.name,
      config: q.config,
      createdAt: q.createdAt,
      modifiedAt: q.modifiedAt,
      tags: Object.fromEntries(q.tags),
      messages: [...q.messages.values()].flatMap(({ seq: _, state, ...m }) =>
        state === "gone" ? [] : [{ ...m, state }],
      ),
    })),
  };
}

/** Loads saved queues into an empty broker; a missing file means a fresh start. */
export async function loadState(file: string, broker: Broker): Promise<void> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
    throw error;
  }
  const parsed = state.safeParse(JSON.parse(text));
  if (!parsed.success) throw new Error(`local SQS state file ${file} is not valid: ${parsed.error.message}`);
  const queues = parsed.data.queues.map((q) => ({
    q,
    queue: broker.add(q.name, q.config, q.createdAt, q.modifiedAt, Object.entries(q.tags)),
  }));
  // Messages after all queues exist, so a redrive on load finds its dead-letter queue.
  for (const { q, queue } of queues) queue.restore(q.messages.map((m) => ({ ...m, seq: 0 })));
}

export class StateWriter {
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> | undefined;
  private dirty = false;
  private closed = false;

  constructor(
    private readonly file: string,
    private readonly take: () => SavedState,
  ) {}

  markDirty(): void {
    this.dirty = true;
    this.schedule();
  }

  /** Writes what is pending, waits for it, and accepts no more changes. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.writing;
    if (this.dirty) await this.write();
  }

  private schedule(): void {
    if (this.closed || this.timer || this.writing || !this.dirty) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.write();
    }, DEBOUNCE_MS);
  }

  private write(): Promise<void> {
    this.dirty = false;
    const tmp = `${this.file}.${process.pid}.tmp`;
    const body = JSON.stringify(this.take());
    this.writing = (async () => {
      await mkdir(dirname(this.file), { recursive: true });
      await writeFile(tmp, body, { mode: 0o600 });
      await rename(tmp, this.file);
    })()
      .catch((error: unknown) => {
        // Reported, and retried with the next change; the queue itself keeps working from memory.
        process.stderr.write(
          `local sqs: saving ${this.file} failed: ${error instanceof Error ? error.message : String(error)}\n`,
        );
      })
      .finally(() => {
        this.writing = undefined;
        this.schedule();
      });
    return this.writing;
  }
}
