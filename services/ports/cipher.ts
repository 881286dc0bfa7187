/**
 * Cipher: encryption with a key per tenant, versioned. Every value is sealed
 * with associated data binding it to its record (see `domain/associated-data`),
 * so a ciphertext moved to another record does not open.
 *
 * Adapters: `adapters/local-keyring` (embedded default: AES-256-GCM data keys
 * wrapped by a master key) and `adapters/vault-transit` (production). Both
 * pass `test/contract/cipher.contract.ts`.
 *
 * The cipher also keeps a second, separate key per tenant for authenticating
 * metadata records (`mac`): the rows that decide who may do what are tagged
 * under it, so a writer with access to the metadata store alone cannot forge
 * or alter them (see `services/integrity`). That key is never rotated, and
 * never shared with the store.
 *
 * Batches are all-or-nothing: one item that fails authentication fails the
 * call with DecryptionFailedError. An unreachable backend throws
 * BackendUnavailableError.
 */

export interface SealRequest {
  plaintext: Uint8Array;
  associatedData: Uint8Array;
}

export interface OpenRequest {
  ciphertext: Uint8Array;
  associatedData: Uint8Array;
}

export interface Sealed {
  /** Opaque; carries the key version it was sealed with. */
  ciphertext: Uint8Array;
  keyVersion: number;
}

export interface Cipher {
  /** Creates the tenant's key (version 1) if it does not exist yet. Idempotent. */
  createTenantKey(tenantId: string): Promise<void>;
  /** Seals with the tenant key's latest version, one result per request, in order. */
  encrypt(tenantId: string, requests: readonly SealRequest[]): Promise<Sealed[]>;
  /** Opens with whichever key version sealed each ciphertext. */
  decrypt(tenantId: string, requests: readonly OpenRequest[]): Promise<Uint8Array[]>;
  /** Adds a key version; new encryptions use it. Returns the new latest version. */
  rotateTenantKey(tenantId: string): Promise<number>;
  latestKeyVersion(tenantId: string): Promise<number>;
  /** Re-seals ciphertexts with the latest key version without exposing plaintext to the caller where the backend allows. */
  rewrap(tenantId: string, requests: readonly OpenRequest[]): Promise<Sealed[]>;
  /**
   * Retires the key versions below `version` once no stored ciphertext needs
   * them: afterwards ciphertexts sealed with them no longer open. Never lowers
   * it; returns the oldest version that still opens.
   */
  retireKeyVersionsBelow(tenantId: string, version: number): Promise<number>;
  /** The oldest key version that still opens ciphertexts (1 until versions are retired). */
  minDecryptionVersion(tenantId: string): Promise<number>;
  /**
   * HMAC-SHA256 of each message under the tenant's record-authentication key,
   * in order. Deterministic, and cheap after the first call for a tenant (the
   * key is held in memory), so it can run on every authenticated read.
   */
  mac(tenantId: string, messages: readonly Uint8Array[]): Promise<Uint8Array[]>;
  /** Throws BackendUnavailableError if the cipher cannot serve. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** A ciphertext did not authenticate: wrong key, wrong associated data, or tampered bytes. */
export class DecryptionFailedError extends Error {
  override readonly name = "DecryptionFailedError";
  constructor(message = "ciphertext failed to authenticate") {
    super(message);
  }
}

/** The tenant has no key in this cipher backend. */
export class TenantKeyNotFoundError extends Error {
  override readonly name = "TenantKeyNotFoundError";
  constructor(readonly tenantId: string) {
    super(`no encryption key for tenant "${tenantId}"`);
  }
}
