import { NotFoundError, ValidationError } from "../domain/errors.js";
import type { Invoice } from "../domain/schemas/invoice.js";
import { type InvoiceListQuery, invoiceRangeIssues } from "../domain/schemas/invoice-query.js";
import type { ListOptions } from "../ports/invoices.js";
import type { Page, PageRequest } from "../ports/repositories.js";
import type { Caller, ServiceDeps } from "./caller.js";

/** `GET /v1/invoices`: the caller's tenant only; ranges must end after they start. */
export async function listInvoices(
  deps: ServiceDeps,
  caller: Caller,
  query: InvoiceListQuery,
  page: PageRequest,
  options?: ListOptions,
): Promise<Page<Invoice>> {
  const issues = invoiceRangeIssues(query);
  if (issues.length > 0) {
    throw new ValidationError(
      "Invalid query parameters",
      issues.map((i) => ({ ...i, in: "query" as const })),
    );
  }
  return deps.repos.invoices.list(caller.tenantId, query, page, options);
}

export async function getInvoice(deps: ServiceDeps, caller: Caller, invoiceId: string): Promise<Invoice> {
  const invoice = await deps.repos.invoices.get(caller.tenantId, invoiceId);
  if (!invoice) throw new NotFoundError("Invoice not found");
  return invoice;
}

/** A subscriber's invoices; 404 for a subscriber the tenant does not have. */
export async function listSubscriberInvoices(
  deps: ServiceDeps,
  caller: Caller,
  subscriberId: string,
  page: PageRequest,
): Promise<Page<Invoice>> {
  const sub = await deps.repos.subscribers.get(caller.tenantId, subscriberId);
  if (!sub) throw new NotFoundError("Subscriber not found");
  return deps.repos.invoices.listForSubscriber(caller.tenantId, subscriberId, page);
}
