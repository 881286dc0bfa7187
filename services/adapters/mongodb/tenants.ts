/** The `tenants` collection. */
import type { Page, PageQuery } from "../../ports/pages.js";
import type { TenantRecord, TenantStore } from "../../ports/tenant-store.js";
import { checkLimit, decodeCursor, encodeCursor, toPage } from "../keyset-pages.js";
import type { MongoConnection } from "./mongo-connection.js";
import { isDuplicateKeyError } from "./mongo-errors.js";
import type { TenantDoc } from "./mongo-schema.js";

export function mongoTenants(db: MongoConnection): TenantStore {
  const { tenants } = db;
  return {
    async createTenant(tenant: TenantRecord): Promise<boolean> {
      return db.run(async () => {
        try {
          await tenants.insertOne({
            _id: tenant.id,
            displayName: tenant.displayName,
            createTime: tenant.createTime,
            ...(tenant.mac !== undefined && { mac: tenant.mac }),
          });
          return true;
        } catch (error) {
          if (isDuplicateKeyError(error)) return false;
          throw error;
        }
      });
    },

    async getTenant(tenantId: string): Promise<TenantRecord | undefined> {
      const doc = await db.run(() => tenants.findOne({ _id: tenantId }));
      return doc ? toTenantRecord(doc) : undefined;
    },

    async listTenants(query: PageQuery): Promise<Page<TenantRecord>> {
      const limit = checkLimit(query.limit);
      const after = query.cursor === undefined ? {} : { _id: { $gt: decodeCursor(query.cursor) } };
      const docs = await db.run(() =>
        tenants
          .find(after)
          .sort({ _id: 1 })
          .limit(limit + 1)
          .toArray(),
      );
      return toPage(docs.map(toTenantRecord), limit, (tenant) => encodeCursor(tenant.id));
    },
  };
}

function toTenantRecord(doc: TenantDoc): TenantRecord {
  return { id: doc._id, displayName: doc.displayName, createTime: doc.createTime, ...(doc.mac !== undefined && { mac: doc.mac }) };
}
