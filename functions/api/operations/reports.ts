import {
  BillingSummaryQuerySchema,
  BillingSummarySchema,
  DailySummaryMessageSchema,
  DailySummarySettingsSchema,
  DueInvoiceSchema,
  DuesQuerySchema,
  PutDailySummarySchema,
} from "../../../shared/domain/schemas/report.js";
import { csvHeaders } from "../../../shared/http/csv.js";
import { defineOperation } from "../../../shared/http/operation.js";
import {
  type CsvFile,
  exportInvoices,
  exportPayments,
  InvoiceExportQuerySchema,
  PaymentExportQuerySchema,
} from "../../../shared/services/billing-exports.js";
import {
  deleteDailySummarySettings,
  getDailySummarySettings,
  previewDailySummary,
  putDailySummarySettings,
  sendDailySummaryNow,
} from "../../../shared/services/daily-summary.js";
import { billingSummary, listDues } from "../../../shared/services/reports.js";
import { noContent, ok, page } from "./respond.js";

/*
 * Reports for the dashboard. CSV convention: every export is `GET /v1/reports/<list>.csv`, taking
 * the JSON list's filters, `limit` (rows a file, up to 5000) and `cursor`; when more rows match,
 * the `Next-Cursor` header names the next file's cursor.
 */

function csv(file: CsvFile, name: string) {
  return {
    status: 200,
    text: file.text,
    headers: { ...csvHeaders(name), ...(file.nextCursor ? { "next-cursor": file.nextCursor } : {}) },
  };
}

export const reportOperations = [
  defineOperation({
    id: "billingSummary",
    method: "GET",
    path: "/v1/reports/billing-summary",
    summary:
      "Billing summary of a period (a month in the tenant's zone, or from/to): billed, paid, unpaid, " +
      "collected; upcoming and overdue dues; subscribers suspended now",
    tag: "Reports",
    permission: "read",
    query: BillingSummaryQuerySchema,
    response: { status: 200, schema: BillingSummarySchema },
    handle: async ({ deps, caller, query }) => ok(await billingSummary(deps, caller, query)),
  }),
  defineOperation({
    id: "listDues",
    method: "GET",
    path: "/v1/reports/dues",
    summary: "Unpaid invoices due from now within `days` (default 7), soonest first, with their subscribers",
    tag: "Reports",
    permission: "read",
    query: DuesQuerySchema,
    response: { status: 200, schema: DueInvoiceSchema, list: true },
    handle: async ({ deps, caller, query, page: request }) =>
      page(await listDues(deps, caller, query.days, request)),
  }),
  defineOperation({
    id: "exportInvoicesCsv",
    method: "GET",
    path: "/v1/reports/invoices.csv",
    summary: "Invoices as CSV (the filters of GET /v1/invoices); amounts in minor units and as decimals",
    tag: "Reports",
    permission: "read",
    query: InvoiceExportQuerySchema,
    response: { status: 200, description: "text/csv; the Next-Cursor header when more rows match" },
    handle: async ({ deps, caller, query, page: request }) =>
      csv(await exportInvoices(deps, caller, query, request), "invoices.csv"),
  }),
  defineOperation({
    id: "exportPaymentsCsv",
    method: "GET",
    path: "/v1/reports/payments.csv",
    summary: "Payments as CSV (the filters of GET /v1/payments); amounts in minor units and as decimals",
    tag: "Reports",
    permission: "read",
    query: PaymentExportQuerySchema,
    response: { status: 200, description: "text/csv; the Next-Cursor header when more rows match" },
    handle: async ({ deps, caller, query, page: request }) =>
      csv(await exportPayments(deps, caller, query, request), "payments.csv"),
  }),
  defineOperation({
    id: "previewDailySummary",
    method: "GET",
    path: "/v1/reports/daily-summary",
    summary: "The admins' daily summary as it would be sent now",
    tag: "Reports",
    permission: "read",
    response: { status: 200, schema: DailySummaryMessageSchema },
    handle: async ({ deps, caller }) => ok(await previewDailySummary(deps, caller)),
  }),
  defineOperation({
    id: "getDailySummarySettings",
    method: "GET",
    path: "/v1/reports/daily-summary/settings",
    summary: "Who gets the daily summary, and when (the Telegram bot token is never returned)",
    tag: "Reports",
    permission: "read",
    response: { status: 200, schema: DailySummarySettingsSchema },
    handle: async ({ deps, caller }) => ok(await getDailySummarySettings(deps, caller)),
  }),
  defineOperation({
    id: "putDailySummarySettings",
    method: "PUT",
    path: "/v1/reports/daily-summary/settings",
    summary: "Set up the daily summary: e-mail addresses and/or a Telegram chat with the ISP's bot token",
    tag: "Reports",
    permission: "keys:manage",
    body: PutDailySummarySchema,
    response: { status: 200, schema: DailySummarySettingsSchema },
    handle: async ({ deps, caller, body }) => ok(await putDailySummarySettings(deps, caller, body)),
  }),
  defineOperation({
    id: "deleteDailySummarySettings",
    method: "DELETE",
    path: "/v1/reports/daily-summary/settings",
    summary: "Stop the daily summary and forget its settings and bot token",
    tag: "Reports",
    permission: "keys:manage",
    response: { status: 204 },
    handle: async ({ deps, caller }) => {
      await deleteDailySummarySettings(deps, caller);
      return noContent;
    },
  }),
  defineOperation({
    id: "sendDailySummary",
    method: "POST",
    path: "/v1/reports/daily-summary/send",
    summary: "Send the daily summary now to its recipients (to check the set-up)",
    tag: "Reports",
    permission: "money:write",
    response: { status: 200, schema: DailySummaryMessageSchema },
    handle: async ({ deps, caller }) => ok(await sendDailySummaryNow(deps, caller)),
  }),
];
