import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { ConflictError, NotFoundError } from "../domain/errors.js";
import { idPattern, newId } from "../domain/ids.js";
import { type ApiKey, type CreateApiKeyInput, type Role, toPublicApiKey } from "../domain/schemas/api-key.js";
import type { Page, PageRequest, Repositories, StoredApiKey } from "../ports/repositories.js";
import type { Caller, IdempotencyRequest, ServiceDeps } from "./caller.js";
import { type Created, idempotentCreate } from "./idempotent-create.js";

/**
 * Tokens look like `isp.<tenantId>.<keyId>.<secret>`: the ids let the authorizer fetch the one key
 * item (tenant id leads the key, no index needed); only SHA-256(secret) is stored. The secret has 256
 * bits of entropy, so a fast hash is enough: there is nothing to brute-force.
 */
const TOKEN_RE = /^isp\.(ten_[0-9A-Z]{26})\.(key_[0-9A-Z]{26})\.([A-Za-z0-9_-]{43})$/;

export function hashSecret(secret: string): string {
  return createHash("sha256").update(secret).digest("hex");
}

export interface CreatedApiKey extends ApiKey {
  readonly secret?: string;
}

export async function createApiKey(
  deps: ServiceDeps,
  caller: Caller,
  input: CreateApiKeyInput,
  idempotency?: IdempotencyRequest,
): Promise<Created<CreatedApiKey>> {
  const { stored, token } = mintApiKey(
    caller.tenantId,
    input.name,
    input.role,
    caller.actor.id,
    deps.clock.now().toISOString(),
  );
  return idempotentCreate<CreatedApiKey>(
    deps,
    caller,
    idempotency,
    { type: "api-key", id: stored.id },
    async (claim) => {
      await deps.repos.apiKeys.create(stored, { idempotency: claim });
      return { ...toPublicApiKey(stored), secret: token };
    },
    // A replay cannot show the secret again: it was never stored.
    async (id) => {
      const key = await deps.repos.apiKeys.get(caller.tenantId, id);
      return key && toPublicApiKey(key);
    },
  );
}

export function mintApiKey(tenantId: string, name: string, role: Role, createdBy: string, now: string) {
  const id = newId("apiKey");
  const secret = randomBytes(32).toString("base64url");
  const stored: StoredApiKey = {
    id,
    tenantId,
    name,
    role,
    createdAt: now,
    createdBy,
    secretHash: hashSecret(secret),
    version: 1,
  };
  return { stored, token: `isp.${tenantId}.${id}.${secret}` };
}

export function listApiKeys(deps: ServiceDeps, caller: Caller, page: PageRequest): Promise<Page<ApiKey>> {
  return deps.repos.apiKeys.list(caller.tenantId, page);
}

export async function revokeApiKey(deps: ServiceDeps, caller: Caller, keyId: string): Promise<ApiKey> {
  if (caller.actor.kind === "api-key" && caller.actor.id === keyId) {
    throw new ConflictError("A key cannot revoke itself; use another owner key");
  }
  const key = await deps.repos.apiKeys.get(caller.tenantId, keyId);
  if (!key) throw new NotFoundError(`API key ${keyId} not found`);
  return deps.repos.apiKeys.revoke(caller.tenantId, keyId, deps.clock.now().toISOString());
}

export type Authentication =
  | { ok: true; caller: Caller }
  | { ok: false; reason: "malformed" | "unknown" | "revoked" | "tenant-disabled" };

/** Resolves a bearer token to its caller; every failure looks the same from outside. */
export async function authenticate(
  repos: Pick<Repositories, "apiKeys" | "tenants">,
  token: string,
): Promise<Authentication> {
  const match = TOKEN_RE.exec(token);
  const [, tenantId, keyId, secret] = match ?? [];
  if (
    !tenantId ||
    !keyId ||
    !secret ||
    !idPattern("tenant").test(tenantId) ||
    !idPattern("apiKey").test(keyId)
  ) {
    return { ok: false, reason: "malformed" };
  }
  const [key, tenant] = await Promise.all([repos.apiKeys.get(tenantId, keyId), repos.tenants.get(tenantId)]);
  const presented = Buffer.from(hashSecret(secret), "hex");
  const expected = Buffer.from(key?.secretHash ?? "0".repeat(64), "hex");
  const matches = expected.length === presented.length && timingSafeEqual(expected, presented);
  if (!key || !matches) return { ok: false, reason: "unknown" };
  if (key.revokedAt) return { ok: false, reason: "revoked" };
  if (tenant?.status !== "active") return { ok: false, reason: "tenant-disabled" };
  return { ok: true, caller: { tenantId, role: key.role, actor: { kind: "api-key", id: keyId } } };
}
