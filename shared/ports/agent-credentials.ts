import type { AgentCredentials } from "../domain/schemas/site-agent.js";

/** Which agent the credentials are for; the issuer scopes them to this site's queue and the events queue. */
export interface AgentCredentialRequest {
  readonly tenantId: string;
  readonly siteId: string;
}

/**
 * Issues short-lived AWS credentials to an authenticated edge agent: STS AssumeRole with a session
 * policy in the cloud, the local queue's static credentials in local mode.
 */
export interface AgentCredentialIssuer {
  issue(request: AgentCredentialRequest): Promise<AgentCredentials>;
}

/** The issuer could not produce credentials (STS refused or failed); an internal fault for the caller. */
export class AgentCredentialsError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "AgentCredentialsError";
  }
}
