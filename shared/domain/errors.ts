/**
 * One error hierarchy for the whole project. Every error a request path can raise is an AppError
 * with an HTTP status; anything else is an internal fault and is reported as a bare 500.
 */
export interface FieldIssue {
  /** Where the field is: the body, the query string, the path or a header. */
  readonly in?: "body" | "query" | "path" | "header";
  /** JSON-pointer-like path of the failing field, e.g. "price.amount" or "body". */
  readonly path: string;
  readonly message: string;
}

export abstract class AppError extends Error {
  abstract readonly status: number;
  abstract readonly title: string;
  /** A stable, machine-readable slug used as the problem `type` suffix. */
  abstract readonly code: string;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class ValidationError extends AppError {
  readonly status: number = 400;
  readonly title: string = "Invalid request";
  readonly code: string = "validation";
  constructor(
    message: string,
    readonly issues: readonly FieldIssue[] = [],
  ) {
    super(message);
  }
}

export class UnauthorizedError extends AppError {
  readonly status: number = 401;
  readonly title: string = "Unauthorized";
  readonly code: string = "unauthorized";
}

export class ForbiddenError extends AppError {
  readonly status: number = 403;
  readonly title: string = "Forbidden";
  readonly code: string = "forbidden";
}

export class NotFoundError extends AppError {
  readonly status: number = 404;
  readonly title: string = "Not found";
  readonly code: string = "not-found";
}

export class MethodNotAllowedError extends AppError {
  readonly status: number = 405;
  readonly title: string = "Method not allowed";
  readonly code: string = "method-not-allowed";
}

export class ConflictError extends AppError {
  readonly status: number = 409;
  readonly title: string = "Conflict";
  readonly code: string = "conflict";
}

/** An optimistic-locking failure: the caller's `version` is not the stored one. */
export class VersionConflictError extends ConflictError {
  override readonly code: string = "version-conflict";
  constructor(
    message: string,
    readonly currentVersion?: number,
  ) {
    super(message);
  }
}

export class PayloadTooLargeError extends AppError {
  readonly status: number = 413;
  readonly title: string = "Payload too large";
  readonly code: string = "payload-too-large";
}

export class UnsupportedMediaTypeError extends AppError {
  readonly status: number = 415;
  readonly title: string = "Unsupported media type";
  readonly code: string = "unsupported-media-type";
}

/** The same Idempotency-Key was sent with a different request. */
export class IdempotencyMismatchError extends AppError {
  readonly status: number = 422;
  readonly title: string = "Idempotency-Key reused";
  readonly code: string = "idempotency-mismatch";
}

/** A concurrent request with the same Idempotency-Key has not finished yet. */
export class IdempotencyInProgressError extends ConflictError {
  override readonly code: string = "idempotency-in-progress";
}
