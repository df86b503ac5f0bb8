import type { Clock } from "../domain/clock.js";
import type { Role } from "../domain/schemas/api-key.js";
import type { Actor } from "../domain/schemas/timeline.js";
import type { Repositories } from "../ports/repositories.js";

/** Who is asking, resolved from the credential by the authorizer. */
export interface Caller {
  readonly tenantId: string;
  readonly role: Role;
  readonly actor: Actor;
}

export interface ServiceDeps {
  readonly repos: Repositories;
  readonly clock: Clock;
}

/** An Idempotency-Key as the service layer sees it: already hashed and tied to its request. */
export interface IdempotencyRequest {
  readonly keyHash: string;
  readonly fingerprint: string;
}
