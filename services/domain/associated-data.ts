/**
 * The associated data every value is sealed with: it binds a ciphertext to
 * its tenant, secret and version, so a ciphertext copied onto another record
 * (or another version of the same one) fails to decrypt.
 */
export interface ValueBinding {
  tenantId: string;
  secretId: string;
  version: number;
}

export function associatedData(binding: ValueBinding): Uint8Array {
  // JSON-encoded, so no two different bindings give the same bytes.
  return Buffer.from(
    JSON.stringify(["secrets.v1/value", binding.tenantId, binding.secretId, binding.version]),
    "utf8",
  );
}
