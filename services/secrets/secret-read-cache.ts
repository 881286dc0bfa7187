/**
 * Secret records and current ciphertexts kept in memory for the hot reads
 * (GetSecret, ResolveSecrets, a watch's snapshot), so a call costs a map
 * lookup instead of a store query. Values stay sealed: only ciphertexts are
 * kept, never plaintext.
 *
 * Kept right, also with several replicas on one store:
 * - every change the store's change feed reports (any replica's, every kind)
 *   forgets that secret, and a read that overlapped any change is not kept;
 * - this process's writes forget what they wrote at once (`forget`), not
 *   waiting for the feed (MongoDB's change stream arrives a little later);
 * - nothing is kept longer than `maxAgeMs`: the bound on what no feed tells
 *   (a change stream that is down, another process writing the same SQLite
 *   file, a ciphertext rewrapped by a key rotation).
 * Names that do not exist are never kept. Bounded; forgotten whole when full.
 */
import type { SecretChangeFeed } from "../ports/secret-change-feed.js";
import type { SecretRecord, SecretStore, SecretWithCiphertext } from "../ports/secret-store.js";

/** Long enough that a busy secret is read from the store about once a second, short enough to bound what no feed reports. */
export const SECRET_CACHE_MAX_AGE_MS = 1_000;
const MAX_REMEMBERED = 10_000;

interface Remembered<T> {
  value: T;
  readAt: number;
}

export interface CachedSecretsWithCiphertext {
  found: SecretWithCiphertext[];
  /** Whether any of them came from memory (a caller whose decryption fails then reads again with `forget`). */
  remembered: boolean;
}

export class SecretReadCache {
  private readonly records = new Map<string, Remembered<SecretRecord>>();
  private readonly sealed = new Map<string, Remembered<SecretWithCiphertext>>();
  /** Counts changes: a read that overlapped one is not kept. */
  private changes = 0;
  private readonly unsubscribe: () => void;
  private readonly forgetListeners = new Set<(tenantId: string, nameKey: string) => void>();

  constructor(
    private readonly store: Pick<SecretStore, "getSecret" | "getSecretsWithCiphertext"> & SecretChangeFeed,
    private readonly maxAgeMs = SECRET_CACHE_MAX_AGE_MS,
  ) {
    this.unsubscribe = store.onSecretChange((event) => this.forget(event.tenantId, event.nameKey));
  }

  async getSecret(tenantId: string, nameKey: string): Promise<SecretRecord | undefined> {
    const key = keyOf(tenantId, nameKey);
    const remembered = this.fresh(this.records, key);
    if (remembered) return remembered;
    const changesBefore = this.changes;
    const secret = await this.store.getSecret(tenantId, nameKey);
    if (secret && this.changes === changesBefore) remember(this.records, key, secret);
    return secret;
  }

  /** The secrets of these name keys that exist, with their current ciphertexts; one store read for those not in memory. */
  async getSecretsWithCiphertext(tenantId: string, nameKeys: readonly string[]): Promise<CachedSecretsWithCiphertext> {
    const found: SecretWithCiphertext[] = [];
    const missing: string[] = [];
    for (const nameKey of nameKeys) {
      const remembered = this.fresh(this.sealed, keyOf(tenantId, nameKey));
      if (remembered) found.push(remembered);
      else missing.push(nameKey);
    }
    const remembered = found.length > 0;
    if (missing.length === 0) return { found, remembered };
    const changesBefore = this.changes;
    const read = await this.store.getSecretsWithCiphertext(tenantId, missing);
    const keep = this.changes === changesBefore;
    for (const entry of read) {
      found.push(entry);
      if (keep) remember(this.sealed, keyOf(tenantId, entry.secret.nameKey), entry);
    }
    return { found, remembered };
  }

  /** Forgets a secret: it changed (or its remembered ciphertext no longer opens). */
  forget(tenantId: string, nameKey: string): void {
    this.changes++;
    const key = keyOf(tenantId, nameKey);
    this.records.delete(key);
    this.sealed.delete(key);
    for (const listener of this.forgetListeners) listener(tenantId, nameKey);
  }

  /** Calls `listener` on every forget (the plaintext cache follows this one); returns the unsubscribe function. */
  onForget(listener: (tenantId: string, nameKey: string) => void): () => void {
    this.forgetListeners.add(listener);
    return () => this.forgetListeners.delete(listener);
  }

  close(): void {
    this.unsubscribe();
    this.records.clear();
    this.sealed.clear();
  }

  private fresh<T>(map: Map<string, Remembered<T>>, key: string): T | undefined {
    const remembered = map.get(key);
    if (!remembered) return undefined;
    if (performance.now() - remembered.readAt < this.maxAgeMs) return remembered.value;
    map.delete(key);
    return undefined;
  }
}

function remember<T extends object>(map: Map<string, Remembered<T>>, key: string, value: T): void {
  if (map.size >= MAX_REMEMBERED) map.clear();
  map.set(key, { value: Object.freeze(value), readAt: performance.now() });
}

function keyOf(tenantId: string, nameKey: string): string {
  return `${tenantId}\n${nameKey}`;
}
