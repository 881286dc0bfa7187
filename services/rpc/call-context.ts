/**
 * What every handler receives besides its request: the authenticated caller,
 * a cancellation signal, and the note it fills in for the audit record.
 * Authorization helpers live here so that every handler checks the same way.
 */
import type { AuditNote } from "../audit/audit-log.js";
import type { Caller } from "../auth/api-tokens.js";
import { permissionDenied } from "../domain/errors.js";
import { callerMayAccessSecret, roleAllows, type Permission } from "../domain/permissions.js";

export interface CallContext {
  caller: Caller;
  /** Full method name, e.g. `secrets.v1.SecretsService/CreateSecret`. */
  method: string;
  requestId: string;
  /** Aborted when the client cancels or the deadline passes. */
  signal: AbortSignal;
  audit: AuditNote;
}

const PERMISSION_WORDS: Record<Permission, string> = {
  "secret.create": "create secrets",
  "secret.update": "update secrets",
  "secret.archive": "archive or restore secrets",
  "secret.delete": "delete secrets",
  "secret.read": "read secret metadata",
  "secret.resolve": "resolve secrets",
  "secret.watch": "watch secrets",
  "consumer.write": "register consumers",
  "token.manage": "manage API tokens",
  "audit.read": "read the audit trail",
  "key.rotate": "rotate keys",
  "tenant.create": "create tenants",
};

/** Throws PERMISSION_DENIED unless the caller's role holds the permission. */
export function authorize(ctx: CallContext, permission: Permission): void {
  if (!roleAllows(ctx.caller.role, permission)) throw permissionDenied(PERMISSION_WORDS[permission]);
}

/**
 * Throws PERMISSION_DENIED unless the caller may use this permission on these
 * secret names. Checked before any lookup, so the answer is the same whether
 * or not a secret exists.
 */
export function authorizeSecrets(ctx: CallContext, permission: Permission, names: readonly string[]): void {
  authorize(ctx, permission);
  if (names.some((name) => !callerMayAccessSecret(ctx.caller, name)))
    throw permissionDenied(`${PERMISSION_WORDS[permission]} outside its granted names`);
}
