import { TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createLocalDocumentClient } from "../../shared/adapters/dynamodb/client.js";
import { DynamoInvoiceRepository } from "../../shared/adapters/dynamodb/invoice-repository.js";
import { CreateInvoiceSchema } from "../../shared/domain/schemas/invoice.js";
import type { LocalCloud } from "../../shared/local/cloud.js";
import type { OutgoingMessage } from "../../shared/ports/notifier.js";
import type { ServiceDeps } from "../../shared/services/caller.js";
import { createSubscriberInvoice } from "../../shared/services/invoices/on-demand.js";
import { sweep } from "../../shared/services/lifecycle.js";
import { createSubscriber } from "../../shared/services/subscribers.js";
import {
  call,
  createWorld,
  startTestCloud,
  subscriberBody,
  type TenantWorld,
  tenantItems,
} from "../support/api.js";
import { later } from "../support/payments.js";

let cloud: LocalCloud;
let world: TenantWorld;

beforeAll(async () => {
  cloud = await startTestCloud({ ownTable: true });
  world = await createWorld(cloud.deps, "sweep");
}, 60_000);
afterAll(async () => {
  await cloud?.stop();
});

describe("the lifecycle sweep", () => {
  it("finds work whose schedule was lost through the due index and applies it once", async () => {
    const expiresAt = new Date(Date.now() + 60_000).toISOString();
    const body = { ...subscriberBody(world.packageId, world.siteId, world.nasId), expiresAt };
    const id = (await createSubscriber(cloud.deps, world.owner, body)).resource.id;
    // The schedule is lost: only the sweep can still act on the expiry.
    await cloud.deps.scheduler.remove(world.tenantId, id);
    await sweep(cloud.deps);
    expect((await cloud.deps.repos.subscribers.get(world.tenantId, id))?.version).toBe(1);
    // Three days on, everything due (reminders, expiry, end of grace) is overdue.
    const future = later(cloud.deps, 3 * 86_400_000);
    for (let round = 0; round < 10; round++) {
      const report = await sweep(future, 1000);
      if (report.fired === 0) break;
    }
    const sub = await cloud.deps.repos.subscribers.get(world.tenantId, id);
    expect(sub?.status).toBe("suspended");
    expect(sub?.version).toBeGreaterThan(1);
    const timeline = await cloud.deps.repos.subscribers.timeline(world.tenantId, id, { limit: 100 });
    expect(timeline.items.filter((e) => e.type === "subscriber.suspended")).toHaveLength(1);
  });

  it("numbers and sends, exactly once, an invoice whose writer died before numbering it", async () => {
    const id = (
      await createSubscriber(cloud.deps, world.owner, subscriberBody(world.packageId, world.siteId))
    ).resource.id;
    const sent: OutgoingMessage[] = [];
    const original = cloud.deps.notifier.send.bind(cloud.deps.notifier);
    const send = vi.spyOn(cloud.deps.notifier, "send").mockImplementation(async (message, options) => {
      sent.push(message);
      return original(message, options);
    });
    // A writer whose process dies as soon as its invoice is stored pending: every call after that
    // first transaction fails, so it never numbers the invoice nor sends it.
    const real = createLocalDocumentClient(cloud.dynamoEndpoint);
    let stored = false;
    const dying = {
      send: async (command: unknown) => {
        if (stored) throw new Error("the writer's process died");
        const out = await real.send(command as TransactWriteCommand);
        if (command instanceof TransactWriteCommand) stored = true;
        return out;
      },
    } as unknown as typeof real;
    const writer: ServiceDeps = {
      ...cloud.deps,
      repos: { ...cloud.deps.repos, invoices: new DynamoInvoiceRepository(dying, cloud.tableName) },
    };
    const body = CreateInvoiceSchema.parse({
      lines: [{ kind: "adjustment", description: "Router", amount: 120_000 }],
    });
    await expect(createSubscriberInvoice(writer, world.owner, id, body)).rejects.toThrow("died");
    const listed = async () =>
      (await call(cloud, "GET", `/v1/subscribers/${id}/invoices`, { token: world.keys.readonly })).json
        .items as { id: string; number: string }[];
    expect(await listed()).toEqual([]);

    // Not yet overdue: the writer might still be at it.
    await sweep(cloud.deps);
    expect(sent).toEqual([]);
    // Minutes later two sweeps run at once: the invoice is numbered and sent once.
    const future = later(cloud.deps, 3 * 60_000);
    const reports = await Promise.all([sweep(future), sweep(future)]);
    await sweep(later(cloud.deps, 10 * 60_000));

    const [invoice] = await listed();
    expect(invoice?.number).toMatch(/^INV-\d{6}$/);
    const key = `invoice:${invoice?.id}:sms`;
    expect(sent.filter((m) => m.idempotencyKey === key)).toHaveLength(1);
    expect(sent.find((m) => m.idempotencyKey === key)?.body).toContain(invoice?.number);
    expect(reports.map((r) => r.invoiceNotices).sort()).toEqual([0, 1]);
    const timeline = await cloud.deps.repos.subscribers.timeline(world.tenantId, id, { limit: 100 });
    expect(timeline.items.filter((e) => e.type === "invoice.created")).toHaveLength(1);
    expect(timeline.items.filter((e) => e.type === "invoice.sent")).toHaveLength(1);
    // Nothing is left owed.
    const items = await tenantItems(cloud, world.tenantId);
    expect(items.filter((i) => String(i.SK).startsWith("INVNOTICE#"))).toEqual([]);
    send.mockRestore();
    real.destroy();
  });
});
