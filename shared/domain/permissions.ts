import { ForbiddenError } from "./errors.js";
import type { Role } from "./schemas/api-key.js";

/**
 * What each role may do. `money` covers anything that changes what a subscriber pays or receives
 * (packages and prices, a subscriber's package or expiry, creating or terminating subscribers);
 * `network` covers sites and NAS entries; `keys` is API-key management.
 */
export type Permission = "read" | "subscribers:write" | "money:write" | "network:write" | "keys:manage";

export const ROLE_PERMISSIONS: Readonly<Record<Role, ReadonlySet<Permission>>> = {
  owner: new Set(["read", "subscribers:write", "money:write", "network:write", "keys:manage"]),
  admin: new Set(["read", "subscribers:write", "money:write", "network:write"]),
  billing: new Set(["read", "subscribers:write", "money:write"]),
  support: new Set(["read", "subscribers:write"]),
  readonly: new Set(["read"]),
};

export function can(role: Role, permission: Permission): boolean {
  return ROLE_PERMISSIONS[role].has(permission);
}

export function requirePermission(role: Role, ...permissions: Permission[]): void {
  const missing = permissions.filter((p) => !can(role, p));
  if (missing.length > 0) {
    throw new ForbiddenError(`The ${role} role may not do this (needs ${missing.join(", ")})`);
  }
}
