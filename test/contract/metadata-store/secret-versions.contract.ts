/** The MetadataStore contract: secret versions: check-and-set, bounded history, paging. */
import { randomUUID } from "node:crypto";
import { beforeEach, describe, expect, it } from "vitest";
import type { MetadataStore } from "../../../services/ports/metadata-store.js";
import { expectSameBytes } from "../cipher.contract.js";
import { at, newTenantId, sealed, allPages, type StoreContract } from "./fixtures.js";

export function describeSecretVersionsContract(contract: StoreContract): void {
  const { create } = contract;
  describe("secret versions", () => {
    let store: MetadataStore;
    beforeEach(() => {
      store = contract.store;
    });

    it("adds a version only on top of the expected current one", async () => {
      const tenant = newTenantId();
      const secret = await create(tenant, "ROTATED");
      const version2 = sealed(2);
      const added = await store.addSecretVersion(tenant, secret.id, version2, 10);
      expect(added).toEqual({
        outcome: "OK",
        value: { ...secret, version: 2, revision: 2, updateTime: version2.createTime },
      });

      const stale = await store.addSecretVersion(tenant, secret.id, sealed(2), 10);
      expect(stale.outcome).toBe("CONFLICT");
      expect(stale.outcome === "CONFLICT" && stale.current).toEqual(added.outcome === "OK" && added.value);
      const skipping = await store.addSecretVersion(tenant, secret.id, sealed(4), 10);
      expect(skipping.outcome).toBe("CONFLICT");

      const [current] = await store.getSecretsWithCiphertext(tenant, ["rotated"]);
      expect(current?.secret.version).toBe(2);
      expectSameBytes(current?.ciphertext, version2.ciphertext);
      expect(await store.addSecretVersion(tenant, `s-${randomUUID()}`, sealed(2), 10)).toEqual({
        outcome: "NOT_FOUND",
      });
    });

    it("lets exactly one of many concurrent writers of the same version win", async () => {
      const tenant = newTenantId();
      const secret = await create(tenant, "CONTENDED");
      const results = await Promise.all(Array.from({ length: 20 }, () => store.addSecretVersion(tenant, secret.id, sealed(2), 10)));
      expect(results.filter((r) => r.outcome === "OK")).toHaveLength(1);
      for (const result of results.filter((r) => r.outcome !== "OK")) {
        expect(result.outcome).toBe("CONFLICT");
        expect(result.outcome === "CONFLICT" && result.current.version).toBe(2);
      }
      const versions = await store.listSecretVersions(tenant, secret.id, { limit: 10 });
      expect(versions.items.map((v) => v.version)).toEqual([2, 1]);
    });

    it("prunes ciphertexts beyond keepVersions and keeps every version's metadata", async () => {
      const tenant = newTenantId();
      const secret = await create(tenant, "PRUNED");
      for (let version = 2; version <= 5; version++)
        expect((await store.addSecretVersion(tenant, secret.id, sealed(version, version), 2)).outcome).toBe("OK");

      const versions = await store.listSecretVersions(tenant, secret.id, { limit: 10 });
      expect(versions.items).toEqual(
        [5, 4, 3, 2, 1].map((version) => ({
          version,
          createTime: at(version * 1000),
          createdBy: "tok-writer",
          valueRetained: version >= 4,
          keyVersion: version >= 4 ? version : 0,
        })),
      );
      // Only retained ciphertexts are left to rewrap.
      expect(await store.countCiphertextsBelow(tenant, 100)).toBe(2);
      const [current] = await store.getSecretsWithCiphertext(tenant, ["pruned"]);
      expect(current?.keyVersion).toBe(5);
    });

    it("gets one version with its ciphertext while retained, and its metadata only once pruned", async () => {
      const tenant = newTenantId();
      const secret = await create(tenant, "ONE_VERSION");
      const version2 = sealed(2, 2);
      await store.addSecretVersion(tenant, secret.id, version2, 2);
      const retained = await store.getSecretVersion(tenant, secret.id, 2);
      expect(retained).toMatchObject({ version: 2, valueRetained: true, keyVersion: 2 });
      expectSameBytes(retained?.ciphertext?.ciphertext, version2.ciphertext);
      expect(retained?.ciphertext?.keyVersion).toBe(2);

      await store.addSecretVersion(tenant, secret.id, sealed(3, 3), 2);
      await store.addSecretVersion(tenant, secret.id, sealed(4, 4), 2);
      const pruned = await store.getSecretVersion(tenant, secret.id, 2);
      expect(pruned).toMatchObject({ version: 2, valueRetained: false });
      expect(pruned?.ciphertext).toBeUndefined();
      expect(await store.getSecretVersion(tenant, secret.id, 9)).toBeUndefined();
      expect(await store.getSecretVersion(newTenantId(), secret.id, 4)).toBeUndefined();
    });

    it("pages versions newest first, each exactly once", async () => {
      const tenant = newTenantId();
      const secret = await create(tenant, "MANY_VERSIONS");
      for (let version = 2; version <= 9; version++) await store.addSecretVersion(tenant, secret.id, sealed(version), 100);
      for (const limit of [1, 2, 4, 20]) {
        const versions = await allPages(limit, (cursor) => store.listSecretVersions(tenant, secret.id, { limit, cursor }));
        expect(versions.map((v) => v.version)).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1]);
      }
      expect((await store.listSecretVersions(tenant, `s-${randomUUID()}`, { limit: 5 })).items).toEqual([]);
    });
  });
}
