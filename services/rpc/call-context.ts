/**
 * What every handler receives besides its request: the authenticated caller,
 * the method's policy, a cancellation signal, and the note it fills in for
 * the audit record. The role check of the policy's permission is the
 * pipeline's; the checks that depend on the resource are here, so that every
 * handler makes them the same way.
 */
import type { AuditNote } from "../audit/audit-log.js";
import type { AuditEventRecord } from "../domain/audit-event.js";
import type { Caller } from "../auth/api-tokens.js";
import { permissionDenied } from "../domain/errors.js";
import { callerMayAccessSecret, roleAllows, type Permission } from "../domain/permissions.js";
import type { ServiceCall } from "../domain/service-call.js";
import type { MethodPolicy } from "./call-policy.js";

export interface CallContext {
  caller: Caller;
  /** Full method name, e.g. `secrets.v1.SecretsService/CreateSecret`. */
  method: string;
  policy: MethodPolicy;
  /** A stream's limits, with flags applied (set for server-streaming methods). */
  streamLimits?: { maxOpenPerToken: number; maxNames?: number };
  requestId: string;
  /** Aborted when the client cancels or the deadline passes. */
  signal: AbortSignal;
  audit: AuditNote;
  /** See ServiceCall.auditEventOnSuccess; set by the pipeline for methods whose every call is audited. */
  auditEventOnSuccess?: (change: { version: number }) => AuditEventRecord;
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
  "consumer.reassign": "reassign consumers",
  "token.manage": "manage API tokens",
  "audit.read": "read the audit trail",
  "key.rotate": "rotate keys",
  "tenant.create": "create tenants",
  "tenant.list": "list tenants",
  "caller.read": "read its own identity",
};

/** Throws PERMISSION_DENIED unless the caller's role holds the permission (the pipeline calls this from the policy). */
export function authorize(caller: Caller, permission: Permission): void {
  if (!roleAllows(caller.role, permission)) throw permissionDenied(PERMISSION_WORDS[permission]);
}

/**
 * Throws PERMISSION_DENIED unless the caller may touch these secret names
 * with its method's permission. Checked before any lookup, so the answer is
 * the same whether or not a secret exists.
 */
export function authorizeSecretNames(ctx: CallContext, names: readonly string[]): void {
  if (names.some((name) => !callerMayAccessSecret(ctx.caller, name)))
    throw permissionDenied(`${PERMISSION_WORDS[ctx.policy.permission]} outside its granted names`);
}

/** The call as a transport-free service sees it: the caller, and the audit note (shared, not copied). */
export function serviceCallOf(ctx: CallContext): ServiceCall {
  return { ...ctx.caller, audit: ctx.audit, ...(ctx.auditEventOnSuccess && { auditEventOnSuccess: ctx.auditEventOnSuccess }) };
}
