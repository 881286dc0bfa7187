/** The MetadataStore contract: the change feed. */
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { MetadataStore, SecretChangeEvent, SecretRecord } from "../../../services/ports/metadata-store.js";
import { at, newTenantId, newSecret, sealed, ref, type StoreContract } from "./fixtures.js";

export function describeChangeFeedContract(contract: StoreContract): void {
  const { create, recordChanges } = contract;
  describe("change feed", () => {
    let store: MetadataStore;
    beforeEach(() => {
      store = contract.store;
    });

    it("reports each committed change once, in order, and nothing for refused ones", async () => {
      const tenant = newTenantId();
      const feed = recordChanges(tenant);
      const secret = await create(tenant, "Watched", { createTime: at(1) });
      await store.createSecret(newSecret(tenant, "WATCHED"), sealed(1)); // taken
      await store.addSecretVersion(tenant, secret.id, sealed(2), 5);
      await store.addSecretVersion(tenant, secret.id, sealed(2), 5); // conflict
      await store.updateSecretMetadata(tenant, secret.id, undefined, { description: "x" }, at(2500));
      await store.setSecretState(tenant, secret.id, undefined, "ARCHIVED", at(3000));
      await store.setSecretState(tenant, secret.id, undefined, "ARCHIVED", at(3100)); // no change
      await store.setSecretState(tenant, secret.id, 1, "ACTIVE", at(3200)); // conflict
      await store.setSecretState(tenant, secret.id, undefined, "ACTIVE", at(4000));
      await store.setConsumerReferences(tenant, "svc", [ref("WATCHED")], at(4100));
      await store.deleteSecret(tenant, secret.id, undefined); // in use
      await store.deleteConsumer(tenant, "svc");
      await store.deleteSecret(tenant, secret.id, 99); // conflict
      const beforeDelete = Date.now();
      await store.deleteSecret(tenant, secret.id, undefined);
      await store.deleteSecret(tenant, secret.id, undefined); // not found
      await feed.settle();
      feed.unsubscribe();

      const base = { tenantId: tenant, nameKey: "watched", name: "Watched" };
      expect(feed.events.slice(0, 5)).toEqual([
        { ...base, kind: "CREATED", version: 1, time: at(1) },
        { ...base, kind: "VALUE_UPDATED", version: 2, time: at(2000) },
        { ...base, kind: "METADATA_UPDATED", version: 2, time: at(2500) },
        { ...base, kind: "ARCHIVED", version: 2, time: at(3000) },
        { ...base, kind: "RESTORED", version: 2, time: at(4000) },
      ]);
      // The usage count moves when the consumer starts and stops referencing it.
      expect(feed.events.slice(5)).toEqual([
        { ...base, kind: "USAGE_UPDATED", version: 2, time: expect.any(Date) },
        { ...base, kind: "USAGE_UPDATED", version: 2, time: expect.any(Date) },
        { ...base, kind: "DELETED", version: 2, time: expect.any(Date) },
      ]);
      expect(feed.events[7]!.time.getTime()).toBeGreaterThanOrEqual(beforeDelete);
    });

    it("reports a later last access, and a consumer's reference change only for the secrets whose usage moved", async () => {
      const tenant = newTenantId();
      const kept = await create(tenant, "KEPT");
      await create(tenant, "DROPPED");
      await create(tenant, "ADDED");
      await store.setConsumerReferences(tenant, "svc", [ref("KEPT"), ref("DROPPED")], at(1));
      const feed = recordChanges(tenant);
      await store.setConsumerReferences(tenant, "svc", [ref("KEPT"), ref("ADDED")], at(2));
      await store.recordSecretAccess(tenant, [kept.id], at(60_000));
      await store.recordSecretAccess(tenant, [kept.id], at(60_000)); // not later: no change
      await feed.settle();
      feed.unsubscribe();
      const usage = feed.events.map((e) => [e.kind, e.name]);
      expect(usage.slice(0, 2).sort()).toEqual([
        ["USAGE_UPDATED", "ADDED"],
        ["USAGE_UPDATED", "DROPPED"],
      ]);
      expect(feed.events.slice(2)).toEqual([
        { tenantId: tenant, nameKey: "kept", name: "KEPT", kind: "USAGE_UPDATED", version: 1, time: at(60_000) },
      ]);
    });

    it("keeps working when a listener throws, and stops calling an unsubscribed one", async () => {
      const tenant = newTenantId();
      const unsubscribeThrower = store.onSecretChange(() => {
        throw new Error("listener failure");
      });
      const stopped: SecretChangeEvent[] = [];
      const unsubscribeStopped = store.onSecretChange((event) => {
        if (event.tenantId === tenant) stopped.push(event);
      });
      unsubscribeStopped();
      const feed = recordChanges(tenant);

      const secret = await create(tenant, "SURVIVES");
      const added = await store.addSecretVersion(tenant, secret.id, sealed(2), 5);
      expect(added.outcome).toBe("OK");
      await feed.settle();
      unsubscribeThrower();
      feed.unsubscribe();
      expect(feed.events.map((e) => e.kind)).toEqual(["CREATED", "VALUE_UPDATED"]);
      expect(stopped).toEqual([]);
      expect((await store.getSecret(tenant, "survives"))?.version).toBe(2);
    });

    it("tells listeners only once the change is visible to readers", async () => {
      const tenant = newTenantId();
      const seen: Array<Promise<SecretRecord | undefined>> = [];
      const unsubscribe = store.onSecretChange((event) => {
        if (event.tenantId === tenant) seen.push(store.getSecret(tenant, event.nameKey));
      });
      const secret = await create(tenant, "VISIBLE");
      await store.addSecretVersion(tenant, secret.id, sealed(2), 5);
      await vi.waitFor(() => expect(seen).toHaveLength(2), { timeout: 5000 });
      unsubscribe();
      const [afterCreate, afterUpdate] = await Promise.all(seen);
      expect(afterCreate?.id).toBe(secret.id);
      expect(afterUpdate?.version).toBe(2);
    });
  });
}
