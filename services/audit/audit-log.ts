/**
 * The audit trail: one event per audited call (who, what, when, outcome,
 * version). Events are built from names and ids only, never from values.
 */
import type { StatusCodeName } from "../../kernel/status-code-names.js";
import { timeOrderedId } from "../domain/ids.js";
import type { AuditEventRecord, AuditOutcome, AuditStore } from "../ports/audit-store.js";
import { GroupCommit } from "../support/group-commit.js";

/** What a handler notes about its call for the audit record. */
export interface AuditNote {
  resources: string[];
  version?: number;
  consumerId?: string;
}

export function outcomeOf(status: StatusCodeName | "OK"): AuditOutcome {
  if (status === "OK") return "SUCCESS";
  if (status === "PERMISSION_DENIED") return "DENIED";
  return "FAILED";
}

export class AuditLog {
  /** Events of concurrent calls share one store write (and one fsync). */
  private readonly writes: GroupCommit<AuditEventRecord>;

  constructor(store: Pick<AuditStore, "appendAuditEvents">) {
    this.writes = new GroupCommit((events) => store.appendAuditEvents(events));
  }

  async record(entry: {
    tenantId: string;
    actorTokenId: string;
    action: string;
    status: StatusCodeName | "OK";
    note: AuditNote;
    time?: Date;
  }): Promise<void> {
    const time = entry.time ?? new Date();
    const event: AuditEventRecord = {
      tenantId: entry.tenantId,
      id: timeOrderedId(time),
      time,
      actorTokenId: entry.actorTokenId,
      action: entry.action,
      resources: entry.note.resources,
      outcome: outcomeOf(entry.status),
      statusCode: entry.status,
      ...(entry.note.version !== undefined && { version: entry.note.version }),
      ...(entry.note.consumerId !== undefined && { consumerId: entry.note.consumerId }),
    };
    await this.writes.add(event);
  }
}
