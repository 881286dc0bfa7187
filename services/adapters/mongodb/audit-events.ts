/** The `audit_events` collection (expired by its TTL index, see mongo-schema.ts). */
import type { AuditEventRecord, AuditQuery, AuditStore } from "../../ports/audit-store.js";
import type { Page } from "../../ports/pages.js";
import { checkLimit, encodeCursor, toPage } from "../keyset-pages.js";
import type { MongoConnection } from "./mongo-connection.js";
import { auditFilter, toAuditDoc, toAuditEventRecord } from "./mongo-documents.js";

export function mongoAuditEvents(db: MongoConnection): AuditStore {
  const { audit } = db;
  return {
    async appendAuditEvents(events: readonly AuditEventRecord[]): Promise<void> {
      if (events.length === 0) return;
      await db.run(() => audit.insertMany(events.map(toAuditDoc), { ordered: true }));
    },

    async listAuditEvents(tenantId: string, query: AuditQuery): Promise<Page<AuditEventRecord>> {
      const limit = checkLimit(query.limit);
      const docs = await db.run(() =>
        audit
          .find(auditFilter(tenantId, query))
          .sort({ id: -1 })
          .limit(limit + 1)
          .toArray(),
      );
      return toPage(docs.map(toAuditEventRecord), limit, (event) => encodeCursor(event.id));
    },
  };
}
