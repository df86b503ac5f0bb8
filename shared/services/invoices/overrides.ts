import {
  addInvoiceLine,
  creditable,
  creditInvoice,
  markInvoicePaid,
  voidInvoice,
} from "../../domain/billing/overrides.js";
import { newId } from "../../domain/ids.js";
import type { Invoice } from "../../domain/schemas/invoice.js";
import type {
  AddInvoiceLineInput,
  CreateCreditNoteInput,
  MarkInvoicePaidInput,
  VoidInvoiceInput,
} from "../../domain/schemas/invoice-override.js";
import type { Caller, IdempotencyRequest, ServiceDeps } from "../caller.js";
import type { Created } from "../idempotent-create.js";
import { money } from "./events.js";
import { override, overrideBy, overrideEvent, settledRenewal } from "./override-commit.js";
import { payFromWallet } from "./wallet-credit.js";

/** The four invoice overrides (override-commit.ts commits each with the subscriber's side). */
export function voidInvoiceOverride(
  deps: ServiceDeps,
  caller: Caller,
  invoiceId: string,
  input: VoidInvoiceInput,
  idempotency?: IdempotencyRequest,
): Promise<Created<Invoice>> {
  return override(deps, caller, invoiceId, input.version, "void", idempotency, (invoice, _ctx, now) => {
    const voided = voidInvoice(invoice, overrideBy(caller, input.reason, now));
    return {
      invoice: voided,
      events: (stored) => [
        overrideEvent(
          caller,
          stored,
          voided.updatedAt,
          "invoice.voided",
          `Invoice ${stored.number} voided: ${input.reason}`,
          {
            total: { amount: stored.total, currency: stored.currency },
            reason: input.reason,
          },
        ),
      ],
    };
  });
}

export function addInvoiceLineOverride(
  deps: ServiceDeps,
  caller: Caller,
  invoiceId: string,
  input: AddInvoiceLineInput,
  idempotency?: IdempotencyRequest,
): Promise<Created<Invoice>> {
  return override(deps, caller, invoiceId, input.version, "adjustment", idempotency, (invoice, ctx, now) => {
    const line = { kind: input.kind, description: input.description, amount: input.amount };
    const next = addInvoiceLine(invoice, line, now.toISOString());
    const what = input.kind === "discount" ? "Discount" : "Adjustment";
    return {
      invoice: next,
      transition: settledRenewal(invoice, next, ctx, caller, now),
      events: (stored) => [
        overrideEvent(
          caller,
          stored,
          next.updatedAt,
          "invoice.adjusted",
          `${what} ${money(line.amount, stored.currency)} "${line.description}" on invoice ${stored.number}: now ${money(stored.total, stored.currency)}: ${input.reason}`,
          {
            line,
            totalBefore: invoice.total,
            total: stored.total,
            tax: stored.tax,
            status: stored.status,
            reason: input.reason,
          },
        ),
      ],
    };
  });
}

export function markInvoicePaidOverride(
  deps: ServiceDeps,
  caller: Caller,
  invoiceId: string,
  input: MarkInvoicePaidInput,
  idempotency?: IdempotencyRequest,
): Promise<Created<Invoice>> {
  return override(deps, caller, invoiceId, input.version, "mark-paid", idempotency, (invoice, ctx, now) => {
    const marked = markInvoicePaid(invoice, overrideBy(caller, input.reason, now));
    const at = marked.invoice.updatedAt;
    return {
      invoice: marked.invoice,
      transition: settledRenewal(invoice, marked.invoice, ctx, caller, now),
      events: (stored) => [
        overrideEvent(
          caller,
          stored,
          at,
          "invoice.marked_paid",
          `Invoice ${stored.number} marked paid: ${money(marked.amount, stored.currency)} received outside the system: ${input.reason}`,
          { amount: { amount: marked.amount, currency: stored.currency }, reason: input.reason },
        ),
        // The fact the outbound catalogue publishes (invoice.paid), with the invoice's amount.
        overrideEvent(caller, stored, at, "invoice.paid", `Invoice ${stored.number} paid (marked paid)`, {
          amount: { amount: stored.total, currency: stored.currency },
          by: "override",
        }),
      ],
    };
  });
}

export function creditNoteOverride(
  deps: ServiceDeps,
  caller: Caller,
  invoiceId: string,
  input: CreateCreditNoteInput,
  idempotency?: IdempotencyRequest,
): Promise<Created<Invoice>> {
  return override(
    deps,
    caller,
    invoiceId,
    input.version,
    "credit-note",
    idempotency,
    async (invoice, ctx, now) => {
      const note = {
        id: newId("creditNote", now.getTime()),
        amount: input.amount,
        ...overrideBy(caller, input.reason, now),
      };
      const credited = creditInvoice(invoice, note);
      const walletBefore = ctx.sub.walletBalance ?? 0;
      const walletAfter = walletBefore + note.amount;
      // The credit pays the subscriber's other unpaid invoices in this same write.
      const paid = await payFromWallet(
        deps,
        ctx,
        {
          subscriber: {
            ...ctx.sub,
            walletBalance: walletAfter,
            version: ctx.sub.version + 1,
            updatedAt: note.at,
          },
          events: [],
          commands: [],
        },
        invoice.currency,
        caller.actor,
        now,
        invoice.id,
      );
      const walletLeft = paid.transition.subscriber.walletBalance ?? 0;
      const applied = walletAfter - walletLeft;
      const onInvoices =
        applied > 0
          ? `, ${money(applied, invoice.currency)} of it paid into ${paid.invoices.length} unpaid invoice(s)`
          : "";
      return {
        invoice: credited,
        transition: paid.transition,
        invoices: paid.invoices,
        events: (stored) => [
          overrideEvent(
            caller,
            stored,
            note.at,
            "invoice.credit_note_issued",
            `Credit note ${money(note.amount, stored.currency)} on invoice ${stored.number} to the wallet (${walletBefore} -> ${walletAfter} minor units${onInvoices}): ${input.reason}`,
            {
              creditNoteId: note.id,
              amount: { amount: note.amount, currency: stored.currency },
              creditableAfter: creditable(stored),
              walletBefore,
              walletAfter,
              ...(applied > 0 ? { paidIntoInvoices: applied, walletLeft } : {}),
              reason: input.reason,
            },
          ),
        ],
      };
    },
  );
}
