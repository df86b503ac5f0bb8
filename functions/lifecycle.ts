import * as z from "zod";
import type { ScheduledFire } from "../shared/ports/scheduler.js";
import { handleFire } from "../shared/services/lifecycle.js";
import { functionDeps } from "./deps.js";

/** EventBridge Scheduler's target: the schedule's Input is the event. */
const FireSchema = z.object({
  tenantId: z.string().min(1),
  subscriberId: z.string().min(1),
  kind: z.string().min(1),
  dueAt: z.string().min(1),
  version: z.number().int().min(1),
  data: z.record(z.string(), z.unknown()).optional(),
  packageId: z.string().min(1).optional(),
});

export async function handler(event: unknown): Promise<{ outcome: string }> {
  const deps = functionDeps();
  const parsed = FireSchema.safeParse(event);
  if (!parsed.success) {
    // Not retryable: a malformed input would only fail again. Logged for the DLQ alarm's follow-up.
    deps.logger.error("malformed scheduler input", {
      issues: parsed.error.issues.map((i) => i.path.join(".")),
    });
    return { outcome: "rejected" };
  }
  return { outcome: await handleFire(deps, parsed.data as ScheduledFire) };
}
