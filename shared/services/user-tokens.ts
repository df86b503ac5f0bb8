import { idPattern } from "../domain/ids.js";
import { RoleSchema } from "../domain/schemas/api-key.js";
import { ActorSchema } from "../domain/schemas/timeline.js";
import type { Repositories } from "../ports/repositories.js";
import { UserTokenError, type UserTokenVerifier } from "../ports/user-tokens.js";
import type { Caller } from "./caller.js";

/** The claims of a verified token that name the caller's tenant and role (infra config names them). */
export interface UserClaimNames {
  readonly tenantClaim: string;
  readonly roleClaim: string;
}

export type UserAuthentication =
  | { ok: true; caller: Caller }
  | {
      ok: false;
      reason:
        | "invalid-token"
        | "issuer-unavailable"
        | "bad-subject"
        | "no-tenant"
        | "unknown-role"
        | "tenant-disabled";
      /** Why the verifier refused (the library's error name: JwtExpiredError...), for the logs. */
      detail?: string;
    };

const SubjectSchema = ActorSchema.shape.id.min(1);

/**
 * Resolves a frontend user's JWT to its caller. Tenant and role come only from the verified token's
 * claims, which the user cannot write (the user pool's custom attributes are read-only to its app
 * clients; with an external issuer, the deployer's claims). A tenant that is unknown or not active
 * is refused like a revoked key; the actor is the token's subject.
 */
export async function authenticateUser(
  deps: { readonly repos: Pick<Repositories, "tenants">; readonly verifier: UserTokenVerifier },
  claimNames: UserClaimNames,
  token: string,
): Promise<UserAuthentication> {
  let claims: Readonly<Record<string, unknown>>;
  try {
    claims = await deps.verifier.verify(token);
  } catch (error) {
    const detail = error instanceof Error && error.cause instanceof Error ? error.cause.name : undefined;
    const unavailable = error instanceof UserTokenError && error.reason === "issuer-unavailable";
    return { ok: false, reason: unavailable ? "issuer-unavailable" : "invalid-token", detail };
  }
  const subject = SubjectSchema.safeParse(claims.sub);
  if (!subject.success) return { ok: false, reason: "bad-subject" };
  const tenantId = claims[claimNames.tenantClaim];
  if (typeof tenantId !== "string" || !idPattern("tenant").test(tenantId)) {
    return { ok: false, reason: "no-tenant" };
  }
  const role = RoleSchema.safeParse(claims[claimNames.roleClaim]);
  if (!role.success) return { ok: false, reason: "unknown-role" };
  const tenant = await deps.repos.tenants.get(tenantId);
  if (tenant?.status !== "active") return { ok: false, reason: "tenant-disabled" };
  return { ok: true, caller: { tenantId, role: role.data, actor: { kind: "user", id: subject.data } } };
}
