/**
 * How values cross the wire to Vault's transit engine: plaintext and
 * associated data as base64 (Vault requires it, values may be binary), and
 * ciphertexts as Vault's own `vault:vN:<base64>` strings, kept verbatim as
 * UTF-8 bytes so the store holds exactly what Vault issued.
 */

export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}

export function fromBase64(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, "base64"));
}

/** The stored form of a transit ciphertext. */
export function ciphertextBytes(vaultCiphertext: string): Uint8Array {
  return new Uint8Array(Buffer.from(vaultCiphertext, "utf8"));
}

/** The transit ciphertext string back from its stored bytes. */
export function ciphertextString(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8");
}

const VAULT_CIPHERTEXT = /^vault:v(\d+):/;

/** The key version in a `vault:vN:...` ciphertext; throws on anything else (never echoing it). */
export function keyVersionOf(vaultCiphertext: string): number {
  const match = VAULT_CIPHERTEXT.exec(vaultCiphertext);
  const version = match ? Number(match[1]) : NaN;
  if (!Number.isSafeInteger(version) || version < 1) throw new Error("Vault returned a ciphertext without a vault:vN: version prefix");
  return version;
}
