/**
 * The `audit_events` table, pruned past the retention period at open and
 * every hour after (what MongoDB's TTL index does there).
 */
import type { AuditEventRecord, AuditQuery, AuditStore } from "../../ports/audit-store.js";
import type { Page } from "../../ports/pages.js";
import { checkLimit, decodeCursor, encodeCursor, toPage } from "../keyset-pages.js";
import type { SqliteConnection } from "./connection.js";
import { toAuditEvent } from "./rows.js";
import { AFTER_EVERY_KEY, type Statements } from "./statements.js";

const AUDIT_PRUNE_INTERVAL_MS = 60 * 60 * 1000;
const AUDIT_PRUNE_SLICE = 10_000;

export function sqliteAuditEvents(db: SqliteConnection, retentionMs: number): AuditStore {
  const { sql } = db;

  const pruneSlice = (before: number) => sql.pruneAuditEvents.run({ before, limit: AUDIT_PRUNE_SLICE }).changes;
  const reportUnlessClosed = (error: unknown) => {
    // A busy or read-only store prunes next time; the service serves on.
    if (db.open) db.onBackgroundError?.(error);
  };
  try {
    // At open no write is under way: each slice commits by itself, before the store is used.
    const before = Date.now() - retentionMs;
    while (pruneSlice(before) === AUDIT_PRUNE_SLICE);
  } catch (error) {
    reportUnlessClosed(error);
  }
  // Later each slice is a write like any other, so it never runs inside (nor undoes) another write's transaction.
  const pruneHourly = async (): Promise<void> => {
    const before = Date.now() - retentionMs;
    while (db.open && (await db.write(() => pruneSlice(before))) === AUDIT_PRUNE_SLICE);
  };
  const pruning = setInterval(() => pruneHourly().catch(reportUnlessClosed), AUDIT_PRUNE_INTERVAL_MS);
  pruning.unref();
  db.onClose(() => clearInterval(pruning));

  return {
    async appendAuditEvents(events: readonly AuditEventRecord[]): Promise<void> {
      if (events.length === 0) return;
      await db.transactBatch(() => {
        for (const event of events) insertAuditEvent(sql, event);
      });
    },

    async listAuditEvents(tenantId: string, query: AuditQuery): Promise<Page<AuditEventRecord>> {
      const limit = checkLimit(query.limit);
      const rows = db.run(() =>
        sql.listAuditEvents.all({
          tenantId,
          before: query.cursor === undefined ? AFTER_EVERY_KEY : decodeCursor(query.cursor),
          limit: limit + 1,
          action: query.action ?? null,
          resource: query.resource ?? null,
          actorTokenId: query.actorTokenId ?? null,
          outcome: query.outcome ?? null,
          startTime: query.startTime?.getTime() ?? null,
          endTime: query.endTime?.getTime() ?? null,
        }),
      );
      return toPage(rows.map(toAuditEvent), limit, (event) => encodeCursor(event.id));
    },
  };
}

/** One audit row; the caller's transaction holds it (see NewSecretVersion.auditEvent). */
export function insertAuditEvent(sql: Statements, event: AuditEventRecord): void {
  sql.insertAuditEvent.run({
    tenantId: event.tenantId,
    id: event.id,
    time: event.time.getTime(),
    actorTokenId: event.actorTokenId,
    action: event.action,
    resources: JSON.stringify(event.resources),
    outcome: event.outcome,
    statusCode: event.statusCode,
    version: event.version ?? null,
    consumerId: event.consumerId ?? null,
  });
}
