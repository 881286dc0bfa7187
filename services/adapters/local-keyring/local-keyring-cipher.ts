/**
 * The embedded default Cipher: per-tenant, versioned AES-256-GCM data keys,
 * kept in a keyring file wrapped by a master key (see `key-wrapping.ts`,
 * `keyring-file.ts`); values are sealed as described in `value-ciphertext.ts`.
 * Unwrapped data keys live only in this process's memory.
 *
 * Key creation and rotation are serialized within the process and each one
 * rewrites the keyring file atomically before the new key is used, so no
 * ciphertext is ever sealed with a key that is not on disk. The keyring has
 * one writer: the service process that opened it.
 *
 * Retiring key versions (after a complete rewrap) drops their wrapped keys
 * from the file and wipes them from memory. The record-authentication key of
 * a tenant is derived from the master key (HKDF-SHA256, info naming the
 * tenant), not from a data key: it must outlive every rotation and retirement,
 * and it is never written anywhere.
 */
import { createHmac, hkdfSync, randomBytes } from "node:crypto";
import { mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import { BackendUnavailableError } from "../../domain/errors.js";
import {
  DecryptionFailedError,
  TenantKeyNotFoundError,
  type Cipher,
  type OpenRequest,
  type Sealed,
  type SealRequest,
} from "../../ports/cipher.js";
import { KEY_BYTES } from "./aes-gcm.js";
import { makeKeyCheck, masterKeyMatches, unwrapDataKey, wrapDataKey } from "./key-wrapping.js";
import { createKeyringFile, readKeyringFile, writeKeyringFile, type KeyringDocument, type WrappedKeyEntry } from "./keyring-file.js";
import { keyVersionOf, openValue, sealValue } from "./value-ciphertext.js";

export interface LocalKeyringCipherOptions {
  masterKey: Buffer;
  /** Usually `<dataDir>/keyring.json`; created on first open. */
  keyringPath: string;
}

/** Each tenant's data keys; index i holds key version i + 1, undefined once retired. */
type DataKeys = Map<string, (Buffer | undefined)[]>;

const RECORD_KEY_INFO = "secrets.v1/record-authentication-key";

export class LocalKeyringCipher implements Cipher {
  private closed = false;
  /** The tail of the chain that serializes key creation and rotation. */
  private keyChanges: Promise<unknown> = Promise.resolve();
  /** Record-authentication keys derived so far, by tenant. */
  private readonly recordKeys = new Map<string, Buffer>();

  private constructor(
    private readonly masterKey: Buffer,
    private readonly keyringPath: string,
    private document: KeyringDocument,
    private readonly dataKeys: DataKeys,
  ) {}

  static async open(options: LocalKeyringCipherOptions): Promise<LocalKeyringCipher> {
    if (options.masterKey.length !== KEY_BYTES) throw new Error("the keyring master key must be 256 bits (32 bytes)");
    // A copy, so that close() can wipe it without touching the caller's buffer.
    const masterKey = Buffer.from(options.masterKey);
    const path = options.keyringPath;
    const document = (await readKeyringFile(path)) ?? (await createKeyring(path, masterKey));
    if (!masterKeyMatches(masterKey, document.keyCheck)) {
      throw new Error(
        `master key does not match the keyring ${path}: it was created with a different master key ` +
          "(check SECRETS_MASTER_KEY or the master key file); the keyring was left unchanged",
      );
    }
    return new LocalKeyringCipher(masterKey, path, document, unwrapAll(masterKey, path, document.keys));
  }

  async createTenantKey(tenantId: string): Promise<void> {
    await this.serializeKeyChange(async () => {
      if (!this.dataKeys.has(tenantId)) await this.addKeyVersion(tenantId);
    });
  }

  async rotateTenantKey(tenantId: string): Promise<number> {
    return this.serializeKeyChange(async () => {
      this.keysOf(tenantId);
      return this.addKeyVersion(tenantId);
    });
  }

  async latestKeyVersion(tenantId: string): Promise<number> {
    return this.keysOf(tenantId).length;
  }

  async encrypt(tenantId: string, requests: readonly SealRequest[]): Promise<Sealed[]> {
    const keys = this.keysOf(tenantId);
    const keyVersion = keys.length;
    const latestKey = keys[keyVersion - 1] as Buffer;
    return requests.map((request) => ({
      ciphertext: sealValue(latestKey, keyVersion, request.plaintext, request.associatedData),
      keyVersion,
    }));
  }

  async decrypt(tenantId: string, requests: readonly OpenRequest[]): Promise<Uint8Array[]> {
    const keys = this.keysOf(tenantId);
    // map() throws on the first failure, so a batch yields all plaintexts or none.
    return requests.map((request) => {
      const keyVersion = keyVersionOf(request.ciphertext);
      const key = keyVersion === undefined ? undefined : keys[keyVersion - 1];
      const plaintext = key && openValue(key, request.ciphertext, request.associatedData);
      if (!plaintext) throw new DecryptionFailedError();
      return plaintext;
    });
  }

  async rewrap(tenantId: string, requests: readonly OpenRequest[]): Promise<Sealed[]> {
    const plaintexts = await this.decrypt(tenantId, requests);
    return this.encrypt(
      tenantId,
      plaintexts.map((plaintext, index) => ({ plaintext, associatedData: (requests[index] as OpenRequest).associatedData })),
    );
  }

  async retireKeyVersionsBelow(tenantId: string, version: number): Promise<number> {
    return this.serializeKeyChange(async () => {
      const keys = this.keysOf(tenantId);
      const below = Math.min(version, keys.length);
      const retiring = new Set(keys.flatMap((key, i) => (key && i + 1 < below ? [i + 1] : [])));
      if (retiring.size > 0) {
        const keep = (entry: WrappedKeyEntry) => entry.tenantId !== tenantId || !retiring.has(entry.version);
        const document: KeyringDocument = {
          ...this.document,
          keys: this.document.keys.map((entry) => (keep(entry) ? entry : { ...entry, wrappedKey: undefined })),
        };
        await writeKeyringFile(this.keyringPath, document);
        this.document = document;
        for (const v of retiring) {
          keys[v - 1]!.fill(0);
          keys[v - 1] = undefined;
        }
      }
      return oldestUsable(keys);
    });
  }

  async minDecryptionVersion(tenantId: string): Promise<number> {
    return oldestUsable(this.keysOf(tenantId));
  }

  async mac(tenantId: string, messages: readonly Uint8Array[]): Promise<Uint8Array[]> {
    const key = this.recordKeyOf(tenantId);
    return messages.map((message) => createHmac("sha256", key).update(message).digest());
  }

  async ping(): Promise<void> {
    this.assertOpen();
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.keyChanges;
    for (const keys of this.dataKeys.values()) for (const key of keys) key?.fill(0);
    this.dataKeys.clear();
    for (const key of this.recordKeys.values()) key.fill(0);
    this.recordKeys.clear();
    this.masterKey.fill(0);
  }

  private recordKeyOf(tenantId: string): Buffer {
    this.keysOf(tenantId);
    let key = this.recordKeys.get(tenantId);
    if (!key) {
      key = Buffer.from(hkdfSync("sha256", this.masterKey, Buffer.alloc(0), JSON.stringify([RECORD_KEY_INFO, tenantId]), KEY_BYTES));
      this.recordKeys.set(tenantId, key);
    }
    return key;
  }

  private keysOf(tenantId: string): (Buffer | undefined)[] {
    this.assertOpen();
    const keys = this.dataKeys.get(tenantId);
    if (!keys) throw new TenantKeyNotFoundError(tenantId);
    return keys;
  }

  private assertOpen(): void {
    if (this.closed) throw new BackendUnavailableError("local keyring", "the cipher is closed");
  }

  private serializeKeyChange<T>(change: () => Promise<T>): Promise<T> {
    const result = this.keyChanges.then(() => {
      this.assertOpen();
      return change();
    });
    this.keyChanges = result.catch(() => undefined);
    return result;
  }

  /** Persists a new key version first, and only then makes it usable. */
  private async addKeyVersion(tenantId: string): Promise<number> {
    const keys = this.dataKeys.get(tenantId) ?? [];
    const version = keys.length + 1;
    const dataKey = randomBytes(KEY_BYTES);
    const entry: WrappedKeyEntry = {
      tenantId,
      version,
      wrappedKey: wrapDataKey(this.masterKey, tenantId, version, dataKey),
      createTime: new Date().toISOString(),
    };
    const document: KeyringDocument = { ...this.document, keys: [...this.document.keys, entry] };
    await writeKeyringFile(this.keyringPath, document);
    this.document = document;
    this.dataKeys.set(tenantId, [...keys, dataKey]);
    return version;
  }
}

/** The version of the first key not retired (the latest never is). */
function oldestUsable(keys: readonly (Buffer | undefined)[]): number {
  return keys.findIndex((key) => key !== undefined) + 1;
}

async function createKeyring(path: string, masterKey: Buffer): Promise<KeyringDocument> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const empty: KeyringDocument = { keyCheck: makeKeyCheck(masterKey), keys: [] };
  if (await createKeyringFile(path, empty)) return empty;
  // Another opener created it between our read and our create: use theirs.
  const existing = await readKeyringFile(path);
  if (!existing) throw new Error(`keyring file ${path} disappeared while it was being created`);
  return existing;
}

/** Unwraps every entry, checking each tenant's versions run 1..n: a damaged file stops start-up. */
function unwrapAll(masterKey: Buffer, path: string, entries: readonly WrappedKeyEntry[]): DataKeys {
  const dataKeys: DataKeys = new Map();
  const sorted = [...entries].sort((a, b) => a.version - b.version);
  for (const entry of sorted) {
    const keys = dataKeys.get(entry.tenantId) ?? [];
    if (entry.version !== keys.length + 1) {
      throw new Error(`keyring file ${path} is damaged: tenant "${entry.tenantId}" has a gap or duplicate at key version ${entry.version}`);
    }
    const dataKey = entry.wrappedKey && unwrapDataKey(masterKey, entry.tenantId, entry.version, entry.wrappedKey);
    if (entry.wrappedKey && !dataKey) {
      throw new Error(`keyring file ${path} is damaged: key version ${entry.version} of tenant "${entry.tenantId}" does not unwrap`);
    }
    dataKeys.set(entry.tenantId, [...keys, dataKey]);
  }
  return dataKeys;
}
