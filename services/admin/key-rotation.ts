/**
 * Key rotation: add a key version, then rewrap every stored ciphertext below
 * it, in batches, reporting progress, and finally retire the older versions
 * once nothing stored needs them (a stolen old ciphertext then opens nowhere).
 * Safe to interrupt and to run twice: what is left below the version is
 * picked up by the next run, a ciphertext rewrapped by someone else meanwhile
 * is skipped, and nothing is retired while any ciphertext still needs it.
 */
import { associatedData } from "../domain/associated-data.js";
import type { Cipher } from "../ports/cipher.js";
import type { RewrapStore } from "../ports/rewrap-store.js";

export const REWRAP_BATCH_SIZE = 100;

export interface RotationProgress {
  keyVersion: number;
  rewrapped: number;
  total: number;
  done: boolean;
  /** The oldest key version that still opens values. */
  minDecryptionVersion: number;
  /** Stored ciphertexts still below keyVersion (exact on the last message). */
  remaining: number;
}

export async function* rotateTenantKey(
  store: RewrapStore,
  cipher: Pick<Cipher, "rotateTenantKey" | "minDecryptionVersion" | "rewrap" | "retireKeyVersionsBelow">,
  tenantId: string,
  signal: AbortSignal,
): AsyncIterable<RotationProgress> {
  const keyVersion = await cipher.rotateTenantKey(tenantId);
  // Before anything is counted: from here on, a write sealed with an older
  // version (sealed before the rotation, committing after) is refused by the
  // store and sealed again, so none lands after the final count below.
  await store.raiseMinKeyVersion(tenantId, keyVersion);
  const total = await store.countCiphertextsBelow(tenantId, keyVersion);
  const minDecryptionVersion = await cipher.minDecryptionVersion(tenantId);
  let rewrapped = 0;
  const progress = (done: boolean, remaining: number, minVersion = minDecryptionVersion): RotationProgress => ({
    keyVersion,
    rewrapped,
    total: Math.max(total, rewrapped),
    done,
    minDecryptionVersion: minVersion,
    remaining,
  });
  yield progress(false, total);
  while (!signal.aborted) {
    const batch = await store.listCiphertextsBelow(tenantId, keyVersion, REWRAP_BATCH_SIZE);
    if (batch.length === 0) break;
    const resealed = await cipher.rewrap(
      tenantId,
      batch.map((item) => ({
        ciphertext: item.ciphertext,
        associatedData: associatedData({ tenantId, secretId: item.secretId, nameKey: item.nameKey, version: item.version }),
      })),
    );
    let replaced = 0;
    for (const [i, item] of batch.entries())
      if (await store.replaceCiphertext(tenantId, item.secretId, item.version, item.keyVersion, resealed[i]!)) replaced++;
    rewrapped += replaced;
    yield progress(false, Math.max(total - rewrapped, 0));
  }
  // Counted again rather than trusted from the loop: a write committed before
  // the raise, or an abort, may have left values below. Only a store with
  // none is retired.
  const remaining = await store.countCiphertextsBelow(tenantId, keyVersion);
  const retiredBelow = remaining === 0 ? await cipher.retireKeyVersionsBelow(tenantId, keyVersion) : minDecryptionVersion;
  yield progress(true, remaining, retiredBelow);
}
