import { AppError } from "../../domain/errors.js";

/**
 * A gateway could not be reached, timed out, or answered with something other than a result
 * (5xx, a malformed body). The payment stays pending: a later query or the sweep decides it.
 * `retryable` is false when the gateway refused the request itself (bad credentials, bad input).
 */
export class GatewayError extends AppError {
  readonly status: number = 502;
  readonly title: string = "Payment gateway error";
  readonly code: string = "gateway";
  readonly timedOut: boolean;
  constructor(
    readonly gateway: string,
    message: string,
    readonly retryable: boolean,
    options: { cause?: unknown; timedOut?: boolean } = {},
  ) {
    super(`${gateway}: ${message}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.timedOut = options.timedOut ?? false;
  }
}
