import type { z } from "zod";
import type { EdgeCommand, EdgeCommandReason } from "../schemas/edge-command.js";
import type { Package } from "../schemas/package.js";
import { type Actor, TimelineEventSchema } from "../schemas/timeline.js";
import { desiredState, sameDesiredState } from "./entitlement.js";
import type { LifecyclePolicy, LifecycleSubscriber } from "./policy.js";

/** A timeline entry before the repository gives it an id, subscriber id and version. */
export const LifecycleEventSchema = TimelineEventSchema.pick({
  at: true,
  type: true,
  summary: true,
  actor: true,
  data: true,
});
export type LifecycleEvent = z.infer<typeof LifecycleEventSchema>;

export interface Transition {
  /** The subscriber to store, `version` one above the one read (optimistic lock on the old one). */
  readonly subscriber: LifecycleSubscriber;
  readonly events: readonly LifecycleEvent[];
  /** Router desired state; empty when the transition does not change what the router enforces. */
  readonly commands: readonly EdgeCommand[];
}

/** `at` is when the change takes effect (a scheduler fires up to a minute early); `now` is when it is decided. */
export interface Moment {
  readonly at: Date;
  readonly now: Date;
}

export interface Change {
  readonly next: LifecycleSubscriber;
  readonly reason: EdgeCommandReason;
  readonly type: string;
  readonly summary: string;
  readonly data?: Record<string, unknown>;
  /** The package after the change, when it is not the one passed in. */
  readonly nextPackage?: Package;
}

export function commit(
  prev: LifecycleSubscriber,
  pkg: Package,
  policy: LifecyclePolicy,
  moment: Moment,
  actor: Actor,
  change: Change,
): Transition {
  const next: LifecycleSubscriber = {
    ...change.next,
    version: prev.version + 1,
    updatedAt: moment.now.toISOString(),
  };
  const before = desiredState(prev, pkg, policy);
  const after = desiredState(next, change.nextPackage ?? pkg, policy);
  const commands = sameDesiredState(before, after)
    ? []
    : [commandFor(next, change.nextPackage ?? pkg, policy, change.reason, moment)];
  const event: LifecycleEvent = {
    at: moment.at.toISOString(),
    type: change.type,
    summary: change.summary,
    actor,
    // The statuses on either side let readers of the timeline (the outbound events) tell a renewal
    // that restored service from one that only extended it, without re-reading the subscriber.
    data: { ...change.data, statusBefore: prev.status, statusAfter: next.status },
  };
  return { subscriber: next, events: [event], commands };
}

/**
 * The command for the subscriber's current version. Also what provisioning and reconciliation send:
 * its id is derived from subscriber and version, so re-sending the same state is recognisable.
 */
export function commandFor(
  sub: LifecycleSubscriber,
  pkg: Package,
  policy: LifecyclePolicy,
  reason: EdgeCommandReason,
  moment: Moment,
): EdgeCommand {
  return {
    commandId: `${sub.id}.v${sub.version}`,
    tenantId: sub.tenantId,
    siteId: sub.siteId,
    ...(sub.nasId === undefined ? {} : { nasId: sub.nasId }),
    subscriberId: sub.id,
    username: sub.username,
    service: sub.service,
    desired: desiredState(sub, pkg, policy),
    version: sub.version,
    reason,
    notBefore: moment.at.toISOString(),
    issuedAt: moment.now.toISOString(),
  };
}

/** Calling the lifecycle with another package than the subscriber's is a programming fault. */
export function assertPackage(sub: LifecycleSubscriber, pkg: Package): void {
  if (sub.packageId !== pkg.id || sub.tenantId !== pkg.tenantId) {
    throw new Error(`Package ${pkg.id} is not the package of subscriber ${sub.id} (${sub.packageId})`);
  }
}
