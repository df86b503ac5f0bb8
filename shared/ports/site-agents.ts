import type { SiteAgent } from "../domain/schemas/site-agent.js";

/** An enrollment code as stored: the hash of its secret, never the secret. */
export interface StoredEnrollmentCode {
  readonly tenantId: string;
  readonly siteId: string;
  /** SHA-256 (hex) of the code's secret part; also part of the item's key. */
  readonly codeHash: string;
  /** The site agent's generation when the code was issued: a revocation or enrollment since voids it. */
  readonly generation: number;
  readonly createdAt: string;
  readonly createdBy: string;
  readonly expiresAt: string;
  readonly usedAt?: string | undefined;
}

/** A site's agent as stored: the public record plus the hash of its current token, if enrolled. */
export interface StoredSiteAgent extends SiteAgent {
  readonly tokenHash?: string | undefined;
}

export interface SiteAgentRepository {
  getAgent(tenantId: string, siteId: string): Promise<StoredSiteAgent | undefined>;
  /** Stores a new code; the site must exist and not be archived (NotFoundError otherwise). */
  createCode(code: StoredEnrollmentCode): Promise<void>;
  getCode(tenantId: string, siteId: string, codeHash: string): Promise<StoredEnrollmentCode | undefined>;
  /**
   * In one transaction: marks the code used (it must be unused and unexpired at `now`), and replaces
   * the site's agent with `agent` (its generation must still be the code's), on a live site.
   * Throws EnrollmentRefusedError naming which condition failed.
   */
  redeemCode(code: StoredEnrollmentCode, agent: StoredSiteAgent, now: string): Promise<void>;
  /** Voids the current token and every outstanding code (generation + 1); creates the record if none. */
  revoke(tenantId: string, siteId: string, now: string): Promise<StoredSiteAgent>;
}

export type EnrollmentRefusal = "used" | "expired" | "superseded" | "site-unavailable";

/** Why a code could not be redeemed; the service maps each reason to a problem response. */
export class EnrollmentRefusedError extends Error {
  constructor(readonly reason: EnrollmentRefusal) {
    super(`Enrollment refused: ${reason}`);
    this.name = "EnrollmentRefusedError";
  }
}
