import { type EdgeCommand, mikrotikRateLimit } from "../../shared/domain/schemas/edge-command.js";
import { type AuthorizationChange, errorCauseClass, isAlreadyOff } from "../radius/index.js";
import type { RouterSubscriberState, RouterTarget } from "../routeros/driver.js";
import { EnforcementFailure } from "./failure.js";
import type { NasHandle, RadiusPath } from "./nas-handle.js";
import { type Expectation, staleSessions } from "./verify.js";

type ActiveState = Extract<EdgeCommand["desired"], { state: "active" }>;

export interface RoundInput {
  readonly handle: NasHandle;
  readonly command: EdgeCommand;
  readonly signal: AbortSignal;
  readonly now: () => number;
  /** Remarks for the result's reason, collected across rounds (drift seen, NAK 503, ...). */
  readonly notes: Set<string>;
}

export interface RoundOutput {
  readonly expectation: Expectation;
  /** Read back after acting; undefined without a driver or with verification off. */
  readonly after: RouterSubscriberState | undefined;
}

/** One act-then-read-back pass. Router-side trouble is thrown (RouterError, RadiusError, EnforcementFailure). */
export async function runRound(input: RoundInput): Promise<RoundOutput> {
  const { handle, command } = input;
  const account: RouterTarget = { username: command.username, service: command.service };
  const before = handle.driver ? await handle.driver.readState(account) : undefined;
  // A RADIUS Disconnect drops the session, and with it the only address a dynamic user is known
  // by; the address-list style needs it afterwards, so keep the one seen before acting.
  const seen = before?.sessions.find((s) => s.address !== undefined)?.address;
  const target: RouterTarget = seen === undefined ? account : { ...account, address: seen };
  const desired = command.desired;
  const expectation: Expectation = {
    desired,
    style: handle.style,
    policy: handle.policy,
    rate: handle.rate,
    maxLimit: desired.state === "active" ? mikrotikRateLimit(desired.rateLimit) : undefined,
    requireAccount: handle.nas.method !== "radius",
    before,
  };
  if (desired.state === "active") await activate(input, target, desired, before);
  else await takeOff(input, target, expectation);
  const after = handle.driver && handle.nas.verify ? await handle.driver.readState(target) : undefined;
  return { expectation, after };
}

/** Suspend or disconnect: the primary path of the NAS's method, then the other one if a session stayed up. */
async function takeOff(input: RoundInput, target: RouterTarget, expectation: Expectation): Promise<void> {
  const { handle, notes } = input;
  const { driver, radius } = handle;
  const before = expectation.before;
  const style = expectation.desired.state === "disconnected" ? "disable" : handle.style;
  if (handle.nas.method === "radius") {
    const reply = await disconnect(input, mustHave(radius), driver !== undefined);
    if (driver === undefined) return;
    if (reply === "ack" && before?.online) {
      const mid = await driver.readState(target);
      if (staleSessions(mid, expectation).length > 0) {
        notes.add("Disconnect-ACK but the session stayed up; removed it through the router API");
      }
    }
    // RADIUS cannot set a profile or an address list; a local account gets the style by API.
    if (before?.exists) await driver.suspend(target, style);
    else await driver.disconnect(target);
    return;
  }
  const api = mustHave(driver);
  await api.suspend(target, style);
  if (radius === undefined || !before?.online) return;
  const mid = await api.readState(target);
  if (staleSessions(mid, expectation).length > 0) {
    notes.add("the router acknowledged removing the session but it stayed up; sent a Disconnect-Request");
    await disconnect(input, radius, false);
  }
}

async function activate(
  input: RoundInput,
  target: RouterTarget,
  desired: ActiveState,
  before: RouterSubscriberState | undefined,
): Promise<void> {
  const { handle, notes } = input;
  const { driver, radius } = handle;
  // A RADIUS NAS's users usually live on the RADIUS server; only a local account is restored by API.
  if (driver && (handle.nas.method !== "radius" || before?.exists)) {
    await driver.restore(target, desired.profile);
    if (handle.rate === "queue") {
      await driver.setRate(target, { via: "queue", maxLimit: mikrotikRateLimit(desired.rateLimit) });
    }
  }
  if (radius === undefined) return;
  const change: { -readonly [K in keyof AuthorizationChange]: AuthorizationChange[K] } = {};
  if (handle.rate === "coa") change.mikrotikRateLimit = mikrotikRateLimit(desired.rateLimit);
  if (desired.until !== undefined) {
    const seconds = Math.ceil((Date.parse(desired.until) - input.now()) / 1000);
    if (seconds > 0) change.sessionTimeout = seconds;
    else notes.add("`until` has passed; Session-Timeout not set");
  }
  if (Object.keys(change).length > 0) await changeAuthorization(input, radius, change);
}

/**
 * Disconnect-Request by User-Name. ACK and NAK 503 (no such session: already off) both count as
 * done; another NAK fails the round unless a router API can do the job instead.
 */
async function disconnect(
  input: RoundInput,
  radius: RadiusPath,
  fallback: boolean,
): Promise<"ack" | "gone" | "nak"> {
  const reply = await radius.client.disconnect(
    radius.target,
    { userName: input.command.username },
    {
      signal: input.signal,
      eventTimestamp: new Date(input.now()),
      ...(radius.retry && { retry: radius.retry }),
    },
  );
  if (reply.kind === "ack") return "ack";
  if (isAlreadyOff(reply)) {
    input.notes.add("no session on the NAS (Disconnect-NAK 503: already off)");
    return "gone";
  }
  const why = `Disconnect-NAK${causeText(reply.errorCause, reply.errorCauseName)}`;
  if (!fallback) throw new EnforcementFailure(why, isNasError(reply.errorCause));
  input.notes.add(`${why}; used the router API instead`);
  return "nak";
}

async function changeAuthorization(input: RoundInput, radius: RadiusPath, change: AuthorizationChange) {
  const reply = await radius.client.changeAuthorization(
    radius.target,
    { userName: input.command.username },
    change,
    {
      signal: input.signal,
      eventTimestamp: new Date(input.now()),
      ...(radius.retry && { retry: radius.retry }),
    },
  );
  if (reply.kind === "ack") return;
  if (reply.errorCause === 503) {
    input.notes.add("no live session to change (CoA-NAK 503): the rate applies at the next login");
    return;
  }
  const why = `CoA-NAK${causeText(reply.errorCause, reply.errorCauseName)}`;
  if (change.mikrotikRateLimit !== undefined) throw new EnforcementFailure(why, isNasError(reply.errorCause));
  input.notes.add(`${why}; Session-Timeout not refreshed`);
}

function causeText(cause: number | undefined, name: string | undefined): string {
  return cause === undefined ? " without Error-Cause" : ` Error-Cause ${cause}${name ? ` (${name})` : ""}`;
}

/** 5xx: the NAS could not act now, so later may work; 4xx: the request itself is wrong. */
function isNasError(cause: number | undefined): boolean {
  return cause === undefined || errorCauseClass(cause) === "nas-error";
}

function mustHave<T>(value: T | undefined): T {
  // The config schema guarantees the method's own block; reaching this is a programming error.
  if (value === undefined) throw new Error("NAS handle lacks the path its method needs");
  return value;
}
