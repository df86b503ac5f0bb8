import * as z from "zod";
import { CreateInvoiceSchema, InvoiceSchema } from "../../../shared/domain/schemas/invoice.js";
import { SubscriberIdSchema } from "../../../shared/domain/schemas/subscriber.js";
import { defineOperation } from "../../../shared/http/operation.js";
import { createSubscriberInvoice } from "../../../shared/services/invoices/on-demand.js";
import { created } from "./respond.js";

const subscriberParams = z.object({ subscriberId: SubscriberIdSchema });

/** Invoices made on demand; cycle invoices come from each subscriber's schedule. */
export const invoiceWriteOperations = [
  defineOperation({
    id: "createSubscriberInvoice",
    method: "POST",
    path: "/v1/subscribers/{subscriberId}/invoices",
    summary:
      "Bill a subscriber now: a migrated cycle or a manual bill with its own lines (numbered, wallet credit applied, sent by SMS and e-mail)",
    tag: "Invoices",
    permission: "money:write",
    params: subscriberParams,
    body: CreateInvoiceSchema,
    idempotent: true,
    response: { status: 201, schema: InvoiceSchema },
    handle: async ({ deps, caller, params, body, idempotency }) => {
      const result = await createSubscriberInvoice(deps, caller, params.subscriberId, body, idempotency);
      return created(result, `/v1/invoices/${result.resource.id}`);
    },
  }),
];
