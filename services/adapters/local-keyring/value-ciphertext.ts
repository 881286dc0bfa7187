/**
 * The byte layout of a value sealed by the local keyring:
 *
 *   offset  length  field
 *   0       1       format version, 0x01
 *   1       4       tenant key version, uint32 big-endian
 *   5       12      AES-256-GCM nonce (random per encryption)
 *   17      16      GCM authentication tag
 *   33      n       ciphertext (n = plaintext length)
 *
 * The GCM associated data is exactly the caller's associated data. The header
 * needs no separate authentication: a changed key version selects another key
 * (or none), and a changed format byte is rejected, so either fails to open.
 */
import { gcmOpen, gcmSeal, NONCE_BYTES, TAG_BYTES } from "./aes-gcm.js";

const FORMAT_V1 = 0x01;
const KEY_VERSION_OFFSET = 1;
const NONCE_OFFSET = KEY_VERSION_OFFSET + 4;
const TAG_OFFSET = NONCE_OFFSET + NONCE_BYTES;
const CIPHERTEXT_OFFSET = TAG_OFFSET + TAG_BYTES;

export function sealValue(dataKey: Buffer, keyVersion: number, plaintext: Uint8Array, aad: Uint8Array): Buffer {
  const { nonce, tag, ciphertext } = gcmSeal(dataKey, plaintext, aad);
  const header = Buffer.alloc(NONCE_OFFSET);
  header.writeUInt8(FORMAT_V1, 0);
  header.writeUInt32BE(keyVersion, KEY_VERSION_OFFSET);
  return Buffer.concat([header, nonce, tag, ciphertext]);
}

/** The key version a ciphertext names, or undefined if it is not a format-1 ciphertext. */
export function keyVersionOf(sealed: Uint8Array): number | undefined {
  if (sealed.length < CIPHERTEXT_OFFSET || sealed[0] !== FORMAT_V1) return undefined;
  return Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength).readUInt32BE(KEY_VERSION_OFFSET);
}

/** The plaintext, or undefined if the ciphertext does not authenticate under this key and AAD. */
export function openValue(dataKey: Buffer, sealed: Uint8Array, aad: Uint8Array): Buffer | undefined {
  const bytes = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
  return gcmOpen(
    dataKey,
    {
      nonce: bytes.subarray(NONCE_OFFSET, TAG_OFFSET),
      tag: bytes.subarray(TAG_OFFSET, CIPHERTEXT_OFFSET),
      ciphertext: bytes.subarray(CIPHERTEXT_OFFSET),
    },
    aad,
  );
}
