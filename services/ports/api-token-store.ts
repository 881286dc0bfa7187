/** API tokens, stored as hashes only; the token itself is shown once and never kept. */
import type { Role } from "../domain/permissions.js";
import type { Page, PageQuery } from "./pages.js";

/** MACs over an API token's authority fields. */
export interface ApiTokenMacs {
  /** Over tenant, id, hash, role, allowed patterns and expiry (immutable). */
  identity: string;
  /** Over tenant, id and revoke time (or its absence). */
  revocation: string;
}

export interface ApiTokenRecord {
  tenantId: string;
  id: string;
  /** Hex SHA-256 of the whole bearer token. The token itself is never stored. */
  hash: string;
  displayName: string;
  role: Role;
  allowedSecretPatterns: string[];
  /** Consumer ids a workload may register (globs); absent on tokens made without. */
  allowedConsumerPatterns?: string[];
  createTime: Date;
  expireTime?: Date;
  revokeTime?: Date;
  /** Token id of the creator; empty for the bootstrap token. */
  createdBy: string;
  macs?: ApiTokenMacs;
}

export interface TokenListQuery extends PageQuery {
  includeInactive: boolean;
  /** Tokens expired before this are inactive. */
  now: Date;
}

export interface ApiTokenStore {
  createApiToken(token: ApiTokenRecord): Promise<void>;
  /** Looks up across tenants: authentication starts from the token alone. */
  findApiTokenByHash(hash: string): Promise<ApiTokenRecord | undefined>;
  /** One token of the tenant by id, revoked or expired too. */
  getApiToken(tenantId: string, tokenId: string): Promise<ApiTokenRecord | undefined>;
  /** Ordered by creation (oldest first). */
  listApiTokens(tenantId: string, query: TokenListQuery): Promise<Page<ApiTokenRecord>>;
  /**
   * Returns the token as revoked (revoking twice keeps the first time and its
   * MAC), undefined if unknown. `revocationMac` is stored with the time.
   */
  revokeApiToken(tenantId: string, tokenId: string, time: Date, revocationMac?: string): Promise<ApiTokenRecord | undefined>;
}
