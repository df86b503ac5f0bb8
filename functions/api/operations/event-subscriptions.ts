import {
  EventSubscriptionSchema,
  EventSubscriptionWithSecretSchema,
  PutEventSubscriptionSchema,
  RotateSecretSchema,
  WebhookDeliverySchema,
} from "../../../shared/domain/schemas/event-subscription.js";
import { defineOperation } from "../../../shared/http/operation.js";
import * as subscriptions from "../../../shared/services/event-subscriptions.js";
import { webhookUrlPolicy } from "../../webhook-url-policy.js";
import { noContent, ok, page } from "./respond.js";

const tag = "Events";
const noStore = { "cache-control": "no-store" };

/**
 * The ISP's webhook for outbound events. One per tenant, so the path names no id and cannot meet
 * the payment gateways' `/v1/webhooks/{gateway}/{tenantId}`.
 */
export const eventSubscriptionOperations = [
  defineOperation({
    id: "getEventSubscription",
    method: "GET",
    path: "/v1/event-subscription",
    summary: "The webhook events are delivered to (its signing secret is never shown)",
    tag,
    permission: "read",
    response: { status: 200, schema: EventSubscriptionSchema },
    handle: async ({ deps, caller }) => ok(await subscriptions.getEventSubscription(deps, caller)),
  }),
  defineOperation({
    id: "putEventSubscription",
    method: "PUT",
    path: "/v1/event-subscription",
    summary: "Create or replace the webhook (https URL, event types, on/off)",
    tag,
    permission: "keys:manage",
    body: PutEventSubscriptionSchema,
    response: {
      status: 200,
      schema: EventSubscriptionSchema,
      description:
        "The webhook as replaced. When this call created it: 201 with `secret`, the signing secret, shown this once",
    },
    handle: async ({ deps, caller, body }) => {
      const result = await subscriptions.putEventSubscription(deps, caller, body, webhookUrlPolicy());
      return result.created
        ? { status: 201, body: result.subscription, headers: noStore }
        : ok(result.subscription);
    },
  }),
  defineOperation({
    id: "deleteEventSubscription",
    method: "DELETE",
    path: "/v1/event-subscription",
    summary: "Stop delivering events and forget the webhook and its secret",
    tag,
    permission: "keys:manage",
    response: { status: 204 },
    handle: async ({ deps, caller }) => {
      await subscriptions.deleteEventSubscription(deps, caller);
      return noContent;
    },
  }),
  defineOperation({
    id: "rotateEventSubscriptionSecret",
    method: "POST",
    path: "/v1/event-subscription/rotate-secret",
    summary: "Replace the signing secret; the new one is in this response only",
    tag,
    permission: "keys:manage",
    body: RotateSecretSchema,
    response: { status: 200, schema: EventSubscriptionWithSecretSchema },
    handle: async ({ deps, caller, body }) => ({
      status: 200,
      body: await subscriptions.rotateSigningSecret(deps, caller, body),
      headers: noStore,
    }),
  }),
  defineOperation({
    id: "listWebhookDeliveries",
    method: "GET",
    path: "/v1/event-subscription/deliveries",
    summary: "Recent deliveries to the webhook, newest event first (attempts, last answer)",
    tag,
    permission: "read",
    response: { status: 200, schema: WebhookDeliverySchema, list: true },
    handle: async ({ deps, caller, page: request }) =>
      page(await subscriptions.listWebhookDeliveries(deps, caller, request)),
  }),
];
