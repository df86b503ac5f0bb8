import { ConflictError } from "../errors.js";
import type { SubscriberStatus } from "../schemas/subscriber.js";

export type LifecycleOperation =
  | "renew"
  | "suspend"
  | "resume"
  | "pause"
  | "unpause"
  | "set-expiry"
  | "change-package"
  | "terminate";

/** The operation is not allowed from the subscriber's current status (e.g. resuming a terminated one). */
export class InvalidTransitionError extends ConflictError {
  override readonly code: string = "invalid-transition";
  constructor(
    readonly operation: LifecycleOperation,
    readonly from: SubscriberStatus,
    message = `Cannot ${operation.replace("-", " ")} a subscriber who is ${from}`,
  ) {
    super(message);
  }
}
