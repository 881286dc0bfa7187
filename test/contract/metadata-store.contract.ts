/**
 * The MetadataStore port's contract, written against the port only, so every
 * adapter (SQLite, MongoDB) runs the same suite:
 *
 *   describeMetadataStoreContract("sqlite", async () => ({ store, cleanup }));
 *
 * Each test works in fresh random tenants (and globally unique token hashes
 * and audit ids), so the suite also runs against a shared backend. Change
 * events are awaited rather than assumed synchronous, so an adapter whose feed
 * is asynchronous (change streams) passes too.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { BackendUnavailableError } from "../../services/domain/errors.js";
import { secretNameKey } from "../../kernel/names.js";
import type {
  ApiTokenRecord,
  AuditEventRecord,
  ConsumerReference,
  MetadataStore,
  NewSecret,
  NewSecretVersion,
  Page,
  SecretChangeEvent,
  SecretRecord,
} from "../../services/ports/metadata-store.js";
import { expectSameBytes } from "./cipher.contract.js";

export interface MetadataStoreUnderTest {
  store: MetadataStore;
  cleanup: () => Promise<void>;
}

/** A fixed base so times compare exactly; every test time is an offset from it. */
const BASE_MS = Date.UTC(2030, 0, 1);
const at = (offsetMs: number): Date => new Date(BASE_MS + offsetMs);

const newTenantId = (): string => `t-${randomUUID()}`;

function newSecret(tenantId: string, name: string, extra: Partial<NewSecret> = {}): NewSecret {
  return {
    tenantId,
    id: `s-${randomUUID()}`,
    name,
    nameKey: secretNameKey(name),
    displayName: `${name} display`,
    description: `about ${name}`,
    labels: {},
    type: "TOKEN",
    createTime: at(0),
    ...extra,
  };
}

/** Stand-in ciphertext: random bytes with zeros in them, as a real cipher's output would have. */
function sealed(version: number, keyVersion = 1): NewSecretVersion {
  return {
    version,
    ciphertext: Uint8Array.from([0, ...randomBytes(31), 0]),
    keyVersion,
    createTime: at(version * 1000),
    createdBy: "tok-writer",
  };
}

const ref = (name: string, field = ""): ConsumerReference => ({
  reference: `$<secret.${name}${field}>`,
  nameKey: secretNameKey(name),
});

function newToken(tenantId: string, createOffsetMs: number, extra: Partial<ApiTokenRecord> = {}): ApiTokenRecord {
  return {
    tenantId,
    id: `tok-${randomUUID()}`,
    hash: randomBytes(32).toString("hex"),
    displayName: "a token",
    role: "VIEWER",
    allowedSecretPatterns: ["DB_*", "API_KEY"],
    createTime: at(createOffsetMs),
    createdBy: "tok-admin",
    ...extra,
  };
}

/** Audit ids sort by `sequence`, and stay unique across tenants and runs. */
function auditEvent(tenantId: string, sequence: number, extra: Partial<AuditEventRecord> = {}): AuditEventRecord {
  return {
    tenantId,
    id: `${String(sequence).padStart(8, "0")}-${randomUUID()}`,
    time: at(sequence * 1000),
    actorTokenId: "tok-a",
    action: "secrets.v1.SecretsService/GetSecret",
    resources: ["DB_PASSWORD"],
    outcome: "SUCCESS",
    statusCode: "OK",
    ...extra,
  };
}

/** Follows cursors to the end, checking each page's size; fails rather than loop forever. */
async function allPages<T>(limit: number, fetchPage: (cursor: string | undefined) => Promise<Page<T>>): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  for (let pages = 0; pages < 1000; pages++) {
    const page = await fetchPage(cursor);
    expect(page.items.length).toBeLessThanOrEqual(limit);
    items.push(...page.items);
    if (page.nextCursor === undefined) return items;
    cursor = page.nextCursor;
  }
  throw new Error("pagination did not end after 1000 pages");
}

export function describeMetadataStoreContract(
  name: string,
  makeStore: () => Promise<MetadataStoreUnderTest>,
): void {
  describe(`MetadataStore contract: ${name}`, () => {
    let store: MetadataStore;
    let cleanup: () => Promise<void>;

    beforeEach(async () => {
      ({ store, cleanup } = await makeStore());
    });
    afterEach(async () => {
      await cleanup();
    });

    async function create(tenantId: string, secretName: string, extra: Partial<NewSecret> = {}): Promise<SecretRecord> {
      const created = await store.createSecret(newSecret(tenantId, secretName, extra), sealed(1));
      expect(created, `creating ${secretName}`).toBeDefined();
      return created!;
    }

    /** Collects this tenant's change events; `settle` waits until a marker change has come through. */
    function recordChanges(tenantId: string) {
      const events: SecretChangeEvent[] = [];
      const unsubscribe = store.onSecretChange((event) => {
        if (event.tenantId === tenantId) events.push(event);
      });
      const settle = async (): Promise<void> => {
        const marker = await create(tenantId, `MARKER_${randomUUID().replaceAll("-", "_")}`);
        await vi.waitFor(() => expect(events.some((e) => e.nameKey === marker.nameKey)).toBe(true), {
          timeout: 5000,
        });
        events.splice(
          events.findIndex((e) => e.nameKey === marker.nameKey),
          1,
        );
      };
      return { events, unsubscribe, settle };
    }

    describe("tenants", () => {
      it("creates a tenant once and reads it back", async () => {
        const tenant = { id: newTenantId(), displayName: "Acme", createTime: at(5) };
        expect(await store.createTenant(tenant)).toBe(true);
        expect(await store.createTenant({ ...tenant, displayName: "Other" })).toBe(false);
        expect(await store.getTenant(tenant.id)).toEqual(tenant);
        expect(await store.getTenant(newTenantId())).toBeUndefined();
      });
    });

    describe("secrets", () => {
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
          if (prefix === "app_" && labels.env === "prod" && labels.team === "core" && !archive)
            expected.push(secret.nameKey);
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
          expect(seen.map((s) => s.nameKey), `limit ${limit}`).toEqual(expected);
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
        const results = await Promise.all(
          Array.from({ length: 20 }, () => store.addSecretVersion(tenant, secret.id, sealed(2), 10)),
        );
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
        expect(versions.items).toEqual([5, 4, 3, 2, 1].map((version) => ({
          version,
          createTime: at(version * 1000),
          createdBy: "tok-writer",
          valueRetained: version >= 4,
          keyVersion: version >= 4 ? version : 0,
        })));
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
        for (let version = 2; version <= 9; version++)
          await store.addSecretVersion(tenant, secret.id, sealed(version), 100);
        for (const limit of [1, 2, 4, 20]) {
          const versions = await allPages(limit, (cursor) =>
            store.listSecretVersions(tenant, secret.id, { limit, cursor }),
          );
          expect(versions.map((v) => v.version)).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1]);
        }
        expect((await store.listSecretVersions(tenant, `s-${randomUUID()}`, { limit: 5 })).items).toEqual([]);
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

    describe("consumers and usage", () => {
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

        const refused = await store.setConsumerReferences(
          tenant,
          "svc",
          [ref("ZED"), ref("OLD"), ref("alpha"), ref("ZED", ".x")],
          at(20),
        );
        expect(refused).toEqual({ outcome: "MISSING", nameKeys: ["alpha", "zed"] });
        const consumers = await store.listSecretConsumers(tenant, "db", { limit: 10 });
        expect(consumers.items).toEqual([{ tenantId: tenant, id: "svc", references: [ref("DB")], updateTime: at(10) }]);
        expect((await store.getSecret(tenant, "old"))?.usageCount).toBe(0);

        // An archived secret still exists: it may be referenced.
        expect((await store.setConsumerReferences(tenant, "svc", [ref("OLD")], at(30))).outcome).toBe("OK");
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
        for (const id of ids)
          await store.setConsumerReferences(tenant, id, [ref("OTHER"), ref("DB", ".user"), ref("DB", ".pass")], at(3));
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

    describe("API tokens", () => {
      it("finds a token by its hash alone, across tenants", async () => {
        const tenant = newTenantId();
        const token = newToken(tenant, 1, { expireTime: at(9_000), role: "WORKLOAD" });
        await store.createApiToken(token);
        await store.createApiToken(newToken(newTenantId(), 1));
        expect(await store.findApiTokenByHash(token.hash)).toEqual(token);
        expect(await store.findApiTokenByHash(randomBytes(32).toString("hex"))).toBeUndefined();
        await expect(store.createApiToken(newToken(tenant, 2, { hash: token.hash }))).rejects.toThrow();
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
        const oldestFirst = [...tokens].sort(
          (a, b) => a.createTime.getTime() - b.createTime.getTime() || (a.id < b.id ? -1 : 1),
        );
        const active = oldestFirst.filter((t) => t.revokeTime === undefined && t !== tokens[1]);

        for (const limit of [1, 2, 10]) {
          const all = await allPages(limit, (cursor) =>
            store.listApiTokens(tenant, { limit, cursor, includeInactive: true, now }),
          );
          expect(all).toEqual(oldestFirst);
          const onlyActive = await allPages(limit, (cursor) =>
            store.listApiTokens(tenant, { limit, cursor, includeInactive: false, now }),
          );
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

    describe("record MACs (made by the service, kept as given)", () => {
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
        expect((await store.listSecrets(tenant, { limit: 5, includeArchived: true })).items[0]?.macs).toEqual(
          withCiphertext?.secret.macs,
        );
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

    describe("audit", () => {
      it("lists events newest first by id, every field kept", async () => {
        const tenant = newTenantId();
        const events = [
          auditEvent(tenant, 2, { version: 3, consumerId: "svc/a", resources: ["A", "B"] }),
          auditEvent(tenant, 3, { outcome: "DENIED", statusCode: "PERMISSION_DENIED" }),
          auditEvent(tenant, 1, { resources: [] }),
        ];
        await store.appendAuditEvents(events);
        await store.appendAuditEvents([]);
        await store.appendAuditEvents([auditEvent(newTenantId(), 4)]);
        const listed = await store.listAuditEvents(tenant, { limit: 10 });
        expect(listed).toEqual({ items: [events[1], events[0], events[2]] });
      });

      it("filters by action, resource (case-insensitively), actor, outcome and time, across pages", async () => {
        const tenant = newTenantId();
        const events: AuditEventRecord[] = [];
        for (let i = 0; i < 40; i++)
          events.push(
            auditEvent(tenant, i, {
              action: i % 2 === 0 ? "secrets.v1.SecretsService/DeleteSecret" : "secrets.v1.SecretsService/GetSecret",
              resources: i % 3 === 0 ? ["Db_Password", "OTHER"] : ["API_KEY"],
              actorTokenId: i % 5 === 0 ? "tok-b" : "tok-a",
              outcome: i % 7 === 0 ? "DENIED" : "SUCCESS",
            }),
          );
        await store.appendAuditEvents(events);
        const newestFirst = [...events].reverse();
        const listAll = (query: Omit<Parameters<MetadataStore["listAuditEvents"]>[1], "limit" | "cursor">) =>
          Promise.all(
            [1, 3, 100].map((limit) =>
              allPages(limit, (cursor) => store.listAuditEvents(tenant, { ...query, limit, cursor })),
            ),
          );
        const expectEach = async (
          query: Parameters<typeof listAll>[0],
          keep: (event: AuditEventRecord) => boolean,
        ) => {
          const expected = newestFirst.filter(keep);
          expect(expected.length).toBeGreaterThan(0);
          for (const listed of await listAll(query)) expect(listed.map((e) => e.id)).toEqual(expected.map((e) => e.id));
        };

        await expectEach({ action: "secrets.v1.SecretsService/DeleteSecret" }, (e) => e.action.endsWith("DeleteSecret"));
        await expectEach({ resource: "DB_PASSWORD" }, (e) => e.resources.includes("Db_Password"));
        await expectEach({ actorTokenId: "tok-b" }, (e) => e.actorTokenId === "tok-b");
        await expectEach({ outcome: "DENIED" }, (e) => e.outcome === "DENIED");
        // Start inclusive, end exclusive.
        await expectEach({ startTime: at(10_000), endTime: at(20_000) }, (e) => {
          const ms = e.time.getTime();
          return ms >= at(10_000).getTime() && ms < at(20_000).getTime();
        });
        await expectEach(
          { action: "secrets.v1.SecretsService/DeleteSecret", resource: "db_password", startTime: at(5_000) },
          (e) => e.action.endsWith("DeleteSecret") && e.resources.includes("Db_Password") && e.time >= at(5_000),
        );
        expect((await store.listAuditEvents(tenant, { limit: 10, resource: "db_pass" })).items).toEqual([]);
      });
    });

    describe("key rotation", () => {
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

      it("does not list or replace pruned ciphertexts", async () => {
        const tenant = newTenantId();
        const secret = await store.createSecret(newSecret(tenant, "P"), sealed(1, 1));
        await store.addSecretVersion(tenant, secret!.id, sealed(2, 2), 1);
        expect(await store.listCiphertextsBelow(tenant, 2, 10)).toEqual([]);
        expect(await store.replaceCiphertext(tenant, secret!.id, 1, 1, { ciphertext: Uint8Array.of(1), keyVersion: 2 })).toBe(
          false,
        );
        const versions = await store.listSecretVersions(tenant, secret!.id, { limit: 5 });
        expect(versions.items.find((v) => v.version === 1)).toMatchObject({ valueRetained: false, keyVersion: 0 });
      });
    });

    describe("change feed", () => {
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

    describe("tenant isolation", () => {
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
        expect(
          (await store.listApiTokens(intruder, { ...page, includeInactive: true, now: at(0) })).items,
        ).toEqual([]);
        expect(await store.revokeApiToken(intruder, token.id, at(2))).toBeUndefined();
        expect((await store.listAuditEvents(intruder, page)).items).toEqual([]);
        expect(await store.countCiphertextsBelow(intruder, 100)).toBe(0);
        expect(await store.listCiphertextsBelow(intruder, 100, 10)).toEqual([]);
        expect(
          await store.replaceCiphertext(intruder, secret.id, 1, 1, { ciphertext: Uint8Array.of(1), keyVersion: 2 }),
        ).toBe(false);

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

    describe("health", () => {
      it("answers a ping, and reports a closed store as unavailable", async () => {
        await store.ping();
        await store.close();
        await expect(store.ping()).rejects.toBeInstanceOf(BackendUnavailableError);
        await expect(store.getSecret(newTenantId(), "x")).rejects.toBeInstanceOf(BackendUnavailableError);
      });
    });
  });
}
