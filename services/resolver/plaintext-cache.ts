/**
 * Opened values of recently resolved secrets, kept for a short time so that a
 * workload resolving the same secrets many times a second does not pay one
 * AES-GCM decipher (or one Vault round trip) per value per call: that
 * decipher was most of what each extra value of a resolve cost (BENCHMARKS.md,
 * "Resolve CPU, session of 2026-12-03"). The one place the service keeps a
 * plaintext beyond the call that decrypted it; README "Threat model" says
 * what that means.
 *
 * A remembered value is a memo of one decryption, never more: it is returned
 * only for the very ciphertext bytes it was opened from, bound to the same
 * secret id and version, so it can never answer for a value the store no
 * longer holds (a new version, a rewrap, a tampered or rolled-back row all
 * miss and decrypt as before). Besides that:
 * - bounded: at most `maxEntries` values and `maxBytes` plaintext bytes, the
 *   oldest dropped first; a value is dropped `ttlMs` after it was opened,
 *   read or not (a timer sweeps);
 * - forgotten whenever the read cache forgets the secret (every change the
 *   change feed reports, this process's writes, a ciphertext that no longer
 *   opens), and a decryption that overlapped a forgetting of that secret is
 *   not kept (of that secret only: forgettings are constant on a busy store,
 *   last access times alone make one per secret a minute);
 * - bytes are held in buffers of their own, zeroed when dropped; nothing here
 *   is ever logged.
 */
import { decodeSecretValue, type SecretValue } from "../../kernel/secret-values.js";
import type { SecretWithCiphertext } from "../ports/secret-store.js";

export interface PlaintextCacheLimits {
  /** How long an opened value is kept, in milliseconds. */
  ttlMs: number;
  maxEntries: number;
  /** Plaintext bytes held at most, over all entries. */
  maxBytes: number;
}

/** Two seconds: a busy secret is decrypted about once every two seconds instead of on every call. */
export const PLAINTEXT_CACHE_TTL_MS = 2_000;
/** The longest time the flag accepts: a plaintext is kept briefly or not at all. */
export const PLAINTEXT_CACHE_MAX_TTL_MS = 60_000;
export const PLAINTEXT_CACHE_MAX_ENTRIES = 10_000;
export const PLAINTEXT_CACHE_MAX_BYTES = 16 * 1024 * 1024;

/** Where the cache hears that a secret changed (SecretReadCache). */
export interface ForgetSource {
  onForget(listener: (tenantId: string, nameKey: string) => void): () => void;
}

interface Opened {
  secretId: string;
  version: number;
  ciphertext: Uint8Array;
  plaintext: Buffer;
  expiresAt: number;
}

export class PlaintextCache {
  /** In the order they were opened: the first entry expires first and is dropped first. */
  private readonly entries = new Map<string, Opened>();
  private heldBytes = 0;
  /** Counts forgettings: a decryption that overlapped one of its secret is not kept. */
  private forgets = 0;
  /** When (in `forgets`) each secret was last forgotten; bounded: when it grows, every mark before `marksFrom` is refused. */
  private readonly forgottenAt = new Map<string, number>();
  private marksFrom = 0;
  private readonly unsubscribe: () => void;
  private readonly sweeper: ReturnType<typeof setInterval>;

  constructor(
    forgetSource: ForgetSource,
    private readonly limits: PlaintextCacheLimits,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.unsubscribe = forgetSource.onForget((tenantId, nameKey) => this.forget(tenantId, nameKey));
    this.sweeper = setInterval(() => this.sweep(), limits.ttlMs);
    this.sweeper.unref();
  }

  /** The number of values held, and their plaintext bytes. */
  get size(): { entries: number; bytes: number } {
    return { entries: this.entries.size, bytes: this.heldBytes };
  }

  /** Take before decrypting; pass to `remember` after, which keeps nothing if that secret was forgotten meanwhile. */
  mark(): number {
    return this.forgets;
  }

  /** The value this exact ciphertext of this secret opened to, if it is still held. */
  get(tenantId: string, sealed: SecretWithCiphertext): SecretValue | undefined {
    const key = keyOf(tenantId, sealed.secret.nameKey);
    const opened = this.entries.get(key);
    if (!opened) return undefined;
    if (this.now() >= opened.expiresAt) {
      this.drop(key, opened);
      return undefined;
    }
    if (
      opened.secretId !== sealed.secret.id ||
      opened.version !== sealed.secret.version ||
      !sameBytes(opened.ciphertext, sealed.ciphertext)
    )
      return undefined;
    return decodeSecretValue(sealed.secret.type, opened.plaintext);
  }

  /** Keeps a copy of what `sealed` opened to (the caller may wipe its own), unless its secret was forgotten since `mark`. */
  remember(tenantId: string, sealed: SecretWithCiphertext, plaintext: Uint8Array, mark: number): void {
    const key = keyOf(tenantId, sealed.secret.nameKey);
    if (mark < this.marksFrom || (this.forgottenAt.get(key) ?? 0) > mark || plaintext.byteLength > this.limits.maxBytes) return;
    const previous = this.entries.get(key);
    if (previous) this.drop(key, previous);
    // Buffer.alloc, never the shared pool: the copy is this entry's alone, and zeroing it touches nothing else.
    const copy = Buffer.alloc(plaintext.byteLength);
    copy.set(plaintext);
    this.entries.set(key, {
      secretId: sealed.secret.id,
      version: sealed.secret.version,
      ciphertext: sealed.ciphertext,
      plaintext: copy,
      expiresAt: this.now() + this.limits.ttlMs,
    });
    this.heldBytes += copy.byteLength;
    for (const [oldestKey, oldest] of this.entries) {
      if (this.entries.size <= this.limits.maxEntries && this.heldBytes <= this.limits.maxBytes) break;
      this.drop(oldestKey, oldest);
    }
  }

  forget(tenantId: string, nameKey: string): void {
    this.forgets++;
    const key = keyOf(tenantId, nameKey);
    if (this.forgottenAt.size >= this.limits.maxEntries) {
      // Keeping no older times refuses every decryption already under way: rare, and always safe.
      this.forgottenAt.clear();
      this.marksFrom = this.forgets;
    }
    this.forgottenAt.delete(key);
    this.forgottenAt.set(key, this.forgets);
    const opened = this.entries.get(key);
    if (opened) this.drop(key, opened);
  }

  /** Drops every value past its time (the timer calls this every `ttlMs`). */
  sweep(): void {
    const now = this.now();
    for (const [key, opened] of this.entries) {
      if (opened.expiresAt > now) break;
      this.drop(key, opened);
    }
  }

  close(): void {
    this.unsubscribe();
    clearInterval(this.sweeper);
    for (const [key, opened] of this.entries) this.drop(key, opened);
  }

  private drop(key: string, opened: Opened): void {
    opened.plaintext.fill(0);
    this.heldBytes -= opened.plaintext.byteLength;
    this.entries.delete(key);
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a === b || Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);
}

function keyOf(tenantId: string, nameKey: string): string {
  return `${tenantId}\n${nameKey}`;
}
