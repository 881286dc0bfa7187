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
/** Wildcards one pattern may hold: enough for `*_DB_*`, few enough that no pattern is a puzzle. */
export const MAX_WILDCARDS_PER_PATTERN = 4;

/** A pattern in a workload token's grant: letters, digits, `_`, `-` and `*` (any run of characters). */
const PATTERN = /^[A-Za-z0-9_*-]{1,128}$/;

/** What is wrong with a grant pattern, or undefined if it is fine. */
export function secretPatternProblem(pattern: string): { description: string; reason: string } | undefined {
  if (!PATTERN.test(pattern))
    return { description: "pattern must be 1-128 letters, digits, '_', '-' or '*'", reason: "INVALID_PATTERN" };
  if (pattern.split("*").length - 1 > MAX_WILDCARDS_PER_PATTERN)
    return { description: `pattern may hold at most ${MAX_WILDCARDS_PER_PATTERN} '*'`, reason: "TOO_MANY_WILDCARDS" };
  return undefined;
}

/** Whether a token limited to `patterns` may touch the secret called `name` (case-insensitive). */
export function patternsGrantSecret(patterns: readonly string[], name: string): boolean {
  const key = secretNameKey(name);
  return patterns.some((pattern) => globMatches(secretNameKey(pattern), key));
}

/**
 * Glob match in time linear in the name, whatever the pattern (a regular
 * expression backtracks on `*a*a*a*b`): the text between stars must appear in
 * order, the first at the start and the last at the end; taking each at its
 * earliest place is always right, since a later star can absorb anything.
 */
function globMatches(pattern: string, text: string): boolean {
  const parts = pattern.split("*");
  const first = parts[0]!;
  if (parts.length === 1) return pattern === text;
  const last = parts[parts.length - 1]!;
  if (first.length + last.length > text.length || !text.startsWith(first) || !text.endsWith(last)) return false;
  let at = first.length;
  const end = text.length - last.length;
  for (const part of parts.slice(1, -1)) {
    const found = text.indexOf(part, at);
    if (found < 0 || found + part.length > end) return false;
    at = found + part.length;
  }
  return true;
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
