import {
  mintAgentToken,
  mintEnrollmentCode,
  parseAgentToken,
  parseEnrollmentCode,
  sameDigest,
  sha256Hex,
} from "../domain/agent-secrets.js";
import { ConflictError, UnauthorizedError } from "../domain/errors.js";
import {
  type AgentCredentials,
  type AgentDevice,
  type AgentEnrollment,
  type EnrollmentCode,
  type SiteAgent,
  toPublicSiteAgent,
} from "../domain/schemas/site-agent.js";
import { AgentCredentialsError } from "../ports/agent-credentials.js";
import { EnrollmentRefusedError, type StoredSiteAgent } from "../ports/site-agents.js";
import type { Caller, ServiceDeps } from "./caller.js";
import { getSite } from "./sites.js";

/*
 * Enrolling an edge agent without long-lived AWS keys (DESIGN decision 4):
 *   1. an admin asks for a one-time code for a site (valid 30 minutes, stored hashed);
 *   2. the agent exchanges it, once, for an agent token (stored hashed, tied to the site and to the
 *      site agent's generation);
 *   3. the agent trades the token for short-lived AWS credentials scoped to its own queue.
 * Revoking bumps the generation: the token and any unused code stop working at once, and the
 * credentials already handed out lapse within their lifetime.
 */

export const ENROLLMENT_CODE_TTL_MS = 30 * 60_000;

export async function createEnrollmentCode(
  deps: ServiceDeps,
  caller: Caller,
  siteId: string,
): Promise<EnrollmentCode> {
  const [site, agent] = await Promise.all([
    getSite(deps, caller, siteId),
    deps.repos.siteAgents.getAgent(caller.tenantId, siteId),
  ]);
  if (site.archived) throw new ConflictError(`Site ${siteId} is archived`);
  const now = deps.clock.now();
  const expiresAt = new Date(now.getTime() + ENROLLMENT_CODE_TTL_MS).toISOString();
  const { code, hash } = mintEnrollmentCode(caller.tenantId, siteId);
  await deps.repos.siteAgents.createCode({
    tenantId: caller.tenantId,
    siteId,
    codeHash: hash,
    generation: agent?.generation ?? 0,
    createdAt: now.toISOString(),
    createdBy: caller.actor.id,
    expiresAt,
  });
  deps.logger.info("enrollment code issued", { tenantId: caller.tenantId, siteId, expiresAt });
  return { code, tenantId: caller.tenantId, siteId, expiresAt };
}

const REFUSALS: Record<EnrollmentRefusedError["reason"], () => Error> = {
  used: () => new ConflictError("This enrollment code was already used; ask an admin for a new one"),
  expired: () => new UnauthorizedError("This enrollment code has expired; ask an admin for a new one"),
  superseded: () =>
    new UnauthorizedError(
      "This enrollment code was voided by a later enrollment or revocation; ask an admin for a new one",
    ),
  "site-unavailable": () => new ConflictError("The site no longer exists or is archived"),
};

/** Exchanges a code for the site's agent token, exactly once. The token is in this answer only. */
export async function enrollAgent(
  deps: ServiceDeps,
  code: string,
  device?: AgentDevice,
): Promise<AgentEnrollment> {
  const parts = parseEnrollmentCode(code);
  if (!parts) throw new UnauthorizedError("Invalid enrollment code");
  const { tenantId, siteId } = parts;
  const [stored, tenant] = await Promise.all([
    deps.repos.siteAgents.getCode(tenantId, siteId, sha256Hex(parts.secret)),
    deps.repos.tenants.get(tenantId),
  ]);
  if (!stored || tenant?.status !== "active") throw new UnauthorizedError("Invalid enrollment code");
  const now = deps.clock.now().toISOString();
  if (stored.usedAt) throw REFUSALS.used();
  if (stored.expiresAt <= now) throw REFUSALS.expired();

  const generation = stored.generation + 1;
  const { token, hash } = mintAgentToken(tenantId, siteId, generation);
  const agent: StoredSiteAgent = {
    tenantId,
    siteId,
    status: "enrolled",
    generation,
    enrolledAt: now,
    ...(device ? { device } : {}),
    updatedAt: now,
    tokenHash: hash,
  };
  try {
    await deps.repos.siteAgents.redeemCode(stored, agent, now);
  } catch (error) {
    if (error instanceof EnrollmentRefusedError) throw REFUSALS[error.reason]();
    throw error;
  }
  deps.logger.info("edge agent enrolled", { tenantId, siteId, generation });
  return { token, tenantId, siteId, generation, enrolledAt: now };
}

export interface AuthenticatedAgent {
  readonly tenantId: string;
  readonly siteId: string;
  readonly generation: number;
}

/** Resolves `Authorization: Bearer agt....` to its site, reading the current generation every time. */
export async function authenticateAgent(
  deps: ServiceDeps,
  authorization: string | undefined,
): Promise<AuthenticatedAgent> {
  const [scheme, token] = (authorization ?? "").trim().split(/\s+/, 2);
  const parts = scheme?.toLowerCase() === "bearer" && token ? parseAgentToken(token) : undefined;
  if (!parts) throw new UnauthorizedError("Send the agent token as Authorization: Bearer <token>");
  const { tenantId, siteId } = parts;
  const [agent, tenant, site] = await Promise.all([
    deps.repos.siteAgents.getAgent(tenantId, siteId),
    deps.repos.tenants.get(tenantId),
    deps.repos.sites.get(tenantId, siteId),
  ]);
  if (agent && parts.generation < agent.generation) {
    throw new UnauthorizedError(
      "This agent token was revoked or replaced by a newer enrollment; enroll the agent again with a new code",
    );
  }
  const current =
    agent?.status === "enrolled" &&
    agent.generation === parts.generation &&
    sameDigest(agent.tokenHash ?? "", sha256Hex(parts.secret));
  if (!current) throw new UnauthorizedError("Invalid agent token");
  if (tenant?.status !== "active") throw new UnauthorizedError("The tenant is disabled");
  if (!site || site.archived) throw new UnauthorizedError("The site no longer exists or is archived");
  return { tenantId, siteId, generation: parts.generation };
}

/** Short-lived AWS credentials for an authenticated agent: its own queue and the events queue only. */
export async function issueAgentCredentials(
  deps: ServiceDeps,
  authorization: string | undefined,
): Promise<AgentCredentials> {
  const issuer = deps.agentCredentials;
  // Wired by functions/api/agent.ts only; anywhere else this is a deployment fault, not the caller's.
  if (!issuer) throw new AgentCredentialsError("No agent credential issuer is configured");
  const agent = await authenticateAgent(deps, authorization);
  const credentials = await issuer.issue({ tenantId: agent.tenantId, siteId: agent.siteId });
  deps.logger.info("agent credentials issued", {
    tenantId: agent.tenantId,
    siteId: agent.siteId,
    generation: agent.generation,
    expiresAt: credentials.expiration,
  });
  return credentials;
}

/** Cuts the site's agent off: its token and every unused code stop working now. */
export async function revokeSiteAgent(deps: ServiceDeps, caller: Caller, siteId: string): Promise<SiteAgent> {
  await getSite(deps, caller, siteId);
  const revoked = await deps.repos.siteAgents.revoke(caller.tenantId, siteId, deps.clock.now().toISOString());
  deps.logger.info("edge agent revoked", {
    tenantId: caller.tenantId,
    siteId,
    generation: revoked.generation,
  });
  return toPublicSiteAgent(revoked);
}
