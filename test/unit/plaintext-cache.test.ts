/**
 * The plaintext cache: a memo of one decryption, returned only for the very
 * ciphertext it was opened from; forgotten with the read cache (change feed,
 * local writes), never kept across an overlapping forget; bounded in
 * entries, bytes and time, each dropped value's bytes zeroed. A fake clock.
 */
import { describe, expect, it } from "vitest";
import type { SecretChangeEvent } from "../../services/ports/secret-change-feed.js";
import type { SecretWithCiphertext } from "../../services/ports/secret-store.js";
import { parseServiceConfig, serviceCommand } from "../../services/config.js";
import {
  PLAINTEXT_CACHE_MAX_TTL_MS,
  PLAINTEXT_CACHE_TTL_MS,
  PlaintextCache,
  type PlaintextCacheLimits,
} from "../../services/resolver/plaintext-cache.js";
import { SecretReadCache } from "../../services/secrets/secret-read-cache.js";
import { secretRecord } from "../support/secret-record.js";

const TENANT = "t1";

function sealed(nameKey: string, version = 1, ciphertext = [version, 7, 7]): SecretWithCiphertext {
  return { secret: secretRecord(TENANT, nameKey, version), ciphertext: new Uint8Array(ciphertext), keyVersion: 1 };
}

const bytes = (text: string) => new Uint8Array(Buffer.from(text, "utf8"));
const tokenOf = (value: ReturnType<PlaintextCache["get"]>) => (value?.type === "TOKEN" ? value.token : undefined);

/** A cache over a forget source the test drives, with a clock the test moves. */
function setUp(limits: Partial<PlaintextCacheLimits> = {}) {
  const clock = { now: 0 };
  const listeners = new Set<(tenantId: string, nameKey: string) => void>();
  const source = {
    onForget(listener: (tenantId: string, nameKey: string) => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    forget(nameKey: string) {
      for (const listener of listeners) listener(TENANT, nameKey);
    },
  };
  const cache = new PlaintextCache(source, { ttlMs: 1_000, maxEntries: 100, maxBytes: 1_000, ...limits }, () => clock.now);
  const remember = (entry: SecretWithCiphertext, text: string) => {
    const plaintext = bytes(text);
    cache.remember(TENANT, entry, plaintext, cache.mark());
    return plaintext;
  };
  return { cache, clock, source, listeners, remember };
}

describe("PlaintextCache", () => {
  it("returns what a ciphertext opened to for that same ciphertext, as a copy the caller may wipe", () => {
    const { cache, remember } = setUp();
    const entry = sealed("a");
    remember(entry, "value-a").fill(0);
    expect(tokenOf(cache.get(TENANT, entry))).toBe("value-a");
    // The same bytes read again from the store (a new array): still the same ciphertext.
    expect(tokenOf(cache.get(TENANT, sealed("a")))).toBe("value-a");
    expect(cache.get("t2", entry)).toBeUndefined();
  });

  it("misses for another ciphertext, version or secret under the same name", () => {
    const { cache, remember } = setUp();
    remember(sealed("a"), "value-a");
    expect(cache.get(TENANT, sealed("a", 1, [1, 7, 8]))).toBeUndefined(); // rewrapped or tampered
    expect(cache.get(TENANT, sealed("a", 2, [1, 7, 7]))).toBeUndefined(); // version moved
    const recreated = sealed("a");
    recreated.secret.id = "sec_other";
    expect(cache.get(TENANT, recreated)).toBeUndefined();
  });

  it("forgets a secret the read cache forgets, and keeps nothing opened across a forget", () => {
    const { cache, source } = setUp();
    cache.remember(TENANT, sealed("a"), bytes("value-a"), cache.mark());
    source.forget("a");
    expect(cache.get(TENANT, sealed("a"))).toBeUndefined();

    const mark = cache.mark();
    source.forget("a"); // the decryption overlapped a change of its secret
    cache.remember(TENANT, sealed("a"), bytes("value-a"), mark);
    expect(cache.size).toEqual({ entries: 0, bytes: 0 });
  });

  it("keeps a decryption that overlapped only other secrets' forgetting, and refuses all of them once it stops tracking", () => {
    const { cache, source } = setUp();
    const mark = cache.mark();
    source.forget("b"); // another secret: a busy store forgets some secret all the time
    cache.remember(TENANT, sealed("a"), bytes("value-a"), mark);
    expect(tokenOf(cache.get(TENANT, sealed("a")))).toBe("value-a");

    const early = cache.mark();
    // More distinct secrets forgotten (100) than it keeps times for: it can no longer tell, so it keeps nothing begun before.
    for (let i = 0; i < 100; i++) source.forget(`other-${i}`);
    cache.remember(TENANT, sealed("c"), bytes("value-c"), early);
    expect(cache.get(TENANT, sealed("c"))).toBeUndefined();
    cache.remember(TENANT, sealed("c"), bytes("value-c"), cache.mark());
    expect(tokenOf(cache.get(TENANT, sealed("c")))).toBe("value-c");
  });

  it("follows a SecretReadCache: a change the feed reports and a local write both forget the value", () => {
    const feed = new Set<(event: SecretChangeEvent) => void>();
    const store = {
      getSecret: async () => undefined,
      getSecretsWithCiphertext: async () => [],
      onSecretChange(listener: (event: SecretChangeEvent) => void) {
        feed.add(listener);
        return () => feed.delete(listener);
      },
    };
    const reads = new SecretReadCache(store);
    const cache = new PlaintextCache(reads, { ttlMs: 60_000, maxEntries: 10, maxBytes: 1_000 });
    cache.remember(TENANT, sealed("a"), bytes("value-a"), cache.mark());
    cache.remember(TENANT, sealed("b"), bytes("value-b"), cache.mark());
    for (const listener of feed)
      listener({ tenantId: TENANT, nameKey: "a", name: "A", kind: "VALUE_UPDATED", version: 2, time: new Date() });
    reads.forget(TENANT, "b");
    expect(cache.get(TENANT, sealed("a"))).toBeUndefined();
    expect(cache.get(TENANT, sealed("b"))).toBeUndefined();
    cache.close();
    reads.close();
  });

  it("drops a value once its time is up, when read or swept", () => {
    const { cache, clock, remember } = setUp({ ttlMs: 1_000 });
    remember(sealed("a"), "value-a");
    clock.now = 500;
    remember(sealed("b"), "value-b");
    for (const key of ["a", "b"]) expect(tokenOf(cache.get(TENANT, sealed(key)))).toBe(`value-${key}`);
    clock.now = 1_000;
    expect(cache.get(TENANT, sealed("a"))).toBeUndefined();
    expect(cache.size.entries).toBe(1);
    clock.now = 1_500;
    cache.sweep();
    expect(cache.size).toEqual({ entries: 0, bytes: 0 });
  });

  it("holds at most maxEntries values and maxBytes bytes, dropping the oldest first", () => {
    const { cache, remember } = setUp({ maxEntries: 3, maxBytes: 20 });
    for (const key of ["a", "b", "c", "d"]) remember(sealed(key), `${key}-1234`); // 6 bytes each
    expect(cache.size).toEqual({ entries: 3, bytes: 18 });
    expect(cache.get(TENANT, sealed("a"))).toBeUndefined();
    expect(tokenOf(cache.get(TENANT, sealed("d")))).toBe("d-1234");

    remember(sealed("e"), "e-123456789"); // 11 bytes: b and c go to make room
    expect(cache.size).toEqual({ entries: 2, bytes: 17 });
    expect(cache.get(TENANT, sealed("b"))).toBeUndefined();
    expect(cache.get(TENANT, sealed("c"))).toBeUndefined();

    remember(sealed("f"), "x".repeat(21)); // larger than the whole bound: never kept
    expect(cache.get(TENANT, sealed("f"))).toBeUndefined();
    expect(cache.size).toEqual({ entries: 2, bytes: 17 });
  });

  it("zeroes every value it drops: replaced, forgotten, expired, evicted, closed", () => {
    const { cache, clock, source, listeners } = setUp({ maxEntries: 2 });
    const copies: Buffer[] = [];
    const alloc = Buffer.alloc;
    Buffer.alloc = ((size: number) => {
      const buffer = alloc(size);
      copies.push(buffer);
      return buffer;
    }) as typeof Buffer.alloc;
    try {
      cache.remember(TENANT, sealed("a"), bytes("aaaa"), cache.mark());
      cache.remember(TENANT, sealed("a", 2, [2, 1]), bytes("AAAA"), cache.mark()); // replaces a@1
      cache.remember(TENANT, sealed("b"), bytes("bbbb"), cache.mark());
      source.forget("b");
      cache.remember(TENANT, sealed("c"), bytes("cccc"), cache.mark());
      cache.remember(TENANT, sealed("d"), bytes("dddd"), cache.mark()); // evicts a@2
      clock.now = 5_000;
      cache.sweep(); // c and d expired
      cache.remember(TENANT, sealed("e"), bytes("eeee"), cache.mark());
    } finally {
      Buffer.alloc = alloc;
    }
    cache.close();
    expect(copies).toHaveLength(6);
    for (const copy of copies) expect([...copy]).toEqual([0, 0, 0, 0]);
    expect(cache.size).toEqual({ entries: 0, bytes: 0 });
    expect(listeners.size).toBe(0);
  });
});

describe("--plaintext-cache-ms", () => {
  it("keeps values 2 s by default; 0 (flag or environment) turns the cache off", () => {
    expect(parseServiceConfig([], {}).plaintextCacheMs).toBe(PLAINTEXT_CACHE_TTL_MS);
    expect(PLAINTEXT_CACHE_TTL_MS).toBe(2_000);
    expect(parseServiceConfig(["--plaintext-cache-ms", "0"], {}).plaintextCacheMs).toBe(0);
    // commander reads a flag's environment variable from process.env.
    process.env.SECRETS_PLAINTEXT_CACHE_MS = "0";
    try {
      expect(parseServiceConfig([], {}).plaintextCacheMs).toBe(0);
    } finally {
      delete process.env.SECRETS_PLAINTEXT_CACHE_MS;
    }
  });

  it("refuses a time over a minute: a decrypted value is kept briefly or not at all", () => {
    const parse = (ms: number) =>
      serviceCommand()
        .exitOverride()
        .configureOutput({ writeErr: () => {} })
        .parse(["--plaintext-cache-ms", String(ms)], { from: "user" })
        .opts().plaintextCacheMs;
    expect(parse(PLAINTEXT_CACHE_MAX_TTL_MS)).toBe(60_000);
    expect(() => parse(PLAINTEXT_CACHE_MAX_TTL_MS + 1)).toThrow(/at most 60000/);
  });
});
