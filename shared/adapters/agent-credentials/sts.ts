import {
  AssumeRoleCommand,
  type AssumeRoleCommandOutput,
  STSClient,
  type STSClientConfig,
} from "@aws-sdk/client-sts";
import {
  agentSessionName,
  agentSessionPolicy,
  agentSessionTags,
  parseQueueArn,
  siteQueueArn,
} from "../../domain/agent-session-policy.js";
import type { AgentCredentials } from "../../domain/schemas/site-agent.js";
import {
  type AgentCredentialIssuer,
  type AgentCredentialRequest,
  AgentCredentialsError,
} from "../../ports/agent-credentials.js";

export const MIN_AGENT_CREDENTIAL_SECONDS = 900;
export const MAX_AGENT_CREDENTIAL_SECONDS = 3600;

export interface StsAgentCredentialIssuerOptions {
  /** The edge-agent role: its trust policy names the credentials function's role only. */
  readonly roleArn: string;
  /** The shared agent-events queue; site queues are found beside it. */
  readonly eventsQueueArn: string;
  /** Per-site queues are `${siteQueuePrefix}-${tenantId}-${siteId}`. */
  readonly siteQueuePrefix: string;
  /**
   * Credential lifetime, 900-3600 s (the role's maximum session is one hour). A revoked agent keeps
   * what it already holds for at most this long.
   * @default 3600
   */
  readonly durationSeconds?: number;
  readonly client?: STSClient;
  readonly clientConfig?: STSClientConfig;
}

/**
 * AssumeRole with a session policy naming exactly the site's queue and the events queue, session
 * tags naming tenant and site (the role's identity policy keys on them too), and a session name
 * CloudTrail shows on every call the agent makes.
 */
export class StsAgentCredentialIssuer implements AgentCredentialIssuer {
  private readonly client: STSClient;
  private readonly durationSeconds: number;
  private readonly region: string;

  constructor(private readonly options: StsAgentCredentialIssuerOptions) {
    const duration = options.durationSeconds ?? MAX_AGENT_CREDENTIAL_SECONDS;
    if (
      !Number.isInteger(duration) ||
      duration < MIN_AGENT_CREDENTIAL_SECONDS ||
      duration > MAX_AGENT_CREDENTIAL_SECONDS
    ) {
      throw new AgentCredentialsError(
        `durationSeconds must be a whole number from ${MIN_AGENT_CREDENTIAL_SECONDS} to ${MAX_AGENT_CREDENTIAL_SECONDS}, got ${duration}`,
      );
    }
    if (!/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/.test(options.roleArn)) {
      throw new AgentCredentialsError(`Not an IAM role ARN: "${options.roleArn}"`);
    }
    this.region = parseQueueArn(options.eventsQueueArn).region;
    this.durationSeconds = duration;
    this.client = options.client ?? new STSClient(options.clientConfig ?? { region: this.region });
  }

  async issue({ tenantId, siteId }: AgentCredentialRequest): Promise<AgentCredentials> {
    const policy = agentSessionPolicy({
      siteQueueArn: siteQueueArn(this.options.eventsQueueArn, this.options.siteQueuePrefix, tenantId, siteId),
      eventsQueueArn: this.options.eventsQueueArn,
    });
    let out: AssumeRoleCommandOutput;
    try {
      out = await this.client.send(
        new AssumeRoleCommand({
          RoleArn: this.options.roleArn,
          RoleSessionName: agentSessionName(tenantId, siteId),
          DurationSeconds: this.durationSeconds,
          Policy: JSON.stringify(policy),
          Tags: agentSessionTags(tenantId, siteId),
        }),
      );
    } catch (cause) {
      throw new AgentCredentialsError(`AssumeRole of the edge-agent role failed for ${tenantId}/${siteId}`, {
        cause,
      });
    }
    const c = out.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken || !c.Expiration) {
      throw new AgentCredentialsError("AssumeRole returned no credentials");
    }
    return {
      accessKeyId: c.AccessKeyId,
      secretAccessKey: c.SecretAccessKey,
      sessionToken: c.SessionToken,
      expiration: c.Expiration.toISOString(),
      region: this.region,
    };
  }
}
