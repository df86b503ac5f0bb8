import { ArnFormat, Duration, Stack } from "aws-cdk-lib";
import { ArnPrincipal, Grant, PolicyStatement, Role } from "aws-cdk-lib/aws-iam";
import type { IQueue } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import {
  AGENT_SESSION_TAG_KEYS,
  EVENTS_QUEUE_AGENT_ACTIONS,
  SITE_QUEUE_AGENT_ACTIONS,
} from "../../shared/domain/agent-session-policy.js";
import type { NodeLambda } from "./node-lambda.js";

export interface EdgeAgentAccessProps {
  readonly stage: string;
  /** Per-site queues are `${siteQueuePrefix}-${tenantId}-${siteId}`. */
  readonly siteQueuePrefix: string;
  readonly agentEventsQueue: IQueue;
  /** The function serving POST /v1/agent/credentials: the one principal the role trusts. */
  readonly issuer: NodeLambda;
  /**
   * What the issuer may ask STS for (900-3600 s); the role's maximum session is one hour.
   * @default Duration.hours(1)
   */
  readonly credentialLifetime?: Duration;
}

const { tenant: TENANT_TAG, site: SITE_TAG } = AGENT_SESSION_TAG_KEYS;

/**
 * The role edge agents' short-lived credentials are issued for (DESIGN decision 4; no IAM users, no
 * long-lived keys). Three layers keep an agent to its own site:
 * - trust: only the issuer function's role may assume it, and only while tagging the session with a
 *   tenant and a site id (and no other tag);
 * - identity policy: a site queue named from those session tags, `${prefix}-${tenantId}-${siteId}`,
 *   so even credentials issued without a session policy reach one site's queue and no DLQ;
 * - session policy (shared/domain/agent-session-policy.ts): the same two exact ARNs again.
 */
export class EdgeAgentAccess extends Construct {
  readonly role: Role;
  /** The site-queue ARN of the identity policy, with the session-tag variables in it. */
  readonly siteQueueArnPattern: string;
  /** What the issuer function reads (functions/agent-deps.ts). */
  readonly environment: Readonly<Record<string, string>>;

  constructor(scope: Construct, id: string, props: EdgeAgentAccessProps) {
    super(scope, id);
    const lifetime = props.credentialLifetime ?? Duration.hours(1);
    const seconds = lifetime.toSeconds();
    if (!Number.isInteger(seconds) || seconds < 900 || seconds > 3600) {
      throw new Error(`EdgeAgentAccess: credentialLifetime must be 900-3600 seconds, got ${seconds}`);
    }
    const issuerRole = props.issuer.role;

    this.role = new Role(this, "Role", {
      description: `Edge agents' short-lived credentials: their own site queue and the events queue (${props.stage})`,
      maxSessionDuration: Duration.hours(1),
      assumedBy: new ArnPrincipal(issuerRole.roleArn).withSessionTags().withConditions({
        StringLike: {
          [`aws:RequestTag/${TENANT_TAG}`]: "ten_*",
          [`aws:RequestTag/${SITE_TAG}`]: "site_*",
        },
        "ForAllValues:StringEquals": { "aws:TagKeys": [TENANT_TAG, SITE_TAG] },
      }),
    });

    this.siteQueueArnPattern = Stack.of(this).formatArn({
      service: "sqs",
      resource: `${props.siteQueuePrefix}-\${aws:PrincipalTag/${TENANT_TAG}}-\${aws:PrincipalTag/${SITE_TAG}}`,
      arnFormat: ArnFormat.NO_RESOURCE_NAME,
    });
    this.role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: "OwnSiteCommands",
        actions: [...SITE_QUEUE_AGENT_ACTIONS],
        resources: [this.siteQueueArnPattern],
      }),
    );
    this.role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: "AgentEvents",
        actions: [...EVENTS_QUEUE_AGENT_ACTIONS],
        resources: [props.agentEventsQueue.queueArn],
      }),
    );

    Grant.addToPrincipal({
      grantee: issuerRole,
      actions: ["sts:AssumeRole", "sts:TagSession"],
      resourceArns: [this.role.roleArn],
    });

    this.environment = {
      EDGE_AGENT_ROLE_ARN: this.role.roleArn,
      AGENT_EVENTS_QUEUE_ARN: props.agentEventsQueue.queueArn,
      AGENT_CREDENTIALS_SECONDS: String(seconds),
    };
  }
}
