/** Stored ciphertexts by the tenant key version that sealed them: what key rotation rewraps. */
import type { Ciphertext } from "./secret-store.js";

/** A stored ciphertext located by its record, for rewrapping. */
export interface StoredCiphertext extends Ciphertext {
  secretId: string;
  /** The secret's name key: part of the value's associated data. */
  nameKey: string;
  version: number;
}

export interface RewrapStore {
  /** Number of retained ciphertexts sealed with a key version below `keyVersion`. */
  countCiphertextsBelow(tenantId: string, keyVersion: number): Promise<number>;
  /** Up to `limit` retained ciphertexts sealed with a key version below `keyVersion`. */
  listCiphertextsBelow(tenantId: string, keyVersion: number, limit: number): Promise<StoredCiphertext[]>;
  /** Replaces one ciphertext if it is still sealed with `fromKeyVersion`; returns whether it did. */
  replaceCiphertext(
    tenantId: string,
    secretId: string,
    version: number,
    fromKeyVersion: number,
    to: Ciphertext,
  ): Promise<boolean>;
}
