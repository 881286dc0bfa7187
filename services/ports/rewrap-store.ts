/** Stored ciphertexts by the tenant key version that sealed them: what key rotation rewraps. */
import type { Ciphertext } from "./secret-store.js";

/** A stored ciphertext located by its record, for rewrapping. */
export interface StoredCiphertext extends Ciphertext {
  secretId: string;
  /** The secret's name key: part of the value's associated data. */
  nameKey: string;
  version: number;
}

/**
 * A write carried a ciphertext sealed with a key version below the tenant's
 * minimum accepted one (a rotation raised it meanwhile). Nothing was written:
 * seal again (with the newest version) and retry.
 */
export class StaleKeyVersionError extends Error {
  override readonly name = "StaleKeyVersionError";
  constructor(
    readonly keyVersion: number,
    readonly minKeyVersion: number,
  ) {
    super(`a value sealed with key version ${keyVersion} is below the tenant's minimum accepted key version ${minKeyVersion}`);
  }
}

export interface RewrapStore {
  /**
   * Raises the tenant's minimum accepted key version (never lowers it). From
   * its commit on, `createSecret` and `addSecretVersion` refuse a ciphertext
   * sealed below it with StaleKeyVersionError, checked in their own atomic
   * step: so once a rotation has raised it, no write it did not count can
   * land under an older version.
   */
  raiseMinKeyVersion(tenantId: string, keyVersion: number): Promise<void>;
  /** Number of retained ciphertexts sealed with a key version below `keyVersion`. */
  countCiphertextsBelow(tenantId: string, keyVersion: number): Promise<number>;
  /** Up to `limit` retained ciphertexts sealed with a key version below `keyVersion`. */
  listCiphertextsBelow(tenantId: string, keyVersion: number, limit: number): Promise<StoredCiphertext[]>;
  /** Replaces one ciphertext if it is still sealed with `fromKeyVersion`; returns whether it did. */
  replaceCiphertext(tenantId: string, secretId: string, version: number, fromKeyVersion: number, to: Ciphertext): Promise<boolean>;
}
