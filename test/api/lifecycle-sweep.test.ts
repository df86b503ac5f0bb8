import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalCloud } from "../../shared/local/cloud.js";
import { sweep } from "../../shared/services/lifecycle.js";
import { createSubscriber } from "../../shared/services/subscribers.js";
import { createWorld, startTestCloud, subscriberBody, type TenantWorld } from "../support/api.js";
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
});
