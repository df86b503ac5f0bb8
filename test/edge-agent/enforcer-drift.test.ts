import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { AppliedVersionStore } from "../../edge-agent/applied-versions.js";
import type { Enforcer } from "../../edge-agent/enforcer.js";
import { MENU } from "../../edge-agent/simulator/index.js";
import { newId } from "../../shared/domain/ids.js";
import {
  active,
  allResults,
  command,
  DISCONNECTED,
  enforcer,
  SECRETS,
  type Site,
  SUBSCRIBERS,
  SUSPENDED,
  startSite,
} from "./enforcer-helpers.js";
import { account, CREDENTIALS, liveSessions, rejection } from "./routeros/helpers.js";

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

describe("ACK but still online (decision 5)", () => {
  it("RADIUS ACKs but keeps the session: verification sees it and the router API removes it", async () => {
    site.nas.ackButIgnoreDisconnects = true;

    const result = await make({ method: "radius" }).apply(command("alice", SUSPENDED));

    expect(result).toMatchObject({ outcome: "verified", observed: { online: false } });
    expect(result.reason).toContain("Disconnect-ACK but the session stayed up");
    expect(liveSessions(model(), "pppoe", "alice")).toEqual([]);
  });

  it("the API ACKs removals but keeps the session: a Disconnect-Request finishes the job", async () => {
    site.router.sim.faults.ackButIgnoreActiveRemoves = true;
    site.nas.ackButIgnoreDisconnects = false;

    const result = await make({ method: "api", style: "profile" }).apply(command("carol", SUSPENDED));

    expect(result).toMatchObject({ outcome: "verified", observed: { online: false, profile: "suspended" } });
    expect(result.reason).toContain("sent a Disconnect-Request");
    expect(liveSessions(model(), "hotspot", "carol")).toEqual([]);
  });

  it.each([
    ["api without RADIUS", { method: "api", paths: ["api"] }],
    ["rest with RADIUS", { method: "rest" }],
    ["radius with the API", { method: "radius" }],
  ] as const)("fails after the bounded rounds when every path ignores removals (%s)", async (_, nas) => {
    site.router.sim.faults.ackButIgnoreActiveRemoves = true;
    const started = Date.now();

    const result = await make(nas).apply(command("alice", DISCONNECTED));

    expect(result).toMatchObject({
      outcome: "failed",
      retryable: true,
      observed: { online: true, disabled: true },
    });
    expect(result.reason).toMatch(/after 3 round\(s\): still online \(1 session\(s\) remained\)/);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("with RADIUS alone the drift cannot be seen: applied, never verified", async () => {
    site.router.sim.faults.ackButIgnoreActiveRemoves = true;

    const result = await make({ method: "radius", paths: ["radius"] }).apply(command("alice", SUSPENDED));

    expect(result.outcome).toBe("applied");
    expect(result.reason).toContain("no read-back path");
    expect(liveSessions(model(), "pppoe", "alice")).toHaveLength(1);
  });
});

describe("notBefore", () => {
  it.each(["radius", "api"] as const)(
    "an early %s command waits and lands within 100 ms of notBefore",
    async (method) => {
      const agent = make({ method, paths: [method] });
      const notBefore = Date.now() + 400;
      let removedAt = 0;
      model().onChange((change) => {
        if (change.menu === MENU.pppActive && change.action === "remove") removedAt = Date.now();
      });

      const result = await agent.apply(
        command("alice", SUSPENDED, { notBefore: new Date(notBefore).toISOString() }),
      );

      expect(result.outcome).not.toBe("failed");
      const lateness = removedAt - notBefore;
      expect(lateness).toBeGreaterThanOrEqual(0);
      expect(lateness).toBeLessThan(100);
    },
  );

  it("an abort while waiting rejects and leaves the router alone", async () => {
    const controller = new AbortController();
    const notBefore = new Date(Date.now() + 10_000).toISOString();
    const pending = make({ method: "api" }).apply(
      command("alice", SUSPENDED, { notBefore }),
      controller.signal,
    );
    setTimeout(() => controller.abort(new Error("shutting down")), 50);

    expect(await rejection(pending)).toMatchObject({ message: "shutting down" });
    expect(liveSessions(model(), "pppoe", "alice")).toHaveLength(1);
  });
});

describe("failures are results, never secrets", () => {
  it("a wrong RADIUS secret fails after the retry budget, retryable, naming the likely cause", async () => {
    const result = await make({
      method: "radius",
      paths: ["radius"],
      radiusSecret: "wrong-secret-value",
    }).apply(command("alice", SUSPENDED));

    expect(result).toMatchObject({ outcome: "failed", retryable: true });
    expect(result.reason).toContain("no valid reply after 3 attempts");
    expect(result.reason).toContain("wrong shared secret");
    expect(result.reason).toContain("after 1 round(s)");
    expect(JSON.stringify(result)).not.toContain("wrong-secret-value");
    expect(liveSessions(model(), "pppoe", "alice")).toHaveLength(1);
  });

  it("rejected router credentials fail at once and are not retried", async () => {
    site.router.sim.faults.rejectLogin = true;

    const result = await make({ method: "api", paths: ["api"] }).apply(command("alice", SUSPENDED));

    expect(result).toMatchObject({ outcome: "failed", retryable: false });
    expect(result.reason).toContain("after 1 round(s)");
    expect(result.reason).not.toContain(CREDENTIALS.password);
  });

  it("an unreachable router fails retryable after the rounds", async () => {
    const agent = make({ method: "rest", paths: ["rest"] });
    await site.router.close();

    const result = await agent.apply(command("alice", SUSPENDED));

    expect(result).toMatchObject({ outcome: "failed", retryable: true });
    expect(result.reason).toContain("after 3 round(s)");
  });

  it("a subscriber unknown to an API router fails, not retryable", async () => {
    model().remove(MENU.pppActive, liveSessions(model(), "pppoe", "bob")[0]?.[".id"] ?? "");
    model().remove(MENU.pppSecret, account(model(), "pppoe", "bob")?.[".id"] ?? "");

    const result = await make({ method: "api" }).apply(command("bob", SUSPENDED));

    expect(result).toMatchObject({ outcome: "failed", retryable: false });
    expect(result.reason).toContain("no account named bob");
  });

  it.each([
    ["another site", { siteId: newId("site") }, "another tenant or site"],
    ["an unknown NAS", { nasId: newId("nas") }, "is not configured on this agent"],
  ])("a command for %s fails without touching the router", async (_, over, message) => {
    const result = await make({ method: "api" }).apply(command("alice", SUSPENDED, over));

    expect(result).toMatchObject({ outcome: "failed", retryable: false });
    expect(result.reason).toContain(message);
    expect(liveSessions(model(), "pppoe", "alice")).toHaveLength(1);
  });

  it("a closed enforcer refuses to work (programming error)", async () => {
    const agent = make({ method: "api" });
    await agent.close();
    await expect(agent.apply(command("alice", SUSPENDED))).rejects.toThrow("the enforcer is closed");
  });
});

describe("versions (decision 3)", () => {
  let dir: string;
  let versions: AppliedVersionStore;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "enforcer-versions-"));
    versions = await AppliedVersionStore.open(join(dir, "state.json"));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("records the version durably before reporting, then skips older and equal versions", async () => {
    const agent = make({ method: "api" }, { versions });
    const id = SUBSCRIBERS.alice.subscriberId;

    const applied = await agent.apply(command("alice", SUSPENDED, { version: 10 }));
    const onDisk = await AppliedVersionStore.read(join(dir, "state.json"));

    expect(applied.outcome).toBe("verified");
    expect(onDisk.get(id)).toBe(10);
    const older = await agent.apply(command("alice", active("alice"), { version: 9 }));
    const duplicate = await agent.apply(command("alice", active("alice"), { version: 10 }));
    expect(older).toMatchObject({ outcome: "skipped_stale", reason: "version 10 already applied" });
    expect(duplicate.outcome).toBe("skipped_stale");
    expect(account(model(), "pppoe", "alice")?.disabled).toBe("true");
  });

  it("a failed command records nothing, so its redelivery is applied", async () => {
    site.router.sim.faults.ackButIgnoreActiveRemoves = true;
    const agent = make({ method: "api", paths: ["api"] }, { versions });

    expect((await agent.apply(command("bob", DISCONNECTED, { version: 3 }))).outcome).toBe("failed");
    expect(versions.lastApplied(SUBSCRIBERS.bob.subscriberId)).toBeUndefined();
    site.router.sim.faults.ackButIgnoreActiveRemoves = false;
    expect((await agent.apply(command("bob", DISCONNECTED, { version: 3 }))).outcome).toBe("verified");
  });

  it("a delayed older command that wakes after a newer one was applied is skipped", async () => {
    const agent = make({ method: "api" }, { versions });
    const later = new Date(Date.now() + 300).toISOString();

    const expiry = agent.apply(command("alice", SUSPENDED, { version: 20, notBefore: later }));
    const renewal = await agent.apply(command("alice", active("alice"), { version: 21 }));

    expect(renewal.outcome).toBe("verified");
    expect((await expiry).outcome).toBe("skipped_stale");
    expect(liveSessions(model(), "pppoe", "alice")).toHaveLength(1);
    expect(account(model(), "pppoe", "alice")?.disabled).toBe("false");
  });

  it("commands for one subscriber never interleave: the later arrival of a newer version wins", async () => {
    const agent = make({ method: "rest" }, { versions });

    const [first, second] = await Promise.all([
      agent.apply(command("carol", active("carol"), { version: 30 })),
      agent.apply(command("carol", SUSPENDED, { version: 31 })),
    ]);

    expect([first.outcome, second.outcome]).toEqual(["verified", "verified"]);
    expect(account(model(), "hotspot", "carol")?.disabled).toBe("true");
    expect(versions.lastApplied(SUBSCRIBERS.carol.subscriberId)).toBe(31);
  });
});
