/** A recurring job of the local cloud, standing in for an EventBridge Scheduler rate schedule. */
export interface Interval {
  stop(): Promise<void>;
}

/**
 * Runs `job` every `ms`, never two at once (a run that takes longer delays the next); a failed run
 * is dropped like a failed scheduled invocation with no retries. `stop` waits for a run in flight.
 */
export function every(ms: number, job: () => Promise<unknown>): Interval {
  let running: Promise<void> | undefined;
  const timer = setInterval(() => {
    if (running) return;
    running = job()
      .then(() => undefined)
      .catch(() => undefined)
      .finally(() => {
        running = undefined;
      });
  }, ms);
  timer.unref();
  return {
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
}
