/** The MetadataStore contract: tenant isolation across every aggregate. */
import { beforeEach, describe, expect, it } from "vitest";
import type { MetadataStore } from "../../../services/ports/metadata-store.js";
import { at, newTenantId, sealed, ref, newToken, auditEvent, type StoreContract } from "./fixtures.js";

export function describeTenantIsolationContract(contract: StoreContract): void {
  const { create } = contract;
  describe("tenant isolation", () => {
    let store: MetadataStore;
    beforeEach(() => {
      store = contract.store;
    });

    it("never lets one tenant see or change another's records, through any method", async () => {
      const owner = newTenantId();
      const intruder = newTenantId();
      const secret = await create(owner, "PRIVATE");
      await store.setConsumerReferences(owner, "svc", [ref("PRIVATE")], at(1));
      const token = newToken(owner, 1);
      await store.createApiToken(token);
      await store.appendAuditEvents([auditEvent(owner, 1)]);
      const before = await store.getSecret(owner, "private");
      const page = { limit: 100 };

      expect(await store.getSecret(intruder, "private")).toBeUndefined();
      expect(await store.getSecretsWithCiphertext(intruder, ["private"])).toEqual([]);
      expect((await store.listSecrets(intruder, { ...page, includeArchived: true })).items).toEqual([]);
      expect(await store.addSecretVersion(intruder, secret.id, sealed(2), 5)).toEqual({ outcome: "NOT_FOUND" });
      expect(await store.updateSecretMetadata(intruder, secret.id, undefined, { description: "x" }, at(2))).toEqual({
        outcome: "NOT_FOUND",
      });
      expect(await store.setSecretState(intruder, secret.id, undefined, "ARCHIVED", at(2))).toEqual({
        outcome: "NOT_FOUND",
      });
      expect(await store.deleteSecret(intruder, secret.id, undefined)).toEqual({ outcome: "NOT_FOUND" });
      expect((await store.listSecretVersions(intruder, secret.id, page)).items).toEqual([]);
      await store.recordSecretAccess(intruder, [secret.id], at(3));
      expect(await store.setConsumerReferences(intruder, "svc", [ref("PRIVATE")], at(2))).toEqual({
        outcome: "MISSING",
        nameKeys: ["private"],
      });
      expect(await store.deleteConsumer(intruder, "svc")).toBe(false);
      expect((await store.listSecretConsumers(intruder, "private", page)).items).toEqual([]);
      expect((await store.listApiTokens(intruder, { ...page, includeInactive: true, now: at(0) })).items).toEqual([]);
      expect(await store.revokeApiToken(intruder, token.id, at(2))).toBeUndefined();
      expect((await store.listAuditEvents(intruder, page)).items).toEqual([]);
      expect(await store.countCiphertextsBelow(intruder, 100)).toBe(0);
      expect(await store.listCiphertextsBelow(intruder, 100, 10)).toEqual([]);
      expect(await store.replaceCiphertext(intruder, secret.id, 1, 1, { ciphertext: Uint8Array.of(1), keyVersion: 2 })).toBe(false);

      // The owner's records are exactly as they were.
      expect(await store.getSecret(owner, "private")).toEqual(before);
      expect(await store.findApiTokenByHash(token.hash)).toEqual(token);
      expect((await store.listSecretConsumers(owner, "private", page)).items.map((c) => c.id)).toEqual(["svc"]);
      expect(await store.countCiphertextsBelow(owner, 100)).toBe(1);
      expect((await store.listAuditEvents(owner, page)).items).toHaveLength(1);

      // The same names and consumer ids are free in the other tenant.
      await create(intruder, "PRIVATE");
      await store.setConsumerReferences(intruder, "svc", [ref("PRIVATE")], at(2));
      expect((await store.getSecret(owner, "private"))?.usageCount).toBe(1);
      expect((await store.getSecret(intruder, "private"))?.usageCount).toBe(1);
    });
  });
}
