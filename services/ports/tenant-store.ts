/** Tenants: the root of every other record; each has its own key in the cipher backend. */
import type { Page, PageQuery } from "./pages.js";

export interface TenantRecord {
  id: string;
  displayName: string;
  createTime: Date;
  /** MAC over the tenant id. */
  mac?: string;
}

export interface TenantStore {
  /** Returns false if the id is taken. */
  createTenant(tenant: TenantRecord): Promise<boolean>;
  getTenant(tenantId: string): Promise<TenantRecord | undefined>;
  /** Every tenant, ordered by id. */
  listTenants(query: PageQuery): Promise<Page<TenantRecord>>;
}
