import {
  RadiusAbortedError,
  RadiusClientClosedError,
  RadiusConfigError,
  RadiusEncodeError,
  RadiusError,
  RadiusTimeoutError,
} from "../radius/index.js";
import { RouterError } from "../routeros/errors.js";

/**
 * A round of enforcement that cannot succeed as things stand. `retryable` tells the caller whether
 * the same command may succeed later (router busy, unreachable) or not (no such account).
 * `final`: do not spend another round on it now (a RADIUS timeout already used its retry budget).
 */
export class EnforcementFailure extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly final = !retryable,
  ) {
    super(message);
    this.name = "EnforcementFailure";
  }
}

/**
 * Turns a router-side error into an EnforcementFailure. Aborts and programming errors come back
 * unchanged for the caller to rethrow. Messages of the driver and RADIUS errors name the router
 * and the command, never a secret, so they can be reported as they are.
 */
export function toFailure(error: unknown, signal: AbortSignal): EnforcementFailure | unknown {
  if (error instanceof EnforcementFailure) return error;
  if (signal.aborted) return signal.reason ?? error;
  if (error instanceof RouterError) return new EnforcementFailure(error.message, error.retryable);
  if (error instanceof RadiusTimeoutError) {
    return new EnforcementFailure(
      `${error.message} (the NAS drops requests signed with a wrong shared secret; check it and the agent's address as a RADIUS client)`,
      true,
      true,
    );
  }
  if (error instanceof RadiusAbortedError) return error;
  if (error instanceof RadiusClientClosedError)
    return new EnforcementFailure("agent shutting down", true, true);
  if (error instanceof RadiusConfigError || error instanceof RadiusEncodeError) {
    return new EnforcementFailure(error.message, false);
  }
  if (error instanceof RadiusError) return new EnforcementFailure(error.message, true);
  return error;
}
