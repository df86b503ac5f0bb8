import * as z from "zod";
import { RadiusConfigError } from "./errors.js";

/**
 * Retransmission per RFC 5080 section 2.2.1 (borrowing RFC 3315's algorithm): the first wait is
 * `initialTimeoutMs`, each later one doubles up to `maxTimeoutMs`, every wait is spread by
 * +/- `jitter`, and the request gives up after `maxAttempts` datagrams or `maxDurationMs` overall.
 */
export const RetryPolicySchema = z
  .object({
    /** @default 2000 (RFC 5080 IRT) */
    initialTimeoutMs: z.number().int().positive().max(60_000),
    /** @default 16000 (RFC 5080 MRT) */
    maxTimeoutMs: z.number().int().positive().max(120_000),
    /** @default 5 (RFC 5080 MRC) */
    maxAttempts: z.number().int().min(1).max(10),
    /** @default 30000 (RFC 5080 MRD) */
    maxDurationMs: z.number().int().positive().max(300_000),
    /** Fraction of each wait added or removed at random. @default 0.1 */
    jitter: z.number().min(0).max(0.5),
  })
  .strict();
export type RetryPolicy = z.infer<typeof RetryPolicySchema>;

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  initialTimeoutMs: 2_000,
  maxTimeoutMs: 16_000,
  maxAttempts: 5,
  maxDurationMs: 30_000,
  jitter: 0.1,
};

/** Merges overrides onto a base policy and validates the result; unknown keys fail loudly. */
export function resolveRetryPolicy(base: RetryPolicy, overrides?: Partial<RetryPolicy>): RetryPolicy {
  const parsed = RetryPolicySchema.safeParse({ ...base, ...overrides });
  if (!parsed.success) {
    throw new RadiusConfigError(`invalid retry policy: ${z.prettifyError(parsed.error)}`, {
      cause: parsed.error,
    });
  }
  return parsed.data;
}

/** The wait after sending attempt number `attempt` (1-based), before jitter is capped by the budget. */
export function attemptTimeout(policy: RetryPolicy, attempt: number, random: () => number): number {
  const base = Math.min(policy.initialTimeoutMs * 2 ** (attempt - 1), policy.maxTimeoutMs);
  const spread = 1 + policy.jitter * (2 * random() - 1);
  return Math.max(1, Math.round(base * spread));
}
