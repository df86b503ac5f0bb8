import * as z from "zod";
import { LocalAgentCredentialIssuer } from "../shared/adapters/agent-credentials/local.js";
import {
  MAX_AGENT_CREDENTIAL_SECONDS,
  MIN_AGENT_CREDENTIAL_SECONDS,
  StsAgentCredentialIssuer,
} from "../shared/adapters/agent-credentials/sts.js";
import { ConfigError } from "../shared/config.js";
import type { Clock } from "../shared/domain/clock.js";
import type { AgentCredentialIssuer } from "../shared/ports/agent-credentials.js";
import type { ServiceDeps } from "../shared/services/caller.js";
import { functionDeps } from "./deps.js";

const AgentCredentialsConfigSchema = z
  .object({
    AWS_REGION: z.string().min(1).default("us-east-1"),
    SITE_QUEUE_PREFIX: z.string().regex(/^[A-Za-z0-9_-]{1,16}$/),
    /** Local mode: no STS; the agent gets the local queue's static credentials and this endpoint. */
    SQS_ENDPOINT: z.url().optional(),
    /** The role agents' credentials are for (trusts this function's role only). */
    EDGE_AGENT_ROLE_ARN: z.string().startsWith("arn:").optional(),
    /** The shared events queue; the session policy names it and the site's own queue. */
    AGENT_EVENTS_QUEUE_ARN: z.string().startsWith("arn:").optional(),
    /** Credential lifetime: also the longest a revoked agent keeps working. */
    AGENT_CREDENTIALS_SECONDS: z.coerce
      .number()
      .int()
      .min(MIN_AGENT_CREDENTIAL_SECONDS)
      .max(MAX_AGENT_CREDENTIAL_SECONDS)
      .default(MAX_AGENT_CREDENTIAL_SECONDS),
  })
  .refine((c) => c.SQS_ENDPOINT || (c.EDGE_AGENT_ROLE_ARN && c.AGENT_EVENTS_QUEUE_ARN), {
    message: "EDGE_AGENT_ROLE_ARN and AGENT_EVENTS_QUEUE_ARN are required outside local mode",
  });

/** The STS issuer in the cloud, the local one when SQS_ENDPOINT points at the local queue. */
export function agentCredentialIssuerFromEnv(
  clock: Clock,
  env: NodeJS.ProcessEnv = process.env,
): AgentCredentialIssuer {
  const parsed = AgentCredentialsConfigSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".") || "env"}: ${i.message}`).join("; ");
    throw new ConfigError(`Invalid agent credentials configuration: ${problems}`);
  }
  const c = parsed.data;
  if (c.SQS_ENDPOINT) {
    return new LocalAgentCredentialIssuer({
      endpoint: c.SQS_ENDPOINT,
      region: c.AWS_REGION,
      clock,
      durationSeconds: c.AGENT_CREDENTIALS_SECONDS,
    });
  }
  return new StsAgentCredentialIssuer({
    roleArn: c.EDGE_AGENT_ROLE_ARN ?? "",
    eventsQueueArn: c.AGENT_EVENTS_QUEUE_ARN ?? "",
    siteQueuePrefix: c.SITE_QUEUE_PREFIX,
    durationSeconds: c.AGENT_CREDENTIALS_SECONDS,
  });
}

let cached: ServiceDeps | undefined;

/** The shared adapters plus the credential issuer, which only the agent function is allowed to use. */
export function agentDeps(): ServiceDeps {
  if (cached) return cached;
  const deps = functionDeps();
  cached = { ...deps, agentCredentials: agentCredentialIssuerFromEnv(deps.clock) };
  return cached;
}
