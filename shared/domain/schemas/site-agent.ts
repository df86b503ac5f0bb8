import * as z from "zod";
import { ENROLLMENT_CODE_RE } from "../agent-secrets.js";
import { idSchema } from "../ids.js";
import { InstantSchema } from "./common.js";

/*
 * Agent enrollment on the wire. The edge agent parses the cloud's answers with these same schemas.
 */

const TenantId = idSchema("tenant");
const SiteId = idSchema("site");

export const EnrollmentCodeSchema = z
  .object({
    code: z.string().meta({ description: "Give it to `isp-edge-agent enroll`. Shown once, usable once" }),
    tenantId: TenantId,
    siteId: SiteId,
    expiresAt: InstantSchema,
  })
  .meta({ id: "EnrollmentCode", description: "A one-time code that enrolls one edge agent for a site" });
export type EnrollmentCode = z.infer<typeof EnrollmentCodeSchema>;

export const AgentDeviceSchema = z
  .object({
    hostname: z.string().min(1).max(253, { message: "must be at most 253 characters" }),
    agentVersion: z.string().min(1).max(64, { message: "must be at most 64 characters" }),
  })
  .strict()
  .meta({ id: "AgentDevice", description: "The machine that enrolled, as it described itself" });
export type AgentDevice = z.infer<typeof AgentDeviceSchema>;

export const EnrollAgentSchema = z
  .object({
    code: z
      .string()
      .max(128, { message: "must be at most 128 characters" })
      .regex(ENROLLMENT_CODE_RE, { message: "must be an enrollment code (ENR-<tenant>-<site>-<secret>)" }),
    device: AgentDeviceSchema.optional(),
  })
  .strict()
  .meta({ id: "EnrollAgent" });
export type EnrollAgentInput = z.infer<typeof EnrollAgentSchema>;

export const AgentEnrollmentSchema = z
  .object({
    token: z
      .string()
      .meta({ description: "The agent's bearer token. Shown once; keep it on the device only" }),
    tenantId: TenantId,
    siteId: SiteId,
    generation: z.number().int().min(1),
    enrolledAt: InstantSchema,
  })
  .meta({ id: "AgentEnrollment" });
export type AgentEnrollment = z.infer<typeof AgentEnrollmentSchema>;

export const AgentCredentialsSchema = z
  .object({
    accessKeyId: z.string().min(1),
    secretAccessKey: z.string().min(1),
    sessionToken: z.string().min(1),
    expiration: InstantSchema,
    region: z.string().min(1),
    endpoint: z.url().optional().meta({ description: "Set only by the local cloud: its SQS endpoint" }),
  })
  .meta({
    id: "AgentCredentials",
    description: "Short-lived AWS credentials that can receive from the site's queue and send agent events",
  });
export type AgentCredentials = z.infer<typeof AgentCredentialsSchema>;

export const SiteAgentStatusSchema = z.enum(["enrolled", "revoked"]);

export const SiteAgentSchema = z
  .object({
    tenantId: TenantId,
    siteId: SiteId,
    status: SiteAgentStatusSchema,
    generation: z
      .number()
      .int()
      .min(1)
      .meta({ description: "Bumped by every enrollment and revocation; only the latest token works" }),
    enrolledAt: InstantSchema.optional(),
    device: AgentDeviceSchema.optional().meta({ description: "The device of the latest enrollment" }),
    revokedAt: InstantSchema.optional(),
    updatedAt: InstantSchema,
  })
  .meta({ id: "SiteAgent", description: "Whether a site has an enrolled edge agent" });
export type SiteAgent = z.infer<typeof SiteAgentSchema>;

/** The stored record as clients see it: parsing strips the token hash. */
export function toPublicSiteAgent(stored: SiteAgent): SiteAgent {
  return SiteAgentSchema.parse(stored);
}
