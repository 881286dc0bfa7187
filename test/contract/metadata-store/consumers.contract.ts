/** The MetadataStore contract: consumers, their references, and usage. */
import { beforeEach, describe, expect, it } from "vitest";
import type { MetadataStore } from "../../../services/ports/metadata-store.js";
import { at, newTenantId, ref, allPages, type StoreContract } from "./fixtures.js";

export function describeConsumersContract(contract: StoreContract): void {
  const { create } = contract;
  describe("consumers and usage", () => {
    let store: MetadataStore;
    beforeEach(() => {
      store = contract.store;
    });

    it("counts distinct consumers per secret and replaces a consumer's set atomically", async () => {
      const tenant = newTenantId();
      await create(tenant, "DB");
      await create(tenant, "API_KEY");
      const set = await store.setConsumerReferences(
        tenant,
        "svc/a",
        [ref("DB", ".username"), ref("db", ".password"), ref("API_KEY")],
        at(10),
      );
      expect(set).toEqual({
        outcome: "OK",
        consumer: {
          tenantId: tenant,
          id: "svc/a",
          references: [ref("DB", ".username"), ref("db", ".password"), ref("API_KEY")],
          updateTime: at(10),
        },
      });
      await store.setConsumerReferences(tenant, "svc/b", [ref("DB")], at(11));
      expect((await store.getSecret(tenant, "db"))?.usageCount).toBe(2);
      expect((await store.getSecret(tenant, "api_key"))?.usageCount).toBe(1);

      await store.setConsumerReferences(tenant, "svc/a", [ref("API_KEY")], at(12));
      expect((await store.getSecret(tenant, "db"))?.usageCount).toBe(1);
      const listed = await store.listSecrets(tenant, { limit: 10, includeArchived: false });
      expect(listed.items.map((s) => [s.nameKey, s.usageCount])).toEqual([
        ["api_key", 1],
        ["db", 1],
      ]);
      const [withCiphertext] = await store.getSecretsWithCiphertext(tenant, ["db"]);
      expect(withCiphertext?.secret.usageCount).toBe(1);
    });

    it("gets one consumer with all its references in order, and nothing across tenants", async () => {
      const tenant = newTenantId();
      await create(tenant, "DB");
      await create(tenant, "API_KEY");
      await store.setConsumerReferences(tenant, "svc/a", [ref("API_KEY"), ref("DB", ".password")], at(10));
      expect(await store.getConsumer(tenant, "svc/a")).toEqual({
        tenantId: tenant,
        id: "svc/a",
        references: [ref("API_KEY"), ref("DB", ".password")],
        updateTime: at(10),
      });
      expect(await store.getConsumer(tenant, "svc/missing")).toBeUndefined();
      expect(await store.getConsumer(newTenantId(), "svc/a")).toBeUndefined();
      await store.deleteConsumer(tenant, "svc/a");
      expect(await store.getConsumer(tenant, "svc/a")).toBeUndefined();
    });

    it("refuses references to missing secrets, naming them sorted, and writes nothing", async () => {
      const tenant = newTenantId();
      await create(tenant, "DB");
      const archived = await create(tenant, "OLD");
      await store.setSecretState(tenant, archived.id, undefined, "ARCHIVED", at(1));
      await store.setConsumerReferences(tenant, "svc", [ref("DB")], at(10));

      const refused = await store.setConsumerReferences(tenant, "svc", [ref("ZED"), ref("OLD"), ref("alpha"), ref("ZED", ".x")], at(20));
      expect(refused).toEqual({ outcome: "MISSING", nameKeys: ["alpha", "zed"] });
      const consumers = await store.listSecretConsumers(tenant, "db", { limit: 10 });
      expect(consumers.items).toEqual([{ tenantId: tenant, id: "svc", references: [ref("DB")], updateTime: at(10) }]);
      expect((await store.getSecret(tenant, "old"))?.usageCount).toBe(0);

      // An archived secret still exists: it may be referenced.
      expect((await store.setConsumerReferences(tenant, "svc", [ref("OLD")], at(30))).outcome).toBe("OK");
    });

    it("keeps a consumer's owner, changing it only from the expected one", async () => {
      const tenant = newTenantId();
      await create(tenant, "DB");
      const owner = (tokenId: string) => ({ owner: { tokenId, mac: `mac-${tokenId}` } });
      const first = await store.setConsumerReferences(tenant, "svc", [ref("DB")], at(1), { ...owner("t1"), expectedOwnerTokenId: null });
      expect(first.outcome === "OK" && first.consumer.owner).toEqual({ tokenId: "t1", mac: "mac-t1" });
      // Someone registered it meanwhile: expecting none (or another owner) writes nothing.
      expect(await store.setConsumerReferences(tenant, "svc", [], at(2), { ...owner("t2"), expectedOwnerTokenId: null })).toEqual({
        outcome: "OWNER_CHANGED",
      });
      const wrongOwner = await store.setConsumerReferences(tenant, "svc", [], at(2), { ...owner("t2"), expectedOwnerTokenId: "t9" });
      expect(wrongOwner.outcome).toBe("OWNER_CHANGED");
      // Without ownership, the owner stays.
      await store.setConsumerReferences(tenant, "svc", [ref("DB", ".x")], at(3));
      expect((await store.getConsumer(tenant, "svc"))?.owner).toEqual({ tokenId: "t1", mac: "mac-t1" });
      const taken = await store.setConsumerReferences(tenant, "svc", [ref("DB")], at(4), { ...owner("t2"), expectedOwnerTokenId: "t1" });
      expect(taken.outcome).toBe("OK");
      expect((await store.listSecretConsumers(tenant, "db", { limit: 10 })).items[0]?.owner).toEqual({ tokenId: "t2", mac: "mac-t2" });

      const reassigned = await store.setConsumerOwner(tenant, "svc", { tokenId: "t3", mac: "mac-t3" }, at(5));
      expect(reassigned?.owner).toEqual({ tokenId: "t3", mac: "mac-t3" });
      expect(await store.setConsumerOwner(tenant, "missing", { tokenId: "t3" }, at(5))).toBeUndefined();
      // A consumer without owner (an earlier release's) is expected as "".
      await store.setConsumerReferences(tenant, "legacy", [ref("DB")], at(6));
      expect((await store.getConsumer(tenant, "legacy"))?.owner).toBeUndefined();
      const claimed = await store.setConsumerReferences(tenant, "legacy", [ref("DB")], at(7), { ...owner("t4"), expectedOwnerTokenId: "" });
      expect(claimed.outcome).toBe("OK");

      // A delete expecting an owner deletes nothing once another holds it.
      expect(await store.deleteConsumer(tenant, "svc", "t2")).toBe(false);
      expect(await store.getConsumer(tenant, "svc")).toBeDefined();
      expect(await store.deleteConsumer(tenant, "svc", "t3")).toBe(true);
      await store.setConsumerReferences(tenant, "unowned", [ref("DB")], at(8));
      expect(await store.deleteConsumer(tenant, "unowned", "t3")).toBe(false);
      expect(await store.deleteConsumer(tenant, "unowned", "")).toBe(true);
    });

    it("deletes a consumer by an empty set or by id", async () => {
      const tenant = newTenantId();
      await create(tenant, "DB");
      await store.setConsumerReferences(tenant, "one", [ref("DB")], at(1));
      await store.setConsumerReferences(tenant, "two", [ref("DB")], at(1));

      const emptied = await store.setConsumerReferences(tenant, "one", [], at(2));
      expect(emptied.outcome).toBe("OK");
      expect(emptied.outcome === "OK" && emptied.consumer.references).toEqual([]);
      expect(await store.deleteConsumer(tenant, "one")).toBe(false);
      expect(await store.deleteConsumer(tenant, "two")).toBe(true);
      expect(await store.deleteConsumer(tenant, "two")).toBe(false);
      expect((await store.getSecret(tenant, "db"))?.usageCount).toBe(0);
      expect((await store.listSecretConsumers(tenant, "db", { limit: 10 })).items).toEqual([]);
    });

    it("lists a secret's consumers by id with only their references to it, each exactly once", async () => {
      const tenant = newTenantId();
      await create(tenant, "DB");
      await create(tenant, "OTHER");
      const ids = Array.from({ length: 9 }, (_, i) => `consumer-${i}`).reverse();
      for (const id of ids) await store.setConsumerReferences(tenant, id, [ref("OTHER"), ref("DB", ".user"), ref("DB", ".pass")], at(3));
      await store.setConsumerReferences(tenant, "only-other", [ref("OTHER")], at(3));

      for (const limit of [1, 2, 4, 50]) {
        const consumers = await allPages(limit, (cursor) => store.listSecretConsumers(tenant, "db", { limit, cursor }));
        expect(consumers.map((c) => c.id)).toEqual([...ids].sort());
        for (const consumer of consumers) {
          expect(consumer.tenantId).toBe(tenant);
          expect(consumer.updateTime).toEqual(at(3));
          expect(consumer.references).toEqual([ref("DB", ".user"), ref("DB", ".pass")]);
        }
      }
    });

    it("refuses to delete a referenced secret, naming at most 100 consumers sorted, with the total", async () => {
      const tenant = newTenantId();
      const secret = await create(tenant, "SHARED");
      const ids = Array.from({ length: 105 }, (_, i) => `c-${String(i).padStart(3, "0")}`);
      for (const id of [...ids].reverse()) await store.setConsumerReferences(tenant, id, [ref("SHARED")], at(1));

      expect(await store.deleteSecret(tenant, secret.id, undefined)).toEqual({
        outcome: "IN_USE",
        consumerIds: ids.slice(0, 100),
        usageCount: 105,
      });
      expect(await store.getSecret(tenant, "shared")).toBeDefined();

      for (const id of ids) await store.deleteConsumer(tenant, id);
      expect((await store.deleteSecret(tenant, secret.id, undefined)).outcome).toBe("DELETED");
    });

    it("never leaves a reference to a deleted secret when deletes race references", async () => {
      const tenant = newTenantId();
      const secrets = await Promise.all(Array.from({ length: 12 }, (_, i) => create(tenant, `RACE_${i}`)));
      type Attempt =
        | { kind: "delete"; secret: number; run: () => ReturnType<MetadataStore["deleteSecret"]> }
        | { kind: "reference"; secret: number; run: () => ReturnType<MetadataStore["setConsumerReferences"]> };
      const attempts: Attempt[] = [];
      secrets.forEach((secret, index) => {
        for (let n = 0; n < 3; n++)
          attempts.push({ kind: "delete", secret: index, run: () => store.deleteSecret(tenant, secret.id, undefined) });
        for (let n = 0; n < 4; n++)
          attempts.push({
            kind: "reference",
            secret: index,
            run: () => store.setConsumerReferences(tenant, `consumer-${index}-${n}`, [ref(secret.name)], at(1)),
          });
      });
      // Interleave: a fixed shuffle, so a failure can be replayed.
      let seed = 7;
      for (let i = attempts.length - 1; i > 0; i--) {
        seed = (seed * 48271) % 2147483647;
        const j = seed % (i + 1);
        [attempts[i], attempts[j]] = [attempts[j]!, attempts[i]!];
      }
      const outcomes = await Promise.all(attempts.map(async (attempt) => ({ attempt, result: await attempt.run() })));

      for (const [index, secret] of secrets.entries()) {
        const mine = outcomes.filter((o) => o.attempt.secret === index);
        const deleted = mine.filter((o) => o.result.outcome === "DELETED").length;
        const referenced = mine.filter((o) => o.attempt.kind === "reference" && o.result.outcome === "OK").length;
        const stillThere = await store.getSecret(tenant, secret.nameKey);
        const consumers = await store.listSecretConsumers(tenant, secret.nameKey, { limit: 100 });
        if (deleted > 0) {
          // Whoever came after the delete saw it; nobody referenced it before.
          expect(deleted, secret.name).toBe(1);
          expect(referenced, secret.name).toBe(0);
          expect(stillThere).toBeUndefined();
          expect(consumers.items).toEqual([]);
        } else {
          expect(stillThere?.usageCount, secret.name).toBe(referenced);
          expect(consumers.items).toHaveLength(referenced);
        }
        for (const { attempt, result } of mine) {
          if (attempt.kind === "reference") expect(["OK", "MISSING"]).toContain(result.outcome);
          else expect(["DELETED", "IN_USE", "NOT_FOUND"]).toContain(result.outcome);
        }
      }
    });
  });
}
