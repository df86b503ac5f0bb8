import { createApiHandler } from "../../shared/http/api-handler.js";
import { functionDeps } from "../deps.js";
import { invoiceWriteOperations } from "./operations/invoice-writes.js";
import { paymentOperations } from "./operations/payments.js";

/** Payments, and invoices made on demand: both send subscribers messages (SMS, e-mail). */
export const handler = createApiHandler([...paymentOperations, ...invoiceWriteOperations], {
  deps: () => functionDeps(),
});
