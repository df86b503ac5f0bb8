import { createApiHandler } from "../../shared/http/api-handler.js";
import { functionDeps } from "../deps.js";
import { invoiceOverrideOperations } from "./operations/invoice-overrides.js";
import { invoiceWriteOperations } from "./operations/invoice-writes.js";
import { paymentOperations } from "./operations/payments.js";

/**
 * Payments, invoices made on demand (both send subscribers messages: SMS, e-mail) and the billing
 * overrides (mark paid queues a restore command like a payment).
 */
export const handler = createApiHandler(
  [...paymentOperations, ...invoiceWriteOperations, ...invoiceOverrideOperations],
  {
    deps: () => functionDeps(),
  },
);
