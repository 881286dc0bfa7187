/** The MetadataStore contract: API tokens. */
import { randomBytes, randomUUID } from "node:crypto";
import { beforeEach, describe, expect, it } from "vitest";
import type { MetadataStore } from "../../../services/ports/metadata-store.js";
import { at, newTenantId, newToken, allPages, type StoreContract } from "./fixtures.js";

export function describeApiTokensContract(contract: StoreContract): void {
  describe("API tokens", () => {
    let store: MetadataStore;
    beforeEach(() => {
      store = contract.store;
    });

    it("finds a token by its hash alone, across tenants", async () => {
      const tenant = newTenantId();
      const token = newToken(tenant, 1, { expireTime: at(9_000), role: "WORKLOAD" });
      await store.createApiToken(token);
      await store.createApiToken(newToken(newTenantId(), 1));
      expect(await store.findApiTokenByHash(token.hash)).toEqual(token);
      expect(await store.findApiTokenByHash(randomBytes(32).toString("hex"))).toBeUndefined();
      await expect(store.createApiToken(newToken(tenant, 2, { hash: token.hash }))).rejects.toThrow();
    });

    it("gets one token of its tenant by id, revoked too, and none of another tenant's", async () => {
      const tenant = newTenantId();
      const token = newToken(tenant, 1, { revokeTime: at(10) });
      await store.createApiToken(token);
      expect(await store.getApiToken(tenant, token.id)).toEqual(token);
      expect(await store.getApiToken(newTenantId(), token.id)).toBeUndefined();
      expect(await store.getApiToken(tenant, `tok-${randomUUID()}`)).toBeUndefined();
    });

    it("lists tokens oldest first, paginated, hiding revoked and expired ones unless asked", async () => {
      const tenant = newTenantId();
      const now = at(100_000);
      const tokens = [
        newToken(tenant, 5),
        newToken(tenant, 1, { expireTime: at(50_000) }), // expired
        newToken(tenant, 3, { expireTime: at(200_000) }),
        newToken(tenant, 3), // same creation time: ordered by id
        newToken(tenant, 4, { revokeTime: at(10) }), // revoked
        newToken(tenant, 2),
      ];
      for (const token of tokens) await store.createApiToken(token);
      await store.createApiToken(newToken(newTenantId(), 0));
      const oldestFirst = [...tokens].sort((a, b) => a.createTime.getTime() - b.createTime.getTime() || (a.id < b.id ? -1 : 1));
      const active = oldestFirst.filter((t) => t.revokeTime === undefined && t !== tokens[1]);

      for (const limit of [1, 2, 10]) {
        const all = await allPages(limit, (cursor) => store.listApiTokens(tenant, { limit, cursor, includeInactive: true, now }));
        expect(all).toEqual(oldestFirst);
        const onlyActive = await allPages(limit, (cursor) => store.listApiTokens(tenant, { limit, cursor, includeInactive: false, now }));
        expect(onlyActive).toEqual(active);
      }
    });

    it("revokes once: revoking again keeps the first time", async () => {
      const tenant = newTenantId();
      const token = newToken(tenant, 1);
      await store.createApiToken(token);
      expect(await store.revokeApiToken(tenant, token.id, at(10))).toEqual({ ...token, revokeTime: at(10) });
      expect(await store.revokeApiToken(tenant, token.id, at(20))).toEqual({ ...token, revokeTime: at(10) });
      expect(await store.findApiTokenByHash(token.hash)).toEqual({ ...token, revokeTime: at(10) });
      expect(await store.revokeApiToken(tenant, `tok-${randomUUID()}`, at(10))).toBeUndefined();
    });
  });
}
