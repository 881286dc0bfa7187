/**
 * What a transport-free service needs of a call: who makes it (as their
 * token established: tenant, token, role and grants), and the note its audit
 * record is written from (filled in as the call goes, so a failed call is
 * recorded with what it was about).
 */
import type { AuditEventRecord } from "./audit-event.js";
import type { Role } from "./permissions.js";

export interface ServiceCall {
  tenantId: string;
  /** The caller's API token id: the writer of what the call writes. */
  tokenId: string;
  role: Role;
  allowedSecretPatterns: readonly string[];
  /** Empty or absent: a token made without consumer patterns. */
  allowedConsumerPatterns?: readonly string[];
  audit: AuditNote;
  /**
   * Set when every success of the call is audited: its record, for a write
   * that stores it in the same transaction as its change (one flush, and
   * never the change without its record). The write then sets
   * `audit.recordedWithChange`, and the record is not written again.
   */
  auditEventOnSuccess?: (change: { version: number }) => AuditEventRecord;
}

/** What a call's audit record says about it, filled in as the call goes. */
export interface AuditNote {
  resources: string[];
  version?: number;
  consumerId?: string;
  /** The success record is already stored, with the change (see ServiceCall.auditEventOnSuccess). */
  recordedWithChange?: true;
}
