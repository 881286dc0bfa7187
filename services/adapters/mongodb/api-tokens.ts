/** The `api_tokens` collection: hashes only, never a token. */
import type { ApiTokenRecord, ApiTokenStore, TokenListQuery } from "../../ports/api-token-store.js";
import type { Page } from "../../ports/pages.js";
import { checkLimit, encodeTimeIdCursor, toPage } from "../keyset-pages.js";
import type { MongoConnection } from "./mongo-connection.js";
import { toApiTokenRecord, tokenListFilter } from "./mongo-documents.js";

export function mongoApiTokens(db: MongoConnection): ApiTokenStore {
  const { tokens } = db;
  return {
    async createApiToken(token: ApiTokenRecord): Promise<void> {
      await db.run(() => tokens.insertOne({ ...token }));
    },

    async findApiTokenByHash(hash: string): Promise<ApiTokenRecord | undefined> {
      const doc = await db.run(() => tokens.findOne({ hash }));
      return doc ? toApiTokenRecord(doc) : undefined;
    },

    async getApiToken(tenantId: string, tokenId: string): Promise<ApiTokenRecord | undefined> {
      const doc = await db.run(() => tokens.findOne({ tenantId, id: tokenId }));
      return doc ? toApiTokenRecord(doc) : undefined;
    },

    async listApiTokens(tenantId: string, query: TokenListQuery): Promise<Page<ApiTokenRecord>> {
      const limit = checkLimit(query.limit);
      const docs = await db.run(() =>
        tokens
          .find(tokenListFilter(tenantId, query))
          .sort({ createTime: 1, id: 1 })
          .limit(limit + 1)
          .toArray(),
      );
      return toPage(docs.map(toApiTokenRecord), limit, (token) => encodeTimeIdCursor(token.createTime.getTime(), token.id));
    },

    async revokeApiToken(tenantId: string, tokenId: string, time: Date, revocationMac?: string): Promise<ApiTokenRecord | undefined> {
      return db.run(async () => {
        // Revoking twice keeps the first time, and its MAC.
        const revoked = await tokens.findOneAndUpdate(
          { tenantId, id: tokenId, revokeTime: { $exists: false } },
          { $set: { revokeTime: time, ...(revocationMac !== undefined && { "macs.revocation": revocationMac }) } },
          { returnDocument: "after" },
        );
        const doc = revoked ?? (await tokens.findOne({ tenantId, id: tokenId }));
        return doc ? toApiTokenRecord(doc) : undefined;
      });
    },
  };
}
