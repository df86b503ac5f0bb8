import * as z from "zod";
import { AppError } from "../../../shared/domain/errors.js";
import { InvoiceIdSchema, InvoiceSchema } from "../../../shared/domain/schemas/invoice.js";
import { InvoiceListQuerySchema } from "../../../shared/domain/schemas/invoice-query.js";
import { SubscriberIdSchema } from "../../../shared/domain/schemas/subscriber.js";
import { INVOICE_PAGE_HEADERS, invoicePage } from "../../../shared/http/invoice-pages.js";
import { defineOperation, type OperationResult } from "../../../shared/http/operation.js";
import { errorPage } from "../../../shared/http/pay-pages.js";
import { invoicePdf } from "../../../shared/http/pdf/invoice-pdf.js";
import { invoiceDocument } from "../../../shared/services/invoice-document.js";
import {
  CreateInvoiceLinkSchema,
  createInvoiceLink,
  InvoiceLinkSchema,
  invoiceLinkUrls,
  openInvoiceLink,
} from "../../../shared/services/invoice-links.js";
import { getInvoice, listInvoices, listSubscriberInvoices } from "../../../shared/services/invoice-reads.js";
import { ok, page } from "./respond.js";

/*
 * Invoices, read side: lists with filters, one invoice, its PDF, and the unguessable link a
 * subscriber opens (`/v1/bill/{token}`: the HTML page; `/pdf`: the same invoice as a PDF).
 */

const invoiceParams = z.object({ invoiceId: InvoiceIdSchema });
const tokenParams = z.object({
  token: z.string().min(1).max(200).meta({ description: "The invoice link's token" }),
});

function pdfResult(pdf: string, number: string, cache: string): OperationResult {
  return {
    status: 200,
    text: pdf,
    headers: {
      "content-type": "application/pdf",
      "content-disposition": `inline; filename="${number}.pdf"`,
      "cache-control": cache,
      "x-content-type-options": "nosniff",
    },
  };
}

/** A subscriber's browser gets a page, not problem+json; a 5xx's cause stays in the logs. */
async function forBrowser(run: () => Promise<OperationResult>): Promise<OperationResult> {
  try {
    return await run();
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    const message =
      error.status < 500 ? error.message : "The invoice cannot be shown right now. Try again soon.";
    return {
      status: error.status,
      text: errorPage(error.status, message),
      headers: { ...INVOICE_PAGE_HEADERS },
    };
  }
}

export const invoiceOperations = [
  defineOperation({
    id: "listInvoices",
    method: "GET",
    path: "/v1/invoices",
    summary:
      "List invoices with filters. Newest first: by issue, by due date when a status is given, by period " +
      "start when a period range is given. A filtered page may be short: follow nextCursor",
    tag: "Invoices",
    permission: "read",
    query: InvoiceListQuerySchema,
    response: { status: 200, schema: InvoiceSchema, list: true },
    handle: async ({ deps, caller, query, page: request }) =>
      page(await listInvoices(deps, caller, query, request)),
  }),
  defineOperation({
    id: "getInvoice",
    method: "GET",
    path: "/v1/invoices/{invoiceId}",
    summary: "Get an invoice",
    tag: "Invoices",
    permission: "read",
    params: invoiceParams,
    response: { status: 200, schema: InvoiceSchema },
    handle: async ({ deps, caller, params }) => ok(await getInvoice(deps, caller, params.invoiceId)),
  }),
  defineOperation({
    id: "getInvoicePdf",
    method: "GET",
    path: "/v1/invoices/{invoiceId}/pdf",
    summary: "The invoice as a PDF (application/pdf)",
    tag: "Invoices",
    permission: "read",
    params: invoiceParams,
    response: { status: 200, description: "application/pdf" },
    handle: async ({ deps, caller, params }) => {
      const invoice = await getInvoice(deps, caller, params.invoiceId);
      const [tenant, subscriber] = await Promise.all([
        deps.repos.tenants.get(caller.tenantId),
        deps.repos.subscribers.get(caller.tenantId, invoice.subscriberId),
      ]);
      if (!tenant) throw new Error("the caller's tenant is missing");
      return pdfResult(
        invoicePdf(invoiceDocument({ invoice, tenant, subscriber })),
        invoice.number,
        "no-store",
      );
    },
  }),
  defineOperation({
    id: "createInvoiceLink",
    method: "POST",
    path: "/v1/invoices/{invoiceId}/links",
    summary: "Create the link a subscriber opens to see the invoice (HTML) and download its PDF",
    tag: "Invoices",
    permission: "subscribers:write",
    params: invoiceParams,
    query: CreateInvoiceLinkSchema,
    response: { status: 201, schema: InvoiceLinkSchema },
    handle: async ({ deps, caller, params, query, raw }) => ({
      status: 201,
      body: await createInvoiceLink(deps, caller, params.invoiceId, query, raw.baseUrl),
    }),
  }),
  defineOperation({
    id: "listSubscriberInvoices",
    method: "GET",
    path: "/v1/subscribers/{subscriberId}/invoices",
    summary: "A subscriber's invoices, newest first",
    tag: "Invoices",
    permission: "read",
    params: z.object({ subscriberId: SubscriberIdSchema }),
    response: { status: 200, schema: InvoiceSchema, list: true },
    handle: async ({ deps, caller, params, page: request }) =>
      page(await listSubscriberInvoices(deps, caller, params.subscriberId, request)),
  }),
  defineOperation({
    id: "openInvoicePage",
    method: "GET",
    path: "/v1/bill/{token}",
    summary: "The invoice page a subscriber opens from an invoice link (HTML, branded)",
    tag: "Invoices",
    permission: "public",
    raw: true,
    params: tokenParams,
    response: { status: 200, description: "text/html" },
    handle: ({ deps, params, raw }) =>
      forBrowser(async () => {
        const open = await openInvoiceLink(deps, params.token);
        const { pdfUrl } = invoiceLinkUrls(raw.baseUrl, params.token);
        return {
          status: 200,
          text: invoicePage(invoiceDocument(open), { pdfUrl }),
          headers: { ...INVOICE_PAGE_HEADERS },
        };
      }),
  }),
  defineOperation({
    id: "openInvoicePdf",
    method: "GET",
    path: "/v1/bill/{token}/pdf",
    summary: "The same invoice as a PDF, from an invoice link",
    tag: "Invoices",
    permission: "public",
    raw: true,
    params: tokenParams,
    response: { status: 200, description: "application/pdf" },
    handle: ({ deps, params }) =>
      forBrowser(async () => {
        const open = await openInvoiceLink(deps, params.token);
        return pdfResult(invoicePdf(invoiceDocument(open)), open.invoice.number, "private, no-store");
      }),
  }),
];
