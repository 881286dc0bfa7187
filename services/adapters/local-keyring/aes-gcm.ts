/**
 * AES-256-GCM with a 96-bit random nonce and a 128-bit tag: the one primitive
 * the local keyring uses, both to wrap data keys and to seal values.
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

export const KEY_BYTES = 32;
export const NONCE_BYTES = 12;
export const TAG_BYTES = 16;

export interface GcmSealed {
  nonce: Buffer;
  tag: Buffer;
  ciphertext: Buffer;
}

export function gcmSeal(key: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): GcmSealed {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv("aes-256-gcm", key, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { nonce, tag: cipher.getAuthTag(), ciphertext };
}

/** Returns the plaintext, or undefined if the input does not authenticate under this key and AAD. */
export function gcmOpen(key: Uint8Array, sealed: GcmSealed, aad: Uint8Array): Buffer | undefined {
  if (sealed.nonce.length !== NONCE_BYTES || sealed.tag.length !== TAG_BYTES) return undefined;
  const decipher = createDecipheriv("aes-256-gcm", key, sealed.nonce, { authTagLength: TAG_BYTES });
  decipher.setAAD(aad);
  decipher.setAuthTag(sealed.tag);
  try {
    return Buffer.concat([decipher.update(sealed.ciphertext), decipher.final()]);
  } catch {
    return undefined;
  }
}
