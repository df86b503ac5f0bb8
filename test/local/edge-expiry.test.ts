import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MENU } from "../../edge-agent/simulator/index.js";
import type { LocalCloud } from "../../shared/local/cloud.js";
import {
  call,
  createWorld,
  packageBody,
  startTestCloud,
  subscriberBody,
  type TenantWorld,
} from "../support/api.js";
import { startWorldSite } from "../support/site.js";

let cloud: LocalCloud;
let world: TenantWorld;
let site: Awaited<ReturnType<typeof startWorldSite>>;

beforeAll(async () => {
  cloud = await startTestCloud();
  world = await createWorld(cloud.deps, "edge e2e");
  site = await startWorldSite(cloud, world, {
    subscribers: [{ username: "e2e-user", service: "pppoe", online: true }],
  });
}, 60_000);
afterAll(async () => {
  await site?.cleanup();
  await cloud?.stop();
});

const online = (username: string) =>
  site.router.model.print(MENU.pppActive).some((row) => row.name === username);

describe("expiry through the edge agent on the local cloud", () => {
  it("disconnects the user at the simulated NAS within 1 s after the expiry instant and the timeline shows verified", async () => {
    const pkg = await call(cloud, "POST", "/v1/packages", {
      token: world.keys.owner,
      body: { ...packageBody(), graceDays: 0 },
    });
    const expiresAt = new Date(Date.now() + 10_000);
    const created = await call(cloud, "POST", "/v1/subscribers", {
      token: world.keys.owner,
      body: {
        ...subscriberBody(pkg.json.id, world.siteId, world.nasId, "e2e-user"),
        expiresAt: expiresAt.toISOString(),
      },
    });
    expect(created.status).toBe(201);
    expect(online("e2e-user")).toBe(true);

    let goneAt: number | undefined;
    const deadline = expiresAt.getTime() + 8000;
    while (Date.now() < deadline && goneAt === undefined) {
      if (!online("e2e-user")) goneAt = Date.now();
      else await new Promise((r) => setTimeout(r, 5));
    }
    expect(goneAt, "the session was never removed").toBeDefined();
    const lateness = (goneAt ?? 0) - expiresAt.getTime();
    process.stdout.write(`session removed ${lateness} ms after the expiry instant\n`);
    expect(lateness).toBeGreaterThanOrEqual(0);
    expect(lateness).toBeLessThanOrEqual(1000);
    const secret = site.router.model.print(MENU.pppSecret).find((row) => row.name === "e2e-user");
    expect(secret?.profile).toBe("suspended");

    let types: string[] = [];
    const until = Date.now() + 10_000;
    while (Date.now() < until && !types.includes("command.verified")) {
      await new Promise((r) => setTimeout(r, 100));
      const timeline = await call(cloud, "GET", `/v1/subscribers/${created.json.id}/timeline?limit=50`, {
        token: world.keys.readonly,
      });
      types = timeline.json.items
        .filter((e: { data?: { version?: number } }) => e.data?.version === 2)
        .map((e: { type: string }) => e.type);
    }
    expect(types).toContain("command.verified");
    // The provisioning command (version 1) was applied too: the rate reached the live session by CoA.
    const v1 = await call(cloud, "GET", `/v1/subscribers/${created.json.id}/timeline?limit=50`, {
      token: world.keys.readonly,
    });
    expect(
      v1.json.items.some(
        (e: { type: string; data?: { version?: number } }) =>
          e.data?.version === 1 && e.type === "command.failed",
      ),
    ).toBe(false);

    const health = await call(cloud, "GET", `/v1/sites/${world.siteId}`, { token: world.keys.readonly });
    expect(health.json.agent).toMatchObject({
      status: "online",
      nas: [expect.objectContaining({ nasId: world.nasId })],
    });
  }, 40_000);
});
