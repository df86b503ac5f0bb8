import { IdempotencyMismatchError, NotFoundError } from "../domain/errors.js";
import { IDEMPOTENCY_TTL_SECONDS, IdempotencyKeyClaimed } from "../domain/idempotency.js";
import { type IdKind, newId } from "../domain/ids.js";
import type { IdempotencyClaim } from "../ports/repositories.js";
import type { Caller, IdempotencyRequest, ServiceDeps } from "./caller.js";

export interface Created<T> {
  readonly resource: T;
  /** True when this is the answer to a retry of an earlier, completed request. */
  readonly replayed: boolean;
}

/**
 * Runs a create whose repository write includes the idempotency claim in the same transaction.
 * If the claim already exists the original resource is returned (or the key was reused for a
 * different request, which is refused).
 */
export async function idempotentCreate<T>(
  deps: ServiceDeps,
  caller: Caller,
  request: IdempotencyRequest | undefined,
  resource: { type: string; id: string },
  create: (claim: IdempotencyClaim | undefined) => Promise<T>,
  load: (id: string) => Promise<T | undefined>,
): Promise<Created<T>> {
  const now = deps.clock.now();
  const claim: IdempotencyClaim | undefined = request && {
    keyHash: request.keyHash,
    fingerprint: request.fingerprint,
    resourceType: resource.type,
    resourceId: resource.id,
    createdAt: now.toISOString(),
    expiresAtEpoch: Math.floor(now.getTime() / 1000) + IDEMPOTENCY_TTL_SECONDS,
  };
  try {
    return { resource: await create(claim), replayed: false };
  } catch (error) {
    if (!(error instanceof IdempotencyKeyClaimed) || !request) throw error;
    const earlier = await deps.repos.idempotency.get(caller.tenantId, request.keyHash);
    if (!earlier) throw error;
    if (earlier.fingerprint !== request.fingerprint || earlier.resourceType !== resource.type) {
      throw new IdempotencyMismatchError("This Idempotency-Key was already used for a different request");
    }
    const original = await load(earlier.resourceId);
    if (!original)
      throw new NotFoundError(`The ${resource.type} created with this Idempotency-Key no longer exists`);
    return { resource: original, replayed: true };
  }
}

/** The fields every new tenant record starts with. */
export function newRecord(kind: IdKind, caller: Caller, deps: ServiceDeps) {
  const now = deps.clock.now();
  const at = now.toISOString();
  return {
    id: newId(kind, now.getTime()),
    tenantId: caller.tenantId,
    createdAt: at,
    updatedAt: at,
    version: 1,
  };
}

/** A create of a record in the tenant's partition: write it (with the claim), or replay the first one. */
export function createOnce<T extends { id: string }>(
  deps: ServiceDeps,
  caller: Caller,
  idempotency: IdempotencyRequest | undefined,
  type: string,
  record: T,
  write: (record: T, claim: IdempotencyClaim | undefined) => Promise<void>,
  load: (id: string) => Promise<T | undefined>,
): Promise<Created<T>> {
  return idempotentCreate(
    deps,
    caller,
    idempotency,
    { type, id: record.id },
    async (claim) => {
      await write(record, claim);
      return record;
    },
    load,
  );
}

/** A read that must find something: a missing record (or another tenant's) is a 404. */
export function found<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new NotFoundError(`${what} not found`);
  return value;
}
