/** The MetadataStore contract: stored ciphertexts by key version, for key rotation. */
import { beforeEach, describe, expect, it } from "vitest";
import type { MetadataStore } from "../../../services/ports/metadata-store.js";
import { expectSameBytes } from "../cipher.contract.js";
import { StaleKeyVersionError } from "../../../services/ports/rewrap-store.js";
import { at, newTenantId, newSecret, sealed, type StoreContract } from "./fixtures.js";

export function describeKeyRotationContract(contract: StoreContract): void {
  describe("key rotation", () => {
    let store: MetadataStore;
    beforeEach(() => {
      store = contract.store;
    });

    it("counts, lists and replaces retained ciphertexts below a key version", async () => {
      const tenant = newTenantId();
      const one = await store.createSecret(newSecret(tenant, "ONE"), sealed(1, 1));
      const two = await store.createSecret(newSecret(tenant, "TWO"), sealed(1, 2));
      await store.addSecretVersion(tenant, two!.id, sealed(2, 1), 5);
      await store.createSecret(newSecret(tenant, "THREE"), sealed(1, 3));
      await store.createSecret(newSecret(newTenantId(), "ONE"), sealed(1, 1));

      expect(await store.countCiphertextsBelow(tenant, 3)).toBe(3);
      expect(await store.countCiphertextsBelow(tenant, 2)).toBe(2);
      const below = await store.listCiphertextsBelow(tenant, 3, 10);
      expect(below.map((c) => `${c.nameKey}/${c.secretId}@${c.version}:k${c.keyVersion}`).sort()).toEqual(
        [`one/${one!.id}@1:k1`, `two/${two!.id}@1:k2`, `two/${two!.id}@2:k1`].sort(),
      );
      expect(await store.listCiphertextsBelow(tenant, 3, 2)).toHaveLength(2);

      const target = below.find((c) => c.secretId === two!.id && c.version === 2)!;
      const rewrapped = { ciphertext: Uint8Array.from([9, 0, 9]), keyVersion: 3 };
      // The guard: only a ciphertext still sealed with fromKeyVersion is replaced.
      expect(await store.replaceCiphertext(tenant, two!.id, 2, 2, rewrapped)).toBe(false);
      expect(await store.replaceCiphertext(tenant, two!.id, 2, 1, rewrapped)).toBe(true);
      expect(await store.replaceCiphertext(tenant, two!.id, 2, 1, rewrapped)).toBe(false);
      expect(await store.replaceCiphertext(tenant, two!.id, 9, 1, rewrapped)).toBe(false);
      expect(target.keyVersion).toBe(1);

      const [current] = await store.getSecretsWithCiphertext(tenant, ["two"]);
      expect(current?.keyVersion).toBe(3);
      expectSameBytes(current?.ciphertext, rewrapped.ciphertext);
      // A rewrap changes no value: same version and revision.
      expect(current?.secret).toMatchObject({ version: 2, revision: 2 });
      expect(await store.countCiphertextsBelow(tenant, 3)).toBe(2);
    });

    it("refuses writes sealed below the tenant's minimum accepted key version once raised, and never lowers it", async () => {
      const tenant = newTenantId();
      await store.createTenant({ id: tenant, displayName: "", createTime: at(0) });
      const secret = await store.createSecret(newSecret(tenant, "S"), sealed(1, 1));
      await store.raiseMinKeyVersion(tenant, 3);
      await store.raiseMinKeyVersion(tenant, 2);
      await expect(store.addSecretVersion(tenant, secret!.id, sealed(2, 2), 5)).rejects.toBeInstanceOf(StaleKeyVersionError);
      await expect(store.createSecret(newSecret(tenant, "T"), sealed(1, 2))).rejects.toMatchObject({ keyVersion: 2, minKeyVersion: 3 });
      // Nothing was written by a refused write.
      expect(await store.getSecret(tenant, "t")).toBeUndefined();
      expect((await store.getSecret(tenant, "s"))?.version).toBe(1);
      expect((await store.addSecretVersion(tenant, secret!.id, sealed(2, 3), 5)).outcome).toBe("OK");
      expect(await store.createSecret(newSecret(tenant, "T"), sealed(1, 4))).toBeDefined();
      // Other tenants are untouched.
      const other = newTenantId();
      await store.createTenant({ id: other, displayName: "", createTime: at(0) });
      expect(await store.createSecret(newSecret(other, "S"), sealed(1, 1))).toBeDefined();
    });

    it("does not list or replace pruned ciphertexts", async () => {
      const tenant = newTenantId();
      const secret = await store.createSecret(newSecret(tenant, "P"), sealed(1, 1));
      await store.addSecretVersion(tenant, secret!.id, sealed(2, 2), 1);
      expect(await store.listCiphertextsBelow(tenant, 2, 10)).toEqual([]);
      expect(await store.replaceCiphertext(tenant, secret!.id, 1, 1, { ciphertext: Uint8Array.of(1), keyVersion: 2 })).toBe(false);
      const versions = await store.listSecretVersions(tenant, secret!.id, { limit: 5 });
      expect(versions.items.find((v) => v.version === 1)).toMatchObject({ valueRetained: false, keyVersion: 0 });
    });
  });
}
