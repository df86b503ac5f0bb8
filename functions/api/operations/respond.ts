import type { OperationResult } from "../../../shared/http/operation.js";
import type { Page } from "../../../shared/ports/repositories.js";
import type { Created } from "../../../shared/services/idempotent-create.js";

export function ok(body: unknown): OperationResult {
  return { status: 200, body };
}

export function page<T>(p: Page<T>): OperationResult {
  return { status: 200, body: { items: p.items, ...(p.nextCursor ? { nextCursor: p.nextCursor } : {}) } };
}

/** 201 with a Location header; a replayed Idempotency-Key is flagged so clients can tell. */
export function created<T extends { id: string }>(result: Created<T>, location: string): OperationResult {
  return {
    status: 201,
    body: result.resource,
    headers: { location, ...(result.replayed ? { "idempotent-replayed": "true" } : {}) },
  };
}

export const noContent: OperationResult = { status: 204 };
