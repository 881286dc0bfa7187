/** Audit events: append-only, never a value. */
import type { Page, PageQuery } from "./pages.js";

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

export interface AuditQuery extends PageQuery {
  action?: string;
  /** Matches an event whose resources include this, case-insensitively. */
  resource?: string;
  actorTokenId?: string;
  outcome?: AuditOutcome;
  startTime?: Date;
  endTime?: Date;
}

export interface AuditStore {
  appendAuditEvents(events: readonly AuditEventRecord[]): Promise<void>;
  /** Newest first. */
  listAuditEvents(tenantId: string, query: AuditQuery): Promise<Page<AuditEventRecord>>;
}
