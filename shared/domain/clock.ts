/** Time source port: domain code never calls Date.now() directly so tests can pin the clock. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
