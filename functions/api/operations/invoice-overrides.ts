import * as z from "zod";
import { type Invoice, InvoiceIdSchema, InvoiceSchema } from "../../../shared/domain/schemas/invoice.js";
import {
  AddInvoiceLineSchema,
  BillingPauseSchema,
  CreateCreditNoteSchema,
  MarkInvoicePaidSchema,
  VoidInvoiceSchema,
} from "../../../shared/domain/schemas/invoice-override.js";
import { SubscriberIdSchema, SubscriberSchema } from "../../../shared/domain/schemas/subscriber.js";
import { defineOperation, type OperationResult } from "../../../shared/http/operation.js";
import type { Caller, IdempotencyRequest, ServiceDeps } from "../../../shared/services/caller.js";
import type { Created } from "../../../shared/services/idempotent-create.js";
import { setBillingPaused } from "../../../shared/services/invoices/billing-pause.js";
import {
  addInvoiceLineOverride,
  creditNoteOverride,
  markInvoicePaidOverride,
  voidInvoiceOverride,
} from "../../../shared/services/invoices/overrides.js";
import { ok } from "./respond.js";

const invoiceParams = z.object({ invoiceId: InvoiceIdSchema });
const subscriberParams = z.object({ subscriberId: SubscriberIdSchema });
const tag = "Invoices";

/** The invoice after the override; a replayed Idempotency-Key is flagged so clients can tell. */
function changed(result: Created<unknown>): OperationResult {
  return {
    status: 200,
    body: result.resource,
    ...(result.replayed ? { headers: { "idempotent-replayed": "true" } } : {}),
  };
}

/**
 * Admin overrides of billing (README "Billing overrides"): each needs money:write, takes the
 * version it changes and a reason, and records both on the subscriber's timeline.
 */
/**
 * `POST /v1/invoices/{invoiceId}/<action>`: an override of one invoice, with an Idempotency-Key,
 * answered with the invoice as it now is.
 */
function invoiceOverride<B extends z.ZodType>(
  id: string,
  action: string,
  summary: string,
  body: B,
  run: (
    deps: ServiceDeps,
    caller: Caller,
    invoiceId: string,
    input: z.infer<B>,
    idempotency: IdempotencyRequest | undefined,
  ) => Promise<Created<Invoice>>,
) {
  return defineOperation({
    id,
    method: "POST",
    path: `/v1/invoices/{invoiceId}/${action}`,
    summary,
    tag,
    permission: "money:write",
    params: invoiceParams,
    body,
    idempotent: true,
    response: { status: 200, schema: InvoiceSchema },
    handle: async ({ deps, caller, params, body: input, idempotency }) =>
      changed(await run(deps, caller, params.invoiceId, input, idempotency)),
  });
}

export const invoiceOverrideOperations = [
  invoiceOverride(
    "voidInvoice",
    "void",
    "Void an invoice with nothing paid on it (it leaves dues and unpaid totals)",
    VoidInvoiceSchema,
    voidInvoiceOverride,
  ),
  invoiceOverride(
    "addInvoiceAdjustment",
    "adjustments",
    "Add an adjustment or a discount line to an unpaid invoice (totals and tax recomputed; never below what is paid)",
    AddInvoiceLineSchema,
    addInvoiceLineOverride,
  ),
  invoiceOverride(
    "markInvoicePaid",
    "mark-paid",
    "Mark an invoice paid for money received outside the system (the outstanding amount is recorded on it; the bill the subscriber's service waits on renews it)",
    MarkInvoicePaidSchema,
    markInvoicePaidOverride,
  ),
  invoiceOverride(
    "createCreditNote",
    "credit-notes",
    "Credit part or all of what was paid on an invoice to the subscriber's wallet (listed on the invoice)",
    CreateCreditNoteSchema,
    creditNoteOverride,
  ),
  defineOperation({
    id: "pauseBilling",
    method: "POST",
    path: "/v1/subscribers/{subscriberId}/billing/pause",
    summary:
      "Pause a subscriber's billing: the invoice chain bills no cycle it reaches and adds no late fee until resumed",
    tag,
    permission: "money:write",
    params: subscriberParams,
    body: BillingPauseSchema,
    response: { status: 200, schema: SubscriberSchema },
    handle: async ({ deps, caller, params, body }) =>
      ok(await setBillingPaused(deps, caller, params.subscriberId, body, true)),
  }),
  defineOperation({
    id: "resumeBilling",
    method: "POST",
    path: "/v1/subscribers/{subscriberId}/billing/resume",
    summary: "Resume a subscriber's billing from its next cycle (the cycle in progress stays unbilled)",
    tag,
    permission: "money:write",
    params: subscriberParams,
    body: BillingPauseSchema,
    response: { status: 200, schema: SubscriberSchema },
    handle: async ({ deps, caller, params, body }) =>
      ok(await setBillingPaused(deps, caller, params.subscriberId, body, false)),
  }),
];
