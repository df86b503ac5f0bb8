import * as z from "zod";
import { RoleSchema } from "../domain/schemas/api-key.js";
import type { Caller } from "../services/caller.js";

/**
 * What the Lambda authorizer puts in `requestContext.authorizer.lambda`: the same three strings for
 * an API key and a frontend user, so every handler and role rule treats both alike. `keyId` is the
 * key's id, or `user:<sub>` for a user token.
 */
export interface AuthorizerContext {
  tenantId: string;
  role: string;
  keyId: string;
}

const USER_PREFIX = "user:";

const AuthorizerContextSchema = z.object({
  tenantId: z.string().min(1),
  role: RoleSchema,
  keyId: z.string().min(1),
});

/** The authorizer's side: an authenticated API key or user as the context API Gateway passes on. */
export function toAuthorizerContext(caller: Caller): AuthorizerContext {
  const { tenantId, role, actor } = caller;
  if (actor.kind === "api-key") return { tenantId, role, keyId: actor.id };
  if (actor.kind === "user") return { tenantId, role, keyId: `${USER_PREFIX}${actor.id}` };
  throw new Error(`the authorizer does not pass on ${actor.kind} callers`);
}

/** The handlers' side: the caller of a context, or `undefined` when it is missing or malformed. */
export function callerFromContext(context: unknown): Caller | undefined {
  const parsed = AuthorizerContextSchema.safeParse(context);
  if (!parsed.success) return undefined;
  const { tenantId, role, keyId } = parsed.data;
  const actor = keyId.startsWith(USER_PREFIX)
    ? { kind: "user" as const, id: keyId.slice(USER_PREFIX.length) }
    : { kind: "api-key" as const, id: keyId };
  if (actor.id === "") return undefined;
  return { tenantId, role, actor };
}
