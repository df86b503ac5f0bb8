import { ValidationError, VersionConflictError } from "../domain/errors.js";
import {
  changePackage,
  commandFor,
  desiredState,
  type LifecycleSubscriber,
  pause,
  renew,
  resume,
  sameDesiredState,
  setExpiry,
  suspend,
  type Transition,
  terminate,
  unpause,
} from "../domain/lifecycle/index.js";
import { requirePermission } from "../domain/permissions.js";
import type { EdgeCommandReason } from "../domain/schemas/edge-command.js";
import { MONEY_FIELDS, type Subscriber, type UpdateSubscriberInput } from "../domain/schemas/subscriber.js";
import type { SubscriberAction } from "../domain/schemas/subscriber-action.js";
import type { Caller, ServiceDeps } from "./caller.js";
import { found } from "./idempotent-create.js";
import { commitPackageChange } from "./invoices/package-change.js";
import { commitTransition, type LifecycleContext, loadContext } from "./lifecycle.js";
import { publicSubscriber } from "./subscribers.js";

/** Fields that change which router account the commands address: a change re-sends the state. */
const ROUTER_TARGET_FIELDS = ["username", "service", "siteId", "nasId"] as const;

async function contextAt(
  deps: ServiceDeps,
  caller: Caller,
  id: string,
  version: number,
): Promise<LifecycleContext> {
  const ctx = await loadContext(deps, caller.tenantId, id);
  if (ctx.sub.version !== version) {
    throw new VersionConflictError(
      `Subscriber ${id} is at version ${ctx.sub.version}, not ${version}: reload it and retry`,
      ctx.sub.version,
    );
  }
  return ctx;
}

/**
 * PATCH: contact and account fields change in place; a new package or expiry goes through the
 * lifecycle (package change, expiry override), all as one version. A command goes out when what
 * the router enforces, or the account it addresses, changes.
 */
export async function updateSubscriber(
  deps: ServiceDeps,
  caller: Caller,
  id: string,
  input: UpdateSubscriberInput,
): Promise<Subscriber> {
  const { version, packageId, expiresAt, ...profile } = input;
  const changed = Object.keys(input).filter(
    (k) => k !== "version" && input[k as keyof UpdateSubscriberInput] !== undefined,
  );
  if (changed.some((f) => (MONEY_FIELDS as readonly string[]).includes(f)))
    requirePermission(caller.role, "money:write");
  if (changed.length === 0)
    throw new ValidationError("Nothing to change", [
      { path: "", message: "send at least one field besides version" },
    ]);
  const ctx = await contextAt(deps, caller, id, version);
  if (ctx.sub.status === "terminated") {
    throw new ValidationError("Subscriber is terminated", [
      { path: "", message: "a terminated subscriber cannot be changed" },
    ]);
  }
  const now = deps.clock.now();
  const at = now.toISOString();
  let sub: LifecycleSubscriber = applyProfile(ctx.sub, profile);
  let pkg = ctx.pkg;
  const events: Transition["events"][number][] = [];
  const profileFields = changed.filter((f) => f !== "packageId" && f !== "expiresAt");
  if (profileFields.length > 0) {
    events.push({
      at,
      type: "subscriber.updated",
      summary: `Changed ${profileFields.join(", ")}`,
      actor: caller.actor,
      data: { fields: profileFields },
    });
  }
  let reason: EdgeCommandReason = "reconcile";
  // Each step is computed from the version read; the result is stored as that version + 1.
  const step = (t: Transition) => {
    sub = { ...t.subscriber, version: ctx.sub.version };
    events.push(...t.events);
  };
  if (packageId !== undefined && packageId !== sub.packageId) {
    const to = found(await deps.repos.packages.get(caller.tenantId, packageId), `Package ${packageId}`);
    if (to.archived)
      throw new ValidationError("Archived package", [{ path: "packageId", message: "is archived" }]);
    step(changePackage(sub, pkg, ctx.policy, now, caller.actor, to));
    pkg = to;
    reason = "package_changed";
  }
  if (expiresAt !== undefined) {
    step(setExpiry(sub, pkg, ctx.policy, now, caller.actor, new Date(expiresAt), "set through the API"));
    reason = "expiry_changed";
  }
  const next: LifecycleSubscriber = { ...sub, version: ctx.sub.version + 1, updatedAt: at };
  const retarget = ROUTER_TARGET_FIELDS.some((f) => ctx.sub[f] !== next[f]);
  const stateChanged = !sameDesiredState(
    desiredState(ctx.sub, ctx.pkg, ctx.policy),
    desiredState(next, pkg, ctx.policy),
  );
  const commands =
    stateChanged || retarget ? [commandFor(next, pkg, ctx.policy, reason, { at: now, now })] : [];
  const transition = { subscriber: next, events, commands };
  // A new package mid-cycle is prorated: an upgrade billed, a downgrade credited to the wallet.
  const saved =
    pkg === ctx.pkg
      ? await commitTransition(deps, ctx, transition, now, pkg)
      : await commitPackageChange(deps, ctx, transition, pkg, now, caller.actor);
  return publicSubscriber(saved);
}

function applyProfile(sub: LifecycleSubscriber, patch: Record<string, unknown>): LifecycleSubscriber {
  const next: Record<string, unknown> = { ...sub };
  for (const [field, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    if (value === null) delete next[field];
    else next[field] = value;
  }
  return next as LifecycleSubscriber;
}

/** DELETE terminates: the record and its timeline stay for audit; the router disconnects the user. */
export async function terminateSubscriber(
  deps: ServiceDeps,
  caller: Caller,
  id: string,
): Promise<Subscriber> {
  const ctx = await loadContext(deps, caller.tenantId, id);
  if (ctx.sub.status === "terminated") return publicSubscriber(ctx.sub);
  const now = deps.clock.now();
  const saved = await commitTransition(
    deps,
    ctx,
    terminate(ctx.sub, ctx.pkg, ctx.policy, now, caller.actor),
    now,
  );
  return publicSubscriber(saved);
}

const MONEY_ACTIONS: ReadonlySet<SubscriberAction["action"]> = new Set([
  "renew",
  "change-package",
  "set-expiry",
  "pause",
  "unpause",
]);

/** `POST /v1/subscribers/{id}/actions`: one lifecycle transition, optimistic on `version`. */
export async function runSubscriberAction(
  deps: ServiceDeps,
  caller: Caller,
  id: string,
  input: SubscriberAction,
): Promise<Subscriber> {
  if (MONEY_ACTIONS.has(input.action)) requirePermission(caller.role, "money:write");
  const ctx = await contextAt(deps, caller, id, input.version);
  const now = deps.clock.now();
  const args = [ctx.sub, ctx.pkg, ctx.policy, now, caller.actor] as const;
  let pkgAfter = ctx.pkg;
  let transition: Transition;
  switch (input.action) {
    case "renew":
      transition = renew(...args, input.periods);
      break;
    case "suspend":
      transition = suspend(...args, input.note);
      break;
    case "resume":
      transition = resume(...args);
      break;
    case "pause":
      transition = pause(...args, input.until ? new Date(input.until) : undefined);
      break;
    case "unpause":
      transition = unpause(...args);
      break;
    case "set-expiry":
      transition = setExpiry(...args, new Date(input.expiresAt), input.reason);
      break;
    case "change-package": {
      pkgAfter = found(
        await deps.repos.packages.get(caller.tenantId, input.packageId),
        `Package ${input.packageId}`,
      );
      if (pkgAfter.archived)
        throw new ValidationError("Archived package", [{ path: "packageId", message: "is archived" }]);
      transition = changePackage(...args, pkgAfter);
      return publicSubscriber(await commitPackageChange(deps, ctx, transition, pkgAfter, now, caller.actor));
    }
  }
  return publicSubscriber(await commitTransition(deps, ctx, transition, now, pkgAfter));
}
