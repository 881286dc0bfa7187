/** Audit events: append-only, never a value. */
import type { AuditEventRecord, AuditOutcome } from "../domain/audit-event.js";
import type { Page, PageQuery } from "./pages.js";

export type { AuditEventRecord, AuditOutcome };

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
