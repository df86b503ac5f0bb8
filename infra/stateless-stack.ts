import { CfnOutput, Duration, Stack, type StackProps } from "aws-cdk-lib";
import type { ITable } from "aws-cdk-lib/aws-dynamodb";
import type { IKey } from "aws-cdk-lib/aws-kms";
import type { Schedule } from "aws-cdk-lib/aws-scheduler";
import type { ITopic } from "aws-cdk-lib/aws-sns";
import type { IQueue } from "aws-cdk-lib/aws-sqs";
import type { Construct } from "constructs";
import {
  AGENT_EVENTS_ENTRY,
  AGENT_EVENTS_QUEUE_URL_ENV,
  AGENT_ROLE_ID_ENV,
  type ApiFunctionSpec,
  AUTHORIZER_ENTRY,
  BILLING_API_FUNCTION,
  EVENT_SUBSCRIPTION_API_FUNCTION,
  type GATEWAY_CREDENTIAL_FUNCTIONS,
} from "../functions/api/catalog.js";
import { type UserTokenConfig, userTokenEnvironment } from "../shared/config.js";
import type { StageConfig } from "./config.js";
import { AdminApi, type ApiRouteGroup } from "./constructs/admin-api.js";
import { DailySummary } from "./constructs/daily-summary.js";
import { EdgeAgentAccess } from "./constructs/edge-agent-access.js";
import {
  GATEWAY_KEY_ENV,
  type GatewayCredentialUse,
  grantGatewayCredentials,
} from "./constructs/gateway-credentials-key.js";
import { NodeLambda } from "./constructs/node-lambda.js";
import { Operations } from "./constructs/operations.js";
import type { OutboundEventChannels } from "./constructs/outbound-event-channels.js";
import { OutboundEvents } from "./constructs/outbound-events.js";
import { PaymentSweep } from "./constructs/payment-sweep.js";
import { AGENT_EVENTS_DRAIN_RATE, drainAsyncInvoke, scheduleQueueDrain } from "./constructs/queue-drain.js";
import { SubscriberLifecycle } from "./constructs/subscriber-lifecycle.js";
import { SubscriberMessaging } from "./constructs/subscriber-messaging.js";
import { grantTableAccess } from "./constructs/table-access.js";
import { acknowledgePublicRoutes } from "./nag.js";

export interface StatelessStackProps extends StackProps {
  readonly config: StageConfig;
  readonly table: ITable;
  readonly scheduleGroupName: string;
  readonly schedulerDeadLetterQueue: IQueue;
  readonly lifecycleFailureQueue: IQueue;
  readonly siteQueuePrefix: string;
  /** Where every run-time site queue redrives its dead letters (stateful stack). */
  readonly siteCommandDeadLetterQueue: IQueue;
  readonly agentEventsQueue: IQueue;
  /** Seals tenants' gateway credentials; usable only by the functions of GATEWAY_CREDENTIAL_USE. */
  readonly gatewayKey: IKey;
  /** Whose JWTs the authorizer accepts beside API keys (the stateful stack's pool, or the stage's issuer). */
  readonly userTokens: UserTokenConfig;
  /** The API Lambdas and their routes: `apiFunctions` from the catalog. */
  readonly apiFunctions: readonly ApiFunctionSpec[];
  /** The outbound events' bus and queues (stateful stack). */
  readonly outboundEvents: Pick<OutboundEventChannels, "bus" | "deliveryQueue" | "streamFailureQueue">;
  /** Where every alarm of the stage goes (stateful stack). */
  readonly operatorsTopic: ITopic;
}

/**
 * API functions whose handlers change subscribers, and so set schedules and send to site queues
 * (shared/services/lifecycle.ts `deliver`). The others load the same configuration but never call
 * either, so they get the environment without the grants. A handler that starts to (e.g. sites
 * provisioning queues) joins this list.
 */
export const SUBSCRIBER_CHANGING_API_FUNCTIONS: ReadonlySet<string> = new Set([
  "subscribers",
  "sites",
  // A settled payment renews the subscriber and restores service (shared/services/payments/settle.ts),
  // and so does an invoice marked paid (shared/services/invoices/overrides.ts).
  "payments",
  "pay",
]);

/**
 * What each API function of the catalog's GATEWAY_CREDENTIAL_FUNCTIONS does with the gateway key:
 * only the admin routes store credentials; the payer- and gateway-facing routes only open them.
 */
export const GATEWAY_CREDENTIAL_USE: Readonly<
  Record<(typeof GATEWAY_CREDENTIAL_FUNCTIONS)[number], GatewayCredentialUse>
> = { payments: "seal-and-open", pay: "open" };

/**
 * Functions that call payment gateways wait on them (4 s a call, a token grant and a query in one
 * request) and then settle, send the restore command and the receipt. The HTTP API gives up at 30 s.
 */
const GATEWAY_CALLING_TIMEOUT = Duration.seconds(25);

/**
 * API functions whose handlers send subscribers messages: the receipt of a payment they settle
 * (shared/services/payments/receipt.ts). With the lifecycle function and the sweep (reminders,
 * shared/services/lifecycle.ts `handleFire`) and the payment sweep (receipts), the only roles that
 * may send SMS or e-mail.
 */
export const SUBSCRIBER_MESSAGING_API_FUNCTIONS: ReadonlySet<string> = new Set(["payments", "pay"]);

/** The base URL of pay links and gateway returns (shared/services/payments/pay-links.ts). */
export const PUBLIC_BASE_URL_ENV = "PUBLIC_BASE_URL";

/** The API function serving the edge agent's enroll and credentials routes (functions/api/agent.ts). */
export const AGENT_API_FUNCTION = "agent";

/**
 * Gateways' webhooks and IPNs (functions/api/operations/pay.ts): public, with a throttle of their own
 * and detailed metrics, whose 5xx rate is alarmed.
 */
export const GATEWAY_WEBHOOK_ROUTE = "POST /v1/webhooks/{gateway}/{tenantId}";

/** Code and the things that route to it: replaceable at any time without touching data. */
export class StatelessStack extends Stack {
  readonly api: AdminApi;
  readonly functions: ReadonlyMap<string, NodeLambda>;
  readonly authorizer: NodeLambda;
  readonly lifecycle: SubscriberLifecycle;
  readonly agentEvents: NodeLambda;
  /** The recurring schedule that drains the agent-events queue. */
  readonly agentEventsDrain: Schedule;
  readonly paymentSweep: PaymentSweep;
  /** The admins' daily summary (hourly run) and the billing API's grants for its settings. */
  readonly dailySummary: DailySummary;
  /** The edge-agent role and its issuer's grant; absent only when the catalog has no agent function. */
  readonly edgeAgent: EdgeAgentAccess | undefined;
  /** The table stream's publisher of public events and the webhook delivery function. */
  readonly outboundEvents: OutboundEvents;
  /** SMS and e-mail to subscribers: the environment and grants of the functions that send them. */
  readonly messaging: SubscriberMessaging;
  /** Alarms to the operators topic and the stage's dashboard. */
  readonly operations: Operations;

  constructor(scope: Construct, id: string, props: StatelessStackProps) {
    super(scope, id, props);
    const { config, table } = props;
    const lambdaDefaults = {
      logRetention: config.logRetention,
      logRemovalPolicy: config.logRemovalPolicy,
    };

    this.lifecycle = new SubscriberLifecycle(this, "SubscriberLifecycle", {
      ...lambdaDefaults,
      stage: config.stage,
      table,
      scheduleGroupName: props.scheduleGroupName,
      schedulerDeadLetterQueue: props.schedulerDeadLetterQueue,
      lifecycleFailureQueue: props.lifecycleFailureQueue,
      siteQueuePrefix: props.siteQueuePrefix,
      siteCommandDeadLetterQueue: props.siteCommandDeadLetterQueue,
      logLevel: config.logLevel,
    });
    // Every handler wires its adapters through functions/deps.ts, whose configuration needs all of it.
    const { environment } = this.lifecycle;
    this.messaging = new SubscriberMessaging(this, config.notifications);
    this.messaging.grantTo(this.lifecycle.lifecycle);
    this.messaging.grantTo(this.lifecycle.sweep);

    this.authorizer = new NodeLambda(this, "Authorizer", {
      ...lambdaDefaults,
      entry: AUTHORIZER_ENTRY,
      description: `API key and user token authorizer (${config.stage})`,
      environment: { ...environment, ...userTokenEnvironment(props.userTokens) },
      // API Gateway waits at most 10 s for an authorizer; fail well before that.
      timeout: Duration.seconds(5),
    });
    grantTableAccess(table, this.authorizer.function, "authenticate");

    const functions = new Map<string, NodeLambda>();
    const routeGroups: ApiRouteGroup[] = [];
    for (const spec of props.apiFunctions) {
      const credentialUse = gatewayCredentialUse(spec.name);
      const lambda = new NodeLambda(this, `${capitalize(spec.name)}Api`, {
        ...lambdaDefaults,
        entry: spec.entry,
        description: `${spec.name} API (${config.stage})`,
        environment: {
          ...environment,
          CORS_ALLOWED_ORIGINS: config.corsAllowedOrigins.join(","),
          ...(credentialUse ? { [GATEWAY_KEY_ENV]: props.gatewayKey.keyArn } : {}),
        },
        ...(credentialUse ? { timeout: GATEWAY_CALLING_TIMEOUT } : {}),
      });
      grantTableAccess(table, lambda.function, spec.name === AGENT_API_FUNCTION ? "agent" : "api");
      if (SUBSCRIBER_CHANGING_API_FUNCTIONS.has(spec.name)) this.lifecycle.grantSubscriberChanges(lambda);
      if (credentialUse) grantGatewayCredentials(props.gatewayKey, lambda.role, credentialUse);
      if (SUBSCRIBER_MESSAGING_API_FUNCTIONS.has(spec.name)) this.messaging.grantTo(lambda);
      functions.set(spec.name, lambda);
      routeGroups.push({ name: spec.name, handler: lambda.function, operations: spec.operations });
    }
    this.functions = functions;
    this.edgeAgent = edgeAgentAccess(this, props, functions.get(AGENT_API_FUNCTION));

    this.api = new AdminApi(this, "AdminApi", {
      apiName: `isp-billing-${config.stage}`,
      routeGroups,
      authorizerHandler: this.authorizer.function,
      corsAllowedOrigins: config.corsAllowedOrigins,
      throttle: config.throttle,
      publicRouteThrottle: config.publicRouteThrottle,
      // Gateways retry a 429, but late: a renewal-day burst of webhooks should not be throttled.
      routeThrottles: { [GATEWAY_WEBHOOK_ROUTE]: config.webhookRouteThrottle },
      detailedMetricsRoutes: [GATEWAY_WEBHOOK_ROUTE],
      accessLogRetention: config.logRetention,
      accessLogRemovalPolicy: config.logRemovalPolicy,
    });
    acknowledgePublicRoutes(this.api);
    addPublicBaseUrl(this, config.publicBaseUrl);

    new CfnOutput(this, "ApiUrl", { value: this.api.stage.url, description: "Base URL of the admin API" });

    // Results, heartbeats and session reports from edge agents. Reconciling drift re-sends a state
    // to a site queue, so this function gets the subscriber-change grants too.
    // Drained every AGENT_EVENTS_DRAIN_RATE rather than by an event source mapping (queue-drain.ts).
    this.agentEvents = new NodeLambda(this, "AgentEvents", {
      ...lambdaDefaults,
      entry: AGENT_EVENTS_ENTRY,
      description: `agent events drain (${config.stage})`,
      environment,
      // Batches until 15 s are left (functions/agent-events.ts); each inside the queue's 60 s visibility.
      timeout: Duration.seconds(60),
      asyncInvoke: drainAsyncInvoke(AGENT_EVENTS_DRAIN_RATE),
    });
    grantTableAccess(table, this.agentEvents.function, "api");
    this.lifecycle.grantSubscriberChanges(this.agentEvents);
    // Agents send with per-site STS sessions: each event must come from its own site's session.
    if (this.edgeAgent)
      this.agentEvents.function.addEnvironment(AGENT_ROLE_ID_ENV, this.edgeAgent.role.roleId);
    this.agentEventsDrain = scheduleQueueDrain(this, "AgentEventsDrain", {
      consumer: this.agentEvents,
      queue: props.agentEventsQueue,
      queueUrlVariable: AGENT_EVENTS_QUEUE_URL_ENV,
      rate: AGENT_EVENTS_DRAIN_RATE,
      group: this.lifecycle.opsScheduleGroup,
      groupName: this.lifecycle.opsScheduleGroupName,
      deadLetterQueue: props.schedulerDeadLetterQueue,
      name: "agent-events drain",
      stage: config.stage,
    });
    new CfnOutput(this, "AgentEventsQueueUrl", {
      value: props.agentEventsQueue.queueUrl,
      description: "queue.eventsUrl for every edge agent's configuration",
    });

    this.paymentSweep = new PaymentSweep(this, "PaymentSweep", {
      ...lambdaDefaults,
      stage: config.stage,
      table,
      gatewayKey: props.gatewayKey,
      lifecycle: this.lifecycle,
      schedulerDeadLetterQueue: props.schedulerDeadLetterQueue,
    });
    this.messaging.grantTo(this.paymentSweep.sweep);

    // Reports: the daily summary by e-mail and Telegram; bot tokens sealed under their own purpose.
    this.dailySummary = new DailySummary(this, "DailySummary", {
      ...lambdaDefaults,
      stage: config.stage,
      table,
      key: props.gatewayKey,
      lifecycle: this.lifecycle,
      messaging: this.messaging,
      schedulerDeadLetterQueue: props.schedulerDeadLetterQueue,
    });
    const billingApi = functions.get(BILLING_API_FUNCTION);
    if (billingApi) this.dailySummary.grantSettingsAdmin(billingApi);

    // Public events: the table stream to the bus and each tenant's webhook. Webhook signing secrets
    // are sealed with the gateway key under their own purpose (never opening gateway credentials).
    this.outboundEvents = new OutboundEvents(this, "OutboundEvents", {
      ...lambdaDefaults,
      stage: config.stage,
      table,
      ...props.outboundEvents,
      key: props.gatewayKey,
      environment,
      opsScheduleGroup: this.lifecycle.opsScheduleGroup,
      opsScheduleGroupName: this.lifecycle.opsScheduleGroupName,
      schedulerDeadLetterQueue: props.schedulerDeadLetterQueue,
    });
    const subscriptionApi = functions.get(EVENT_SUBSCRIPTION_API_FUNCTION);
    if (subscriptionApi) this.outboundEvents.grantSubscriptionAdmin(subscriptionApi);

    // Last, so that every dead-letter queue and function of the stage already exists.
    this.operations = new Operations(this, "Operations", {
      stage: config.stage,
      operatorsTopic: props.operatorsTopic,
      api: this.api,
      webhookRouteKey: GATEWAY_WEBHOOK_ROUTE,
      subscriberScheduleGroupName: props.scheduleGroupName,
      lifecycle: this.lifecycle,
      drainedQueues: [
        {
          queue: props.agentEventsQueue,
          name: "agent events",
          maxAge: AGENT_EVENTS_DRAIN_RATE.plus(Duration.minutes(8)),
        },
      ],
    });
  }
}

/**
 * Where pay links point. Reminders build theirs outside any request (shared/services/payments/
 * pay-links.ts `reminderPayLink`), so the lifecycle function and the sweep, which fires overdue
 * reminders, need the URL: the custom domain when the stage has one, else the API's own endpoint
 * (neither function is a route target, so referencing the API makes no cycle). The API functions
 * build URLs from the request (shared/http/api-handler.ts), which already is the API's own host;
 * they get the URL only for a custom domain, so links made through execute-api carry it too.
 */
function addPublicBaseUrl(stack: StatelessStack, custom: string | undefined): void {
  const url = custom ?? stack.api.api.apiEndpoint;
  for (const lambda of [stack.lifecycle.lifecycle, stack.lifecycle.sweep]) {
    lambda.function.addEnvironment(PUBLIC_BASE_URL_ENV, url);
  }
  if (!custom) return;
  for (const lambda of stack.functions.values()) lambda.function.addEnvironment(PUBLIC_BASE_URL_ENV, custom);
}

function gatewayCredentialUse(name: string): GatewayCredentialUse | undefined {
  const uses: Readonly<Record<string, GatewayCredentialUse>> = GATEWAY_CREDENTIAL_USE;
  return Object.hasOwn(uses, name) ? uses[name] : undefined;
}

/** The agent function alone may assume the edge-agent role; it learns the role and the queue ARN. */
function edgeAgentAccess(stack: StatelessStack, props: StatelessStackProps, issuer: NodeLambda | undefined) {
  if (!issuer) return undefined;
  const access = new EdgeAgentAccess(stack, "EdgeAgentAccess", {
    stage: props.config.stage,
    siteQueuePrefix: props.siteQueuePrefix,
    agentEventsQueue: props.agentEventsQueue,
    issuer,
  });
  for (const [name, value] of Object.entries(access.environment)) issuer.function.addEnvironment(name, value);
  return access;
}

function capitalize(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}
