import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Enforcer } from "../../edge-agent/enforcer.js";
import { MENU } from "../../edge-agent/simulator/index.js";
import {
  active,
  allResults,
  command,
  DISCONNECTED,
  enforcer,
  type Method,
  SECRETS,
  type Site,
  type Style,
  SUSPENDED,
  type SubscriberName,
  startSite,
} from "./enforcer-helpers.js";
import { account, listEntries, liveSessions } from "./routeros/helpers.js";

let site: Site;
let enforcers: Enforcer[] = [];

beforeEach(async () => {
  site = await startSite();
});

afterEach(async () => {
  await Promise.all(enforcers.map((e) => e.close()));
  enforcers = [];
  await site.close();
});

afterAll(() => {
  const text = JSON.stringify(allResults);
  expect(text).toContain("edge command");
  for (const secret of SECRETS) expect(text).not.toContain(secret);
});

function make(...args: Parameters<typeof enforcer> extends [Site, ...infer R] ? R : never): Enforcer {
  const e = enforcer(site, ...args);
  enforcers.push(e);
  return e;
}

const model = () => site.router.sim.model;
const queueOf = (name: string) =>
  model()
    .print(MENU.simpleQueue)
    .find((q) => q.name === name);

const PEOPLE = [
  { who: "alice", service: "pppoe" },
  { who: "carol", service: "hotspot" },
] as const satisfies readonly { who: SubscriberName; service: "pppoe" | "hotspot" }[];
const STYLES: readonly Style[] = ["disable", "profile", "address-list"];

/** radius is tested here with an API read-back path; RADIUS alone is covered further down. */
describe.each<Method>(["api", "rest", "radius"])("method %s", (method) => {
  describe.each(PEOPLE)("$service subscriber $who", ({ who, service }) => {
    it.each(STYLES)("suspends with style %s and verifies it", async (style) => {
      const result = await make({ method, style }).apply(command(who, SUSPENDED));

      expect(result).toMatchObject({ outcome: "verified", retryable: false, observed: { online: false } });
      expect(liveSessions(model(), service, who)).toEqual([]);
      if (method === "radius") expect(site.nas.stats.acks).toBe(1);
      const row = account(model(), service, who);
      if (style === "disable") expect(row?.disabled).toBe("true");
      if (style === "profile") expect(row?.profile).toBe("suspended");
      if (style === "address-list") expect(listEntries(model(), "unpaid")).toHaveLength(1);
    });

    it("disconnects: account disabled, session dropped, verified", async () => {
      const result = await make({ method, style: "address-list" }).apply(command(who, DISCONNECTED));

      expect(result).toMatchObject({ outcome: "verified", observed: { online: false, disabled: true } });
      expect(liveSessions(model(), service, who)).toEqual([]);
      expect(account(model(), service, who)?.disabled).toBe("true");
    });

    it.each(STYLES)("restores from style %s to active at the new rate and verifies it", async (style) => {
      const agent = make({ method, style, rate: method === "radius" ? "coa" : "queue" });
      expect((await agent.apply(command(who, SUSPENDED))).outcome).toBe("verified");

      const result = await agent.apply(command(who, active(who)));

      expect(result).toMatchObject({ outcome: "verified", observed: { disabled: false } });
      const row = account(model(), service, who);
      expect(row).toMatchObject({ disabled: "false", profile: who === "alice" ? "10M" : "1day" });
      expect(listEntries(model(), "unpaid")).toEqual([]);
      if (method !== "radius") {
        expect(queueOf(who)?.["max-limit"]).toBe("5M/20M");
        expect(result.observed?.rateLimit).toBe("5M/20M");
      }
    });
  });
});

describe("RADIUS only (no read-back path)", () => {
  it("suspends by Disconnect-Request and reports applied, not verified", async () => {
    const result = await make({ method: "radius", paths: ["radius"] }).apply(command("alice", SUSPENDED));

    expect(result).toMatchObject({ outcome: "applied", retryable: false });
    expect(result.reason).toContain("no read-back path");
    expect(result.observed).toBeUndefined();
    expect(liveSessions(model(), "pppoe", "alice")).toEqual([]);
  });

  it("counts Disconnect-NAK 503 (already off) as done", async () => {
    const result = await make({ method: "radius", paths: ["radius"] }).apply(command("dave", DISCONNECTED));

    expect(result.outcome).toBe("applied");
    expect(result.reason).toContain("Disconnect-NAK 503: already off");
  });

  it("sets the rate by CoA with Session-Timeout = seconds until `until`", async () => {
    const until = new Date(Date.now() + 3_600_000).toISOString();
    const desired = { ...active("bob"), until };

    const result = await make({ method: "radius", paths: ["radius"] }).apply(command("bob", desired));

    expect(result.outcome).toBe("applied");
    const [session] = liveSessions(model(), "pppoe", "bob");
    expect(session?.["rate-limit"]).toBe("5M/20M");
    expect(Number(session?.["session-timeout"])).toBeGreaterThan(3590);
    expect(Number(session?.["session-timeout"])).toBeLessThanOrEqual(3600);
  });

  it("an offline subscriber's CoA-NAK 503 is fine: the rate applies at the next login", async () => {
    const result = await make({ method: "radius", paths: ["radius"] }).apply(command("dave", active("dave")));

    expect(result.outcome).toBe("applied");
    expect(result.reason).toContain("CoA-NAK 503");
  });
});

describe("rate methods and options", () => {
  it("rate by CoA on an API NAS reaches the live session", async () => {
    const result = await make({ method: "api", rate: "coa" }).apply(command("bob", active("bob")));

    expect(result.outcome).toBe("verified");
    expect(liveSessions(model(), "pppoe", "bob")[0]?.["rate-limit"]).toBe("5M/20M");
  });

  it("rate by profile sets the package profile and verifies it", async () => {
    const result = await make({ method: "rest", rate: "profile" }).apply(
      command("alice", { ...active("alice"), profile: "20M" }),
    );

    expect(result).toMatchObject({ outcome: "verified", observed: { profile: "20M" } });
    expect(account(model(), "pppoe", "alice")?.profile).toBe("20M");
  });

  it("fails, not retryable, when the queue the rate needs does not exist", async () => {
    const result = await make({ method: "api", paths: ["api"] }).apply(command("bob", active("bob")));

    expect(result).toMatchObject({ outcome: "failed", retryable: false });
    expect(result.reason).toContain("no simple queue for bob");
  });

  it("with verify off reports applied after acting", async () => {
    const result = await make({ method: "api", verify: false }).apply(command("alice", SUSPENDED));

    expect(result).toMatchObject({ outcome: "applied", reason: "verification disabled" });
    expect(liveSessions(model(), "pppoe", "alice")).toEqual([]);
  });

  it("reuses one router connection for many commands", async () => {
    const agent = make({ method: "api" });
    for (const who of ["alice", "bob", "carol"] as const) {
      expect((await agent.apply(command(who, SUSPENDED))).outcome).toBe("verified");
    }
    expect(site.router.sim.api.connections).toBe(1);
  });
});
