import type { ScheduledFire } from "../../ports/scheduler.js";

/**
 * Calls a schedule's target the way EventBridge Scheduler does with a RetryPolicy: on failure it
 * retries with exponential backoff until the attempts or the event age run out, then reports the
 * fire as dead-lettered. Callback style (no promise chain per fire, no timer per attempt: one
 * watchdog interval times out every attempt), so a burst of 10,000 fires stays cheap.
 */
export interface RetryPolicy {
  /** Retries after the first attempt. */
  readonly maximumRetryAttempts: number;
  /** Delay before the first retry, doubling after each. */
  readonly retryDelayMs: number;
  /** No retry starts once the fire is older than this. */
  readonly maximumEventAgeMs: number;
  /** An attempt still running after this (checked every quarter of it) counts as failed. */
  readonly attemptTimeoutMs: number;
}

export interface DeliveryJob {
  readonly fireAt: number;
  readonly fire: ScheduledFire;
}

export interface DeliveryHooks<J extends DeliveryJob> {
  /** False when the schedule was replaced or removed meanwhile: the job ends without a call. */
  isCurrent(job: J): boolean;
  delivered(job: J): void;
  retrying(job: J, attempt: number, error: unknown): void;
  deadLettered(job: J, attempts: number, error: unknown): void;
  /** Always last, once per started job, however it ended. */
  settled(job: J): void;
}

interface Attempt<J> {
  readonly job: J;
  readonly number: number;
  readonly deadline: number;
}

export class FireDelivery<J extends DeliveryJob> {
  private readonly attempts = new Set<Attempt<J>>();
  private readonly waiting = new Map<J, NodeJS.Timeout>();
  private watchdog: NodeJS.Timeout | undefined;
  private active = 0;
  private drained: (() => void)[] = [];
  private stopping = false;

  constructor(
    private readonly target: (fire: ScheduledFire) => Promise<void>,
    private readonly policy: RetryPolicy,
    private readonly hooks: DeliveryHooks<J>,
  ) {}

  /** Jobs started and not yet settled (attempting or waiting to retry). */
  get inFlight(): number {
    return this.active;
  }

  start(job: J): void {
    this.active++;
    this.try(job, 1);
  }

  /** Accepts jobs again after stop(). */
  resume(): void {
    this.stopping = false;
  }

  /** Abandons retry waits (their schedules stay pending) and waits for attempts in flight. */
  stop(): Promise<void> {
    this.stopping = true;
    for (const [job, timer] of this.waiting) {
      clearTimeout(timer);
      this.waiting.delete(job);
      this.settle(job);
    }
    if (this.active === 0) return Promise.resolve();
    return new Promise((resolve) => this.drained.push(resolve));
  }

  private try(job: J, number: number): void {
    if (this.stopping || !this.hooks.isCurrent(job)) {
      this.settle(job);
      return;
    }
    const attempt: Attempt<J> = { job, number, deadline: Date.now() + this.policy.attemptTimeoutMs };
    let call: Promise<void>;
    try {
      call = Promise.resolve(this.target(job.fire));
    } catch (error) {
      this.failed(job, number, error);
      return;
    }
    this.attempts.add(attempt);
    this.startWatchdog();
    call.then(
      () => {
        if (!this.attempts.delete(attempt)) return; // timed out already
        this.hooks.delivered(job);
        this.settle(job);
      },
      (error: unknown) => {
        if (this.attempts.delete(attempt)) this.failed(job, number, error);
      },
    );
  }

  private failed(job: J, number: number, error: unknown): void {
    const tooOld = Date.now() - job.fireAt >= this.policy.maximumEventAgeMs;
    if (number > this.policy.maximumRetryAttempts || tooOld) {
      this.hooks.deadLettered(job, number, error);
      this.settle(job);
      return;
    }
    this.hooks.retrying(job, number, error);
    if (this.stopping) {
      this.settle(job);
      return;
    }
    const delay = this.policy.retryDelayMs * 2 ** (number - 1);
    this.waiting.set(
      job,
      setTimeout(() => {
        this.waiting.delete(job);
        this.try(job, number + 1);
      }, delay),
    );
  }

  private settle(job: J): void {
    this.active--;
    this.hooks.settled(job);
    if (this.active > 0) return;
    if (this.watchdog) clearInterval(this.watchdog);
    this.watchdog = undefined;
    for (const resolve of this.drained.splice(0)) resolve();
  }

  private startWatchdog(): void {
    if (this.watchdog) return;
    const timeoutMs = this.policy.attemptTimeoutMs;
    this.watchdog = setInterval(
      () => {
        const now = Date.now();
        for (const attempt of this.attempts) {
          if (attempt.deadline > now) continue;
          this.attempts.delete(attempt);
          this.failed(attempt.job, attempt.number, new Error(`target did not finish within ${timeoutMs} ms`));
        }
        if (this.attempts.size === 0) {
          clearInterval(this.watchdog);
          this.watchdog = undefined;
        }
      },
      Math.max(5, Math.min(1000, Math.ceil(timeoutMs / 4))),
    );
  }
}
