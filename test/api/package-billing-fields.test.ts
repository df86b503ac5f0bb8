import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalCloud } from "../../shared/local/cloud.js";
import { call, createWorld, packageBody, startTestCloud, type TenantWorld } from "../support/api.js";

let cloud: LocalCloud;
let world: TenantWorld;

beforeAll(async () => {
  cloud = await startTestCloud();
  world = await createWorld(cloud.deps, "package fields");
});
afterAll(async () => {
  await cloud?.stop();
});

const full = {
  ...packageBody(),
  name: "Fibre 20M",
  speed: {
    downloadKbps: 20_480,
    uploadKbps: 10_240,
    burst: {
      downloadKbps: 40_960,
      uploadKbps: 20_480,
      thresholdDownloadKbps: 15_360,
      thresholdUploadKbps: 7_680,
      seconds: 16,
    },
  },
  dataCap: { megabytes: 500_000, throttled: { downloadKbps: 2_048, uploadKbps: 1_024 } },
  billing: { type: "postpaid", cycle: "every_n_days", everyDays: 15, dueDays: 3 },
  lateFee: { type: "percent", basisPoints: 200, cap: 10_000 },
  taxRateBasisPoints: 750,
  reminders: [
    { offset: "-2d", channel: "sms" },
    { offset: "0", channel: "email" },
  ],
};

const issuesOf = (json: { errors?: { path: string }[] }) => (json.errors ?? []).map((e) => e.path);

describe("package billing fields", () => {
  it("stores and returns burst, data cap, every-N-days billing, late fee, tax and own reminders", async () => {
    const created = await call(cloud, "POST", "/v1/packages", { token: world.keys.billing, body: full });
    expect(created.status, JSON.stringify(created.json)).toBe(201);
    const fetched = await call(cloud, "GET", `/v1/packages/${created.json.id}`, {
      token: world.keys.readonly,
    });
    expect(fetched.json).toMatchObject({
      speed: full.speed,
      dataCap: full.dataCap,
      billing: full.billing,
      lateFee: full.lateFee,
      taxRateBasisPoints: 750,
      reminders: full.reminders,
    });
  });

  it("still takes a monthly postpaid package without `cycle`", async () => {
    const res = await call(cloud, "POST", "/v1/packages", {
      token: world.keys.owner,
      body: { ...packageBody(), billing: { type: "postpaid", billingDay: 31, dueDays: 5 } },
    });
    expect(res.status).toBe(201);
    expect(res.json.billing).toEqual({ type: "postpaid", billingDay: 31, dueDays: 5 });
  });

  it.each([
    [
      "a burst not above the base rate",
      { speed: { ...full.speed, burst: { ...full.speed.burst, downloadKbps: 20_480 } } },
      "speed.burst.downloadKbps",
    ],
    [
      "a burst threshold above the base rate",
      { speed: { ...full.speed, burst: { ...full.speed.burst, thresholdUploadKbps: 20_000 } } },
      "speed.burst.thresholdUploadKbps",
    ],
    [
      "a throttled rate above the speed",
      { dataCap: { megabytes: 1, throttled: { downloadKbps: 30_000, uploadKbps: 1_024 } } },
      "dataCap.throttled.downloadKbps",
    ],
    ["a tax rate over 100 %", { taxRateBasisPoints: 10_001 }, "taxRateBasisPoints"],
    [
      "a late fee percentage over 100 %",
      { lateFee: { type: "percent", basisPoints: 20_000 } },
      "lateFee.basisPoints",
    ],
    [
      "the same reminder offset twice",
      {
        reminders: [
          { offset: "-1d", channel: "sms" },
          { offset: "-24h", channel: "email" },
        ],
      },
      "reminders",
    ],
    [
      "every 0 days",
      { billing: { type: "postpaid", cycle: "every_n_days", everyDays: 0, dueDays: 1 } },
      "billing.everyDays",
    ],
    [
      "a billing day with every N days",
      { billing: { type: "postpaid", cycle: "every_n_days", everyDays: 7, billingDay: 1, dueDays: 1 } },
      "billing.billingDay",
    ],
  ])("refuses %s with a problem naming the field", async (_, change, path) => {
    const res = await call(cloud, "POST", "/v1/packages", {
      token: world.keys.owner,
      body: { ...full, ...change },
    });
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
    expect(issuesOf(res.json), JSON.stringify(res.json)).toContain(path);
  });

  it("checks a patched speed against the stored data cap, and removes optional fields with null", async () => {
    const created = await call(cloud, "POST", "/v1/packages", { token: world.keys.owner, body: full });
    const slower = await call(cloud, "PATCH", `/v1/packages/${created.json.id}`, {
      token: world.keys.owner,
      body: { version: 1, speed: { downloadKbps: 1_024, uploadKbps: 1_024 } },
    });
    expect(slower.status).toBe(400);
    expect(issuesOf(slower.json)).toEqual(["dataCap.throttled.downloadKbps"]);

    const cleared = await call(cloud, "PATCH", `/v1/packages/${created.json.id}`, {
      token: world.keys.owner,
      body: { version: 1, dataCap: null, lateFee: null, taxRateBasisPoints: null, reminders: null },
    });
    expect(cleared.status, JSON.stringify(cleared.json)).toBe(200);
    for (const field of ["dataCap", "lateFee", "taxRateBasisPoints", "reminders"]) {
      expect(cleared.json[field], field).toBeUndefined();
    }
    expect(cleared.json.version).toBe(2);
  });
});
