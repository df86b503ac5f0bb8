import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  changePackage,
  DEFAULT_REMINDERS,
  desiredState,
  isManualHold,
  nextAction,
  pause,
  type ReminderRule,
  renew,
  resume,
  setExpiry,
  suspend,
  terminate,
  unpause,
} from "../../../../shared/domain/lifecycle/index.js";
import { admin } from "./fixtures.js";
import { DAY, deliverEverything, settle, World, ZONES } from "./model.js";

/*
 * Random histories of one subscriber: renewals, package changes, admin actions, time passing,
 * timely, late, early and stale scheduler fires. Every edge command is delivered to a model agent
 * duplicated and in random order; the agent keeps the highest version per subscriber (decision 3).
 * At the end the router must match what the subscriber is owed.
 */

const packageArb = (billing: "prepaid" | "postpaid") =>
  fc
    .record({
      days: fc.boolean(),
      count: fc.integer({ min: 1, max: 30 }),
      graceDays: fc.integer({ min: 0, max: 3 }),
      downloadKbps: fc.constantFrom(1536, 5_000, 10_000, 20_000),
      uploadKbps: fc.constantFrom(512, 5_000, 10_000),
      profile: fc.option(fc.constantFrom("home", "gold"), { nil: undefined }),
      billingDay: fc.integer({ min: 1, max: 31 }),
      dueDays: fc.integer({ min: 0, max: 10 }),
    })
    .map((p) => ({ ...p, billing }));

const scenarioArb = fc
  .constantFrom("prepaid" as const, "prepaid" as const, "postpaid" as const)
  .chain((billing) =>
    fc.record({
      packages: fc.tuple(packageArb(billing), packageArb(billing), packageArb(billing)),
      timeZone: fc.constantFrom(...ZONES),
      renewInGrace: fc.constantFrom("stack" as const, "from_now" as const),
      quiet: fc.boolean(),
      // Fewer reminders leave more timely fires for enforcement.
      reminders: fc.constantFrom<ReminderRule[][]>(
        [...DEFAULT_REMINDERS],
        [],
        [{ offset: "-1d", channel: "sms" }],
        [
          { offset: "0", channel: "email" },
          { offset: "+1d", channel: "sms" },
        ],
      ),
      start: fc.integer({ min: Date.parse("2026-01-01T00:00:00Z"), max: Date.parse("2028-12-31T00:00:00Z") }),
      seed: fc.noShrink(fc.integer()),
    }),
  );

const stepArb = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant("advance" as const),
      ms: fc.oneof(
        fc.integer({ min: 0, max: 120_000 }),
        fc.integer({ min: 0, max: 6 * 3_600_000 }),
        fc.integer({ min: 0, max: 5 * DAY }),
      ),
    }),
  },
  {
    weight: 10,
    arbitrary: fc.record({
      kind: fc.constant("timely" as const),
      jitterMs: fc.integer({ min: 0, max: 120_000 }),
    }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("stale" as const), pick: fc.nat() }) },
  {
    weight: 4,
    arbitrary: fc.record({ kind: fc.constant("renew" as const), periods: fc.integer({ min: 1, max: 2 }) }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("change" as const), pick: fc.nat() }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constantFrom("suspend" as const, "resume" as const, "unpause" as const),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("pause" as const),
      untilMs: fc.option(fc.integer({ min: 60_000, max: 20 * DAY }), { nil: undefined }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("setExpiry" as const),
      offsetMs: fc.integer({ min: -10 * DAY, max: 40 * DAY }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("terminate" as const) }) },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("deliver" as const),
      picks: fc.array(fc.nat(), { maxLength: 6 }),
    }),
  },
);
type Step = typeof stepArb extends fc.Arbitrary<infer S> ? S : never;

function run(world: World, step: Step): void {
  const { sub, policy, now } = world;
  const pkg = world.pkg();
  switch (step.kind) {
    case "advance":
      world.now = new Date(now.getTime() + step.ms);
      return;
    case "timely": {
      const action = nextAction(sub, pkg, policy, now);
      if (!action) return;
      world.now = new Date(Math.max(now.getTime(), Date.parse(action.at) - 60_000 + step.jitterMs));
      world.fire(action);
      // A timely enforcement fire always acts, even a minute early: it is never a silent no-op.
      if (action.kind === "expire" || action.kind === "grace_end") {
        expect(world.sub.status).not.toBe(sub.status);
      }
      return;
    }
    case "stale": {
      const action = world.scheduled[step.pick % world.scheduled.length];
      if (action) world.fire(action);
      return;
    }
    case "renew": {
      const tr = world.attempt(() => renew(sub, pkg, policy, now, admin, step.periods));
      if (
        tr &&
        pkg.billing.type === "prepaid" &&
        sub.status !== "paused" &&
        sub.expiresAt &&
        tr.subscriber.expiresAt
      ) {
        // No paid day is lost: early renewals stack; in grace the tenant's rule; after grace from now.
        const old = Date.parse(sub.expiresAt);
        const inGrace = now.getTime() >= old && now.getTime() < old + pkg.graceDays * DAY;
        const base =
          now.getTime() < old || (inGrace && policy.renewInGrace === "stack") ? old : now.getTime();
        const validity =
          pkg.billing.validity.count * (pkg.billing.validity.unit === "days" ? DAY : 3_600_000);
        expect(Date.parse(tr.subscriber.expiresAt)).toBe(base + validity * step.periods);
      }
      return;
    }
    case "change": {
      const to = world.packages[step.pick % world.packages.length];
      if (to) world.attempt(() => changePackage(sub, pkg, policy, now, admin, to));
      return;
    }
    case "suspend":
      world.attempt(() => suspend(sub, pkg, policy, now, admin));
      return;
    case "resume":
      world.attempt(() => resume(sub, pkg, policy, now, admin));
      return;
    case "unpause":
      world.attempt(() => unpause(sub, pkg, policy, now, admin));
      return;
    case "pause": {
      const until = step.untilMs === undefined ? undefined : new Date(now.getTime() + step.untilMs);
      world.attempt(() => pause(sub, pkg, policy, now, admin, until));
      return;
    }
    case "setExpiry":
      world.attempt(() =>
        setExpiry(sub, pkg, policy, now, admin, new Date(now.getTime() + step.offsetMs), "test"),
      );
      return;
    case "terminate":
      world.attempt(() => terminate(sub, pkg, policy, now, admin));
      return;
    case "deliver":
      for (const pick of step.picks) {
        const cmd = world.commands[pick % world.commands.length];
        if (cmd) world.chaotic.deliver(cmd);
      }
      return;
  }
}

describe("lifecycle property: the router ends up matching the entitlement", () => {
  it("holds for random histories with duplicated, reordered command delivery", () => {
    fc.assert(
      fc.property(scenarioArb, fc.array(stepArb, { maxLength: 40 }), (scenario, steps) => {
        const world = new World(scenario);
        for (const step of steps) run(world, step);
        const end = settle(world);
        deliverEverything(world, scenario.seed);

        const { sub, policy } = world;
        const pkg = world.pkg();
        const router = world.chaotic.router.get(sub.id);
        expect(router).toEqual(desiredState(sub, pkg, policy));
        const connected = router?.state === "active";
        expect(connected).toBe(sub.status === "active" || sub.status === "grace");
        if (router?.state === "active") expect(router.rateLimit).toEqual(pkg.speed);

        if (sub.status === "terminated") expect(router?.state).toBe("disconnected");
        if (sub.status === "paused" || isManualHold(sub)) expect(router?.state).toBe("suspended");
        const owed = sub.status !== "terminated" && sub.status !== "paused" && !isManualHold(sub);
        if (owed && sub.expiresAt) {
          const expiresAt = Date.parse(sub.expiresAt);
          const graceEnd = expiresAt + pkg.graceDays * DAY;
          if (expiresAt > end.getTime()) expect(connected, "paid but disconnected").toBe(true);
          if (graceEnd <= end.getTime()) expect(connected, "lapsed but connected").toBe(false);
        }
      }),
      { numRuns: 500 },
    );
  });
});
