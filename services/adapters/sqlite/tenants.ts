/** The `tenants` table. */
import type { Page, PageQuery } from "../../ports/pages.js";
import type { TenantRecord, TenantStore } from "../../ports/tenant-store.js";
import { checkLimit, decodeCursor, encodeCursor, toPage } from "../keyset-pages.js";
import type { SqliteConnection } from "./connection.js";
import { toTenant } from "./rows.js";

export function sqliteTenants(db: SqliteConnection): TenantStore {
  const { sql } = db;
  return {
    async createTenant(tenant: TenantRecord): Promise<boolean> {
      return db.write(
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

    async listTenants(query: PageQuery): Promise<Page<TenantRecord>> {
      const limit = checkLimit(query.limit);
      const after = query.cursor === undefined ? "" : decodeCursor(query.cursor);
      const rows = db.run(() => sql.listTenants.all({ after, limit: limit + 1 }));
      return toPage(rows.map(toTenant), limit, (tenant) => encodeCursor(tenant.id));
    },
  };
}
