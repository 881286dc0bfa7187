import { randomBytes } from "node:crypto";
import { chmod, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { unwrapDataKey } from "../../services/adapters/local-keyring/key-wrapping.js";
import { readKeyringFile, writeKeyringFile } from "../../services/adapters/local-keyring/keyring-file.js";
import { LocalKeyringCipher } from "../../services/adapters/local-keyring/local-keyring-cipher.js";
import { loadMasterKey } from "../../services/adapters/local-keyring/master-key.js";
import { openValue } from "../../services/adapters/local-keyring/value-ciphertext.js";
import { associatedData } from "../../services/domain/associated-data.js";
import { BackendUnavailableError } from "../../services/domain/errors.js";
import type { Sealed } from "../../services/ports/cipher.js";
import { describeCipherContract, expectSameBytes } from "./cipher.contract.js";

const tempDirs: string[] = [];
async function newDataDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "local-keyring-"));
  tempDirs.push(dir);
  return dir;
}
afterEach(async () => {
  await Promise.all(tempDirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

/** The error a promise rejects with; fails the test if it resolves. */
async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  const outcome = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(outcome).toBeInstanceOf(Error);
  return outcome as Error;
}

async function modeOf(path: string): Promise<number> {
  return (await stat(path)).mode & 0o777;
}

describeCipherContract("local keyring", async () => {
  const dir = await mkdtemp(join(tmpdir(), "local-keyring-contract-"));
  const cipher = await LocalKeyringCipher.open({ masterKey: randomBytes(32), keyringPath: join(dir, "keyring.json") });
  return {
    cipher,
    cleanup: async () => {
      await cipher.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});

describe("LocalKeyringCipher", () => {
  let keyringPath: string;
  let masterKey: Buffer;
  const aad = associatedData({ tenantId: "acme", secretId: "s-1", nameKey: "db", version: 1 });
  const open = (key = masterKey) => LocalKeyringCipher.open({ masterKey: key, keyringPath });
  const sealOne = async (cipher: LocalKeyringCipher, tenantId: string, text: string): Promise<Sealed> =>
    (await cipher.encrypt(tenantId, [{ plaintext: Buffer.from(text), associatedData: aad }]))[0]!;

  beforeEach(async () => {
    keyringPath = join(await newDataDir(), "keyring.json");
    masterKey = randomBytes(32);
  });

  it("keeps the keyring file at mode 0600, on creation and after each rewrite, leaving no temp files", async () => {
    const cipher = await open();
    expect(await modeOf(keyringPath)).toBe(0o600);
    await cipher.createTenantKey("acme");
    await cipher.rotateTenantKey("acme");
    expect(await modeOf(keyringPath)).toBe(0o600);
    expect(await readdir(join(keyringPath, ".."))).toEqual(["keyring.json"]);
    await cipher.close();
  });

  it("drops retired key versions from the file, so a reopened keyring cannot open them either; MACs stay the same", async () => {
    const first = await open();
    await first.createTenantKey("acme");
    const old = await sealOne(first, "acme", "old");
    const [tag] = await first.mac("acme", [Buffer.from("record")]);
    await first.rotateTenantKey("acme");
    await first.retireKeyVersionsBelow("acme", 2);
    await first.close();

    const document = await readKeyringFile(keyringPath);
    expect(document!.keys.map((entry) => [entry.version, entry.wrappedKey === undefined])).toEqual([
      [1, true],
      [2, false],
    ]);
    expect(await readFile(keyringPath, "utf8")).toContain('"retired": true');
    const reopened = await open();
    expect(await reopened.minDecryptionVersion("acme")).toBe(2);
    await expect(reopened.decrypt("acme", [{ ciphertext: old.ciphertext, associatedData: aad }])).rejects.toThrow();
    const [again] = await reopened.mac("acme", [Buffer.from("record")]);
    expect(Buffer.from(again!).equals(Buffer.from(tag!))).toBe(true);
    await reopened.close();
  });

  it("reopened with the same master key, opens old ciphertexts and keeps every tenant's versions", async () => {
    const first = await open();
    await first.createTenantKey("acme");
    await first.createTenantKey("globex");
    const v1 = await sealOne(first, "acme", "sealed with v1");
    await first.rotateTenantKey("acme");
    const v2 = await sealOne(first, "acme", "sealed with v2");
    await first.close();

    const reopened = await open();
    expect(await reopened.latestKeyVersion("acme")).toBe(2);
    expect(await reopened.latestKeyVersion("globex")).toBe(1);
    const opened = await reopened.decrypt("acme", [
      { ciphertext: v1.ciphertext, associatedData: aad },
      { ciphertext: v2.ciphertext, associatedData: aad },
    ]);
    expectSameBytes(opened[0], Buffer.from("sealed with v1"));
    expectSameBytes(opened[1], Buffer.from("sealed with v2"));
    await reopened.close();
  });

  it("refuses to open with a different master key, leaving the keyring unchanged", async () => {
    const cipher = await open();
    await cipher.createTenantKey("acme");
    await cipher.close();
    const before = await readFile(keyringPath);

    await expect(open(randomBytes(32))).rejects.toThrow(/master key does not match the keyring/);
    expect((await readFile(keyringPath)).equals(before)).toBe(true);
  });

  it("never stores a data key in the clear in the keyring file", async () => {
    const cipher = await open();
    const sealed = new Map<string, Sealed>();
    for (const tenantId of ["acme", "globex", "initech"]) {
      await cipher.createTenantKey(tenantId);
      await cipher.rotateTenantKey(tenantId);
      sealed.set(tenantId, await sealOne(cipher, tenantId, "probe"));
    }
    await cipher.close();

    const fileBytes = await readFile(keyringPath);
    const fileText = fileBytes.toString("utf8");
    const document = await readKeyringFile(keyringPath);
    expect(document!.keys).toHaveLength(6);
    for (const entry of document!.keys) {
      const dataKey = unwrapDataKey(masterKey, entry.tenantId, entry.version, entry.wrappedKey!)!;
      if (entry.version === 2) {
        // Proves these are the real data keys, so the search below is not vacuous.
        expectSameBytes(openValue(dataKey, sealed.get(entry.tenantId)!.ciphertext, aad), Buffer.from("probe"));
      }
      expect(fileBytes.includes(dataKey)).toBe(false);
      for (const encoded of [
        dataKey.toString("base64"),
        dataKey.toString("base64url"),
        dataKey.toString("hex"),
        dataKey.toString("hex").toUpperCase(),
      ]) {
        expect(fileText.includes(encoded)).toBe(false);
      }
    }
  });

  it("refuses a wrapped key moved to another tenant: the wrap is bound to tenant and version", async () => {
    const cipher = await open();
    await cipher.createTenantKey("acme");
    await cipher.createTenantKey("globex");
    await cipher.close();
    const document = (await readKeyringFile(keyringPath))!;
    const acmeKey = document.keys.find((entry) => entry.tenantId === "acme")!;
    await writeKeyringFile(keyringPath, {
      keyCheck: document.keyCheck,
      keys: document.keys.map((entry) => (entry.tenantId === "globex" ? { ...entry, wrappedKey: acmeKey.wrappedKey } : entry)),
    });

    await expect(open()).rejects.toThrow(/damaged: key version 1 of tenant "globex" does not unwrap/);
  });

  it("loses no key when rotations run concurrently with encryptions", async () => {
    const cipher = await open();
    await cipher.createTenantKey("acme");
    const rotations: Promise<number>[] = [];
    const encryptions: Promise<Sealed>[] = [];
    for (let i = 0; i < 8; i++) {
      rotations.push(cipher.rotateTenantKey("acme"));
      encryptions.push(sealOne(cipher, "acme", `value ${i}`));
    }
    const versions = await Promise.all(rotations);
    const sealed = await Promise.all(encryptions);
    expect([...versions].sort((a, b) => a - b)).toEqual([2, 3, 4, 5, 6, 7, 8, 9]);
    await cipher.close();

    const reopened = await open();
    expect(await reopened.latestKeyVersion("acme")).toBe(9);
    const opened = await reopened.decrypt(
      "acme",
      sealed.map(({ ciphertext }) => ({ ciphertext, associatedData: aad })),
    );
    opened.forEach((plaintext, i) => {
      expectSameBytes(plaintext, Buffer.from(`value ${i}`));
    });
    await reopened.close();
  });

  it("creates each tenant key once under concurrent creation, and persists them all", async () => {
    const cipher = await open();
    const tenants = ["a", "b", "c", "d"];
    await Promise.all([...tenants, ...tenants].map((tenantId) => cipher.createTenantKey(tenantId)));
    await cipher.close();

    const document = await readKeyringFile(keyringPath);
    expect(document!.keys.map((entry) => `${entry.tenantId}:${entry.version}`).sort()).toEqual(tenants.map((tenantId) => `${tenantId}:1`));
  });

  it("creates the keyring once when two openers start together", async () => {
    const [first, second] = await Promise.all([open(), open()]);
    await first.createTenantKey("acme");
    await first.close();
    await second.close();
    const reopened = await open();
    expect(await reopened.latestKeyVersion("acme")).toBe(1);
    await reopened.close();
  });

  it("rejects a master key that is not 256 bits", async () => {
    await expect(open(randomBytes(16))).rejects.toThrow(/256 bits/);
  });

  it("stops serving once closed", async () => {
    const cipher = await open();
    await cipher.createTenantKey("acme");
    await cipher.close();
    await expect(cipher.ping()).rejects.toBeInstanceOf(BackendUnavailableError);
    await expect(cipher.encrypt("acme", [])).rejects.toBeInstanceOf(BackendUnavailableError);
    await expect(cipher.rotateTenantKey("acme")).rejects.toBeInstanceOf(BackendUnavailableError);
  });
});

describe("loadMasterKey", () => {
  it("decodes SECRETS_MASTER_KEY given as base64 or hex", async () => {
    const key = randomBytes(32);
    const dataDir = await newDataDir();
    for (const text of [key.toString("base64"), key.toString("hex"), `${key.toString("base64url")}\n`]) {
      const loaded = await loadMasterKey({ masterKey: text, dataDir });
      expect(loaded.source).toBe("env");
      expect(loaded.key.equals(key)).toBe(true);
    }
    expect(await readdir(dataDir)).toEqual([]);
  });

  it("rejects a SECRETS_MASTER_KEY that is not 32 bytes, without echoing it", async () => {
    const dataDir = await newDataDir();
    for (const text of [randomBytes(16).toString("base64"), randomBytes(31).toString("hex"), "not-a-key-at-all"]) {
      const error = await rejectionOf(loadMasterKey({ masterKey: text, dataDir }));
      expect(error.message).toMatch(/SECRETS_MASTER_KEY must be 32 bytes/);
      expect(error.message).not.toContain(text);
    }
  });

  it("generates <dataDir>/master.key (0600) on first start and reads the same key later", async () => {
    const dataDir = join(await newDataDir(), "nested");
    const first = await loadMasterKey({ dataDir });
    expect(first).toMatchObject({ source: "generated", path: join(dataDir, "master.key") });
    expect(first.key).toHaveLength(32);
    expect(await modeOf(first.path!)).toBe(0o600);
    expect(await readdir(dataDir)).toEqual(["master.key"]);

    const second = await loadMasterKey({ dataDir });
    expect(second.source).toBe("generated");
    expect(second.key.equals(first.key)).toBe(true);
  });

  it("generates one key when several starters race on an empty data directory", async () => {
    const dataDir = await newDataDir();
    const loaded = await Promise.all(Array.from({ length: 6 }, () => loadMasterKey({ dataDir })));
    for (const { key } of loaded) expect(key.equals(loaded[0]!.key)).toBe(true);
  });

  it("reads a key file given by path, as raw bytes or as base64 text", async () => {
    const dir = await newDataDir();
    const key = randomBytes(32);
    const rawPath = join(dir, "raw.key");
    const textPath = join(dir, "text.key");
    await writeFile(rawPath, key, { mode: 0o600 });
    await writeFile(textPath, `${key.toString("base64")}\n`, { mode: 0o600 });
    for (const masterKeyFile of [rawPath, textPath]) {
      const loaded = await loadMasterKey({ masterKeyFile, dataDir: dir });
      expect(loaded).toMatchObject({ source: "file", path: masterKeyFile });
      expect(loaded.key.equals(key)).toBe(true);
    }
  });

  it("prefers SECRETS_MASTER_KEY over a key file", async () => {
    const dir = await newDataDir();
    const fileKey = randomBytes(32);
    const envKey = randomBytes(32);
    const masterKeyFile = join(dir, "file.key");
    await writeFile(masterKeyFile, fileKey, { mode: 0o600 });
    const loaded = await loadMasterKey({ masterKey: envKey.toString("hex"), masterKeyFile, dataDir: dir });
    expect(loaded.source).toBe("env");
    expect(loaded.key.equals(envKey)).toBe(true);
  });

  it("rejects a key file readable by group or others", async () => {
    const dir = await newDataDir();
    const masterKeyFile = join(dir, "open.key");
    await writeFile(masterKeyFile, randomBytes(32));
    await chmod(masterKeyFile, 0o640);
    await expect(loadMasterKey({ masterKeyFile, dataDir: dir })).rejects.toThrow(/accessible by group or others \(mode 640\)/);
    await chmod(masterKeyFile, 0o604);
    await expect(loadMasterKey({ masterKeyFile, dataDir: dir })).rejects.toThrow(/chmod 600/);
  });

  it("rejects a generated key file that was loosened or damaged", async () => {
    const dataDir = await newDataDir();
    const { path } = await loadMasterKey({ dataDir });
    await chmod(path!, 0o644);
    await expect(loadMasterKey({ dataDir })).rejects.toThrow(/accessible by group or others/);

    const damaged = "c2hvcnQ=\n";
    await chmod(path!, 0o600);
    await writeFile(path!, damaged);
    const error = await rejectionOf(loadMasterKey({ dataDir }));
    expect(error.message).toMatch(/does not hold a 256-bit key/);
    expect(error.message).not.toContain(damaged.trim());
  });
});
