import * as z from "zod";
import {
  CreateSubscriberSchema,
  SubscriberIdSchema,
  SubscriberListQuerySchema,
  SubscriberSchema,
  UpdateSubscriberSchema,
} from "../../../shared/domain/schemas/subscriber.js";
import { SubscriberActionSchema } from "../../../shared/domain/schemas/subscriber-action.js";
import { TimelineEventSchema } from "../../../shared/domain/schemas/timeline.js";
import { defineOperation } from "../../../shared/http/operation.js";
import * as actions from "../../../shared/services/subscriber-actions.js";
import * as subscribers from "../../../shared/services/subscribers.js";
import { created, ok, page } from "./respond.js";

const tag = "Subscribers";
const params = z.object({ subscriberId: SubscriberIdSchema });

export const subscriberOperations = [
  defineOperation({
    id: "listSubscribers",
    method: "GET",
    path: "/v1/subscribers",
    summary: "List subscribers, filtered by status, package, site, expiry range or text",
    tag,
    permission: "read",
    query: SubscriberListQuerySchema,
    response: { status: 200, schema: SubscriberSchema, list: true },
    handle: async ({ deps, caller, query, page: request }) =>
      page(await subscribers.listSubscribers(deps, caller, query, request)),
  }),
  defineOperation({
    id: "createSubscriber",
    method: "POST",
    path: "/v1/subscribers",
    summary: "Create a subscriber",
    tag,
    permission: "money:write",
    body: CreateSubscriberSchema,
    idempotent: true,
    response: { status: 201, schema: SubscriberSchema },
    handle: async ({ deps, caller, body, idempotency }) => {
      const result = await subscribers.createSubscriber(deps, caller, body, idempotency);
      return created(result, `/v1/subscribers/${result.resource.id}`);
    },
  }),
  defineOperation({
    id: "getSubscriber",
    method: "GET",
    path: "/v1/subscribers/{subscriberId}",
    summary: "Get a subscriber",
    tag,
    permission: "read",
    params,
    response: { status: 200, schema: SubscriberSchema },
    handle: async ({ deps, caller, params }) =>
      ok(await subscribers.getSubscriber(deps, caller, params.subscriberId)),
  }),
  defineOperation({
    id: "updateSubscriber",
    method: "PATCH",
    path: "/v1/subscribers/{subscriberId}",
    summary: "Update a subscriber (send its current version; package and expiry need a money role)",
    tag,
    permission: "subscribers:write",
    params,
    body: UpdateSubscriberSchema,
    response: { status: 200, schema: SubscriberSchema },
    handle: async ({ deps, caller, params, body }) =>
      ok(await actions.updateSubscriber(deps, caller, params.subscriberId, body)),
  }),
  defineOperation({
    id: "terminateSubscriber",
    method: "DELETE",
    path: "/v1/subscribers/{subscriberId}",
    summary: "Terminate a subscriber (kept for audit, service ends)",
    tag,
    permission: "money:write",
    params,
    response: { status: 200, schema: SubscriberSchema },
    handle: async ({ deps, caller, params }) =>
      ok(await actions.terminateSubscriber(deps, caller, params.subscriberId)),
  }),
  defineOperation({
    id: "subscriberAction",
    method: "POST",
    path: "/v1/subscribers/{subscriberId}/actions",
    summary:
      "Renew, suspend, resume, pause, unpause, set expiry or change package (send the current version); reschedules the subscriber",
    tag,
    permission: "subscribers:write",
    params,
    body: SubscriberActionSchema,
    response: { status: 200, schema: SubscriberSchema },
    handle: async ({ deps, caller, params, body }) =>
      ok(await actions.runSubscriberAction(deps, caller, params.subscriberId, body)),
  }),
  defineOperation({
    id: "subscriberTimeline",
    method: "GET",
    path: "/v1/subscribers/{subscriberId}/timeline",
    summary: "A subscriber's timeline, newest first",
    tag,
    permission: "read",
    params,
    response: { status: 200, schema: TimelineEventSchema, list: true },
    handle: async ({ deps, caller, params, page: request }) =>
      page(await subscribers.subscriberTimeline(deps, caller, params.subscriberId, request)),
  }),
];
