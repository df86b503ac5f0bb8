import { randomUUID } from "node:crypto";
import { ConditionalCheckFailedException, TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import {
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { type InvoiceCreatedBy, invoiceNumberedEvents } from "../../domain/billing/invoice-created.js";
import { ConflictError, VersionConflictError } from "../../domain/errors.js";
import { IdempotencyKeyClaimed } from "../../domain/idempotency.js";
import { formatInvoiceNumber, type Invoice, type NewInvoice } from "../../domain/schemas/invoice.js";
import type { InvoiceListQuery } from "../../domain/schemas/invoice-query.js";
import {
  type InvoiceCreation,
  type InvoiceRepository,
  type InvoiceSubscriberChange,
  type InvoiceUpdate,
  type InvoiceWriteOptions,
  type ListOptions,
  MAX_INVOICES_PER_BATCH,
  MAX_INVOICES_PER_NUMBERING,
  type NewInvoiceSubscriberChange,
} from "../../ports/invoices.js";
import type { IdempotencyClaim, Page, PageRequest } from "../../ports/repositories.js";
import { batchGetConsistent } from "./batch-get.js";
import { withIdempotency } from "./idempotency.js";
import { invoiceNoticePut } from "./invoice-notices.js";
import { buildInvoiceQuery, invoiceIndexKeys } from "./invoice-query.js";
import { toRecord } from "./items.js";
import { keys } from "./keys.js";
import { queryPage } from "./paged-query.js";
import { DynamoSubscriberRepository } from "./subscriber-repository.js";
import { type GuardedItem, transact } from "./transact.js";

export interface InvoiceRepositoryOptions {
  /** Transactions tried before giving up when other writers keep taking the next number. */
  readonly maxAttempts?: number;
  /** Upper bound of the jittered pause between attempts, in ms. */
  readonly maxBackoffMs?: number;
  /** Writes the subscriber's side of `createWithSubscriber` (default: one on the same table). */
  readonly subscribers?: DynamoSubscriberRepository;
}

type CancellationReason = NonNullable<TransactionCanceledException["CancellationReasons"]>[number];

/** Reasons a numbering transaction is simply tried again (another writer got there first). */
const RETRYABLE = new Set(["None", "ConditionalCheckFailed", "TransactionConflict", "ThrottlingError"]);

/** An invoice stored with its subscriber's change, waiting for its number (and its created event). */
interface PendingInvoice {
  readonly invoice: NewInvoice;
  readonly createdBy: InvoiceCreatedBy;
  /** The subscriber version its `invoice.created` event belongs to. */
  readonly version: number;
}

interface NumberingLease {
  readonly token: string;
  /** The counter when the lease was taken. */
  readonly last: number;
}

/** How long a numbering lease holds if its writer never gives it back. */
const NUMBERING_LEASE_MS = 10_000;

interface Waiting {
  readonly invoice: NewInvoice;
  readonly resolve: (result: InvoiceCreation) => void;
  readonly reject: (error: unknown) => void;
}

const periodKey = (i: NewInvoice) => `${i.subscriberId}#${i.period.start}`;

/**
 * Numbers come from a per-tenant counter (T#{t}, INVSEQ) that is read, then moved in the SAME
 * transaction that writes the invoices, on condition it still holds what was read: a number is
 * only ever taken together with its invoice. A period item per subscriber and period start makes
 * a second invoice for the same cycle fail its condition; that cycle's stored invoice is returned.
 * Writers that lose the counter race learn its value from the cancellation (ALL_OLD) and try
 * again after a jittered pause. Separate processes contend per transaction, so a burst for one
 * tenant is best funnelled through one writer (`createMany`, or concurrent `create`s in one
 * process, which share transactions). `createWithSubscriber`, which a cycle start's fires call
 * from many Lambda instances at once, stores the invoice pending first and has it numbered in a
 * shared write (see there).
 */
export class DynamoInvoiceRepository implements InvoiceRepository {
  private readonly maxAttempts: number;
  private readonly maxBackoffMs: number;
  private readonly waiting = new Map<string, Waiting[]>();
  private readonly subscribers: DynamoSubscriberRepository;

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    options: InvoiceRepositoryOptions = {},
  ) {
    this.maxAttempts = options.maxAttempts ?? 200;
    this.maxBackoffMs = options.maxBackoffMs ?? 100;
    this.subscribers = options.subscribers ?? new DynamoSubscriberRepository(doc, tableName);
  }

  /**
   * Creations that arrive together for one tenant share transactions (up to a batch each): the
   * numbers are the same as one by one, the counter is contended once per batch.
   */
  create(invoice: NewInvoice): Promise<InvoiceCreation> {
    return new Promise((resolve, reject) => {
      const waiting = this.waiting.get(invoice.tenantId);
      if (waiting) {
        waiting.push({ invoice, resolve, reject });
        return;
      }
      this.waiting.set(invoice.tenantId, [{ invoice, resolve, reject }]);
      void this.drain(invoice.tenantId);
    });
  }

  private async drain(tenantId: string): Promise<void> {
    const waiting = this.waiting.get(tenantId) ?? [];
    await Promise.resolve(); // callers in this same tick join the first batch
    while (waiting.length > 0) {
      const batch = waiting.splice(0, MAX_INVOICES_PER_BATCH);
      try {
        await this.createFor(batch);
      } catch (error) {
        if (batch.length === 1) batch[0]?.reject(error);
        // One bad invoice must not fail the others: each is tried on its own.
        else await Promise.all(batch.map((w) => this.createFor([w]).catch(w.reject)));
      }
    }
    this.waiting.delete(tenantId);
  }

  private async createFor(batch: readonly Waiting[]): Promise<void> {
    const results = await this.createMany(batch.map((w) => w.invoice));
    for (const [i, w] of batch.entries()) w.resolve(results[i] as InvoiceCreation);
  }

  async createMany(invoices: readonly NewInvoice[]): Promise<InvoiceCreation[]> {
    const tenantId = invoices[0]?.tenantId;
    if (tenantId === undefined) return [];
    // The same period twice in one call is one invoice: the first one given.
    const first = new Map<string, number>();
    invoices.forEach((invoice, index) => {
      if (!first.has(periodKey(invoice))) first.set(periodKey(invoice), index);
    });
    let pending = [...first.values()].map((index) => invoices[index] as NewInvoice);
    if (pending.length > MAX_INVOICES_PER_BATCH || invoices.some((i) => i.tenantId !== tenantId)) {
      throw new RangeError(`one tenant's invoices, at most ${MAX_INVOICES_PER_BATCH} at a time`);
    }
    const results = new Map<string, InvoiceCreation>();
    let last = await this.readCounter(tenantId);
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt >= this.maxAttempts) {
        throw new ConflictError("Invoice numbers are in heavy demand; retry");
      }
      const numbered = pending.map((invoice, i) => numberInvoice(invoice, last + 1 + i));
      try {
        await this.doc.send(
          new TransactWriteCommand({
            TransactItems: [
              this.counterUpdate(tenantId, last, last + numbered.length),
              ...numbered.flatMap((invoice) => [this.invoicePut(invoice), this.periodPut(invoice)]),
            ],
          }),
        );
        for (const invoice of numbered) results.set(periodKey(invoice), { invoice, created: true });
        break;
      } catch (error) {
        if (!(error instanceof TransactionCanceledException)) throw error;
        const reasons = error.CancellationReasons ?? [];
        if (reasons.some((r) => r.Code !== undefined && !RETRYABLE.has(r.Code))) throw error;
        const failed = (index: number) => reasons[index]?.Code === "ConditionalCheckFailed";
        const billed = pending.filter((_, i) => failed(2 + 2 * i));
        if (pending.some((_, i) => failed(1 + 2 * i) && !failed(2 + 2 * i))) {
          throw new ConflictError("An invoice with this id already exists", { cause: error });
        }
        for (const invoice of billed) {
          const existing = await this.existing(invoice);
          // Our own earlier attempt may have committed (a retried request): then we created it.
          results.set(periodKey(invoice), { invoice: existing, created: existing.id === invoice.id });
        }
        pending = pending.filter((invoice) => !billed.includes(invoice));
        const counterMoved = failed(0);
        if (counterMoved) last = counterValue(reasons[0]) ?? (await this.readCounter(tenantId));
        if (counterMoved || billed.length === 0) await this.pause(attempt);
      }
    }
    return invoices.map((invoice, index) => {
      const result = results.get(periodKey(invoice));
      if (!result) throw new Error(`no result for invoice ${invoice.id}`);
      return first.get(periodKey(invoice)) === index ? result : { invoice: result.invoice, created: false };
    });
  }

  /** A pending invoice (stored, not yet numbered) is numbered first: callers only ever see numbered ones. */
  async get(tenantId: string, invoiceId: string): Promise<Invoice | undefined> {
    const invoice = await this.read<Invoice>(keys.tenantPk(tenantId), keys.invoiceSk(invoiceId));
    if (invoice) return invoice;
    const pending = await this.read<PendingInvoice>(
      keys.tenantPk(tenantId),
      keys.invoicePendingSk(invoiceId),
    );
    if (pending) return this.numbered(pending.invoice);
    // Numbered between the two reads: the numbering stores the invoice and deletes its pending item
    // in one transaction, so it is there now (or there is no such invoice).
    return this.read<Invoice>(keys.tenantPk(tenantId), keys.invoiceSk(invoiceId));
  }

  async getForPeriod(
    tenantId: string,
    subscriberId: string,
    periodStart: string,
  ): Promise<Invoice | undefined> {
    const claim = await this.read<{ invoiceId: string }>(
      keys.subscriberPk(tenantId, subscriberId),
      keys.invoicePeriodSk(periodStart),
    );
    return claim ? this.get(tenantId, claim.invoiceId) : undefined;
  }

  async update(current: Invoice, next: Invoice): Promise<Invoice> {
    const stored = this.nextVersion(current, next);
    await transact(this.doc, [this.versionedPut(current, stored)]);
    return stored;
  }

  private nextVersion(current: Invoice, next: Invoice): Invoice {
    return nextInvoiceVersion(current, next);
  }

  private versionedPut(current: Invoice, stored: Invoice): GuardedItem {
    return invoiceVersionedPut(this.tableName, current, stored);
  }

  /**
   * Two writes. First the invoice, pending (no number yet), with its period item, the
   * subscriber's change and any idempotency claim: [0] pending, [1] period, [2...] the rest, and
   * with `notify` the notice it owes (invoice-notices.ts); no item there is shared with other
   * subscribers, so a burst does not contend. A failed claim
   * outranks everything (a replay), then a taken period (the cycle is billed), then the
   * subscriber's version. Then `numbered`: the pending invoice gets its number.
   */
  async createWithSubscriber(
    invoice: NewInvoice,
    change: NewInvoiceSubscriberChange,
    options: InvoiceWriteOptions = {},
  ): Promise<InvoiceCreation> {
    const { tenantId } = invoice;
    const claim = withIdempotency(this.tableName, tenantId, options.idempotency);
    const rest: GuardedItem[] = [
      ...claim,
      ...this.subscribers.saveItems(change.current, change.next, change.events),
    ];
    const pending: PendingInvoice = { invoice, createdBy: change.createdBy, version: change.next.version };
    for (let attempt = 0; ; attempt++) {
      if (attempt >= this.maxAttempts) throw new ConflictError("The subscriber is busy; retry");
      try {
        await this.doc.send(
          new TransactWriteCommand({
            TransactItems: [
              this.pendingPut(pending),
              this.periodPut(invoice),
              ...rest.map((g) => g.item),
              // Last, so the indexes above stay as they are; it fails only with the pending item.
              ...(options.notify ? [invoiceNoticePut(this.tableName, invoice)] : []),
            ],
          }),
        );
        return { invoice: await this.numbered(invoice), created: true };
      } catch (error) {
        if (!(error instanceof TransactionCanceledException)) throw error;
        const reasons = error.CancellationReasons ?? [];
        if (reasons.some((r) => r.Code !== undefined && !RETRYABLE.has(r.Code))) throw error;
        const failed = (index: number) => reasons[index]?.Code === "ConditionalCheckFailed";
        if (claim.length > 0 && failed(2))
          throw new IdempotencyKeyClaimed(options.idempotency?.keyHash ?? "");
        if (failed(1)) {
          const existing = await this.existing(invoice);
          return { invoice: existing, created: existing.id === invoice.id };
        }
        if (failed(0)) throw new ConflictError("An invoice with this id already exists", { cause: error });
        const guard = rest.find((_, i) => failed(2 + i));
        if (guard)
          throw guard.onConditionFailed?.() ?? new ConflictError("The change conflicts", { cause: error });
        await this.pause(attempt); // a transaction conflict on the subscriber: try again
      }
    }
  }

  /**
   * The pending invoice once numbered. One writer at a time numbers a tenant's pending invoices:
   * the one holding the lease on the counter (a cheap conditional write, where a refused
   * numbering transaction of up to a hundred items would cost the table far more). The others
   * look for their invoice between tries; most find it numbered by the lease holder.
   */
  private async numbered(invoice: NewInvoice): Promise<Invoice> {
    const { tenantId } = invoice;
    for (let attempt = 0; attempt < this.maxAttempts; attempt++) {
      const lease = await this.takeLease(tenantId);
      const done = lease ? await this.numberPending(tenantId, lease) : undefined;
      // Without the lease, give its holder time to number this one before looking.
      if (!lease) await this.pause(attempt);
      const mine =
        done?.get(invoice.id) ??
        (await this.read<Invoice>(keys.tenantPk(tenantId), keys.invoiceSk(invoice.id)));
      if (mine) return mine;
    }
    throw new ConflictError("Invoice numbers are in heavy demand; retry");
  }

  /**
   * The numbering lease on the tenant's counter item, or undefined while another writer holds an
   * unexpired one. A writer that dies holding it delays numbering by NUMBERING_LEASE_MS at most.
   */
  private async takeLease(tenantId: string): Promise<NumberingLease | undefined> {
    const token = randomUUID();
    const now = Date.now();
    try {
      const out = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { PK: keys.tenantPk(tenantId), SK: keys.invoiceCounterSk() },
          UpdateExpression: "SET #lease = :token, #until = :until, #entity = :entity",
          ConditionExpression: "attribute_not_exists(#lease) OR #until < :now",
          ExpressionAttributeNames: { "#lease": "lease", "#until": "leaseUntil", "#entity": "entity" },
          ExpressionAttributeValues: {
            ":token": token,
            ":until": now + NUMBERING_LEASE_MS,
            ":now": now,
            ":entity": "invoice-counter",
          },
          ReturnValues: "ALL_NEW",
        }),
      );
      const n: unknown = out.Attributes?.n;
      return { token, last: typeof n === "number" ? n : 0 };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }

  /**
   * With the lease: numbers the tenant's oldest pending invoices (up to MAX_INVOICES_PER_NUMBERING)
   * in one transaction that moves the counter on condition it still holds what the lease read and
   * gives the lease back; each invoice stored with its number, its pending item removed and its
   * `invoice.created` event written. Returns what it numbered (nothing when the counter moved under
   * it: `create` and `createMany` number without the lease).
   */
  private async numberPending(tenantId: string, lease: NumberingLease): Promise<Map<string, Invoice>> {
    const out = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: "PK = :pk AND begins_with(SK, :pending)",
        ExpressionAttributeValues: { ":pk": keys.tenantPk(tenantId), ":pending": keys.invoicePendingSk("") },
        ConsistentRead: true,
        Limit: MAX_INVOICES_PER_NUMBERING,
      }),
    );
    const pending = (out.Items ?? []).map((item) => toRecord<PendingInvoice>(item));
    const numbered = new Map<string, Invoice>();
    const items: NonNullable<TransactWriteCommandInput["TransactItems"]> = [];
    for (const p of pending) {
      const invoice = numberInvoice(p.invoice, lease.last + 1 + numbered.size);
      const writes = [
        this.invoicePut(invoice),
        this.pendingDelete(invoice),
        ...invoiceNumberedEvents(p.createdBy, invoice).map(
          (event) => this.subscribers.eventItem(tenantId, { ...event, version: p.version }).item,
        ),
      ];
      // DynamoDB's 100 items a transaction, the lease's release included: the rest wait their turn.
      if (items.length + writes.length > 99) break;
      items.push(...writes);
      numbered.set(invoice.id, invoice);
    }
    try {
      await this.doc.send(
        new TransactWriteCommand({
          TransactItems: [this.leaseRelease(tenantId, lease, lease.last + numbered.size), ...items],
        }),
      );
      return numbered;
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const reasons = error.CancellationReasons ?? [];
      if (reasons.some((r) => r.Code !== undefined && !RETRYABLE.has(r.Code))) throw error;
      await this.doc
        .send(new UpdateCommand({ ...this.leaseRelease(tenantId, lease).Update }))
        .catch((e: unknown) => {
          if (!(e instanceof ConditionalCheckFailedException)) throw e;
        });
      return new Map();
    }
  }

  /** Gives the lease back; with `next`, moves the counter there on condition it still holds what the lease read. */
  private leaseRelease(tenantId: string, lease: NumberingLease, next?: number) {
    const moves = next !== undefined && next !== lease.last;
    return {
      Update: {
        TableName: this.tableName,
        Key: { PK: keys.tenantPk(tenantId), SK: keys.invoiceCounterSk() },
        UpdateExpression: `REMOVE #lease, #until${moves ? " SET #n = :next" : ""}`,
        ConditionExpression: `#lease = :token${moves ? ` AND ${lease.last === 0 ? "attribute_not_exists(#n)" : "#n = :last"}` : ""}`,
        ExpressionAttributeNames: {
          "#lease": "lease",
          "#until": "leaseUntil",
          ...(moves ? { "#n": "n" } : {}),
        },
        ExpressionAttributeValues: {
          ":token": lease.token,
          ...(moves ? { ":next": next } : {}),
          ...(moves && lease.last !== 0 ? { ":last": lease.last } : {}),
        },
      },
    };
  }

  async updateWithSubscriber(
    current: Invoice,
    next: Invoice,
    change: InvoiceSubscriberChange,
    options: { readonly idempotency?: IdempotencyClaim | undefined } = {},
  ): Promise<Invoice> {
    const stored = this.nextVersion(current, next);
    await transact(this.doc, [
      this.versionedPut(current, stored),
      ...(change.invoices ?? []).map((u) =>
        this.versionedPut(u.current, this.nextVersion(u.current, u.next)),
      ),
      ...this.subscribers.saveItems(change.current, change.next, change.events(stored)),
      ...withIdempotency(this.tableName, current.tenantId, options.idempotency),
    ]);
    return stored;
  }

  async updateManyWithSubscriber(
    updates: readonly InvoiceUpdate[],
    change: Parameters<InvoiceRepository["updateManyWithSubscriber"]>[1],
  ): Promise<Invoice[]> {
    const stored = updates.map((u) => ({ current: u.current, next: this.nextVersion(u.current, u.next) }));
    await transact(this.doc, [
      ...stored.map((u) => this.versionedPut(u.current, u.next)),
      ...this.subscribers.saveItems(change.current, change.next, change.events),
    ]);
    return stored.map((u) => u.next);
  }

  list(tenantId: string, query: InvoiceListQuery, page: PageRequest, options: ListOptions = {}) {
    const plan = buildInvoiceQuery(tenantId, query, options.ascending);
    return queryPage<Invoice>(this.doc, this.tableName, plan, page);
  }

  listForSubscriber(tenantId: string, subscriberId: string, page: PageRequest): Promise<Page<Invoice>> {
    return this.list(tenantId, { subscriberId }, page);
  }

  async unpaidForSubscriber(tenantId: string, subscriberId: string, limit: number): Promise<Invoice[]> {
    // The subscriber's index partition holds a few invoices a year; its unpaid ones are filtered
    // there, then read again from the table with a consistent read (an index lags its table), so
    // the versions a settlement is conditioned on are current.
    const ids: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.list(
        tenantId,
        { subscriberId, status: "unpaid" },
        { limit: Math.min(100, limit - ids.length), ...(cursor ? { cursor } : {}) },
        { ascending: true },
      );
      ids.push(...page.items.map((i) => i.id));
      cursor = page.nextCursor;
    } while (cursor && ids.length < limit);
    if (ids.length === 0) return [];
    const items = await batchGetConsistent(
      this.doc,
      this.tableName,
      ids.map((id) => ({ PK: keys.tenantPk(tenantId), SK: keys.invoiceSk(id) })),
    );
    return items
      .map((item) => toRecord<Invoice>(item))
      .filter((i) => i.status === "open" || i.status === "partially_paid");
  }

  private async read<T>(pk: string, sk: string): Promise<T | undefined> {
    const out = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: { PK: pk, SK: sk }, ConsistentRead: true }),
    );
    return out.Item ? toRecord<T>(out.Item) : undefined;
  }

  private async readCounter(tenantId: string): Promise<number> {
    const counter = await this.read<{ n?: number }>(keys.tenantPk(tenantId), keys.invoiceCounterSk());
    return counter?.n ?? 0;
  }

  private async existing(invoice: NewInvoice): Promise<Invoice> {
    const found = await this.getForPeriod(invoice.tenantId, invoice.subscriberId, invoice.period.start);
    if (!found) throw new ConflictError(`The invoice for period ${invoice.period.start} could not be read`);
    return found;
  }

  private pendingPut(pending: PendingInvoice) {
    return {
      Put: {
        TableName: this.tableName,
        Item: {
          PK: keys.tenantPk(pending.invoice.tenantId),
          SK: keys.invoicePendingSk(pending.invoice.id),
          entity: "invoice-pending",
          ...pending,
        },
        ConditionExpression: "attribute_not_exists(PK)",
      },
    };
  }

  private pendingDelete(invoice: Invoice) {
    return {
      Delete: {
        TableName: this.tableName,
        Key: { PK: keys.tenantPk(invoice.tenantId), SK: keys.invoicePendingSk(invoice.id) },
        ConditionExpression: "attribute_exists(PK)",
      },
    };
  }

  private pause(attempt: number): Promise<void> {
    const ceiling = Math.min(this.maxBackoffMs, 5 * 2 ** Math.min(attempt, 10));
    return new Promise((resolve) => setTimeout(resolve, Math.random() * ceiling));
  }

  private counterUpdate(tenantId: string, last: number, next: number) {
    return {
      Update: {
        TableName: this.tableName,
        Key: { PK: keys.tenantPk(tenantId), SK: keys.invoiceCounterSk() },
        UpdateExpression: "SET #n = :next, #entity = :entity",
        // The item may exist without a number yet (a numbering lease taken on a new tenant).
        ConditionExpression: last === 0 ? "attribute_not_exists(#n)" : "#n = :last",
        ExpressionAttributeNames: { "#n": "n", "#entity": "entity" },
        ExpressionAttributeValues: {
          ":next": next,
          ":entity": "invoice-counter",
          ...(last === 0 ? {} : { ":last": last }),
        },
        // The losing writer learns the number to continue from without another read.
        ReturnValuesOnConditionCheckFailure: "ALL_OLD" as const,
      },
    };
  }

  private invoicePut(invoice: Invoice) {
    return {
      Put: {
        TableName: this.tableName,
        Item: this.toItem(invoice),
        ConditionExpression: "attribute_not_exists(PK)",
      },
    };
  }

  private periodPut(invoice: NewInvoice) {
    return {
      Put: {
        TableName: this.tableName,
        Item: {
          PK: keys.subscriberPk(invoice.tenantId, invoice.subscriberId),
          SK: keys.invoicePeriodSk(invoice.period.start),
          entity: "invoice-period",
          invoiceId: invoice.id,
        },
        ConditionExpression: "attribute_not_exists(PK)",
      },
    };
  }

  private toItem(invoice: Invoice): Record<string, unknown> {
    return invoiceItem(invoice);
  }
}

/** An invoice as stored, with its index keys. */
export function invoiceItem(invoice: Invoice): Record<string, unknown> {
  return {
    ...invoice,
    PK: keys.tenantPk(invoice.tenantId),
    SK: keys.invoiceSk(invoice.id),
    entity: "invoice",
    GSI1PK: keys.gsi.subscriberInvoices(invoice.tenantId, invoice.subscriberId),
    GSI1SK: invoice.id,
    // Lists and reports by period and by due date (invoice-query.ts).
    ...invoiceIndexKeys(invoice),
  };
}

/** `next` as stored: identity, number and period kept from `current`, the version moved on. */
export function nextInvoiceVersion(current: Invoice, next: Invoice): Invoice {
  return {
    ...next,
    id: current.id,
    tenantId: current.tenantId,
    subscriberId: current.subscriberId,
    sequence: current.sequence,
    number: current.number,
    period: current.period,
    createdAt: current.createdAt,
    version: current.version + 1,
  };
}

/**
 * The transaction item that replaces `current` by `stored` (its next version) on condition nobody
 * wrote it since it was read: also what a payment's settlement commits for each invoice it pays.
 */
export function invoiceVersionedPut(tableName: string, current: Invoice, stored: Invoice): GuardedItem {
  return {
    item: {
      Put: {
        TableName: tableName,
        Item: invoiceItem(stored),
        ConditionExpression: "#version = :expected",
        ExpressionAttributeNames: { "#version": "version" },
        ExpressionAttributeValues: { ":expected": current.version },
      },
    },
    onConditionFailed: () =>
      new VersionConflictError(`Invoice ${current.number} changed while it was being updated: reload it`),
  };
}

function numberInvoice(invoice: NewInvoice, sequence: number): Invoice {
  return { ...invoice, sequence, number: formatInvoiceNumber(sequence) };
}

/** The counter in a cancellation reason's old item (raw attribute values: errors are not unmarshalled). */
function counterValue(reason: CancellationReason | undefined): number | undefined {
  const n: unknown = reason?.Item?.n;
  if (typeof n === "number") return n;
  if (n && typeof n === "object" && "N" in n && typeof n.N === "string") return Number(n.N);
  return undefined;
}
