/** The in-memory reads of secrets: kept until the change feed or a local write says otherwise, never across an overlapping change. */
import { describe, expect, it } from "vitest";
import { ReadGate } from "../support/read-gate.js";
import { secretRecord } from "../support/secret-record.js";
import type { SecretChangeEvent } from "../../services/ports/secret-change-feed.js";
import type { SecretWithCiphertext } from "../../services/ports/secret-store.js";
import { SecretReadCache } from "../../services/secrets/secret-read-cache.js";

const secret = (nameKey: string, version: number) => secretRecord("t1", nameKey, version);

/** A store of secrets by name key, counting reads, with a change feed the test drives; a read can be held until released. */
function fakeStore() {
  const listeners = new Set<(event: SecretChangeEvent) => void>();
  const gate = new ReadGate();
  const store = {
    versions: new Map<string, number>([
      ["a", 1],
      ["b", 1],
    ]),
    reads: 0,
    hold: () => gate.hold(),
    change(nameKey: string) {
      store.versions.set(nameKey, (store.versions.get(nameKey) ?? 0) + 1);
      for (const listener of listeners)
        listener({
          tenantId: "t1",
          nameKey,
          name: nameKey,
          kind: "VALUE_UPDATED",
          version: store.versions.get(nameKey)!,
          time: new Date(),
        });
    },
    async getSecret(_tenantId: string, nameKey: string) {
      store.reads++;
      const version = store.versions.get(nameKey);
      await gate.pass();
      return version === undefined ? undefined : secret(nameKey, version);
    },
    async getSecretsWithCiphertext(_tenantId: string, nameKeys: readonly string[]): Promise<SecretWithCiphertext[]> {
      store.reads++;
      const found = nameKeys.flatMap((key) => {
        const version = store.versions.get(key);
        return version === undefined ? [] : [{ secret: secret(key, version), ciphertext: new Uint8Array([version]), keyVersion: 1 }];
      });
      await gate.pass();
      return found;
    },
    onSecretChange(listener: (event: SecretChangeEvent) => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  return store;
}

const versionsOf = (read: { found: SecretWithCiphertext[] }) => read.found.map((e) => `${e.secret.nameKey}@${e.secret.version}`).sort();

describe("SecretReadCache", () => {
  it("reads each secret once, then only the ones not in memory", async () => {
    const store = fakeStore();
    const cache = new SecretReadCache(store, 60_000);
    expect(versionsOf(await cache.getSecretsWithCiphertext("t1", ["a"]))).toEqual(["a@1"]);
    const both = await cache.getSecretsWithCiphertext("t1", ["a", "b"]);
    expect(versionsOf(both)).toEqual(["a@1", "b@1"]);
    expect(both.remembered).toBe(true);
    await cache.getSecretsWithCiphertext("t1", ["a", "b"]);
    expect(store.reads).toBe(2);
  });

  it("forgets a secret the change feed reports, and one this process wrote", async () => {
    const store = fakeStore();
    const cache = new SecretReadCache(store, 60_000);
    await cache.getSecretsWithCiphertext("t1", ["a"]);
    await cache.getSecret("t1", "a");
    store.change("a");
    expect(versionsOf(await cache.getSecretsWithCiphertext("t1", ["a"]))).toEqual(["a@2"]);
    expect((await cache.getSecret("t1", "a"))?.version).toBe(2);
    store.versions.set("a", 3); // a write whose feed event has not arrived yet
    cache.forget("t1", "a");
    expect((await cache.getSecret("t1", "a"))?.version).toBe(3);
  });

  it("does not keep a read that overlapped a change", async () => {
    const store = fakeStore();
    const cache = new SecretReadCache(store, 60_000);
    const release = store.hold();
    const overlapping = cache.getSecretsWithCiphertext("t1", ["a"]);
    store.change("a");
    release();
    expect(versionsOf(await overlapping)).toEqual(["a@1"]);
    expect(versionsOf(await cache.getSecretsWithCiphertext("t1", ["a"]))).toEqual(["a@2"]);
  });

  it("never keeps a name that does not exist, nor anything past its maximum age", async () => {
    const store = fakeStore();
    const missing = new SecretReadCache(store, 60_000);
    await missing.getSecret("t1", "nope");
    store.versions.set("nope", 1);
    expect((await missing.getSecret("t1", "nope"))?.version).toBe(1);

    const ageless = new SecretReadCache(store, 0);
    await ageless.getSecret("t1", "b");
    store.versions.set("b", 5);
    expect((await ageless.getSecret("t1", "b"))?.version).toBe(5);
  });
});
