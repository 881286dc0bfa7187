/**
 * Key rotation: add a key version, then rewrap every stored ciphertext below
 * it, in batches, reporting progress. Safe to interrupt and to run twice:
 * what is left below the version is picked up by the next run, and a
 * ciphertext rewrapped by someone else meanwhile is skipped.
 */
import { associatedData } from "../domain/associated-data.js";
import type { Cipher } from "../ports/cipher.js";
import type { MetadataStore } from "../ports/metadata-store.js";

export const REWRAP_BATCH_SIZE = 100;

export interface RotationProgress {
  keyVersion: number;
  rewrapped: number;
  total: number;
  done: boolean;
}

export async function* rotateTenantKey(
  store: MetadataStore,
  cipher: Cipher,
  tenantId: string,
  signal: AbortSignal,
): AsyncIterable<RotationProgress> {
  const keyVersion = await cipher.rotateTenantKey(tenantId);
  const total = await store.countCiphertextsBelow(tenantId, keyVersion);
  let rewrapped = 0;
  yield { keyVersion, rewrapped, total, done: false };
  while (!signal.aborted) {
    const batch = await store.listCiphertextsBelow(tenantId, keyVersion, REWRAP_BATCH_SIZE);
    if (batch.length === 0) break;
    const resealed = await cipher.rewrap(
      tenantId,
      batch.map((item) => ({
        ciphertext: item.ciphertext,
        associatedData: associatedData({ tenantId, secretId: item.secretId, version: item.version }),
      })),
    );
    let replaced = 0;
    for (const [i, item] of batch.entries())
      if (await store.replaceCiphertext(tenantId, item.secretId, item.version, item.keyVersion, resealed[i]!)) replaced++;
    rewrapped += replaced;
    yield { keyVersion, rewrapped, total: Math.max(total, rewrapped), done: false };
  }
  yield { keyVersion, rewrapped, total: Math.max(total, rewrapped), done: true };
}
