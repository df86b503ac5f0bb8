import type { Operation } from "../../shared/http/operation.js";
import { agentOperations } from "./operations/agent.js";
import { apiKeyOperations } from "./operations/api-keys.js";
import { billingOperations } from "./operations/billing.js";
import { eventSubscriptionOperations } from "./operations/event-subscriptions.js";
import { invoiceOverrideOperations } from "./operations/invoice-overrides.js";
import { invoiceWriteOperations } from "./operations/invoice-writes.js";
import { metaOperations } from "./operations/meta.js";
import { packageOperations } from "./operations/packages.js";
import { payOperations } from "./operations/pay.js";
import { paymentOperations } from "./operations/payments.js";
import { siteAgentOperations } from "./operations/site-agents.js";
import { siteOperations } from "./operations/sites.js";
import { subscriberOperations } from "./operations/subscribers.js";

export interface ApiFunctionSpec {
  /** Short name, used for the Lambda function's construct id. */
  readonly name: string;
  /** Entry file relative to the project root (esbuild bundles it). */
  readonly entry: string;
  readonly operations: readonly Operation[];
}

/**
 * Every API Lambda and the routes it serves. The CDK stack, the local server and the OpenAPI
 * document are all built from this one list.
 */
export const apiFunctions: readonly ApiFunctionSpec[] = [
  { name: "meta", entry: "functions/api/meta.ts", operations: metaOperations(() => allOperations()) },
  { name: "packages", entry: "functions/api/packages.ts", operations: packageOperations },
  { name: "subscribers", entry: "functions/api/subscribers.ts", operations: subscriberOperations },
  { name: "sites", entry: "functions/api/sites.ts", operations: [...siteOperations, ...siteAgentOperations] },
  { name: "apiKeys", entry: "functions/api/api-keys.ts", operations: apiKeyOperations },
  // Public routes of the edge agent (enroll, credentials); the only function allowed to assume the
  // edge-agent role.
  { name: "agent", entry: "functions/api/agent.ts", operations: agentOperations },
  // Payments, refunds, pay links and gateway settings (admin routes; can open sealed credentials),
  // invoices made on demand (both send subscribers SMS and e-mail), and the billing overrides
  // (mark paid restores a subscriber like a payment: the site queue and the scheduler).
  {
    name: "payments",
    entry: "functions/api/payments.ts",
    operations: [...paymentOperations, ...invoiceWriteOperations, ...invoiceOverrideOperations],
  },
  // Payer- and gateway-facing routes: pay pages, returns, webhooks; no API key, signatures instead.
  { name: "pay", entry: "functions/api/pay.ts", operations: payOperations },
  // The ISP's webhook for outbound events; seals its signing secret (KMS, its own purpose).
  { name: "events", entry: "functions/api/events.ts", operations: eventSubscriptionOperations },
  // Invoices (read side, links, HTML and PDF), reports and CSV exports, tenant branding; seals and
  // opens the daily summary's Telegram bot token and sends it by e-mail and Telegram on request.
  { name: "billing", entry: "functions/api/billing.ts", operations: billingOperations },
];

/** The API function that seals webhook signing secrets (infra/constructs/outbound-events.ts grants it). */
export const EVENT_SUBSCRIPTION_API_FUNCTION = "events";

/** The API function that stores the daily summary's Telegram bot token and sends it on request. */
export const BILLING_API_FUNCTION = "billing";

/** Functions that open tenants' sealed gateway credentials (KMS decrypt). */
export const GATEWAY_CREDENTIAL_FUNCTIONS = ["payments", "pay"] as const;

export const AUTHORIZER_ENTRY = "functions/authorizer.ts";
/** EventBridge Scheduler's target: one subscriber's due action. */
export const LIFECYCLE_ENTRY = "functions/lifecycle.ts";
/** Drains the shared agent-events queue on a schedule: results, heartbeats, session reports. */
export const AGENT_EVENTS_ENTRY = "functions/agent-events.ts";
/** The agent-events queue's URL, read by the drain of AGENT_EVENTS_ENTRY (set by the stack). */
export const AGENT_EVENTS_QUEUE_URL_ENV = "AGENT_EVENTS_QUEUE_URL";
/**
 * The edge-agent role's unique id (AROA...), set where agents get STS sessions: agent events must
 * then come from the session of the site they name (functions/agent-events.ts).
 */
export const AGENT_ROLE_ID_ENV = "AGENT_ROLE_ID";
/** Every few minutes: overdue actions and undelivered commands. */
export const SWEEP_ENTRY = "functions/sweep.ts";
/** Every few minutes: pending payments re-queried at their gateways (minutes, then hours). */
export const PAYMENT_SWEEP_ENTRY = "functions/payment-sweep.ts";
/** Every hour: each tenant's daily summary to its admins, once a local day from its chosen hour. */
export const DAILY_SUMMARY_ENTRY = "functions/daily-summary.ts";
/** The table's stream consumer: public events onto the bus and into the webhook delivery queue. */
export const OUTBOUND_EVENTS_ENTRY = "functions/outbound-events.ts";
/** Drains the webhook delivery queue when woken and on a schedule: signed POSTs, retried with backoff. */
export const WEBHOOK_DELIVERIES_ENTRY = "functions/webhook-deliveries.ts";
/** The delivery queue's URL, for the publisher (enqueue) and the delivery function (drain, retries). */
export const WEBHOOK_DELIVERY_QUEUE_URL_ENV = "WEBHOOK_DELIVERY_QUEUE_URL";
/** The delivery function the publisher wakes (set by the stack; unset locally). */
export const WEBHOOK_DELIVERY_FUNCTION_NAME_ENV = "WEBHOOK_DELIVERY_FUNCTION_NAME";

export function allOperations(): Operation[] {
  return apiFunctions.flatMap((f) => f.operations);
}
