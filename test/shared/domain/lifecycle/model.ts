import { expect } from "vitest";
import { AppError } from "../../../../shared/domain/errors.js";
import { newId } from "../../../../shared/domain/ids.js";
import {
  billingStartFor,
  type CycleInvoice,
  commandFor,
  desiredState,
  fire,
  type LifecyclePolicy,
  type LifecycleSubscriber,
  type NextAction,
  nextAction,
  nextDueInstant,
  policyForTenant,
  type ReminderRule,
  type Transition,
} from "../../../../shared/domain/lifecycle/index.js";
import {
  type DesiredState,
  type EdgeCommand,
  EdgeCommandSchema,
} from "../../../../shared/domain/schemas/edge-command.js";
import type { Package } from "../../../../shared/domain/schemas/package.js";
import { subscriberOn, tenantId } from "./fixtures.js";

/** The world of the lifecycle property: one subscriber, its packages, a clock, a scheduler and two model agents. */

export const DAY = 86_400_000;
const PACKAGE_IDS = [newId("package"), newId("package"), newId("package")];
// Zones without DST, so a grace day is 24 h for postpaid too and the oracle below stays simple.
export const ZONES = ["Asia/Dhaka", "Asia/Kolkata", "Asia/Kathmandu", "UTC"];

export interface PackageSpec {
  readonly billing: "prepaid" | "postpaid";
  readonly days: boolean;
  readonly count: number;
  readonly graceDays: number;
  readonly downloadKbps: number;
  readonly uploadKbps: number;
  readonly profile?: string | undefined;
  readonly billingDay: number;
  readonly dueDays: number;
}

export interface WorldSpec {
  readonly packages: readonly PackageSpec[];
  readonly timeZone: string;
  readonly renewInGrace: "stack" | "from_now";
  readonly reminders: ReminderRule[];
  readonly quiet: boolean;
  readonly start: number;
}

/** The edge agent as decision 3 describes it: highest version wins, per subscriber. */
export class ModelAgent {
  private readonly applied = new Map<string, number>();
  readonly router = new Map<string, DesiredState>();

  deliver(cmd: EdgeCommand): void {
    if (cmd.version <= (this.applied.get(cmd.subscriberId) ?? 0)) return;
    this.applied.set(cmd.subscriberId, cmd.version);
    this.router.set(cmd.subscriberId, cmd.desired);
  }
}

export function buildPackage(spec: PackageSpec, id: string, tenantId: string): Package {
  const billing: Package["billing"] =
    spec.billing === "prepaid"
      ? { type: "prepaid", validity: { unit: spec.days ? "days" : "hours", count: spec.count } }
      : { type: "postpaid", billingDay: spec.billingDay, dueDays: spec.dueDays };
  return {
    id,
    tenantId,
    name: id,
    price: { amount: 50_000, currency: "BDT" },
    speed: { downloadKbps: spec.downloadKbps, uploadKbps: spec.uploadKbps },
    billing,
    graceDays: spec.graceDays,
    ...(spec.profile ? { routerProfile: spec.profile } : {}),
    archived: false,
    createdAt: "2026-01-01T00:00:00.000Z",
    updatedAt: "2026-01-01T00:00:00.000Z",
    version: 1,
  };
}

function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export class World {
  sub: LifecycleSubscriber;
  readonly policy: LifecyclePolicy;
  readonly packages: Package[];
  now: Date;
  readonly commands: EdgeCommand[] = [];
  readonly scheduled: NextAction[] = [];
  readonly eager = new ModelAgent();
  readonly chaotic = new ModelAgent();
  readonly remindersSent = new Set<string>();
  /** Every period an invoice was issued for, and what the wallet held. */
  readonly billed: { start: number; end: number }[] = [];
  lastEffect = 0;

  constructor(scenario: WorldSpec) {
    this.policy = policyForTenant(
      { timeZone: scenario.timeZone },
      {
        renewInGrace: scenario.renewInGrace,
        reminders: scenario.reminders,
        ...(scenario.quiet ? {} : { quietHours: null }),
      },
    );
    this.packages = scenario.packages.map((p, i) => buildPackage(p, PACKAGE_IDS[i] ?? "", tenantId));
    this.now = new Date(scenario.start);
    const first = this.packages[0];
    if (!first) throw new Error("no package");
    const base = subscriberOn(first);
    const expiresAt =
      first.billing.type === "prepaid"
        ? new Date(
            this.now.getTime() +
              (first.billing.validity.unit === "days" ? DAY : 3_600_000) * first.billing.validity.count,
          )
        : nextDueInstant(first.billing, this.policy.timeZone, this.now);
    const { billedThrough: _ahead, ...unbilled } = base;
    const billingStart = billingStartFor(first, this.policy, this.now);
    this.sub = {
      ...unbilled,
      packageId: first.id,
      status: "active",
      expiresAt: expiresAt.toISOString(),
      ...(billingStart ? { billedThrough: billingStart } : {}),
      createdAt: this.now.toISOString(),
      version: 1,
    };
    this.record([commandFor(this.sub, first, this.policy, "provisioned", { at: this.now, now: this.now })]);
    this.schedule();
  }

  pkg(): Package {
    const p = this.packages.find((x) => x.id === this.sub.packageId);
    if (!p) throw new Error("subscriber on an unknown package");
    return p;
  }

  private record(commands: readonly EdgeCommand[]): void {
    for (const c of commands) {
      EdgeCommandSchema.parse(c);
      this.commands.push(c);
      this.eager.deliver(c);
    }
  }

  private schedule(): void {
    const a = nextAction(this.sub, this.pkg(), this.policy, this.now);
    if (a) this.scheduled.push(a);
  }

  apply(tr: Transition): void {
    expect(tr.subscriber.version).toBe(this.sub.version + 1);
    for (const c of tr.commands) {
      expect(c.version).toBe(tr.subscriber.version);
      // Transitions that re-derive the status never connect someone whose time already ran out.
      if (
        c.desired.state === "active" &&
        c.desired.until &&
        ["renewed", "resumed", "unpaused", "expiry_changed"].includes(c.reason)
      ) {
        expect(Date.parse(c.desired.until), `${c.reason} connected an unpaid subscriber`).toBeGreaterThan(
          Date.parse(c.notBefore),
        );
      }
    }
    this.record(tr.commands);
    this.sub = tr.subscriber;
    // Every change of what the router should do was sent: in-order delivery already matches.
    expect(this.eager.router.get(this.sub.id)).toEqual(desiredState(this.sub, this.pkg(), this.policy));
    this.schedule();
  }

  attempt(op: () => Transition): Transition | undefined {
    let tr: Transition;
    try {
      tr = op();
    } catch (e) {
      if (e instanceof AppError) return undefined; // a refused transition changes nothing
      throw e;
    }
    this.apply(tr);
    return tr;
  }

  fire(action: NextAction): void {
    const before = this.sub;
    const result = fire(this.sub, this.pkg(), this.policy, action, this.now);
    if (result.outcome === "stale") return;
    for (const c of result.transition.commands) {
      // Exact-second rule: a cut-off for non-payment never takes effect before the paid time ends.
      if (c.reason === "expired" || c.reason === "unpaid" || c.reason === "grace_ended") {
        const paidUntil = Date.parse(before.expiresAt ?? "");
        const cutOff = paidUntil + (c.reason === "grace_ended" ? this.pkg().graceDays * DAY : 0);
        expect(Date.parse(c.notBefore), "cut off early").toBeGreaterThanOrEqual(cutOff);
      }
    }
    if (result.invoice) this.checkInvoice(before, result.invoice, result.transition.subscriber);
    if (result.reminder) {
      const key = `${result.reminder.expiresAt}/${result.reminder.offset}`;
      expect(this.remindersSent.has(key), `reminder ${key} sent twice`).toBe(false);
      this.remindersSent.add(key);
    }
    this.lastEffect = Math.max(this.lastEffect, Date.parse(action.at), this.now.getTime());
    this.apply(result.transition);
  }

  /** The chain bills no instant twice, and moves its high-water mark forward with each cycle. */
  private checkInvoice(before: LifecycleSubscriber, cycle: CycleInvoice, after: LifecycleSubscriber): void {
    const start = cycle.period.start.getTime();
    const end = cycle.period.end.getTime();
    expect(end).toBeGreaterThan(start);
    expect(Date.parse(after.billedThrough ?? "")).toBeGreaterThanOrEqual(end);
    if (before.billedThrough) {
      expect(Date.parse(after.billedThrough ?? "")).toBeGreaterThan(Date.parse(before.billedThrough));
    }
    if (!cycle.invoice) return;
    for (const b of this.billed) {
      expect(
        start >= b.end || end <= b.start,
        `period ${cycle.period.start.toISOString()} billed twice`,
      ).toBe(true);
    }
    this.billed.push({ start, end });
    const { invoice } = cycle;
    expect(invoice.total).toBe(invoice.lines.reduce((sum, l) => sum + l.amount, 0));
    expect(invoice.amountPaid).toBe(cycle.walletApplied);
    expect((before.walletBalance ?? 0) - cycle.walletApplied).toBe(after.walletBalance ?? 0);
  }
}

/** Let time reach every command's notBefore and fire whatever that makes due, as the scheduler would. */
export function settle(world: World): Date {
  const notBefore = Math.max(...world.commands.map((c) => Date.parse(c.notBefore)));
  world.now = new Date(Math.max(world.now.getTime(), world.lastEffect, notBefore));
  for (let i = 0; i < 20; i++) {
    const action = nextAction(world.sub, world.pkg(), world.policy, world.now);
    if (!action || Date.parse(action.at) > world.now.getTime()) return world.now;
    const version = world.sub.version;
    world.fire(action);
    expect(world.sub.version, `due ${action.kind} was not applied`).toBe(version + 1);
  }
  throw new Error("scheduler chain did not settle");
}

export function deliverEverything(world: World, seed: number): void {
  const random = prng(seed);
  const queue = [...world.commands, ...world.commands.filter(() => random() < 0.5)];
  for (let i = queue.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const [a, b] = [queue[i], queue[j]];
    if (a && b) [queue[i], queue[j]] = [b, a];
  }
  for (const cmd of queue) world.chaotic.deliver(cmd);
}
