/** The MetadataStore contract: secrets: identity, listing, metadata, state, delete, last access. */
import { randomUUID } from "node:crypto";
import { beforeEach, describe, expect, it } from "vitest";
import type { MetadataStore, SecretOrderKey, SecretRecord } from "../../../services/ports/metadata-store.js";
import { expectSameBytes } from "../cipher.contract.js";
import { at, newTenantId, newSecret, ref, sealed, allPages, type StoreContract } from "./fixtures.js";

export function describeSecretsContract(contract: StoreContract): void {
  const { create } = contract;
  describe("secrets", () => {
    let store: MetadataStore;
    beforeEach(() => {
      store = contract.store;
    });

    it("creates a secret at version 1, revision 1, active, unused, and reads it by name key", async () => {
      const tenant = newTenantId();
      const input = newSecret(tenant, "Db_Password", { labels: { env: "prod" }, type: "USERNAME_PASSWORD" });
      const created = await store.createSecret(input, sealed(1));
      const expected: SecretRecord = {
        ...input,
        state: "ACTIVE",
        version: 1,
        revision: 1,
        updateTime: input.createTime,
        usageCount: 0,
      };
      expect(created).toEqual(expected);
      expect(created?.lastAccessTime).toBeUndefined();
      expect(created?.archiveTime).toBeUndefined();
      expect(await store.getSecret(tenant, "db_password")).toEqual(expected);
      expect(await store.getSecret(tenant, "db_passwor")).toBeUndefined();
    });

    it("keeps names unique per tenant case-insensitively, but not across tenants", async () => {
      const tenant = newTenantId();
      const first = await create(tenant, "Api_Key");
      expect(await store.createSecret(newSecret(tenant, "API_KEY"), sealed(1))).toBeUndefined();
      expect(await store.createSecret(newSecret(tenant, "api_key"), sealed(1))).toBeUndefined();
      expect(await store.getSecret(tenant, "api_key")).toEqual(first);
      const listed = await store.listSecrets(tenant, { limit: 10, includeArchived: true });
      expect(listed.items.map((s) => s.id)).toEqual([first.id]);

      const otherTenant = newTenantId();
      const other = await create(otherTenant, "API_KEY");
      expect(other.id).not.toBe(first.id);
      expect((await store.getSecret(tenant, "api_key"))?.id).toBe(first.id);
    });

    it("returns a batch of secrets with their current ciphertext in one call (1000 names)", async () => {
      const tenant = newTenantId();
      const otherTenant = newTenantId();
      const a = await store.createSecret(newSecret(tenant, "A"), sealed(1, 3));
      const bVersion1 = sealed(1);
      const b = await store.createSecret(newSecret(tenant, "B"), bVersion1);
      const bVersion2 = sealed(2, 4);
      expect((await store.addSecretVersion(tenant, b!.id, bVersion2, 5)).outcome).toBe("OK");
      const archived = await create(tenant, "ARCHIVED_ONE");
      await store.setSecretState(tenant, archived.id, undefined, "ARCHIVED", at(9));
      await create(otherTenant, "C");

      const nameKeys = Array.from({ length: 996 }, (_, i) => `missing_${i}`);
      nameKeys.push("a", "b", "archived_one", "c");
      const found = await store.getSecretsWithCiphertext(tenant, nameKeys);
      const byName = new Map(found.map((item) => [item.secret.nameKey, item]));
      expect([...byName.keys()].sort()).toEqual(["a", "archived_one", "b"]);
      expect(byName.get("a")?.secret).toEqual(a);
      expect(byName.get("a")?.keyVersion).toBe(3);
      expect(byName.get("b")?.secret.version).toBe(2);
      expect(byName.get("b")?.keyVersion).toBe(4);
      expectSameBytes(byName.get("b")?.ciphertext, bVersion2.ciphertext);
      expect(byName.get("archived_one")?.secret.state).toBe("ARCHIVED");
      expect(await store.getSecretsWithCiphertext(tenant, [])).toEqual([]);
    });

    it("lists by name key, hiding archived secrets unless asked", async () => {
      const tenant = newTenantId();
      for (const secretName of ["charlie", "Alpha", "bravo"]) await create(tenant, secretName);
      const bravo = await store.getSecret(tenant, "bravo");
      await store.setSecretState(tenant, bravo!.id, undefined, "ARCHIVED", at(1));

      const active = await store.listSecrets(tenant, { limit: 10, includeArchived: false });
      expect(active.items.map((s) => s.name)).toEqual(["Alpha", "charlie"]);
      expect(active.nextCursor).toBeUndefined();
      const all = await store.listSecrets(tenant, { limit: 10, includeArchived: true });
      expect(all.items.map((s) => s.name)).toEqual(["Alpha", "bravo", "charlie"]);
    });

    it("paginates with prefix, label and state filters, visiting every match exactly once", async () => {
      const tenant = newTenantId();
      const otherTenant = newTenantId();
      const expected: string[] = [];
      for (let i = 0; i < 30; i++) {
        const prefix = i % 3 === 0 ? "svc_" : "app_";
        const labels: Record<string, string> = { env: i % 2 === 0 ? "prod" : "dev" };
        if (i % 5 !== 0) labels.team = "core";
        const secret = await create(tenant, `${prefix}${String(i).padStart(2, "0")}`, { labels });
        const archive = i % 4 === 0;
        if (archive) await store.setSecretState(tenant, secret.id, undefined, "ARCHIVED", at(1));
        if (prefix === "app_" && labels.env === "prod" && labels.team === "core" && !archive) expected.push(secret.nameKey);
      }
      await create(otherTenant, "app_99", { labels: { env: "prod", team: "core" } });
      expected.sort();
      expect(expected.length).toBeGreaterThan(3);

      for (const limit of [1, 2, 3, 7, 100]) {
        const seen = await allPages(limit, (cursor) =>
          store.listSecrets(tenant, {
            limit,
            cursor,
            nameKeyPrefix: "app_",
            labels: { env: "prod", team: "core" },
            includeArchived: false,
          }),
        );
        expect(
          seen.map((s) => s.nameKey),
          `limit ${limit}`,
        ).toEqual(expected);
      }
    });

    it("pages in every order, either way, ties by name, each match exactly once (usage and last access as stored)", async () => {
      const tenant = newTenantId();
      const records: SecretRecord[] = [];
      for (let i = 0; i < 12; i++) {
        const secret = await create(tenant, `ord_${String(i).padStart(2, "0")}`, {
          type: i % 3 === 0 ? "JSON" : "TOKEN",
          createTime: at(1000 * (i % 4)),
        });
        if (i % 5 === 0) await store.setSecretState(tenant, secret.id, undefined, "ARCHIVED", at(1000 * (i % 4)));
        if (i % 2 === 0) await store.recordSecretAccess(tenant, [secret.id], at(60_000 * (i % 3)));
      }
      // Usage 2, 1 and 1: two consumers, one of them referencing one secret twice.
      await store.setConsumerReferences(tenant, "a", [ref("ord_01"), ref("ord_02", "username"), ref("ord_02", "password")], at(1));
      await store.setConsumerReferences(tenant, "b", [ref("ord_01"), ref("ord_03")], at(1));
      await store.setConsumerReferences(tenant, "b", [ref("ord_01")], at(2));
      for (const secret of (await store.listSecrets(tenant, { limit: 100, includeArchived: true })).items) records.push(secret);
      expect(records.find((s) => s.nameKey === "ord_01")?.usageCount).toBe(2);
      expect(records.find((s) => s.nameKey === "ord_02")?.usageCount).toBe(1);
      expect(records.find((s) => s.nameKey === "ord_03")?.usageCount).toBe(0);

      const orderValue: Record<SecretOrderKey, (s: SecretRecord) => number | string> = {
        name: (s) => s.nameKey,
        updateTime: (s) => s.updateTime.getTime(),
        lastAccessTime: (s) => s.lastAccessTime?.getTime() ?? 0,
        usageCount: (s) => s.usageCount,
        type: (s) => s.type,
        state: (s) => s.state,
      };
      const compare = (a: number | string, b: number | string) => (a < b ? -1 : a > b ? 1 : 0);
      for (const key of Object.keys(orderValue) as SecretOrderKey[])
        for (const descending of [false, true]) {
          const order = { key, descending };
          const sign = descending ? -1 : 1;
          const expected = records
            .filter((s) => s.state === "ACTIVE")
            .sort((a, b) => sign * (compare(orderValue[key](a), orderValue[key](b)) || compare(a.nameKey, b.nameKey)))
            .map((s) => s.nameKey);
          for (const limit of [1, 5]) {
            const seen = await allPages(limit, (cursor) => store.listSecrets(tenant, { limit, cursor, order, includeArchived: false }));
            expect(
              seen.map((s) => s.nameKey),
              `${key} ${descending ? "desc" : "asc"}, limit ${limit}`,
            ).toEqual(expected);
          }
        }
    });

    it("matches labels by exact value, every wanted label required", async () => {
      const tenant = newTenantId();
      await create(tenant, "ONE", { labels: { env: "prod", tier: "1" } });
      await create(tenant, "TWO", { labels: { env: "production" } });
      await create(tenant, "THREE", { labels: {} });
      const names = async (labels: Record<string, string>) =>
        (await store.listSecrets(tenant, { limit: 10, labels, includeArchived: false })).items.map((s) => s.name);
      expect(await names({ env: "prod" })).toEqual(["ONE"]);
      expect(await names({ env: "prod", tier: "2" })).toEqual([]);
      expect(await names({ env: "prod", tier: "1" })).toEqual(["ONE"]);
      expect(await names({})).toEqual(["ONE", "THREE", "TWO"]);
    });

    it("updates metadata by patch, check-and-set on the revision", async () => {
      const tenant = newTenantId();
      const secret = await create(tenant, "META", { labels: { a: "1" } });
      const patched = await store.updateSecretMetadata(tenant, secret.id, 1, { description: "new words" }, at(50));
      expect(patched).toEqual({
        outcome: "OK",
        value: { ...secret, description: "new words", revision: 2, updateTime: at(50) },
      });

      const stale = await store.updateSecretMetadata(tenant, secret.id, 1, { displayName: "lost" }, at(60));
      expect(stale).toEqual({ outcome: "CONFLICT", current: patched.outcome === "OK" && patched.value });

      const unconditional = await store.updateSecretMetadata(
        tenant,
        secret.id,
        undefined,
        { displayName: "Shown", labels: { b: "2" } },
        at(70),
      );
      expect(unconditional.outcome === "OK" && unconditional.value).toMatchObject({
        displayName: "Shown",
        description: "new words",
        labels: { b: "2" },
        revision: 3,
        version: 1,
        updateTime: at(70),
      });
      expect(await store.updateSecretMetadata(tenant, `s-${randomUUID()}`, undefined, {}, at(80))).toEqual({
        outcome: "NOT_FOUND",
      });
    });

    it("archives and restores, check-and-set on the revision", async () => {
      const tenant = newTenantId();
      const secret = await create(tenant, "SOFT");
      const archived = await store.setSecretState(tenant, secret.id, 1, "ARCHIVED", at(100));
      expect(archived).toEqual({
        outcome: "OK",
        value: { ...secret, state: "ARCHIVED", archiveTime: at(100), revision: 2, updateTime: at(100) },
      });
      const stale = await store.setSecretState(tenant, secret.id, 1, "ACTIVE", at(110));
      expect(stale).toEqual({ outcome: "CONFLICT", current: archived.outcome === "OK" && archived.value });

      // Archiving an archived secret changes nothing.
      const again = await store.setSecretState(tenant, secret.id, undefined, "ARCHIVED", at(115));
      expect(again).toEqual(archived);

      const restored = await store.setSecretState(tenant, secret.id, 2, "ACTIVE", at(120));
      expect(restored.outcome).toBe("OK");
      const value = restored.outcome === "OK" ? restored.value : undefined;
      expect(value).toMatchObject({ state: "ACTIVE", revision: 3, updateTime: at(120) });
      expect(value?.archiveTime).toBeUndefined();
      expect(await store.setSecretState(tenant, `s-${randomUUID()}`, undefined, "ARCHIVED", at(1))).toEqual({
        outcome: "NOT_FOUND",
      });
    });

    it("deletes a secret with all its versions, check-and-set on the revision", async () => {
      const tenant = newTenantId();
      const secret = await create(tenant, "GONE");
      await store.addSecretVersion(tenant, secret.id, sealed(2), 10);
      const current = await store.getSecret(tenant, "gone");

      expect(await store.deleteSecret(tenant, secret.id, 1)).toEqual({ outcome: "CONFLICT", current });
      expect(await store.deleteSecret(tenant, secret.id, 2)).toEqual({ outcome: "DELETED", secret: current });
      expect(await store.getSecret(tenant, "gone")).toBeUndefined();
      expect((await store.listSecretVersions(tenant, secret.id, { limit: 10 })).items).toEqual([]);
      expect(await store.countCiphertextsBelow(tenant, 100)).toBe(0);
      expect(await store.deleteSecret(tenant, secret.id, undefined)).toEqual({ outcome: "NOT_FOUND" });

      // The name is free again.
      const reborn = await create(tenant, "GONE");
      expect(reborn.version).toBe(1);
    });

    it("records the last access time, only moving it forward, without a new revision", async () => {
      const tenant = newTenantId();
      const first = await create(tenant, "USED_1");
      const second = await create(tenant, "USED_2");
      const untouched = await create(tenant, "UNUSED");
      await store.recordSecretAccess(tenant, [first.id, second.id, `s-${randomUUID()}`], at(500));
      await store.recordSecretAccess(tenant, [first.id], at(400));
      await store.recordSecretAccess(tenant, [second.id], at(600));
      await store.recordSecretAccess(tenant, [], at(700));

      expect(await store.getSecret(tenant, "used_1")).toEqual({ ...first, lastAccessTime: at(500) });
      expect(await store.getSecret(tenant, "used_2")).toEqual({ ...second, lastAccessTime: at(600) });
      expect(await store.getSecret(tenant, "unused")).toEqual(untouched);
    });
  });
}
