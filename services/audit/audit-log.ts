/**
 * The audit trail: one event per audited call (who, what, when, outcome,
 * version). Events are built from names and ids only, never from values.
 */
import type { StatusCodeName } from "../../kernel/status-code-names.js";
import { timeOrderedId } from "../domain/ids.js";
import type { AuditEventRecord, AuditOutcome, AuditStore } from "../ports/audit-store.js";
import type { AuditNote } from "../domain/service-call.js";
import { GroupCommit } from "../support/group-commit.js";

export type { AuditNote };

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

  async record(entry: AuditEntry): Promise<void> {
    await this.writes.add(AuditLog.eventOf(entry));
  }

  /** The record of one call; `record` writes it, or a write stores it with its change. */
  static eventOf(entry: AuditEntry): AuditEventRecord {
    const time = entry.time ?? new Date();
    return {
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
  }
}

export interface AuditEntry {
  tenantId: string;
  actorTokenId: string;
  action: string;
  status: StatusCodeName | "OK";
  note: AuditNote;
  time?: Date;
}
