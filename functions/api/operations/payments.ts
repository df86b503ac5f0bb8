import * as z from "zod";
import {
  CreatePayLinkSchema,
  GatewayConfigSchema,
  ManualPaymentSchema,
  OnlineGatewaySchema,
  PayLinkSchema,
  PaymentIdSchema,
  PaymentListQuerySchema,
  PaymentSchema,
  PutGatewaySchema,
  RefundInputSchema,
} from "../../../shared/domain/schemas/payment.js";
import { SubscriberIdSchema } from "../../../shared/domain/schemas/subscriber.js";
import { defineOperation } from "../../../shared/http/operation.js";
import * as gateways from "../../../shared/services/payments/gateway-settings.js";
import { createPayLink } from "../../../shared/services/payments/pay-links.js";
import * as records from "../../../shared/services/payments/records.js";
import { created, noContent, ok, page } from "./respond.js";

const paymentParams = z.object({ paymentId: PaymentIdSchema });
const subscriberParams = z.object({ subscriberId: SubscriberIdSchema });
const gatewayParams = z.object({ gateway: OnlineGatewaySchema });

export const paymentOperations = [
  defineOperation({
    id: "listPayments",
    method: "GET",
    path: "/v1/payments",
    summary: "List payments, newest first (filter by status, gateway, subscriber, time)",
    tag: "Payments",
    permission: "read",
    query: PaymentListQuerySchema,
    response: { status: 200, schema: PaymentSchema, list: true },
    handle: async ({ deps, caller, query, page: request }) =>
      page(await records.listPayments(deps, caller, query, request)),
  }),
  defineOperation({
    id: "getPayment",
    method: "GET",
    path: "/v1/payments/{paymentId}",
    summary: "Get a payment",
    tag: "Payments",
    permission: "read",
    params: paymentParams,
    response: { status: 200, schema: PaymentSchema },
    handle: async ({ deps, caller, params }) => ok(await records.getPayment(deps, caller, params.paymentId)),
  }),
  defineOperation({
    id: "recordRefund",
    method: "POST",
    path: "/v1/payments/{paymentId}/refunds",
    summary: "Record a refund made outside the system (not executed at the gateway)",
    tag: "Payments",
    permission: "money:write",
    params: paymentParams,
    body: RefundInputSchema,
    response: { status: 201, schema: PaymentSchema },
    handle: async ({ deps, caller, params, body }) => ({
      status: 201,
      body: await records.recordRefund(deps, caller, params.paymentId, body),
    }),
  }),
  defineOperation({
    id: "listSubscriberPayments",
    method: "GET",
    path: "/v1/subscribers/{subscriberId}/payments",
    summary: "A subscriber's payments, newest first",
    tag: "Payments",
    permission: "read",
    params: subscriberParams,
    response: { status: 200, schema: PaymentSchema, list: true },
    handle: async ({ deps, caller, params, page: request }) =>
      page(await records.listSubscriberPayments(deps, caller, params.subscriberId, request)),
  }),
  defineOperation({
    id: "recordManualPayment",
    method: "POST",
    path: "/v1/subscribers/{subscriberId}/payments",
    summary: "Record a cash or bank payment: settled at once (renewal, wallet credit, receipt)",
    tag: "Payments",
    permission: "money:write",
    params: subscriberParams,
    body: ManualPaymentSchema,
    idempotent: true,
    response: { status: 201, schema: PaymentSchema },
    handle: async ({ deps, caller, params, body, idempotency }) => {
      const result = await records.recordManualPayment(deps, caller, params.subscriberId, body, idempotency);
      return created(result, `/v1/payments/${result.resource.id}`);
    },
  }),
  defineOperation({
    id: "createPayLink",
    method: "POST",
    path: "/v1/subscribers/{subscriberId}/pay-links",
    summary: "Create a hosted payment link for a renewal (opaque, expiring)",
    tag: "Payments",
    permission: "subscribers:write",
    params: subscriberParams,
    body: CreatePayLinkSchema,
    response: { status: 201, schema: PayLinkSchema },
    handle: async ({ deps, caller, params, body, raw }) => ({
      status: 201,
      body: await createPayLink(deps, caller, params.subscriberId, body, raw.baseUrl),
    }),
  }),
  defineOperation({
    id: "listGateways",
    method: "GET",
    path: "/v1/gateways",
    summary: "The ISP's payment gateways (credentials are never returned)",
    tag: "Payments",
    permission: "read",
    response: { status: 200, schema: z.object({ items: z.array(GatewayConfigSchema) }) },
    handle: async ({ deps, caller, raw }) =>
      ok({ items: await gateways.listGateways(deps, caller, raw.baseUrl) }),
  }),
  defineOperation({
    id: "putGateway",
    method: "PUT",
    path: "/v1/gateways/{gateway}",
    summary: "Configure a payment gateway's credentials (stored encrypted)",
    tag: "Payments",
    permission: "keys:manage",
    params: gatewayParams,
    body: PutGatewaySchema,
    response: { status: 200, schema: GatewayConfigSchema },
    handle: async ({ deps, caller, params, body, raw }) =>
      ok(await gateways.putGateway(deps, caller, params.gateway, body, raw.baseUrl)),
  }),
  defineOperation({
    id: "deleteGateway",
    method: "DELETE",
    path: "/v1/gateways/{gateway}",
    summary: "Remove a payment gateway's credentials",
    tag: "Payments",
    permission: "keys:manage",
    params: gatewayParams,
    response: { status: 204 },
    handle: async ({ deps, caller, params }) => {
      await gateways.deleteGateway(deps, caller, params.gateway);
      return noContent;
    },
  }),
];
