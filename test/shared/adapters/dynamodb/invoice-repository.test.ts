import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, inject, it } from "vitest";
import { createLocalDocumentClient } from "../../../../shared/adapters/dynamodb/client.js";
import { DynamoInvoiceRepository } from "../../../../shared/adapters/dynamodb/invoice-repository.js";
import { keys } from "../../../../shared/adapters/dynamodb/keys.js";
import { applyPayment } from "../../../../shared/domain/billing/invoice.js";
import { VersionConflictError } from "../../../../shared/domain/errors.js";
import { newId } from "../../../../shared/domain/ids.js";
import { InvoiceSchema } from "../../../../shared/domain/schemas/invoice.js";
import { draft } from "../../domain/billing/fixtures.js";

const doc = createLocalDocumentClient(inject("dynamoEndpoint"));
const tableName = inject("tableName");
const repo = new DynamoInvoiceRepository(doc, tableName);

const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);
/** Independent writers, as separate Lambda instances would be: they share only the table. */
const writers = (n: number) => range(n).map(() => new DynamoInvoiceRepository(doc, tableName));

async function counter(tenantId: string): Promise<unknown> {
  const out = await doc.send(
    new GetCommand({
      TableName: tableName,
      Key: { PK: keys.tenantPk(tenantId), SK: keys.invoiceCounterSk() },
    }),
  );
  return out.Item?.n;
}

describe("DynamoInvoiceRepository (DynamoDB Local)", () => {
  it("numbers 100 concurrent creations in one tenant 1..100, distinct and consecutive", async () => {
    const tenantId = newId("tenant");
    const drafts = range(100).map(() => draft({ tenantId }));

    const results = await Promise.all(drafts.map((d) => repo.create(d)));

    expect(results.every((r) => r.created)).toBe(true);
    expect(results.map((r) => r.invoice.sequence).sort((a, b) => a - b)).toEqual(range(100));
    expect(new Set(results.map((r) => r.invoice.number)).size).toBe(100);
    expect(await counter(tenantId)).toBe(100);
    for (const r of results) {
      const stored = await repo.get(tenantId, r.invoice.id);
      expect(stored).toEqual(r.invoice);
      expect(InvoiceSchema.parse(stored)).toEqual(r.invoice);
    }
  });

  it("numbers 100 concurrent creations by 20 independent writers 1..100", async () => {
    const tenantId = newId("tenant");
    const pool = writers(20);

    const results = await Promise.all(
      range(100).map((i) => (pool[i % pool.length] ?? repo).create(draft({ tenantId }))),
    );

    expect(results.map((r) => r.invoice.sequence).sort((a, b) => a - b)).toEqual(range(100));
    expect(await counter(tenantId)).toBe(100);
  });

  it("keeps one invoice for the same subscriber and period, and the number it consumed", async () => {
    const tenantId = newId("tenant");
    const subscriberId = newId("subscriber");
    const first = await repo.create(draft({ tenantId, subscriberId }));
    const again = await repo.create(draft({ tenantId, subscriberId }));

    expect(first).toMatchObject({ created: true, invoice: { number: "INV-000001" } });
    expect(again).toEqual({ created: false, invoice: first.invoice });
    expect(await counter(tenantId)).toBe(1);
    const april = await repo.create(draft({ tenantId, subscriberId, at: new Date("2026-04-10T00:00:00Z") }));
    expect(april).toMatchObject({ created: true, invoice: { sequence: 2 } });
    expect(await repo.getForPeriod(tenantId, subscriberId, first.invoice.period.start)).toEqual(
      first.invoice,
    );
  });

  it.each([
    ["independent writers", () => writers(20)],
    ["one writer", () => [repo]],
  ])(
    "creates one invoice when the same cycle is generated concurrently, without a gap (%s)",
    async (_, pool) => {
      const tenantId = newId("tenant");
      const subscriberId = newId("subscriber");
      const sameCycle = range(10).map(() => draft({ tenantId, subscriberId }));
      const others = range(10).map(() => draft({ tenantId }));
      const repos = pool();

      const results = await Promise.all(
        [...sameCycle, ...others].map((d, i) => (repos[i % repos.length] ?? repo).create(d)),
      );

      const mine = results.slice(0, 10);
      expect(mine.filter((r) => r.created)).toHaveLength(1);
      expect(new Set(mine.map((r) => r.invoice.id)).size).toBe(1);
      const numbers = new Set(results.map((r) => r.invoice.sequence));
      expect([...numbers].sort((a, b) => a - b)).toEqual(range(11));
      expect(await counter(tenantId)).toBe(11);
    },
  );

  it("numbers a batch consecutively in one transaction, alongside single creations", async () => {
    const tenantId = newId("tenant");
    const batch = range(49).map(() => draft({ tenantId }));
    const repeated = batch[3];
    if (!repeated) throw new Error("no draft");

    const [batchResults, singles] = await Promise.all([
      repo.createMany([...batch, { ...repeated, id: newId("invoice") }]),
      Promise.all(range(10).map(() => repo.create(draft({ tenantId })))),
    ]);

    expect(batchResults).toHaveLength(50);
    // The same cycle twice in one batch: one invoice, the second caller told it already existed.
    expect(batchResults[49]).toEqual({ invoice: batchResults[3]?.invoice, created: false });
    const sequences = batchResults.slice(0, 49).map((r) => r.invoice.sequence);
    const firstOfBatch = sequences[0] ?? 0;
    expect(sequences).toEqual(range(49).map((i) => firstOfBatch + i - 1));
    const all = [...sequences, ...singles.map((r) => r.invoice.sequence)].sort((a, b) => a - b);
    expect(all).toEqual(range(59));
  });

  it("leaves no gap when a write fails, and fails only the invoice at fault", async () => {
    const tenantId = newId("tenant");
    // Over DynamoDB's 400 KB item limit: the table refuses it, so its transaction never commits.
    const tooLarge = { ...draft({ tenantId }), padding: "x".repeat(420_000) };

    const results = await Promise.allSettled([
      repo.create(draft({ tenantId })),
      repo.create(tooLarge),
      repo.create(draft({ tenantId })),
    ]);

    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    const numbers = results.map((r) => (r.status === "fulfilled" ? r.value.invoice.sequence : undefined));
    expect(numbers.filter((n) => n !== undefined).sort()).toEqual([1, 2]);
    const next = await repo.create(draft({ tenantId }));
    expect(next.invoice.sequence).toBe(3);
    expect(await counter(tenantId)).toBe(3);
  });

  it("returns the existing invoices of a batch whose cycles were already billed", async () => {
    const tenantId = newId("tenant");
    const billed = await repo.create(draft({ tenantId }));
    const fresh = draft({ tenantId });
    const results = await repo.createMany([{ ...billed.invoice, id: newId("invoice") }, fresh]);
    expect(results.map((r) => [r.created, r.invoice.sequence])).toEqual([
      [false, 1],
      [true, 2],
    ]);
  });

  it("numbers each tenant on its own", async () => {
    const [a, b] = [newId("tenant"), newId("tenant")];
    const results = await Promise.all([a, b, a, b].map((tenantId) => repo.create(draft({ tenantId }))));
    expect(results.map((r) => r.invoice.sequence).sort()).toEqual([1, 1, 2, 2]);
  });

  it("updates an invoice at its version and refuses a stale one", async () => {
    const tenantId = newId("tenant");
    const { invoice } = await repo.create(draft({ tenantId }));
    const paid = applyPayment(invoice, invoice.total, new Date("2026-03-05T00:00:00Z")).invoice;

    const stored = await repo.update(invoice, paid);

    expect(stored).toMatchObject({ status: "paid", version: 2, number: invoice.number });
    expect(await repo.get(tenantId, invoice.id)).toEqual(stored);
    await expect(repo.update(invoice, paid)).rejects.toBeInstanceOf(VersionConflictError);
  });
});
