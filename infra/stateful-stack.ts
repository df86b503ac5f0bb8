import {
  CfnOutput,
  CrossStackReferences,
  Duration,
  ReferenceStrength,
  Stack,
  type StackProps,
} from "aws-cdk-lib";
import type { ITable } from "aws-cdk-lib/aws-dynamodb";
import type { IKey } from "aws-cdk-lib/aws-kms";
import { ScheduleGroup } from "aws-cdk-lib/aws-scheduler";
import type { ITopic } from "aws-cdk-lib/aws-sns";
import type { IQueue } from "aws-cdk-lib/aws-sqs";
import type { Construct } from "constructs";
import { SITE_QUEUE_MAX_RECEIVES } from "../shared/adapters/queue/sqs-site-queue.js";
import type { UserTokenConfig } from "../shared/config.js";
import type { StageConfig } from "./config.js";
import { DataTable } from "./constructs/data-table.js";
import { FrontendUserPool } from "./constructs/frontend-sign-in.js";
import { GatewayCredentialsKey } from "./constructs/gateway-credentials-key.js";
import { OperatorsTopic } from "./constructs/operators-topic.js";
import { OutboundEventChannels } from "./constructs/outbound-event-channels.js";
import { SecureQueue } from "./constructs/secure-queue.js";

export interface StatefulStackProps extends StackProps {
  readonly config: StageConfig;
}

/** What SqsSiteQueue accepts (shared/adapters/queue/sqs-site-queue.ts) and the IAM grants are scoped by. */
const SITE_QUEUE_PREFIX = /^[A-Za-z0-9_-]{1,16}$/;

/**
 * Resources that hold data and outlive deployments: the table, the subscribers' schedule group, the
 * dead-letter queues, the operators topic and the gateway-credentials key, each as its own construct
 * created by its own `add...` method and exposed as a readonly property for the stateless stack. The
 * per-site edge queues are created at run time (SqsSiteQueue) under `siteQueuePrefix`, never by
 * CloudFormation; their shared dead-letter queue is made here.
 */
export class StatefulStack extends Stack {
  readonly table: ITable;
  /** EventBridge Scheduler group holding the one schedule per subscriber (DESIGN decision 2). */
  readonly scheduleGroupName: string;
  /** Target DLQ of every schedule: fires EventBridge Scheduler could not deliver to the lifecycle Lambda. */
  readonly schedulerDeadLetterQueue: IQueue;
  /** Lifecycle invocations that failed after Lambda's asynchronous retries (on-failure destination). */
  readonly lifecycleFailureQueue: IQueue;
  readonly operatorsTopic: ITopic;
  /** Where every site's edge agent sends results, heartbeats and session reports. */
  readonly agentEventsQueue: IQueue;
  /** Per-site queues are `${siteQueuePrefix}-${tenantId}-${siteId}`, created at run time. */
  readonly siteQueuePrefix: string;
  /**
   * The one dead-letter queue of every per-site command queue: the queues are made at run time, their
   * dead letters land here, where the operations alarms see them like any other DLQ of the stage.
   */
  readonly siteCommandDeadLetterQueue: IQueue;
  /** Seals tenants' payment-gateway credentials, which are stored in the table. */
  readonly gatewayKey: IKey;
  /** The frontend users' pool; absent when the stage names its own OIDC issuer. */
  readonly frontendUsers: FrontendUserPool | undefined;
  /** Whose JWTs the authorizer accepts beside API keys: this stack's pool, or the configured issuer. */
  readonly userTokens: UserTokenConfig;
  /** The outbound events' bus, webhook delivery queue (and its DLQ) and stream failure queue. */
  readonly outboundEvents: OutboundEventChannels;

  constructor(scope: Construct, id: string, props: StatefulStackProps) {
    super(scope, id, props);
    const { config } = props;
    this.table = this.addTable(config);
    this.scheduleGroupName = this.addScheduleGroup(config);
    this.schedulerDeadLetterQueue = this.addDeadLetterQueue(
      "SchedulerDeadLetters",
      config,
      "EventBridge Scheduler puts here the subscriber and sweep schedule fires it could not deliver to their Lambda target after its retries",
    );
    this.lifecycleFailureQueue = this.addDeadLetterQueue(
      "LifecycleFailures",
      config,
      "the on-failure destination of the lifecycle Lambda, receiving the invocation records of scheduled fires that still failed after Lambda's asynchronous retries",
    );
    this.operatorsTopic = new OperatorsTopic(this, "Operators", {
      displayName: `ISP billing operators (${config.stage})`,
      removalPolicy: config.statefulRemovalPolicy,
    }).topic;
    this.siteQueuePrefix = siteQueuePrefix(config);
    this.siteCommandDeadLetterQueue = this.addDeadLetterQueue(
      "SiteCommandDeadLetters",
      config,
      `edge commands of every site that its agent received ${SITE_QUEUE_MAX_RECEIVES} times without finishing (each per-site queue "${this.siteQueuePrefix}-<tenantId>-<siteId>" made at run time redrives here; the message attribute DeadLetterQueueSourceArn names the site's queue)`,
    );
    new CfnOutput(this, "SiteCommandDeadLetterQueueUrl", {
      value: this.siteCommandDeadLetterQueue.queueUrl,
      description: "Dead letters of every site's command queue (docs/deployment.md, step 4)",
    });
    this.agentEventsQueue = new SecureQueue(this, "AgentEvents", {
      // A poison event is retried a few times, then kept two weeks on the DLQ for investigation.
      role: { kind: "work", maxReceiveCount: 5, visibilityTimeout: Duration.seconds(60) },
      removalPolicy: config.statefulRemovalPolicy,
    }).queue;
    this.gatewayKey = this.addGatewayKey(config);
    this.frontendUsers = this.addFrontendUsers(config);
    this.userTokens = this.frontendUsers?.tokens ?? userTokensOf(config);
    this.outboundEvents = new OutboundEventChannels(this, "OutboundEvents", {
      stage: config.stage,
      removalPolicy: config.statefulRemovalPolicy,
    });
  }

  private addTable(config: StageConfig): ITable {
    const { table } = new DataTable(this, "Data", {
      removalPolicy: config.statefulRemovalPolicy,
      deletionProtection: config.deletionProtection,
    });
    // A strong (Export/ImportValue) reference: CloudFormation refuses to delete or replace the table
    // while the stateless stack still uses it, which is the guard a stateful stack wants.
    CrossStackReferences.of(table).produce(ReferenceStrength.STRONG);
    return table;
  }

  /** Held as strongly as the table: without it the table's sealed credentials cannot be opened. */
  private addGatewayKey(config: StageConfig): IKey {
    const { key } = new GatewayCredentialsKey(this, "GatewayCredentials", {
      stage: config.stage,
      removalPolicy: config.statefulRemovalPolicy,
    });
    CrossStackReferences.of(key).produce(ReferenceStrength.STRONG);
    return key;
  }

  /** Users are data: the pool is retained (and protected) in prod like the table. */
  private addFrontendUsers(config: StageConfig): FrontendUserPool | undefined {
    if (config.signIn.kind !== "cognito") return undefined;
    const users = new FrontendUserPool(this, "FrontendUsers", {
      userPoolName: `isp-billing-${config.stage}-users`,
      signIn: config.signIn,
      removalPolicy: config.statefulRemovalPolicy,
      deletionProtection: config.deletionProtection,
    });
    new CfnOutput(this, "UserPoolId", {
      value: users.userPool.userPoolId,
      description:
        "Frontend users: aws cognito-idp admin-create-user --user-pool-id (README Frontend sign-in)",
    });
    new CfnOutput(this, "UserPoolClientId", {
      value: users.client.userPoolClientId,
      description: "The SPA's app client id (public, PKCE)",
    });
    new CfnOutput(this, "UserTokenIssuer", {
      value: users.issuer,
      description: "The OIDC issuer (authority) of frontend users' tokens",
    });
    if (users.domain) {
      new CfnOutput(this, "SignInUrl", {
        value: users.domain.baseUrl(),
        description: "The hosted sign-in (authorize and token endpoints under /oauth2)",
      });
    }
    return users;
  }

  /**
   * Deleting a group deletes every schedule in it, i.e. every subscriber's next action: the group is
   * retained in prod. Its name is a plain string (not a token) so the stateless stack's IAM ARNs,
   * and the cdk-nag findings acknowledged on them, read the same in the template and in the code.
   */
  private addScheduleGroup(config: StageConfig): string {
    const scheduleGroupName = `isp-billing-${config.stage}`;
    new ScheduleGroup(this, "SubscriberSchedules", {
      scheduleGroupName,
      removalPolicy: config.statefulRemovalPolicy,
    });
    return scheduleGroupName;
  }

  private addDeadLetterQueue(id: string, config: StageConfig, deadLetterFor: string): IQueue {
    return new SecureQueue(this, id, {
      role: { kind: "dead-letter", deadLetterFor },
      removalPolicy: config.statefulRemovalPolicy,
    }).queue;
  }
}

/**
 * `isp-<stage>`: short, and not a prefix of any name CloudFormation gives this project's own queues
 * (they start with the stack name, `isp-billing-...`), so the run-time grant on `isp-<stage>-*` can
 * never reach them.
 */
function siteQueuePrefix(config: StageConfig): string {
  const prefix = `isp-${config.stage}`;
  if (!SITE_QUEUE_PREFIX.test(prefix) || "isp-billing-".startsWith(`${prefix}-`)) {
    throw new Error(`StatefulStack: "${prefix}" is not a usable site queue prefix`);
  }
  return prefix;
}

/** The configured external issuer, as the authorizer reads it. */
function userTokensOf(config: StageConfig): UserTokenConfig {
  if (config.signIn.kind !== "oidc") throw new Error("StatefulStack: no user pool and no OIDC issuer");
  const { kind: _, ...tokens } = config.signIn;
  return tokens;
}
