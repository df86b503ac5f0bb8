import { z } from "zod";
import { ConfigError } from "../../config.js";
import { createLogger, type Logger } from "../../logger.js";
import { MinHeap } from "../../min-heap.js";
import { type ScheduledFire, type SubscriberScheduler, scheduleName } from "../../ports/scheduler.js";
import { FireDelivery } from "./fire-delivery.js";
import { readScheduleState, type StoredSchedule, writeScheduleState } from "./state-file.js";

/**
 * The scheduler of `npm start` and the tests, behind the same port as EventBridge Scheduler: one
 * schedule per subscriber name (upsert replaces), fired on the millisecond rather than within the
 * minute, retried with exponential backoff and dead-lettered like an EventBridge target with a
 * RetryPolicy and DLQ, deleted after the fire (ActionAfterCompletion DELETE). One timer is armed
 * for the earliest schedule of a min-heap, so 100,000 pending schedules cost one timer.
 * Delivery is at least once: a fire interrupted by stop or a crash repeats after the next start.
 */

export interface LocalSchedule {
  readonly name: string;
  readonly fireAt: Date;
  readonly fire: ScheduledFire;
}

export interface DeadLetter extends LocalSchedule {
  readonly attempts: number;
  readonly error: { readonly name: string; readonly message: string };
  readonly deadLetteredAt: Date;
}

const OptionsSchema = z.strictObject({
  /** Called with the schedule's input at its instant (the lifecycle handler in `npm start`). */
  target: z.custom<(fire: ScheduledFire) => Promise<void>>((v) => typeof v === "function", "not a function"),
  /** JSON snapshot of the pending schedules; omitted = in memory only. */
  stateFile: z.string().min(1).optional(),
  /** Retries after the first attempt, as EventBridge's MaximumRetryAttempts; default 3. */
  maximumRetryAttempts: z.number().int().min(0).max(185).default(3),
  /** Delay before the first retry, doubling after each; default 100 ms. */
  retryDelayMs: z.number().int().min(0).default(100),
  /** No retry starts once the fire is older than this, as MaximumEventAgeInSeconds; default 1 h. */
  maximumEventAgeMs: z.number().int().min(0).default(3_600_000),
  /** An attempt still running after this counts as failed; default 30 s. */
  attemptTimeoutMs: z.number().int().min(1).default(30_000),
  /** Target calls in flight at once; default 100. */
  concurrency: z.number().int().min(1).default(100),
  onDeadLetter: z
    .custom<(letter: DeadLetter) => void>((v) => typeof v === "function", "not a function")
    .optional(),
  logger: z
    .custom<Logger>((v) => typeof (v as Logger | undefined)?.warn === "function", "not a Logger")
    .optional(),
});
export type LocalSchedulerOptions = z.input<typeof OptionsSchema>;

interface Entry extends StoredSchedule {
  /** Upsert order: ties on fireAt fire in the order they were scheduled. */
  readonly seq: number;
}

const NAME = /^[0-9a-zA-Z\-_.]{1,64}$/;
/** setTimeout's longest delay; a later schedule re-arms when this one runs out. */
const MAX_TIMER_MS = 2_147_483_647;
/** Dead letters kept for deadLetters(); the oldest go first (onDeadLetter sees every one). */
const DEAD_LETTER_LIMIT = 10_000;

export class LocalSubscriberScheduler implements SubscriberScheduler {
  private readonly options: z.output<typeof OptionsSchema>;
  private readonly logger: Logger;
  private readonly entries = new Map<string, Entry>();
  private readonly heap = new MinHeap<Entry>(
    (a, b) => a.fireAt < b.fireAt || (a.fireAt === b.fireAt && a.seq < b.seq),
  );
  private readonly letters: DeadLetter[] = [];
  private seq = 0;
  private running = false;
  private timer: NodeJS.Timeout | undefined;
  private armedAt: number | undefined;
  /** Being delivered: out of the heap, still in `entries` until completed. */
  private readonly busy = new Set<Entry>();
  private readonly delivery: FireDelivery<Entry>;
  private pumping = false;
  private loaded: Promise<void> | undefined;
  private writeChain: Promise<void> = Promise.resolve();
  private nextWrite: Promise<void> | undefined;

  constructor(options: LocalSchedulerOptions) {
    const parsed = OptionsSchema.safeParse(options);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) => `${i.path.join(".") || "options"}: ${i.message}`);
      throw new ConfigError(`Invalid LocalSubscriberScheduler options: ${problems.join("; ")}`);
    }
    this.options = parsed.data;
    this.logger = parsed.data.logger ?? createLogger({ component: "local-scheduler" });
    this.delivery = new FireDelivery<Entry>(parsed.data.target, parsed.data, {
      // Replaced or removed meanwhile: the newer schedule (if any) takes over.
      isCurrent: (entry) => this.entries.get(entry.name) === entry,
      delivered: (entry) => this.complete(entry),
      retrying: (entry, attempt, error) =>
        this.logger.warn("scheduled fire failed, retrying", { ...ids(entry), attempt, error }),
      deadLettered: (entry, attempts, error) => this.deadLetter(entry, attempts, error),
      settled: (entry) => {
        this.busy.delete(entry);
        this.pump();
      },
    });
  }

  async upsert(fireAt: Date, fire: ScheduledFire): Promise<void> {
    const name = scheduleName(fire.tenantId, fire.subscriberId);
    if (!NAME.test(name)) throw new RangeError(`invalid schedule name ${name}`);
    const at = fireAt.getTime();
    if (!Number.isFinite(at)) throw new RangeError(`invalid fire instant for schedule ${name}`);
    await this.load();
    const entry: Entry = { name, fireAt: at, fire, seq: this.seq++ };
    this.entries.set(name, entry);
    this.heap.push(entry);
    this.compact();
    if (this.running && (this.armedAt === undefined || at < this.armedAt)) this.armTimer(at);
    await this.persist();
  }

  async remove(tenantId: string, subscriberId: string): Promise<void> {
    await this.load();
    // The heap keeps the entry until it surfaces; it is skipped then (no longer in `entries`).
    if (this.entries.delete(scheduleName(tenantId, subscriberId))) await this.persist();
  }

  /** Loads the state file (once) and fires everything due; overdue schedules fire at once. */
  async start(): Promise<void> {
    await this.load();
    if (this.running) return;
    this.running = true;
    this.delivery.resume();
    this.heap.rebuild([...this.entries.values()].filter((e) => !this.busy.has(e)));
    this.arm();
  }

  /** Stops firing, waits for target calls in flight, and writes the state file. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.armedAt = undefined;
    // Due and retry-waiting fires stay in `entries` (and the file): they fire after start().
    await this.delivery.stop();
    await this.persist();
  }

  list(): LocalSchedule[] {
    return [...this.entries.values()].sort((a, b) => a.fireAt - b.fireAt || a.seq - b.seq).map(view);
  }

  get(name: string): LocalSchedule | undefined {
    const entry = this.entries.get(name);
    return entry && view(entry);
  }

  get size(): number {
    return this.entries.size;
  }

  /** Fires whose target kept failing, oldest first (the DLQ; the latest 10,000). */
  deadLetters(): readonly DeadLetter[] {
    return [...this.letters];
  }

  private arm(): void {
    if (!this.running) return;
    let head = this.heap.peek();
    while (head && this.entries.get(head.name) !== head) {
      this.heap.pop();
      head = this.heap.peek();
    }
    if (head) this.armTimer(head.fireAt);
  }

  private armTimer(at: number): void {
    if (this.timer && this.armedAt === at) return;
    if (this.timer) clearTimeout(this.timer);
    this.armedAt = at;
    this.timer = setTimeout(() => this.onTimer(), Math.min(MAX_TIMER_MS, Math.max(0, at - Date.now())));
  }

  private onTimer(): void {
    this.timer = undefined;
    this.armedAt = undefined;
    this.pump();
  }

  /**
   * Starts due fires while a concurrency slot is free, popping lazily so the first target call
   * does not wait for the whole batch; a settled delivery pumps again. Then arms the timer.
   */
  private pump(): void {
    // A delivery can settle synchronously inside start(); the loop below picks its slot up.
    if (!this.running || this.pumping) return;
    this.pumping = true;
    try {
      const now = Date.now();
      while (this.delivery.inFlight < this.options.concurrency) {
        const head = this.heap.peek();
        if (!head || head.fireAt > now) break;
        this.heap.pop();
        if (this.entries.get(head.name) !== head) continue;
        this.busy.add(head);
        this.delivery.start(head);
      }
    } finally {
      this.pumping = false;
    }
    // Slots full: the next settled delivery pumps. Timers can also wake a millisecond before the
    // wall clock agrees; arm() then waits the rest.
    if (this.delivery.inFlight < this.options.concurrency) this.arm();
  }

  private deadLetter(entry: Entry, attempts: number, error: unknown): void {
    const err = error instanceof Error ? error : new Error(String(error));
    const letter: DeadLetter = {
      ...view(entry),
      attempts,
      error: { name: err.name, message: err.message },
      deadLetteredAt: new Date(),
    };
    this.letters.push(letter);
    if (this.letters.length > DEAD_LETTER_LIMIT) this.letters.shift();
    this.logger.warn("scheduled fire dead-lettered", { ...ids(entry), attempts, error: err });
    try {
      this.options.onDeadLetter?.(letter);
    } catch (callbackError) {
      this.logger.error("dead-letter callback failed", { ...ids(entry), error: callbackError });
    }
    this.complete(entry);
  }

  /** ActionAfterCompletion DELETE, unless the target (or anyone) already replaced the schedule. */
  private complete(entry: Entry): void {
    if (this.entries.get(entry.name) !== entry) return;
    this.entries.delete(entry.name);
    this.persist().catch((error: unknown) =>
      this.logger.error("writing the schedule state failed", { ...ids(entry), error }),
    );
  }

  /** Drops replaced and removed entries once they outnumber the live ones. */
  private compact(): void {
    if (this.heap.size > 2 * this.entries.size + 1024) {
      this.heap.rebuild([...this.entries.values()].filter((e) => !this.busy.has(e)));
    }
  }

  private load(): Promise<void> {
    const file = this.options.stateFile;
    this.loaded ??= file
      ? readScheduleState(file).then((stored) => {
          // Every upsert and remove waits for this, so nothing in memory predates the file.
          for (const s of stored) {
            const entry: Entry = { ...s, seq: this.seq++ };
            this.entries.set(s.name, entry);
            this.heap.push(entry);
          }
        })
      : Promise.resolve();
    return this.loaded;
  }

  /**
   * Group commit: every change made before a write starts is in that write, and a caller waits for
   * the write holding its change, so N concurrent upserts cost one or two file writes, not N.
   */
  private persist(): Promise<void> {
    const file = this.options.stateFile;
    if (!file) return Promise.resolve();
    if (this.nextWrite) return this.nextWrite;
    const write = this.writeChain.then(() => {
      this.nextWrite = undefined;
      return writeScheduleState(file, [...this.entries.values()]);
    });
    this.nextWrite = write;
    this.writeChain = write.catch(() => undefined);
    return write;
  }
}

function view(entry: Entry): LocalSchedule {
  return { name: entry.name, fireAt: new Date(entry.fireAt), fire: entry.fire };
}

function ids(entry: Entry): Record<string, unknown> {
  return { schedule: entry.name, tenantId: entry.fire.tenantId, subscriberId: entry.fire.subscriberId };
}
