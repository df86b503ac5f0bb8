import { siteQueueName } from "../ports/queue.js";

/*
 * What an edge agent's short-lived AWS credentials may do (DESIGN decision 4): receive from its own
 * site's queue and send to the shared events queue, nothing else. The credentials come from STS
 * AssumeRole of the edge-agent role with the session policy built here; the effective permissions
 * are the intersection of the role's identity policy and this document, so even a role policy that
 * covers every site queue yields credentials for one.
 */

/** What the agent's queue consumer calls on its site's queue (edge-agent/consumer.ts, doctor). */
export const SITE_QUEUE_AGENT_ACTIONS = [
  "sqs:ReceiveMessage",
  "sqs:DeleteMessage",
  "sqs:ChangeMessageVisibility",
  "sqs:GetQueueAttributes",
] as const;

/** What the agent's reporter calls on the shared events queue (edge-agent/reporter.ts). */
export const EVENTS_QUEUE_AGENT_ACTIONS = ["sqs:SendMessage"] as const;

/** Session tags naming the agent's tenant and site; the role's identity policy keys on them. */
export const AGENT_SESSION_TAG_KEYS = { tenant: "tenantId", site: "siteId" } as const;

export interface PolicyStatement {
  readonly Sid: string;
  readonly Effect: "Allow";
  readonly Action: readonly string[];
  readonly Resource: string;
}

export interface PolicyDocument {
  readonly Version: "2012-10-17";
  readonly Statement: readonly PolicyStatement[];
}

export interface QueueArnParts {
  readonly partition: string;
  readonly region: string;
  readonly account: string;
  readonly name: string;
}

export class AgentPolicyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AgentPolicyError";
  }
}

const QUEUE_ARN_RE = /^arn:(aws[a-z-]*):sqs:([a-z0-9-]+):(\d{12}):([A-Za-z0-9_-]{1,80})$/;

/** A concrete SQS queue ARN (no wildcard can pass the pattern), or AgentPolicyError. */
export function parseQueueArn(arn: string): QueueArnParts {
  const [, partition, region, account, name] = QUEUE_ARN_RE.exec(arn) ?? [];
  if (!partition || !region || !account || !name) {
    throw new AgentPolicyError(`Not a concrete SQS queue ARN: "${arn}"`);
  }
  return { partition, region, account, name };
}

/** A site's command queue lives beside the events queue: same partition, region and account. */
export function siteQueueArn(
  eventsQueueArn: string,
  prefix: string,
  tenantId: string,
  siteId: string,
): string {
  const { partition, region, account } = parseQueueArn(eventsQueueArn);
  const arn = `arn:${partition}:sqs:${region}:${account}:${siteQueueName(prefix, tenantId, siteId)}`;
  parseQueueArn(arn);
  return arn;
}

/** The session policy for one site's agent: two statements, two exact ARNs, no wildcard. */
export function agentSessionPolicy(input: { siteQueueArn: string; eventsQueueArn: string }): PolicyDocument {
  parseQueueArn(input.siteQueueArn);
  parseQueueArn(input.eventsQueueArn);
  if (input.siteQueueArn === input.eventsQueueArn) {
    throw new AgentPolicyError("The site queue and the events queue must be different queues");
  }
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "OwnSiteCommands",
        Effect: "Allow",
        Action: [...SITE_QUEUE_AGENT_ACTIONS],
        Resource: input.siteQueueArn,
      },
      {
        Sid: "AgentEvents",
        Effect: "Allow",
        Action: [...EVENTS_QUEUE_AGENT_ACTIONS],
        Resource: input.eventsQueueArn,
      },
    ],
  };
}

/**
 * `<tenantId>.<siteId>` (62 characters, inside STS's 64 and its [\w+=,.@-] alphabet): CloudTrail
 * then names the site on every call the agent makes.
 */
export function agentSessionName(tenantId: string, siteId: string): string {
  return `${tenantId}.${siteId}`;
}

export function agentSessionTags(tenantId: string, siteId: string): { Key: string; Value: string }[] {
  return [
    { Key: AGENT_SESSION_TAG_KEYS.tenant, Value: tenantId },
    { Key: AGENT_SESSION_TAG_KEYS.site, Value: siteId },
  ];
}
