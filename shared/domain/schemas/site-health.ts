import * as z from "zod";
import { idSchema } from "../ids.js";
import { InstantSchema } from "./common.js";

/** What the cloud knows of a site's edge agent, from its heartbeats. */
export const AgentHealthSchema = z
  .object({
    status: z
      .enum(["online", "silent", "stopped"])
      .meta({ description: "silent: no heartbeat for 5 minutes" }),
    lastHeartbeatAt: InstantSchema,
    agentVersion: z.string(),
    startedAt: InstantSchema,
    inFlight: z.number().int(),
    queueLagSeconds: z.number(),
    commands: z.record(z.string(), z.number().int()),
    nas: z.array(
      z.object({
        nasId: idSchema("nas"),
        reachable: z.boolean().nullable(),
        lastSuccessAt: InstantSchema.optional(),
        lastFailureAt: InstantSchema.optional(),
        lastError: z.string().optional(),
      }),
    ),
  })
  .meta({ id: "AgentHealth" });
export type AgentHealth = z.infer<typeof AgentHealthSchema>;

/** Subscribers the router showed online although they must not be, and what was done about it. */
export const DriftItemSchema = z.object({
  subscriberId: idSchema("subscriber"),
  username: z.string(),
  status: z.string(),
  nasId: idSchema("nas"),
  detectedAt: InstantSchema,
  correction: z.literal("command_resent"),
  commandId: z.string(),
});
export type DriftItem = z.infer<typeof DriftItemSchema>;

export const DriftReportSchema = z
  .object({
    checkedAt: InstantSchema,
    nasId: idSchema("nas"),
    sessions: z.number().int(),
    items: z.array(DriftItemSchema),
  })
  .meta({ id: "DriftReport" });
export type DriftReport = z.infer<typeof DriftReportSchema>;

export const SiteHealthSchema = z.object({
  agent: AgentHealthSchema.optional(),
  /** The latest drift check per NAS. */
  drift: z.array(DriftReportSchema).optional(),
});
export type SiteHealth = z.infer<typeof SiteHealthSchema>;

/** Two missed heartbeats at the agent's default 120 s, plus slack for the queue. */
export const SILENT_AFTER_MS = 5 * 60_000;
