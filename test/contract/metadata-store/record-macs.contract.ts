/** The MetadataStore contract: record MACs, kept exactly as the service gives them. */
import { beforeEach, describe, expect, it } from "vitest";
import type { MetadataStore } from "../../../services/ports/metadata-store.js";
import { at, newTenantId, newSecret, sealed, newToken, type StoreContract } from "./fixtures.js";

export function describeRecordMacsContract(contract: StoreContract): void {
  describe("record MACs (made by the service, kept as given)", () => {
    let store: MetadataStore;
    beforeEach(() => {
      store = contract.store;
    });

    const macs = (tag: string) => ({ identity: `id-${tag}`, state: `st-${tag}`, version: `v-${tag}` });

    it("keeps a tenant's MAC", async () => {
      const tenant = { id: newTenantId(), displayName: "Acme", createTime: at(5), mac: "tenant-mac" };
      expect(await store.createTenant(tenant)).toBe(true);
      expect(await store.getTenant(tenant.id)).toEqual(tenant);
    });

    it("keeps a secret's MACs, each replaced only with the field it covers", async () => {
      const tenant = newTenantId();
      const created = await store.createSecret(newSecret(tenant, "MACED", { macs: macs("1") }), sealed(1));
      expect(created?.macs).toEqual(macs("1"));
      const id = created!.id;
      const read = async () => (await store.getSecret(tenant, "maced"))?.macs;

      const added = await store.addSecretVersion(tenant, id, { ...sealed(2), currentVersionMac: "v-2" }, 5);
      expect(added.outcome === "OK" && added.value.macs).toEqual({ ...macs("1"), version: "v-2" });
      // A refused write changes no MAC.
      await store.addSecretVersion(tenant, id, { ...sealed(2), currentVersionMac: "v-lost" }, 5);
      expect(await read()).toEqual({ ...macs("1"), version: "v-2" });

      await store.setSecretState(tenant, id, undefined, "ARCHIVED", at(9), "st-archived");
      await store.updateSecretMetadata(tenant, id, undefined, { displayName: "changed" }, at(10));
      await store.recordSecretAccess(tenant, [id], at(11));
      expect(await read()).toEqual({ identity: "id-1", state: "st-archived", version: "v-2" });
      const [withCiphertext] = await store.getSecretsWithCiphertext(tenant, ["maced"]);
      expect(withCiphertext?.secret.macs).toEqual({ identity: "id-1", state: "st-archived", version: "v-2" });
      expect((await store.listSecrets(tenant, { limit: 5, includeArchived: true })).items[0]?.macs).toEqual(withCiphertext?.secret.macs);
    });

    it("keeps a token's MACs, and the first revocation's MAC with its time", async () => {
      const tenant = newTenantId();
      const token = newToken(tenant, 0, { macs: { identity: "tok-id", revocation: "not-revoked" } });
      await store.createApiToken(token);
      expect((await store.findApiTokenByHash(token.hash))?.macs).toEqual(token.macs);
      const revoked = await store.revokeApiToken(tenant, token.id, at(50), "revoked-at-50");
      expect(revoked).toMatchObject({ revokeTime: at(50), macs: { identity: "tok-id", revocation: "revoked-at-50" } });
      const again = await store.revokeApiToken(tenant, token.id, at(60), "revoked-at-60");
      expect(again).toMatchObject({ revokeTime: at(50), macs: { identity: "tok-id", revocation: "revoked-at-50" } });
      const listed = await store.listApiTokens(tenant, { limit: 5, includeInactive: true, now: at(0) });
      expect(listed.items[0]?.macs).toEqual(again?.macs);
    });
  });
}
