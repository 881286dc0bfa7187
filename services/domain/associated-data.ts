/**
 * The associated data every value is sealed with: it binds a ciphertext to
 * its tenant, secret, name and version, so a ciphertext copied onto another
 * record (or another version of the same one), or a record renamed in the
 * store, fails to decrypt.
 */
export interface ValueBinding {
  tenantId: string;
  secretId: string;
  /** The lower-cased name (immutable, like the id). */
  nameKey: string;
  version: number;
}

export function associatedData(binding: ValueBinding): Uint8Array {
  // JSON-encoded, so no two different bindings give the same bytes.
  return Buffer.from(JSON.stringify(["secrets.v2/value", binding.tenantId, binding.secretId, binding.nameKey, binding.version]), "utf8");
}
