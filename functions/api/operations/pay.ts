import * as z from "zod";
import { AppError } from "../../../shared/domain/errors.js";
import { idSchema } from "../../../shared/domain/ids.js";
import { OnlineGatewaySchema } from "../../../shared/domain/schemas/payment.js";
import { defineOperation, type OperationResult } from "../../../shared/http/operation.js";
import { errorPage, payPage, resultPage } from "../../../shared/http/pay-pages.js";
import { handleInbound } from "../../../shared/services/payments/inbound.js";
import { openPayLink, startCheckout } from "../../../shared/services/payments/pay-links.js";

/*
 * The routes gateways and payers reach without an API key. Each is authenticated by what it
 * carries: the pay link's secret, or the gateway's signature plus a server-to-server check.
 */

const tokenParam = z.string().min(1).max(200).meta({ description: "The pay link token" });
const inboundParams = z.object({ gateway: OnlineGatewaySchema, tenantId: idSchema("tenant") });
/**
 * Our payment id rides in the return URL's path, not its query: some gateways append their own
 * `?paymentID=...` without checking for an existing query string. Modules read it as `pid`.
 */
const returnParams = inboundParams.extend({ paymentId: idSchema("payment") });

const html = (status: number, text: string): OperationResult => ({
  status,
  text,
  headers: {
    "content-type": "text/html; charset=utf-8",
    "cache-control": "no-store",
    "referrer-policy": "no-referrer",
    "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; form-action *",
  },
});

/** A payer's browser gets a page, not problem+json; a 5xx detail stays in the logs. */
async function forBrowser(run: () => Promise<OperationResult>): Promise<OperationResult> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof AppError && error.status < 500)
      return html(error.status, errorPage(error.status, error.message));
    if (error instanceof AppError)
      return html(
        error.status,
        errorPage(error.status, "The payment service is busy. Please try again in a minute."),
      );
    throw error;
  }
}

export const payOperations = [
  defineOperation({
    id: "openPayLink",
    method: "GET",
    path: "/v1/pay/{token}",
    summary: "The hosted pay page of a pay link (HTML)",
    tag: "Pay",
    permission: "public",
    raw: true,
    params: z.object({ token: tokenParam }),
    response: { status: 200, description: "text/html" },
    handle: ({ deps, params, raw }) =>
      forBrowser(async () => {
        const open = await openPayLink(deps, params.token);
        return html(
          200,
          payPage({
            isp: open.tenant.name,
            subscriber: open.subscriber.name,
            packageName: open.pkg.name,
            amount: open.amount,
            periods: open.link.periods,
            invoiceNumbers: open.invoices.map((i) => i.number),
            expiresAt: open.link.expiresAt,
            actionBase: `${raw.baseUrl}/v1/pay/${params.token}`,
            gateways: open.gateways,
          }),
        );
      }),
  }),
  defineOperation({
    id: "startCheckout",
    method: "POST",
    path: "/v1/pay/{token}/{gateway}",
    summary: "Start a checkout with one gateway and redirect the payer to it",
    tag: "Pay",
    permission: "public",
    raw: true,
    params: z.object({ token: tokenParam, gateway: OnlineGatewaySchema }),
    response: { status: 303, description: "Redirect to the gateway's checkout" },
    handle: ({ deps, params, raw }) =>
      forBrowser(async () => {
        const { redirectUrl } = await startCheckout(deps, params.token, params.gateway, raw.baseUrl);
        return { status: 303, headers: { location: redirectUrl, "cache-control": "no-store" } };
      }),
  }),
  ...(["GET", "POST"] as const).map((method) =>
    defineOperation({
      id: method === "GET" ? "paymentReturn" : "paymentReturnPost",
      method,
      path: "/v1/pay/return/{gateway}/{tenantId}/{paymentId}",
      summary: "Where a gateway sends the payer back; verified with the gateway before anything settles",
      tag: "Pay",
      permission: "public",
      raw: true,
      params: returnParams,
      response: { status: 200, description: "text/html" },
      handle: ({ deps, params, raw }) =>
        forBrowser(async () => {
          const request = { ...raw, query: { ...raw.query, pid: params.paymentId } };
          const result = await handleInbound(deps, params.gateway, params.tenantId, request);
          return html(200, resultPage(result.outcome));
        }),
    }),
  ),
  defineOperation({
    id: "gatewayWebhook",
    method: "POST",
    path: "/v1/webhooks/{gateway}/{tenantId}",
    summary: "Gateway webhook / IPN, authenticated by the gateway's signature and a verification call",
    tag: "Pay",
    permission: "public",
    raw: true,
    params: inboundParams,
    response: { status: 200, schema: z.object({ outcome: z.string() }) },
    handle: async ({ deps, params, raw }) => {
      const result = await handleInbound(deps, params.gateway, params.tenantId, raw);
      // Not confirmed yet: a 503 makes the gateway deliver again (the sweep asks meanwhile).
      return { status: result.outcome === "unconfirmed" ? 503 : 200, body: { outcome: result.outcome } };
    },
  }),
];
