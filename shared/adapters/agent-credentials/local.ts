import type { Clock } from "../../domain/clock.js";
import type { AgentCredentials } from "../../domain/schemas/site-agent.js";
import type { AgentCredentialIssuer, AgentCredentialRequest } from "../../ports/agent-credentials.js";

export interface LocalAgentCredentialIssuerOptions {
  /** The local SQS endpoint the agent should use. */
  readonly endpoint: string;
  readonly region: string;
  readonly clock: Clock;
  /** @default 3600 */
  readonly durationSeconds?: number;
}

/**
 * Local mode has no STS: the local queue accepts the same static credentials every local client
 * uses, so the agent gets those (with an expiry, so its refresh path runs as in the cloud) and the
 * queue's endpoint.
 */
export class LocalAgentCredentialIssuer implements AgentCredentialIssuer {
  constructor(private readonly options: LocalAgentCredentialIssuerOptions) {}

  async issue(_request: AgentCredentialRequest): Promise<AgentCredentials> {
    const seconds = this.options.durationSeconds ?? 3600;
    return {
      accessKeyId: "local",
      secretAccessKey: "local",
      sessionToken: "local",
      expiration: new Date(this.options.clock.now().getTime() + seconds * 1000).toISOString(),
      region: this.options.region,
      endpoint: this.options.endpoint,
    };
  }
}
