import { describe, expect, inject, it } from "vitest";
import { createLocalDocumentClient } from "../../../../shared/adapters/dynamodb/client.js";
import { encodeCursor } from "../../../../shared/adapters/dynamodb/cursor.js";
import { buildInvoiceQuery } from "../../../../shared/adapters/dynamodb/invoice-query.js";
import { DynamoInvoiceRepository } from "../../../../shared/adapters/dynamodb/invoice-repository.js";
import { keys } from "../../../../shared/adapters/dynamodb/keys.js";
import { ValidationError } from "../../../../shared/domain/errors.js";
import { newId } from "../../../../shared/domain/ids.js";
import type { Invoice } from "../../../../shared/domain/schemas/invoice.js";
import type { InvoiceListQuery } from "../../../../shared/domain/schemas/invoice-query.js";
import { seedInvoice } from "../../../support/invoices.js";

const repo = new DynamoInvoiceRepository(
  createLocalDocumentClient(inject("dynamoEndpoint")),
  inject("tableName"),
);

/** Every invoice a query returns, following cursors with small pages. */
async function all(tenantId: string, query: InvoiceListQuery, limit = 2): Promise<Invoice[]> {
  const out: Invoice[] = [];
  let cursor: string | undefined;
  do {
    const page = await repo.list(tenantId, query, { limit, cursor });
    out.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return out;
}

const numbers = (list: readonly Invoice[]) => list.map((i) => i.number).sort();

describe("invoice lists (DynamoDB Local)", async () => {
  const tenantId = newId("tenant");
  const rahim = newId("subscriber");
  const karim = newId("subscriber");
  // Issued in order: Jan (paid), Feb (partly paid), Mar (open) for Rahim; Feb (void), Mar (open) for Karim.
  const jan = await seedInvoice(repo, {
    tenantId,
    subscriberId: rahim,
    month: "2026-01-10T00:00:00Z",
    status: "paid",
  });
  const febR = await seedInvoice(repo, {
    tenantId,
    subscriberId: rahim,
    month: "2026-02-10T00:00:00Z",
    status: "partially_paid",
  });
  const febK = await seedInvoice(repo, {
    tenantId,
    subscriberId: karim,
    month: "2026-02-10T00:00:00Z",
    status: "void",
  });
  const marR = await seedInvoice(repo, { tenantId, subscriberId: rahim, month: "2026-03-10T00:00:00Z" });
  const marK = await seedInvoice(repo, { tenantId, subscriberId: karim, month: "2026-03-10T00:00:00Z" });
  // Another tenant's invoices never show.
  await seedInvoice(repo, { tenantId: newId("tenant"), subscriberId: rahim });

  it("lists every invoice of the tenant, newest first, across pages", async () => {
    const first = await repo.list(tenantId, {}, { limit: 25 });
    expect(first.items.map((i) => i.id)).toEqual([marK, marR, febK, febR, jan].map((i) => i.id));
    expect(numbers(await all(tenantId, {}))).toEqual(numbers([jan, febR, febK, marR, marK]));
  });

  it("filters by subscriber, with the status and period filters on top", async () => {
    expect(numbers(await all(tenantId, { subscriberId: rahim }))).toEqual(numbers([jan, febR, marR]));
    expect(numbers(await all(tenantId, { subscriberId: rahim, status: "unpaid" }))).toEqual(
      numbers([febR, marR]),
    );
    expect(numbers(await all(tenantId, { subscriberId: karim, periodFrom: "2026-02-01T00:00:00Z" }))).toEqual(
      numbers([marK]),
    );
    const page = await repo.listForSubscriber(tenantId, karim, { limit: 10 });
    expect(page.items.map((i) => i.id)).toEqual([marK.id, febK.id]);
  });

  it("filters by status through its due-date bucket", async () => {
    expect(numbers(await all(tenantId, { status: "open" }))).toEqual(numbers([marR, marK]));
    expect(numbers(await all(tenantId, { status: "partially_paid" }))).toEqual(numbers([febR]));
    expect(numbers(await all(tenantId, { status: "unpaid" }))).toEqual(numbers([febR, marR, marK]));
    expect(numbers(await all(tenantId, { status: "paid" }))).toEqual(numbers([jan]));
    expect(numbers(await all(tenantId, { status: "void" }))).toEqual(numbers([febK]));
  });

  it("takes a due range as the bucket's key range, half open", async () => {
    // March invoices are due at the end of 8 March (Dhaka): 2026-03-08T18:00:00Z.
    expect(marR.dueAt).toBe("2026-03-08T18:00:00.000Z");
    const due = { status: "unpaid" as const, dueAfter: "2026-03-01T00:00:00.000Z", dueBefore: marR.dueAt };
    expect(await all(tenantId, due)).toEqual([]);
    const soon = await repo.list(
      tenantId,
      { ...due, dueBefore: "2026-03-09T00:00:00.000Z" },
      { limit: 10 },
      { ascending: true },
    );
    expect(numbers(soon.items)).toEqual(numbers([marR, marK]));
    expect(numbers(await all(tenantId, { dueBefore: "2026-03-01T00:00:00.000Z" }))).toEqual(
      numbers([jan, febR, febK]),
    );
  });

  it("filters by period and by issue time", async () => {
    const feb = { periodFrom: "2026-01-31T18:00:00.000Z", periodTo: "2026-02-28T18:00:00.000Z" };
    expect(numbers(await all(tenantId, feb))).toEqual(numbers([febR, febK]));
    expect(numbers(await all(tenantId, { ...feb, status: "void" }))).toEqual(numbers([febK]));
    expect(numbers(await all(tenantId, { periodTo: feb.periodFrom }))).toEqual(numbers([jan]));
    expect(numbers(await all(tenantId, { issuedFrom: marR.createdAt }))).toEqual(numbers([marR, marK]));
  });

  it("refuses a cursor made for another tenant's partition", async () => {
    const foreign = encodeCursor({ PK: keys.tenantPk(newId("tenant")), SK: keys.invoiceSk(jan.id) });
    await expect(repo.list(tenantId, {}, { limit: 5, cursor: foreign })).rejects.toBeInstanceOf(
      ValidationError,
    );
  });

  it("plans the most selective index for each filter", () => {
    expect(buildInvoiceQuery(tenantId, { subscriberId: rahim, status: "paid" }).indexName).toBe("GSI1");
    expect(buildInvoiceQuery(tenantId, { status: "open", periodFrom: jan.createdAt }).indexName).toBe("GSI5");
    expect(buildInvoiceQuery(tenantId, { periodFrom: jan.createdAt, dueAfter: jan.dueAt }).indexName).toBe(
      "GSI3",
    );
    expect(buildInvoiceQuery(tenantId, { issuedFrom: jan.createdAt }).indexName).toBeUndefined();
  });
});
