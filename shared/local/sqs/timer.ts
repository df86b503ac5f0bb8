const MAX_TIMER_MS = 3_600_000;

/**
 * One timer that guarantees a wake-up no later than the earliest instant asked for. Node may fire a
 * timer a little early against `Date.now()`; the owner re-checks due times and asks again.
 */
export class DeadlineTimer {
  private timer: NodeJS.Timeout | undefined;
  private at = Number.POSITIVE_INFINITY;

  constructor(private readonly fire: () => void) {}

  /** Wakes up at `at` (epoch ms) unless already set to wake up earlier. */
  ensure(at: number): void {
    if (at >= this.at) return;
    this.cancel();
    if (at === Number.POSITIVE_INFINITY) return;
    const delay = Math.min(MAX_TIMER_MS, Math.max(0, at - Date.now()));
    this.at = Date.now() + delay;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.at = Number.POSITIVE_INFINITY;
      this.fire();
    }, delay);
    this.timer.unref();
  }

  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.at = Number.POSITIVE_INFINITY;
  }
}
