import { describe, expect, it } from "vitest";
import { RadiusConfigError, RadiusDaClient } from "../../../edge-agent/radius/index.js";
import {
  attemptTimeout,
  DEFAULT_RETRY_POLICY,
  resolveRetryPolicy,
} from "../../../edge-agent/radius/retry.js";

describe("retry policy", () => {
  it("defaults to RFC 5080: 2 s doubling to 16 s, 5 tries, 30 s overall, 10% jitter", () => {
    const waits = [1, 2, 3, 4, 5, 6].map((attempt) =>
      attemptTimeout(DEFAULT_RETRY_POLICY, attempt, () => 0.5),
    );

    expect(waits).toEqual([2000, 4000, 8000, 16000, 16000, 16000]);
    expect(DEFAULT_RETRY_POLICY).toMatchObject({ maxAttempts: 5, maxDurationMs: 30_000, jitter: 0.1 });
  });

  it("spreads each wait by at most the jitter fraction", () => {
    expect(attemptTimeout(DEFAULT_RETRY_POLICY, 1, () => 0)).toBe(1800);
    expect(attemptTimeout(DEFAULT_RETRY_POLICY, 1, () => 0.999999)).toBe(2200);
  });

  it("rejects unknown keys and out-of-range values loudly", () => {
    expect(() => resolveRetryPolicy(DEFAULT_RETRY_POLICY, { maxAttempts: 0 })).toThrow(RadiusConfigError);
    expect(() => resolveRetryPolicy(DEFAULT_RETRY_POLICY, { jitter: 2 })).toThrow(RadiusConfigError);
    expect(() => new RadiusDaClient({ retry: { maxTries: 3 } as never })).toThrow(RadiusConfigError);
    expect(() => new RadiusDaClient({ bindPort: 70_000 })).toThrow(RadiusConfigError);
  });
});
