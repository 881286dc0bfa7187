/**
 * Roles and what each may do. Every authorization decision in the service is
 * `roleAllows(...)` plus, for workloads, `tokenGrantsSecret(...)`.
 */
import { patternsGrantSecret } from "../../kernel/secret-patterns.js";

export type Role = "PLATFORM_ADMIN" | "ADMIN" | "VIEWER" | "WORKLOAD";

export type Permission =
  | "secret.create"
  | "secret.update"
  | "secret.archive"
  | "secret.delete"
  | "secret.read"
  | "secret.resolve"
  | "secret.watch"
  | "consumer.write"
  /** Giving a consumer to another token (admins: the way out of a squatted id). */
  | "consumer.reassign"
  | "token.manage"
  | "audit.read"
  | "key.rotate"
  | "tenant.create"
  /** Listing every tenant (ListTenants): the platform admin only. */
  | "tenant.list"
  /** Reading one's own token's identity (GetCaller): every role. */
  | "caller.read";

const TENANT_ADMIN: readonly Permission[] = [
  "caller.read",
  "secret.create",
  "secret.update",
  "secret.archive",
  "secret.delete",
  "secret.read",
  "secret.watch",
  "consumer.write",
  "consumer.reassign",
  "token.manage",
  "audit.read",
  "key.rotate",
];

/**
 * Nobody but a workload resolves: values are for workloads, never for people
 * (an admin who needs one must mint a workload token, which is audited).
 */
const ROLE_PERMISSIONS: Record<Role, ReadonlySet<Permission>> = {
  PLATFORM_ADMIN: new Set<Permission>([...TENANT_ADMIN, "tenant.create", "tenant.list"]),
  ADMIN: new Set(TENANT_ADMIN),
  VIEWER: new Set<Permission>(["caller.read", "secret.read", "secret.watch"]),
  WORKLOAD: new Set<Permission>(["caller.read", "secret.resolve", "secret.watch", "consumer.write"]),
};

export function roleAllows(role: Role, permission: Permission): boolean {
  return ROLE_PERMISSIONS[role].has(permission);
}

/** Roles a token may be created with through the API (platform admin only comes from bootstrap or break-glass). */
export const ASSIGNABLE_ROLES: readonly Role[] = ["ADMIN", "VIEWER", "WORKLOAD"];

/**
 * Whether a caller may list or revoke tokens of `tokenRole`: a tenant admin
 * only roles it could create, so it can neither see nor revoke the platform
 * admin's token and lock the platform out; a platform admin any (so that it
 * can revoke a stolen platform-admin token after a break-glass).
 */
export function mayManageTokenRole(callerRole: Role, tokenRole: Role): boolean {
  if (!roleAllows(callerRole, "token.manage")) return false;
  return callerRole === "PLATFORM_ADMIN" || ASSIGNABLE_ROLES.includes(tokenRole);
}

/** Patterns one workload token may carry. */
export const MAX_PATTERNS_PER_TOKEN = 100;

/**
 * Whether a caller may touch one secret by name. Workloads are limited to
 * their patterns; every other role that holds the permission sees the whole tenant.
 */
export function callerMayAccessSecret(caller: { role: Role; allowedSecretPatterns: readonly string[] }, name: string): boolean {
  return caller.role !== "WORKLOAD" || patternsGrantSecret(caller.allowedSecretPatterns, name);
}
