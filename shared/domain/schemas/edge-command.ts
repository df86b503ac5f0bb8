import * as z from "zod";
import { idSchema } from "../ids.js";
import { InstantSchema, VersionSchema } from "./common.js";
import { ServiceSchema, SubscriberIdSchema, UsernameSchema } from "./subscriber.js";

/*
 * The contract between the cloud and the on-prem edge agent (decision 3). A command is DESIRED STATE
 * for one subscriber on one NAS as of a subscriber version, never a step: queues duplicate and
 * reorder, so the agent keeps the highest version it applied per subscriber and ignores older ones.
 * Objects here are not strict on purpose: an older agent must still accept commands from a newer
 * cloud that added a field.
 */

export const EdgeCommandReasonSchema = z.enum([
  "provisioned",
  "reconcile",
  "expired",
  "grace_ended",
  "unpaid",
  "renewed",
  "package_changed",
  "manual_suspend",
  "resumed",
  "paused",
  "unpaused",
  "expiry_changed",
  "terminated",
]);
export type EdgeCommandReason = z.infer<typeof EdgeCommandReasonSchema>;

export const RateLimitSchema = z.object({
  downloadKbps: z.number().int().min(8).max(100_000_000),
  uploadKbps: z.number().int().min(8).max(100_000_000),
});
export type RateLimit = z.infer<typeof RateLimitSchema>;

export const DesiredStateSchema = z
  .discriminatedUnion("state", [
    z.object({
      state: z.literal("active"),
      rateLimit: RateLimitSchema,
      profile: z.string().max(64).optional().meta({ description: "PPP / hotspot user profile to use" }),
      until: InstantSchema.optional().meta({
        description: "When the connection must end unless renewed: the RADIUS Session-Timeout cap",
      }),
    }),
    z.object({ state: z.literal("suspended") }).meta({
      description:
        "Login refused or walled (e.g. an expired profile / address list) and live sessions dropped",
    }),
    z.object({ state: z.literal("disconnected") }).meta({
      description: "Terminated: login disabled and live sessions dropped; nothing is served",
    }),
  ])
  .meta({ id: "EdgeDesiredState" });
export type DesiredState = z.infer<typeof DesiredStateSchema>;

export const EdgeCommandSchema = z
  .object({
    /** Deterministic per subscriber version, so a re-send of the same state has the same id. */
    commandId: z.string().min(1).max(128),
    tenantId: idSchema("tenant"),
    siteId: idSchema("site"),
    nasId: idSchema("nas").optional(),
    subscriberId: SubscriberIdSchema,
    username: UsernameSchema,
    service: ServiceSchema,
    desired: DesiredStateSchema,
    version: VersionSchema.meta({ description: "The subscriber version this state reflects" }),
    reason: EdgeCommandReasonSchema,
    notBefore: InstantSchema.meta({ description: "Take effect at this instant, not earlier" }),
    issuedAt: InstantSchema,
  })
  .meta({ id: "EdgeCommand" });
export type EdgeCommand = z.infer<typeof EdgeCommandSchema>;

export const EdgeCommandOutcomeSchema = z.enum(["applied", "verified", "failed", "skipped_stale"]);
export type EdgeCommandOutcome = z.infer<typeof EdgeCommandOutcomeSchema>;

export const EdgeCommandResultSchema = z
  .object({
    commandId: z.string().min(1).max(128),
    subscriberId: SubscriberIdSchema,
    version: VersionSchema,
    outcome: EdgeCommandOutcomeSchema,
    reason: z.string().max(500).optional(),
    at: InstantSchema,
    /** What the agent read back from the router after acting (decision 5). */
    observed: z
      .object({
        online: z.boolean(),
        sessions: z.number().int().min(0).optional(),
        disabled: z.boolean().optional(),
        rateLimit: z.string().max(64).optional(),
        profile: z.string().max(64).optional(),
      })
      .optional(),
  })
  .meta({ id: "EdgeCommandResult" });
export type EdgeCommandResult = z.infer<typeof EdgeCommandResultSchema>;

/**
 * The MikroTik `rate-limit` / Mikrotik-Rate-Limit value "rx/tx". The router's rx is what the
 * client uploads, so upload comes first. RouterOS reads k and M as powers of 1000.
 */
export function mikrotikRateLimit(rate: RateLimit): string {
  return `${rateUnit(rate.uploadKbps)}/${rateUnit(rate.downloadKbps)}`;
}

function rateUnit(kbps: number): string {
  return kbps % 1000 === 0 ? `${kbps / 1000}M` : `${kbps}k`;
}
