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
import { createPayLink, enableGateway, payThrough } from "../support/payments.js";
import { startWorldSite } from "../support/site.js";

let cloud: LocalCloud;
let world: TenantWorld;
let site: Awaited<ReturnType<typeof startWorldSite>>;

beforeAll(async () => {
  cloud = await startTestCloud();
  world = await createWorld(cloud.deps, "pay e2e");
  await enableGateway(cloud, world, "bkash");
  site = await startWorldSite(cloud, world, {
    subscribers: [{ username: "pay-user", service: "pppoe", online: true }],
    profiles: ["home-10m"],
  });
}, 60_000);
afterAll(async () => {
  await site?.cleanup();
  await cloud?.stop();
});

const secret = () => site.router.model.print(MENU.pppSecret).find((row) => row.name === "pay-user");

async function waitFor(what: string, check: () => boolean | Promise<boolean>, ms: number): Promise<number> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return Date.now();
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe("payment restores service on the local cloud", () => {
  it("a suspended subscriber pays through the pay link with bKash and is restored at the simulated NAS; the timeline runs from the return to verified", async () => {
    const pkg = await call(cloud, "POST", "/v1/packages", {
      token: world.keys.owner,
      body: { ...packageBody(), graceDays: 0, routerProfile: "home-10m" },
    });
    const created = await call(cloud, "POST", "/v1/subscribers", {
      token: world.keys.owner,
      body: {
        ...subscriberBody(pkg.json.id, world.siteId, world.nasId, "pay-user"),
        expiresAt: new Date(Date.now() + 3000).toISOString(),
      },
    });
    expect(created.status).toBe(201);
    const id = created.json.id as string;
    await waitFor("the suspension at the NAS", () => secret()?.profile === "suspended", 10_000);

    const link = await createPayLink(cloud, world, id);
    const { pendingUrl } = await payThrough(link.url, "bkash", { stopBefore: /\/v1\/pay\/return\// });
    const arrived = Date.now();
    const page = await (await fetch(pendingUrl ?? "")).text();
    expect(page).toContain("Payment received");
    const restoredAt = await waitFor("the restore at the NAS", () => secret()?.profile === "home-10m", 5000);
    process.stdout.write(
      `restored at the NAS ${restoredAt - arrived} ms after the gateway's return arrived\n`,
    );
    expect(secret()?.disabled).not.toBe("true");

    const subscriber = (await call(cloud, "GET", `/v1/subscribers/${id}`, { token: world.keys.readonly }))
      .json;
    expect(subscriber.status).toBe("active");
    let types: string[] = [];
    await waitFor(
      "command.verified on the timeline",
      async () => {
        const timeline = await call(cloud, "GET", `/v1/subscribers/${id}/timeline?limit=100`, {
          token: world.keys.readonly,
        });
        types = timeline.json.items
          .filter((e: { version?: number; data?: { version?: number } }) =>
            [e.version, e.data?.version].includes(subscriber.version),
          )
          .map((e: { type: string }) => e.type);
        return types.includes("command.verified");
      },
      10_000,
    );
    expect(types).toEqual(
      expect.arrayContaining(["payment.settled", "subscriber.renewed", "command.verified"]),
    );
  }, 60_000);
});
