/** The `tenants` collection. */
import type { TenantRecord, TenantStore } from "../../ports/tenant-store.js";
import type { MongoConnection } from "./mongo-connection.js";
import { isDuplicateKeyError } from "./mongo-errors.js";

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
      return doc
        ? { id: doc._id, displayName: doc.displayName, createTime: doc.createTime, ...(doc.mac !== undefined && { mac: doc.mac }) }
        : undefined;
    },
  };
}
