/**
 * What the master key does: wrap and unwrap tenant data keys, and produce a
 * key-check value so that a keyring opened with the wrong master key is
 * recognised before anything is read or written.
 *
 * A wrapped key is `nonce (12) || tag (16) || wrapped key (32)`, sealed with
 * associated data naming the tenant and key version, so an entry moved to
 * another tenant or version does not unwrap.
 */
import { gcmOpen, gcmSeal, KEY_BYTES, NONCE_BYTES, TAG_BYTES, type GcmSealed } from "./aes-gcm.js";

const KEY_CHECK_PLAINTEXT = Buffer.from("secrets local-keyring master key check", "utf8");
const KEY_CHECK_AAD = Buffer.from(JSON.stringify(["secrets.v1/keyring-key-check"]), "utf8");

function dataKeyAad(tenantId: string, version: number): Buffer {
  // JSON-encoded, so no two (tenant, version) pairs give the same bytes.
  return Buffer.from(JSON.stringify(["secrets.v1/keyring-data-key", tenantId, version]), "utf8");
}

export function wrapDataKey(masterKey: Buffer, tenantId: string, version: number, dataKey: Buffer): Buffer {
  return joinSealed(gcmSeal(masterKey, dataKey, dataKeyAad(tenantId, version)));
}

/** Returns the data key, or undefined if the entry does not authenticate for this tenant and version. */
export function unwrapDataKey(masterKey: Buffer, tenantId: string, version: number, wrapped: Buffer): Buffer | undefined {
  const sealed = splitSealed(wrapped);
  const dataKey = sealed && gcmOpen(masterKey, sealed, dataKeyAad(tenantId, version));
  return dataKey?.length === KEY_BYTES ? dataKey : undefined;
}

export function makeKeyCheck(masterKey: Buffer): Buffer {
  return joinSealed(gcmSeal(masterKey, KEY_CHECK_PLAINTEXT, KEY_CHECK_AAD));
}

export function masterKeyMatches(masterKey: Buffer, keyCheck: Buffer): boolean {
  const sealed = splitSealed(keyCheck);
  const opened = sealed && gcmOpen(masterKey, sealed, KEY_CHECK_AAD);
  return opened?.equals(KEY_CHECK_PLAINTEXT) ?? false;
}

function joinSealed({ nonce, tag, ciphertext }: GcmSealed): Buffer {
  return Buffer.concat([nonce, tag, ciphertext]);
}

function splitSealed(bytes: Buffer): GcmSealed | undefined {
  if (bytes.length < NONCE_BYTES + TAG_BYTES) return undefined;
  return {
    nonce: bytes.subarray(0, NONCE_BYTES),
    tag: bytes.subarray(NONCE_BYTES, NONCE_BYTES + TAG_BYTES),
    ciphertext: bytes.subarray(NONCE_BYTES + TAG_BYTES),
  };
}
