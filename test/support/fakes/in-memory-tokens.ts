/** In-memory TenantStore and ApiTokenStore for unit tests of the admin rules. */
import type { ApiTokenRecord, ApiTokenStore, TokenListQuery } from "../../../services/ports/api-token-store.js";
import type { Page, PageQuery } from "../../../services/ports/pages.js";
import type { TenantRecord, TenantStore } from "../../../services/ports/tenant-store.js";

export class InMemoryTokens implements TenantStore, ApiTokenStore {
  readonly tenants = new Map<string, TenantRecord>();
  readonly tokens: ApiTokenRecord[] = [];

  async createTenant(tenant: TenantRecord): Promise<boolean> {
    if (this.tenants.has(tenant.id)) return false;
    this.tenants.set(tenant.id, tenant);
    return true;
  }

  async getTenant(tenantId: string): Promise<TenantRecord | undefined> {
    return this.tenants.get(tenantId);
  }

  async listTenants(query: PageQuery): Promise<Page<TenantRecord>> {
    const after = [...this.tenants.values()]
      .sort((a, b) => (a.id < b.id ? -1 : 1))
      .filter((t) => query.cursor === undefined || t.id > query.cursor);
    const items = after.slice(0, query.limit);
    return after.length > query.limit ? { items, nextCursor: items.at(-1)!.id } : { items };
  }

  async createApiToken(token: ApiTokenRecord): Promise<void> {
    this.tokens.push({ ...token });
  }

  async findApiTokenByHash(hash: string): Promise<ApiTokenRecord | undefined> {
    return this.tokens.find((t) => t.hash === hash);
  }

  async getApiToken(tenantId: string, tokenId: string): Promise<ApiTokenRecord | undefined> {
    return this.tokens.find((t) => t.tenantId === tenantId && t.id === tokenId);
  }

  /** One page holding every matching token: enough for the few a test makes. */
  async listApiTokens(tenantId: string, query: TokenListQuery): Promise<Page<ApiTokenRecord>> {
    const active = (t: ApiTokenRecord) => t.revokeTime === undefined && (t.expireTime === undefined || t.expireTime >= query.now);
    return { items: this.tokens.filter((t) => t.tenantId === tenantId && (query.includeInactive || active(t))).slice(0, query.limit) };
  }

  async revokeApiToken(tenantId: string, tokenId: string, time: Date): Promise<ApiTokenRecord | undefined> {
    const token = this.tokens.find((t) => t.tenantId === tenantId && t.id === tokenId);
    if (token && token.revokeTime === undefined) token.revokeTime = time;
    return token && { ...token };
  }
}
