/**
 * Cipher on Vault's transit engine: one transit key per tenant
 * (`aes256-gcm96`, not exportable, not deletable), values sealed with
 * `associated_data` binding them to their record, and every operation on
 * several values sent as one `batch_input` request, so resolving many
 * references is one Vault round trip. Calls go through node-vault's generic
 * `read`/`write` because its transit helpers hard-code the `transit` mount.
 *
 * Record authentication (`mac`) uses a second transit key per tenant
 * (`<prefix><tenant>_records`, never rotated). Calling Vault's HMAC endpoint
 * on every authenticated read would put a Vault round trip on every call, so
 * the adapter asks Vault once per tenant for the HMAC of a fixed input under
 * version 1 of that key and uses the result as the tenant's HMAC key, held
 * only in memory: deterministic (every replica derives the same key), never
 * stored, and only a Vault identity allowed `transit/hmac` on that key can
 * compute it. A database writer without Vault access cannot.
 */
import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import NodeVault from "node-vault";
import { BackendUnavailableError } from "../../domain/errors.js";
import type { Cipher, OpenRequest, SealRequest, Sealed } from "../../ports/cipher.js";
import { ciphertextBytes, ciphertextString, fromBase64, keyVersionOf, toBase64 } from "./transit-encoding.js";
import { VaultTokenLifecycle } from "./vault-auth.js";
import { batchItemFailure, isVaultPermissionDenied, mapVaultError, VaultPermissionError, type VaultCall } from "./vault-errors.js";
import { checkedKeyPrefix, normalizeMountPath, type VaultTransitCipherOptions } from "./vault-transit-options.js";

const KEY_TYPE = "aes256-gcm96";
/** Never includes a character of a tenant id, so no records key is another tenant's value key. */
const RECORDS_KEY_SUFFIX = "_records";
const RECORD_KEY_INPUT = "secrets.v1/record-authentication-key";

interface BatchResult {
  ciphertext?: string;
  plaintext?: string;
}

export class VaultTransitCipher implements Cipher {
  /** Builds the client and authenticates (AppRole login, or a check of the token); throws if Vault refuses. */
  static async connect(options: VaultTransitCipherOptions): Promise<VaultTransitCipher> {
    const client = NodeVault({
      endpoint: options.address,
      namespace: options.namespace,
      // node-vault's debug output prints request bodies (base64 plaintexts): keep it silent whatever DEBUG says.
      debug: () => undefined,
      requestOptions: {
        timeout: options.requestTimeoutMs ?? 10_000,
        ...(options.caFile ? { ca: readFileSync(options.caFile) } : {}),
        // Always verify Vault's certificate. node-vault would otherwise turn verification off for
        // any non-empty VAULT_SKIP_VERIFY, "false" included; a private CA goes in caFile instead.
        strictSSL: true,
      } as NodeVault.VaultOptions["requestOptions"],
    });
    checkedKeyPrefix(options.keyPrefix);
    const tokens = new VaultTokenLifecycle(client, options.auth, options);
    await tokens.start();
    return new VaultTransitCipher(client, tokens, options);
  }

  private readonly mount: string;
  private readonly keyPrefix: string;
  /**
   * Tenants whose key this process has seen exist. A token with `create` on
   * the encrypt path (a root token, say) would make Vault create a missing key
   * on encrypt instead of failing, so encrypt checks once per tenant; keys are
   * created with deletion_allowed=false, so the answer stays true.
   */
  private readonly knownKeys = new Set<string>();
  /** Record-authentication keys derived so far (the promise, so concurrent first calls ask Vault once). */
  private readonly recordKeys = new Map<string, Promise<Buffer>>();

  private constructor(
    private readonly client: NodeVault.client,
    private readonly tokens: VaultTokenLifecycle,
    private readonly options: VaultTransitCipherOptions,
  ) {
    this.mount = normalizeMountPath(options.mountPath);
    this.keyPrefix = checkedKeyPrefix(options.keyPrefix);
  }

  /** The transit key name of a tenant. */
  keyName(tenantId: string): string {
    return `${this.keyPrefix}${tenantId}`;
  }

  async createTenantKey(tenantId: string): Promise<void> {
    for (const keyName of [this.keyName(tenantId), this.recordsKeyName(tenantId)]) {
      const keyPath = this.keyPathOf(keyName);
      // Creating an existing key is a no-op in Vault, which makes this idempotent. The keys path
      // has no existence check, so Vault treats every write to it as "update".
      await this.call({ path: keyPath, capability: "update" }, () =>
        this.client.write(keyPath, { type: KEY_TYPE, exportable: false, allow_plaintext_backup: false }),
      );
      // A key of that name made by someone else must not be trusted blindly.
      const key = await this.readKeyNamed(keyName, tenantId);
      if (key.type !== KEY_TYPE || key.exportable !== false || key.deletion_allowed !== false || key.derived === true)
        throw new Error(
          `transit key "${keyName}" exists with other settings than ${KEY_TYPE}, exportable=false, deletion_allowed=false, derived=false`,
        );
    }
    this.knownKeys.add(tenantId);
  }

  async encrypt(tenantId: string, requests: readonly SealRequest[]): Promise<Sealed[]> {
    if (requests.length === 0) return [];
    if (!this.knownKeys.has(tenantId)) {
      await this.readKey(tenantId);
      this.knownKeys.add(tenantId);
    }
    const results = await this.batch(tenantId, "encrypt", {
      batch_input: requests.map((r) => ({ plaintext: toBase64(r.plaintext), associated_data: toBase64(r.associatedData) })),
    });
    return results.map(sealedFrom);
  }

  async decrypt(tenantId: string, requests: readonly OpenRequest[]): Promise<Uint8Array[]> {
    if (requests.length === 0) return [];
    const results = await this.batch(tenantId, "decrypt", {
      batch_input: requests.map(openItem),
    });
    return results.map((r) => fromBase64(r.plaintext ?? ""));
  }

  async rotateTenantKey(tenantId: string): Promise<number> {
    const rotatePath = `${this.keyPath(tenantId)}/rotate`;
    const response = await this.call({ path: rotatePath, capability: "update", tenantId }, () => this.client.write(rotatePath, {}));
    // Recent Vault versions answer with the key; older ones with 204 and no body.
    const latest = latestVersionOf(response?.data);
    return latest ?? this.latestKeyVersion(tenantId);
  }

  async latestKeyVersion(tenantId: string): Promise<number> {
    const latest = latestVersionOf(await this.readKey(tenantId));
    if (latest === undefined) throw new Error(`transit key "${this.keyName(tenantId)}" reports no versions`);
    return latest;
  }

  async rewrap(tenantId: string, requests: readonly OpenRequest[]): Promise<Sealed[]> {
    if (requests.length === 0) return [];
    if (this.options.rewrapMethod === "rewrap-endpoint") {
      const results = await this.batch(tenantId, "rewrap", { batch_input: requests.map(openItem) });
      return results.map(sealedFrom);
    }
    const plaintexts = await this.decrypt(tenantId, requests);
    try {
      return await this.encrypt(
        tenantId,
        plaintexts.map((plaintext, i) => ({ plaintext, associatedData: requests[i]!.associatedData })),
      );
    } finally {
      for (const plaintext of plaintexts) plaintext.fill(0);
    }
  }

  /** Raises the key's min_decryption_version (never above the latest version, never lower). */
  async retireKeyVersionsBelow(tenantId: string, version: number): Promise<number> {
    const key = await this.readKey(tenantId);
    const current = minDecryptionVersionOf(key);
    const target = Math.min(version, latestVersionOf(key) ?? 1);
    if (target <= current) return current;
    const configPath = `${this.keyPath(tenantId)}/config`;
    await this.call({ path: configPath, capability: "update", tenantId }, () =>
      this.client.write(configPath, { min_decryption_version: target }),
    );
    return target;
  }

  async minDecryptionVersion(tenantId: string): Promise<number> {
    return minDecryptionVersionOf(await this.readKey(tenantId));
  }

  async mac(tenantId: string, messages: readonly Uint8Array[]): Promise<Uint8Array[]> {
    const key = await this.recordKeyOf(tenantId);
    return messages.map((message) => createHmac("sha256", key).update(message).digest());
  }

  async ping(): Promise<void> {
    // node-vault hands back sys/health bodies for every status (sealed is 503) instead of throwing,
    // and so also a proxy's error page: only Vault's documented health body counts as healthy.
    const health: unknown = await this.call({ path: "sys/health", capability: "read" }, () => this.client.read("sys/health"));
    const { initialized, sealed } = (health ?? {}) as { initialized?: unknown; sealed?: unknown };
    if (typeof initialized !== "boolean" || typeof sealed !== "boolean")
      throw new BackendUnavailableError(
        "vault",
        "sys/health did not answer with Vault's health status (a proxy without a Vault behind it?)",
      );
    if (!initialized) throw new BackendUnavailableError("vault", "Vault is not initialized");
    if (sealed) throw new BackendUnavailableError("vault", "Vault is sealed");
  }

  async close(): Promise<void> {
    await this.tokens.stop();
    for (const key of this.recordKeys.values())
      void key.then(
        (bytes) => bytes.fill(0),
        () => undefined,
      );
    this.recordKeys.clear();
  }

  private recordsKeyName(tenantId: string): string {
    return `${this.keyName(tenantId)}${RECORDS_KEY_SUFFIX}`;
  }

  private keyPathOf(keyName: string): string {
    return `${this.mount}/keys/${encodeURIComponent(keyName)}`;
  }

  private keyPath(tenantId: string): string {
    return this.keyPathOf(this.keyName(tenantId));
  }

  private readKey(tenantId: string): Promise<Record<string, unknown>> {
    return this.readKeyNamed(this.keyName(tenantId), tenantId);
  }

  private async readKeyNamed(keyName: string, tenantId: string): Promise<Record<string, unknown>> {
    const keyPath = this.keyPathOf(keyName);
    const response = await this.call({ path: keyPath, capability: "read", tenantId }, () => this.client.read(keyPath));
    return (response?.data ?? {}) as Record<string, unknown>;
  }

  private recordKeyOf(tenantId: string): Promise<Buffer> {
    let key = this.recordKeys.get(tenantId);
    if (!key) {
      key = this.deriveRecordKey(tenantId);
      this.recordKeys.set(tenantId, key);
      // A failure (Vault down, no such key) is not cached: the next call asks again.
      key.catch(() => this.recordKeys.delete(tenantId));
    }
    return key;
  }

  private async deriveRecordKey(tenantId: string): Promise<Buffer> {
    const path = `${this.mount}/hmac/${encodeURIComponent(this.recordsKeyName(tenantId))}`;
    const input = Buffer.from(JSON.stringify([RECORD_KEY_INPUT, tenantId]), "utf8").toString("base64");
    // Version 1 explicitly: the derived key must stay the same even if someone rotates the records key.
    const response = await this.call({ path, capability: "update", tenantId }, () =>
      this.client.write(path, { input, key_version: 1, algorithm: "sha2-256" }),
    );
    const hmac: unknown = response?.data?.hmac;
    const match = typeof hmac === "string" ? /^vault:v1:([A-Za-z0-9+/]+=*)$/.exec(hmac) : null;
    const key = match ? Buffer.from(match[1]!, "base64") : undefined;
    if (!key || key.length !== 32) throw new Error(`Vault hmac on ${path} did not return a vault:v1: SHA-256 HMAC`);
    return key;
  }

  private async batch(
    tenantId: string,
    operation: "encrypt" | "decrypt" | "rewrap",
    body: { batch_input: object[] },
  ): Promise<BatchResult[]> {
    const path = `${this.mount}/${operation}/${encodeURIComponent(this.keyName(tenantId))}`;
    const call: VaultCall = { path, capability: "update", tenantId, opensCiphertexts: operation !== "encrypt" };
    const response = await this.call(call, () => this.client.write(path, body));
    const results: unknown = response?.data?.batch_results;
    if (!Array.isArray(results) || results.length !== body.batch_input.length)
      throw new Error(
        `Vault ${operation} returned ${Array.isArray(results) ? results.length : "no"} batch results for ${body.batch_input.length} items`,
      );
    // A batch is all-or-nothing here, even when Vault answered 200 with an item's `error` set.
    const failure = batchItemFailure(results, call);
    if (failure) throw failure;
    return results as BatchResult[];
  }

  /** Runs one Vault request; after a 403 that a replaced token may cure (see recoverFrom403), one retry. */
  private async call<T>(call: VaultCall, request: () => Promise<T>): Promise<T> {
    const usedToken = this.tokens.token;
    try {
      return await request();
    } catch (error) {
      if (!isVaultPermissionDenied(error)) throw mapVaultError(error, call);
    }
    if (!(await this.tokens.recoverFrom403(usedToken))) throw new VaultPermissionError(call);
    try {
      return await request();
    } catch (error) {
      throw mapVaultError(error, call);
    }
  }
}

function openItem(request: OpenRequest): { ciphertext: string; associated_data: string } {
  return { ciphertext: ciphertextString(request.ciphertext), associated_data: toBase64(request.associatedData) };
}

function sealedFrom(result: BatchResult): Sealed {
  const ciphertext = result.ciphertext ?? "";
  return { ciphertext: ciphertextBytes(ciphertext), keyVersion: keyVersionOf(ciphertext) };
}

function minDecryptionVersionOf(key: Record<string, unknown>): number {
  const version = Number(key.min_decryption_version ?? 1);
  return Number.isSafeInteger(version) && version > 0 ? version : 1;
}

/** `latest_version` of a transit key read, or the highest entry of its `keys` map on Vaults that predate it. */
function latestVersionOf(key: Record<string, unknown> | undefined): number | undefined {
  if (!key) return undefined;
  if (typeof key.latest_version === "number" && key.latest_version > 0) return key.latest_version;
  const versions = Object.keys((key.keys as Record<string, unknown> | undefined) ?? {})
    .map(Number)
    .filter(Number.isSafeInteger);
  return versions.length > 0 ? Math.max(...versions) : undefined;
}
