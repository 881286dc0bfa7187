/**
 * Roles and what each may do. Every authorization decision in the service is
 * `roleAllows(...)` plus, for workloads, `tokenGrantsSecret(...)`.
 */
import { secretNameKey } from "../../kernel/names.js";

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
  | "token.manage"
  | "audit.read"
  | "key.rotate"
  | "tenant.create";

const TENANT_ADMIN: readonly Permission[] = [
  "secret.create",
  "secret.update",
  "secret.archive",
  "secret.delete",
  "secret.read",
  "secret.watch",
  "consumer.write",
  "token.manage",
  "audit.read",
  "key.rotate",
];

/**
 * Nobody but a workload resolves: values are for workloads, never for people
 * (an admin who needs one must mint a workload token, which is audited).
 */
const ROLE_PERMISSIONS: Record<Role, ReadonlySet<Permission>> = {
  PLATFORM_ADMIN: new Set<Permission>([...TENANT_ADMIN, "tenant.create"]),
  ADMIN: new Set(TENANT_ADMIN),
  VIEWER: new Set<Permission>(["secret.read", "secret.watch"]),
  WORKLOAD: new Set<Permission>(["secret.resolve", "secret.watch", "consumer.write"]),
};

export function roleAllows(role: Role, permission: Permission): boolean {
  return ROLE_PERMISSIONS[role].has(permission);
}

/** Roles a token may be created with through the API (platform admin only comes from bootstrap). */
export const ASSIGNABLE_ROLES: readonly Role[] = ["ADMIN", "VIEWER", "WORKLOAD"];

/** A pattern in a workload token's grant: letters, digits, `_`, `-` and `*` (any run of characters). */
const PATTERN = /^[A-Za-z0-9_*-]{1,128}$/;

export function isValidSecretPattern(pattern: string): boolean {
  return PATTERN.test(pattern);
}

/** Whether a token limited to `patterns` may touch the secret called `name` (case-insensitive). */
export function patternsGrantSecret(patterns: readonly string[], name: string): boolean {
  const key = secretNameKey(name);
  return patterns.some((pattern) => globToRegExp(pattern).test(key));
}

const compiled = new Map<string, RegExp>();

function globToRegExp(pattern: string): RegExp {
  let re = compiled.get(pattern);
  if (!re) {
    const body = secretNameKey(pattern)
      .split("*")
      .map((part) => part.replace(/[-]/g, "\\-"))
      .join(".*");
    re = new RegExp(`^${body}$`);
    compiled.set(pattern, re);
  }
  return re;
}

/**
 * Whether a caller may touch one secret by name. Workloads are limited to
 * their patterns; every other role that holds the permission sees the whole tenant.
 */
export function callerMayAccessSecret(
  caller: { role: Role; allowedSecretPatterns: readonly string[] },
  name: string,
): boolean {
  return caller.role !== "WORKLOAD" || patternsGrantSecret(caller.allowedSecretPatterns, name);
}
