/** The `tenants` table. */
import type { TenantRecord, TenantStore } from "../../ports/tenant-store.js";
import type { SqliteConnection } from "./connection.js";
import { toTenant } from "./rows.js";

export function sqliteTenants(db: SqliteConnection): TenantStore {
  const { sql } = db;
  return {
    async createTenant(tenant: TenantRecord): Promise<boolean> {
      return db.run(
        () =>
          sql.insertTenant.run({
            id: tenant.id,
            displayName: tenant.displayName,
            createTime: tenant.createTime.getTime(),
            mac: tenant.mac ?? null,
          }).changes === 1,
      );
    },

    async getTenant(tenantId: string): Promise<TenantRecord | undefined> {
      return db.run(() => {
        const row = sql.tenantById.get({ id: tenantId });
        return row && toTenant(row);
      });
    },
  };
}
