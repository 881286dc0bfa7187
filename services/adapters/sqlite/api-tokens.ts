/** The `api_tokens` table: hashes only, never a token. */
import type { ApiTokenRecord, ApiTokenStore, TokenListQuery } from "../../ports/api-token-store.js";
import type { Page } from "../../ports/pages.js";
import { checkLimit, decodeTimeIdCursor, encodeTimeIdCursor, toPage } from "../keyset-pages.js";
import type { SqliteConnection } from "./connection.js";
import { toApiToken } from "./rows.js";

export function sqliteApiTokens(db: SqliteConnection): ApiTokenStore {
  const { sql } = db;
  return {
    async createApiToken(token: ApiTokenRecord): Promise<void> {
      await db.write(() =>
        sql.insertApiToken.run({
          tenantId: token.tenantId,
          id: token.id,
          hash: token.hash,
          displayName: token.displayName,
          role: token.role,
          allowedSecretPatterns: JSON.stringify(token.allowedSecretPatterns),
          allowedConsumerPatterns: token.allowedConsumerPatterns ? JSON.stringify(token.allowedConsumerPatterns) : null,
          createTime: token.createTime.getTime(),
          expireTime: token.expireTime?.getTime() ?? null,
          revokeTime: token.revokeTime?.getTime() ?? null,
          createdBy: token.createdBy,
          identityMac: token.macs?.identity ?? null,
          revocationMac: token.macs?.revocation ?? null,
        }),
      );
    },

    async findApiTokenByHash(hash: string): Promise<ApiTokenRecord | undefined> {
      return db.run(() => {
        const row = sql.apiTokenByHash.get({ hash });
        return row && toApiToken(row);
      });
    },

    async getApiToken(tenantId: string, tokenId: string): Promise<ApiTokenRecord | undefined> {
      return db.run(() => {
        const row = sql.apiTokenById.get({ tenantId, tokenId });
        return row && toApiToken(row);
      });
    },

    async listApiTokens(tenantId: string, query: TokenListQuery): Promise<Page<ApiTokenRecord>> {
      const limit = checkLimit(query.limit);
      const after = query.cursor === undefined ? { time: Number.MIN_SAFE_INTEGER, id: "" } : decodeTimeIdCursor(query.cursor);
      const rows = db.run(() =>
        sql.listApiTokens.all({
          tenantId,
          afterTime: after.time,
          afterId: after.id,
          includeInactive: query.includeInactive ? 1 : 0,
          now: query.now.getTime(),
          limit: limit + 1,
        }),
      );
      return toPage(rows.map(toApiToken), limit, (token) => encodeTimeIdCursor(token.createTime.getTime(), token.id));
    },

    async revokeApiToken(tenantId: string, tokenId: string, time: Date, revocationMac?: string): Promise<ApiTokenRecord | undefined> {
      return db.transact(() => {
        sql.revokeApiToken.run({ tenantId, tokenId, time: time.getTime(), revocationMac: revocationMac ?? null });
        const row = sql.apiTokenById.get({ tenantId, tokenId });
        return row && toApiToken(row);
      });
    },
  };
}
