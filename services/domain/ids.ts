/** Identifiers the service mints: random ids for records, and time-ordered ids for audit events. */
import { randomFillSync } from "node:crypto";

/** A random id with a readable prefix, e.g. `sec_3q9…`. 96 bits: never guessed, never collides. */
export function randomId(prefix: string): string {
  return `${prefix}_${pooledRandom(12, "base64url")}`;
}

let lastMillis = 0;
let sequence = 0;

/**
 * An id that sorts by creation time (lexicographically), for audit events:
 * 11 base-32 chars of milliseconds, a per-millisecond sequence, and randomness
 * so replicas never collide.
 */
export function timeOrderedId(now: Date = new Date()): string {
  const millis = now.getTime();
  sequence = millis === lastMillis ? sequence + 1 : 0;
  lastMillis = millis;
  return millis.toString(32).padStart(11, "0") + sequence.toString(32).padStart(4, "0") + pooledRandom(5, "hex");
}

/** Random bytes for ids come from a pool refilled 4 KiB at a time: one call into the CSPRNG per few hundred ids, not one each. */
const randomPool = Buffer.alloc(4096);
let poolOffset = randomPool.length;

function pooledRandom(bytes: number, encoding: "hex" | "base64url"): string {
  if (poolOffset + bytes > randomPool.length) {
    randomFillSync(randomPool);
    poolOffset = 0;
  }
  poolOffset += bytes;
  return randomPool.toString(encoding, poolOffset - bytes, poolOffset);
}
