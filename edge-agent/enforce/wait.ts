import { setTimeout as delay } from "node:timers/promises";

/** Longest single timer; waits beyond it re-arm, so a wall-clock step is noticed too. */
const MAX_SLICE_MS = 60_000;
const MAX_SLICES = 10_000;

/** Resolves after `ms`; rejects with the signal's reason when it aborts first. */
export async function sleep(ms: number, signal: AbortSignal): Promise<void> {
  signal.throwIfAborted();
  if (ms <= 0) return;
  try {
    await delay(ms, undefined, { signal });
  } catch (error) {
    signal.throwIfAborted();
    throw error;
  }
}

/**
 * Resolves at the instant `at` (epoch ms) by the given clock, or at once when it has passed. Timers
 * can fire a little early, so the clock is read again after every wake-up. Bounded: each slice
 * waits at most a minute, and a clock that stands still ends the loop after MAX_SLICES.
 */
export async function waitUntil(
  at: number,
  signal: AbortSignal,
  now: () => number = Date.now,
): Promise<void> {
  for (let i = 0, remaining = at - now(); remaining > 0 && i < MAX_SLICES; i++, remaining = at - now()) {
    await sleep(Math.min(Math.ceil(remaining), MAX_SLICE_MS), signal);
  }
}
