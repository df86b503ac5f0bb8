import type { InvoiceCreatedBy } from "../domain/billing/invoice-created.js";
import type { Invoice, NewInvoice } from "../domain/schemas/invoice.js";
import type { InvoiceListQuery } from "../domain/schemas/invoice-query.js";
import type { TimelineEvent } from "../domain/schemas/timeline.js";
import type { IdempotencyClaim, Page, PageRequest, StoredSubscriber } from "./repositories.js";

export interface InvoiceCreation {
  readonly invoice: Invoice;
  /** false: the subscriber already had an invoice for this period; that one is returned instead. */
  readonly created: boolean;
}

/** An invoice as read and its next state: stored at the next version if nobody wrote it since. */
export interface InvoiceUpdate {
  readonly current: Invoice;
  readonly next: Invoice;
}

/**
 * The subscriber's side of an invoice write (wallet credit taken, the chain moved on, a renewal,
 * the timeline), committed in the same transaction: both happen or neither does.
 */
export interface InvoiceSubscriberChange {
  /** The subscriber as read: the write fails with a version conflict if it changed since. */
  readonly current: StoredSubscriber;
  /** Its next version (`current.version + 1`). */
  readonly next: StoredSubscriber;
  /** The timeline events, built once the invoice is numbered (they name its number). */
  readonly events: (invoice: Invoice) => readonly TimelineEvent[];
  /** Other invoices of the subscriber changed in the same write (wallet credit paying them). */
  readonly invoices?: readonly InvoiceUpdate[] | undefined;
}

/**
 * The subscriber's side of a NEW invoice, committed in the invoice's own write. Its
 * `invoice.created` event names the number, so it is written where the invoice is numbered.
 */
export interface NewInvoiceSubscriberChange {
  /** The subscriber as read: the write fails with a version conflict if it changed since. */
  readonly current: StoredSubscriber;
  /** Its next version (`current.version + 1`). */
  readonly next: StoredSubscriber;
  /** The change's own timeline events (a renewal, wallet credit taken), committed with it. */
  readonly events: readonly TimelineEvent[];
  /** Who made the invoice, for its `invoice.created` event (stamped with `next.version`). */
  readonly createdBy: InvoiceCreatedBy;
}

/** The most invoices `createMany` numbers in one transaction (two items each, plus the counter). */
export const MAX_INVOICES_PER_BATCH = 49;

/** The most pending invoices one numbering write takes (invoice, pending item and event each, plus the counter). */
export const MAX_INVOICES_PER_NUMBERING = 33;

/**
 * Invoices, numbered per tenant 1, 2, 3 ... in the same write that stores them, so a number is
 * never skipped (no number is taken without its invoice) nor issued twice; and at most one
 * invoice per subscriber and period start, guaranteed by a key rather than by a read first.
 */
export interface InvoiceRepository {
  /** Numbers and stores the invoice, or returns the one already stored for its period. */
  create(invoice: NewInvoice): Promise<InvoiceCreation>;
  /**
   * The same for up to MAX_INVOICES_PER_BATCH invoices of one tenant at once (an invoice run):
   * consecutive numbers in one transaction. Results are in the order given.
   */
  createMany(invoices: readonly NewInvoice[]): Promise<InvoiceCreation[]>;
  get(tenantId: string, invoiceId: string): Promise<Invoice | undefined>;
  /** The subscriber's invoice for the period starting at `periodStart` (a UTC instant). */
  getForPeriod(tenantId: string, subscriberId: string, periodStart: string): Promise<Invoice | undefined>;
  /**
   * Stores the invoice together with the subscriber's change (and an Idempotency-Key claim), then
   * returns it numbered: the number is taken in a write of its own that may number other writers'
   * invoices of the tenant with it (up to MAX_INVOICES_PER_NUMBERING), so a cycle start's burst
   * shares the counter instead of fighting over it. Until then the invoice is pending: `get` and
   * `getForPeriod` number it before they answer. When the subscriber already has an invoice for
   * the period nothing is written and that one is returned (`created: false`).
   * VersionConflictError when the subscriber changed since it was read; IdempotencyKeyClaimed when
   * the key was used before.
   */
  createWithSubscriber(
    invoice: NewInvoice,
    change: NewInvoiceSubscriberChange,
    options?: InvoiceWriteOptions,
  ): Promise<InvoiceCreation>;
  /**
   * Stores `next` if the stored invoice is still at `current.version`; returns it at the next
   * version. Identity, number and period never change.
   */
  update(current: Invoice, next: Invoice): Promise<Invoice>;
  /**
   * `update` and the subscriber's change in one transaction (a late fee with the suspension, an
   * admin's override with its timeline event), with an Idempotency-Key claim when given:
   * IdempotencyKeyClaimed when the key was used before (that outranks a version conflict).
   */
  updateWithSubscriber(
    current: Invoice,
    next: Invoice,
    change: InvoiceSubscriberChange,
    options?: { readonly idempotency?: IdempotencyClaim | undefined },
  ): Promise<Invoice>;
  /**
   * Several of a subscriber's invoices (`update` each) and the subscriber's change in one
   * transaction: wallet credit paying invoices where it arises. Returns them at their next versions.
   */
  updateManyWithSubscriber(
    updates: readonly InvoiceUpdate[],
    change: {
      readonly current: StoredSubscriber;
      readonly next: StoredSubscriber;
      readonly events: readonly TimelineEvent[];
    },
  ): Promise<Invoice[]>;
  /**
   * A tenant's invoices matching every filter given, newest first by the order of the index the
   * filters select (invoice-query.ts): issue, due date (status filters) or period start. A filtered
   * page may come back short with a cursor; page on until there is none.
   */
  list(
    tenantId: string,
    query: InvoiceListQuery,
    page: PageRequest,
    options?: ListOptions,
  ): Promise<Page<Invoice>>;
  /** A subscriber's invoices, newest first. */
  listForSubscriber(tenantId: string, subscriberId: string, page: PageRequest): Promise<Page<Invoice>>;
  /**
   * Up to `limit` of the subscriber's unpaid invoices (open or partially paid), oldest issued first,
   * each read consistently from the table (what a payment settles, conditioned on their versions).
   */
  unpaidForSubscriber(tenantId: string, subscriberId: string, limit: number): Promise<Invoice[]>;
}

export interface InvoiceWriteOptions {
  readonly idempotency?: IdempotencyClaim | undefined;
  /**
   * The invoice owes its subscriber a notice (SMS / e-mail): recorded in the same write, so the
   * sweep sends it when the writer dies before it could (InvoiceNoticeRepository).
   */
  readonly notify?: boolean | undefined;
}

/** An invoice whose notice is owed. */
export interface InvoiceNoticeRef {
  readonly tenantId: string;
  readonly invoiceId: string;
}

/**
 * The notices invoices owe (written with the invoice when `notify` is set). Exactly one sender
 * sends each: the invoice's writer, or the sweep when the writer died before numbering or sending.
 */
export interface InvoiceNoticeRepository {
  /**
   * Takes the notice for a few minutes (a lease): true for the one sender that may send it now;
   * false when it was sent already, is not owed, or another sender holds it.
   */
  claim(tenantId: string, invoiceId: string, now: Date): Promise<boolean>;
  /** Sent (or given up for good): nobody sends it again. */
  complete(tenantId: string, invoiceId: string): Promise<void>;
  /** Notices owed since before `cutoff` and not held by a sender, every tenant, oldest first. */
  overdue(cutoff: string, limit: number): Promise<InvoiceNoticeRef[]>;
}

export interface ListOptions {
  /** Oldest (or soonest due) first instead. */
  readonly ascending?: boolean;
}
