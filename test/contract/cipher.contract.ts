/**
 * The Cipher port's contract, written against the port only, so every adapter
 * (local keyring, Vault transit) runs the same suite:
 *
 *   describeCipherContract("local keyring", async () => ({ cipher, cleanup }));
 *
 * Each test uses fresh random tenant ids, so the suite also runs against a
 * shared backend. Byte comparisons report lengths only, never contents.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { associatedData } from "../../services/domain/associated-data.js";
import { DecryptionFailedError, TenantKeyNotFoundError, type Cipher } from "../../services/ports/cipher.js";

export interface CipherUnderTest {
  cipher: Cipher;
  cleanup: () => Promise<void>;
}

export function describeCipherContract(name: string, makeCipher: () => Promise<CipherUnderTest>): void {
  describe(`Cipher contract: ${name}`, () => {
    let cipher: Cipher;
    let cleanup: () => Promise<void>;

    beforeEach(async () => {
      ({ cipher, cleanup } = await makeCipher());
    });
    afterEach(async () => {
      await cleanup();
    });

    const newTenant = async (): Promise<string> => {
      const tenantId = `t-${randomUUID()}`;
      await cipher.createTenantKey(tenantId);
      return tenantId;
    };
    const aadFor = (tenantId: string, version = 1) => associatedData({ tenantId, secretId: "s-1", nameKey: "db", version });

    it("round-trips empty, binary and 64 KiB plaintexts", async () => {
      const tenant = await newTenant();
      const aad = aadFor(tenant);
      const plaintexts = [new Uint8Array(0), Uint8Array.from([0, 255, 0, 10, 13, 128]), randomBytes(64 * 1024)];
      const sealed = await cipher.encrypt(
        tenant,
        plaintexts.map((plaintext) => ({ plaintext, associatedData: aad })),
      );
      const opened = await cipher.decrypt(
        tenant,
        sealed.map(({ ciphertext }) => ({ ciphertext, associatedData: aad })),
      );
      expect(opened).toHaveLength(plaintexts.length);
      plaintexts.forEach((plaintext, index) => {
        expectSameBytes(opened[index], plaintext);
      });
    });

    it("keeps the order of a batch, each item with its own associated data", async () => {
      const tenant = await newTenant();
      const items = Array.from({ length: 10 }, (_, index) => ({
        plaintext: Buffer.from(`value-${index}`),
        associatedData: aadFor(tenant, index + 1),
      }));
      const sealed = await cipher.encrypt(tenant, items);
      expect(sealed).toHaveLength(items.length);
      const opened = await cipher.decrypt(
        tenant,
        sealed.map(({ ciphertext }, index) => ({ ciphertext, associatedData: items[index]!.associatedData })),
      );
      items.forEach((item, index) => {
        expectSameBytes(opened[index], item.plaintext);
      });
    });

    it("returns an empty result for an empty batch", async () => {
      const tenant = await newTenant();
      expect(await cipher.encrypt(tenant, [])).toEqual([]);
      expect(await cipher.decrypt(tenant, [])).toEqual([]);
    });

    it("fails with DecryptionFailedError under other associated data", async () => {
      const tenant = await newTenant();
      const [sealed] = await cipher.encrypt(tenant, [{ plaintext: Buffer.from("v"), associatedData: aadFor(tenant, 1) }]);
      await expect(cipher.decrypt(tenant, [{ ciphertext: sealed!.ciphertext, associatedData: aadFor(tenant, 2) }])).rejects.toBeInstanceOf(
        DecryptionFailedError,
      );
    });

    it("does not open tenant A's ciphertext as tenant B", async () => {
      const tenantA = await newTenant();
      const tenantB = await newTenant();
      const aad = aadFor("shared");
      const [sealed] = await cipher.encrypt(tenantA, [{ plaintext: Buffer.from("v"), associatedData: aad }]);
      await expect(cipher.decrypt(tenantB, [{ ciphertext: sealed!.ciphertext, associatedData: aad }])).rejects.toBeInstanceOf(
        DecryptionFailedError,
      );
    });

    it("fails when any single byte of the ciphertext is changed, or it is truncated", async () => {
      const tenant = await newTenant();
      const aad = aadFor(tenant);
      const [sealed] = await cipher.encrypt(tenant, [{ plaintext: Buffer.from("sixteen byte val"), associatedData: aad }]);
      const original = Buffer.from(sealed!.ciphertext);
      for (let index = 0; index < original.length; index++) {
        const tampered = Buffer.from(original);
        // The complement, not one bit: in a text encoding (base64) a low bit can fall in padding bits.
        tampered[index] = ~tampered[index]! & 0xff;
        await expect(
          cipher.decrypt(tenant, [{ ciphertext: tampered, associatedData: aad }]),
          `byte ${index} changed`,
        ).rejects.toBeInstanceOf(DecryptionFailedError);
      }
      for (const truncated of [original.subarray(0, original.length - 1), new Uint8Array(0)]) {
        await expect(cipher.decrypt(tenant, [{ ciphertext: truncated, associatedData: aad }])).rejects.toBeInstanceOf(
          DecryptionFailedError,
        );
      }
    });

    it("fails a whole batch when one item does not authenticate", async () => {
      const tenant = await newTenant();
      const aad = aadFor(tenant);
      const sealed = await cipher.encrypt(tenant, [
        { plaintext: Buffer.from("a"), associatedData: aad },
        { plaintext: Buffer.from("b"), associatedData: aad },
      ]);
      await expect(
        cipher.decrypt(tenant, [
          { ciphertext: sealed[0]!.ciphertext, associatedData: aad },
          { ciphertext: sealed[1]!.ciphertext, associatedData: aadFor(tenant, 99) },
        ]),
      ).rejects.toBeInstanceOf(DecryptionFailedError);
    });

    it("uses a fresh nonce for every encryption of the same plaintext", async () => {
      const tenant = await newTenant();
      const request = { plaintext: Buffer.from("same value"), associatedData: aadFor(tenant) };
      const [first, second] = await cipher.encrypt(tenant, [request, request]);
      const [third] = await cipher.encrypt(tenant, [request]);
      const ciphertexts = [first!, second!, third!].map((sealed) => Buffer.from(sealed.ciphertext).toString("hex"));
      expect(new Set(ciphertexts).size).toBe(3);
    });

    it("starts a tenant at key version 1 and seals with the latest version", async () => {
      const tenant = await newTenant();
      expect(await cipher.latestKeyVersion(tenant)).toBe(1);
      const [sealed] = await cipher.encrypt(tenant, [{ plaintext: Buffer.from("v"), associatedData: aadFor(tenant) }]);
      expect(sealed!.keyVersion).toBe(1);
    });

    it("rotates: new encryptions use the new version, old ciphertexts still open", async () => {
      const tenant = await newTenant();
      const aad = aadFor(tenant);
      const [before] = await cipher.encrypt(tenant, [{ plaintext: Buffer.from("old"), associatedData: aad }]);

      expect(await cipher.rotateTenantKey(tenant)).toBe(2);
      expect(await cipher.latestKeyVersion(tenant)).toBe(2);
      const [after] = await cipher.encrypt(tenant, [{ plaintext: Buffer.from("new"), associatedData: aad }]);
      expect(after!.keyVersion).toBe(2);

      const opened = await cipher.decrypt(tenant, [
        { ciphertext: before!.ciphertext, associatedData: aad },
        { ciphertext: after!.ciphertext, associatedData: aad },
      ]);
      expectSameBytes(opened[0], Buffer.from("old"));
      expectSameBytes(opened[1], Buffer.from("new"));
    });

    it("rewraps to the latest version; the result opens with the same associated data", async () => {
      const tenant = await newTenant();
      const aads = [aadFor(tenant, 1), aadFor(tenant, 2)];
      const plaintexts = [Buffer.from("first"), randomBytes(100)];
      const sealed = await cipher.encrypt(
        tenant,
        plaintexts.map((plaintext, i) => ({ plaintext, associatedData: aads[i]! })),
      );
      await cipher.rotateTenantKey(tenant);
      await cipher.rotateTenantKey(tenant);

      const rewrapped = await cipher.rewrap(
        tenant,
        sealed.map(({ ciphertext }, i) => ({ ciphertext, associatedData: aads[i]! })),
      );
      expect(rewrapped.map((item) => item.keyVersion)).toEqual([3, 3]);
      const opened = await cipher.decrypt(
        tenant,
        rewrapped.map(({ ciphertext }, i) => ({ ciphertext, associatedData: aads[i]! })),
      );
      plaintexts.forEach((plaintext, i) => {
        expectSameBytes(opened[i], plaintext);
      });
      await expect(cipher.decrypt(tenant, [{ ciphertext: rewrapped[0]!.ciphertext, associatedData: aads[1]! }])).rejects.toBeInstanceOf(
        DecryptionFailedError,
      );
    });

    it("refuses to rewrap a ciphertext that does not authenticate", async () => {
      const tenant = await newTenant();
      const [sealed] = await cipher.encrypt(tenant, [{ plaintext: Buffer.from("v"), associatedData: aadFor(tenant, 1) }]);
      await expect(cipher.rewrap(tenant, [{ ciphertext: sealed!.ciphertext, associatedData: aadFor(tenant, 2) }])).rejects.toBeInstanceOf(
        DecryptionFailedError,
      );
    });

    it("creates a tenant key idempotently, never replacing an existing key", async () => {
      const tenant = await newTenant();
      const aad = aadFor(tenant);
      const [sealed] = await cipher.encrypt(tenant, [{ plaintext: Buffer.from("v"), associatedData: aad }]);
      await cipher.createTenantKey(tenant);
      expect(await cipher.latestKeyVersion(tenant)).toBe(1);
      await cipher.rotateTenantKey(tenant);
      await cipher.createTenantKey(tenant);
      expect(await cipher.latestKeyVersion(tenant)).toBe(2);
      const [opened] = await cipher.decrypt(tenant, [{ ciphertext: sealed!.ciphertext, associatedData: aad }]);
      expectSameBytes(opened, Buffer.from("v"));
    });

    it("throws TenantKeyNotFoundError for a tenant without a key", async () => {
      const known = await newTenant();
      const unknown = `t-${randomUUID()}`;
      const aad = aadFor(unknown);
      const [sealed] = await cipher.encrypt(known, [{ plaintext: Buffer.from("v"), associatedData: aad }]);
      const open = [{ ciphertext: sealed!.ciphertext, associatedData: aad }];
      await expect(cipher.encrypt(unknown, [{ plaintext: Buffer.from("v"), associatedData: aad }])).rejects.toBeInstanceOf(
        TenantKeyNotFoundError,
      );
      await expect(cipher.decrypt(unknown, open)).rejects.toBeInstanceOf(TenantKeyNotFoundError);
      await expect(cipher.rewrap(unknown, open)).rejects.toBeInstanceOf(TenantKeyNotFoundError);
      await expect(cipher.rotateTenantKey(unknown)).rejects.toBeInstanceOf(TenantKeyNotFoundError);
      await expect(cipher.latestKeyVersion(unknown)).rejects.toBeInstanceOf(TenantKeyNotFoundError);
      await expect(cipher.minDecryptionVersion(unknown)).rejects.toBeInstanceOf(TenantKeyNotFoundError);
      await expect(cipher.retireKeyVersionsBelow(unknown, 2)).rejects.toBeInstanceOf(TenantKeyNotFoundError);
    });

    it("retires old key versions: after a complete rewrap, ciphertexts sealed with them no longer open", async () => {
      const tenant = await newTenant();
      const aad = aadFor(tenant);
      const [old, other] = await cipher.encrypt(tenant, [
        { plaintext: Buffer.from("old"), associatedData: aad },
        { plaintext: Buffer.from("other"), associatedData: aad },
      ]);
      expect(await cipher.rotateTenantKey(tenant)).toBe(2);
      // Partly rewrapped: nothing is retired yet, and the old version still opens.
      const [rewrapped] = await cipher.rewrap(tenant, [{ ciphertext: old!.ciphertext, associatedData: aad }]);
      expect(await cipher.minDecryptionVersion(tenant)).toBe(1);
      expectSameBytes((await cipher.decrypt(tenant, [{ ciphertext: other!.ciphertext, associatedData: aad }]))[0], Buffer.from("other"));

      expect(await cipher.retireKeyVersionsBelow(tenant, 2)).toBe(2);
      expect(await cipher.retireKeyVersionsBelow(tenant, 1)).toBe(2);
      expect(await cipher.minDecryptionVersion(tenant)).toBe(2);
      await expect(cipher.decrypt(tenant, [{ ciphertext: old!.ciphertext, associatedData: aad }])).rejects.toBeInstanceOf(
        DecryptionFailedError,
      );
      expectSameBytes((await cipher.decrypt(tenant, [{ ciphertext: rewrapped!.ciphertext, associatedData: aad }]))[0], Buffer.from("old"));
      const [fresh] = await cipher.encrypt(tenant, [{ plaintext: Buffer.from("new"), associatedData: aad }]);
      expect(fresh!.keyVersion).toBe(2);
    });

    it("never retires the latest version", async () => {
      const tenant = await newTenant();
      expect(await cipher.retireKeyVersionsBelow(tenant, 5)).toBe(1);
      const [sealed] = await cipher.encrypt(tenant, [{ plaintext: Buffer.from("v"), associatedData: aadFor(tenant) }]);
      expectSameBytes(
        (await cipher.decrypt(tenant, [{ ciphertext: sealed!.ciphertext, associatedData: aadFor(tenant) }]))[0],
        Buffer.from("v"),
      );
    });

    it("MACs records: 32 bytes, deterministic, per message and per tenant, unchanged by rotation and retirement", async () => {
      const tenantA = await newTenant();
      const tenantB = await newTenant();
      const messages = [Buffer.from("record one"), Buffer.from("record two"), new Uint8Array(0)];
      const first = await cipher.mac(tenantA, messages);
      expect(first.map((tag) => tag.length)).toEqual([32, 32, 32]);
      const hex = (tags: Uint8Array[]) => tags.map((tag) => Buffer.from(tag).toString("hex"));
      expect(new Set(hex(first)).size).toBe(3);
      expect(hex(await cipher.mac(tenantB, messages))).not.toEqual(hex(first));
      await cipher.rotateTenantKey(tenantA);
      await cipher.retireKeyVersionsBelow(tenantA, 2);
      expect(hex(await cipher.mac(tenantA, messages))).toEqual(hex(first));
      expect(await cipher.mac(tenantA, [])).toEqual([]);
    });

    it("refuses to MAC for a tenant without a key", async () => {
      await expect(cipher.mac(`t-${randomUUID()}`, [Buffer.from("m")])).rejects.toBeInstanceOf(TenantKeyNotFoundError);
    });

    it("answers ping while it can serve", async () => {
      await expect(cipher.ping()).resolves.toBeUndefined();
    });
  });
}

/** Asserts equal bytes, reporting only lengths: the bytes stand for secret values. */
export function expectSameBytes(actual: Uint8Array | undefined, expected: Uint8Array): void {
  expect(actual, "missing result").toBeDefined();
  const same = Buffer.from(actual!).equals(Buffer.from(expected));
  expect(same, `bytes differ (lengths ${actual!.length} and ${expected.length})`).toBe(true);
}
