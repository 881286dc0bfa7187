/** One record of the audit trail: who did what to which names, when, and how it ended; never a value. */

export type AuditOutcome = "SUCCESS" | "DENIED" | "FAILED";

export interface AuditEventRecord {
  tenantId: string;
  /** Sortable: later events have greater ids (time-ordered). */
  id: string;
  time: Date;
  actorTokenId: string;
  action: string;
  /** Secret names (or other resource ids) involved; never values. */
  resources: string[];
  outcome: AuditOutcome;
  statusCode: string;
  version?: number;
  consumerId?: string;
}
