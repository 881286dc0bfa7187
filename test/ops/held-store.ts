/**
 * Holds one metadata-store operation of a running service until the test
 * lets it go, to keep a call in flight for as long as a test needs.
 *
 * Why not the SQLite write lock from a second connection: better-sqlite3 is
 * synchronous, so a service running in the test's own process would block
 * its whole event loop in SQLite's busy wait (no shutdown or timeout could
 * happen meanwhile). Delaying the store's promise keeps the loop free.
 */
import type { MetadataStore } from "../../services/ports/metadata-store.js";

type AsyncMethodName = {
  [K in keyof MetadataStore]: MetadataStore[K] extends (...args: never[]) => Promise<unknown> ? K : never;
}[keyof MetadataStore];

export interface HeldOperation {
  /** Resolves when a call has reached the operation (and is waiting). */
  reached: Promise<void>;
  /** Lets the waiting calls carry on, and stops holding new ones. */
  release(): void;
}

export function holdStoreOperation(store: MetadataStore, operation: AsyncMethodName): HeldOperation {
  // From the prototype: read through the service's metrics proxy, it would come wrapped (and be measured twice).
  const original = (Object.getPrototypeOf(store) as Record<string, (...args: unknown[]) => Promise<unknown>>)[operation]!;
  let reached!: () => void;
  let release!: () => void;
  const reachedPromise = new Promise<void>((resolve) => (reached = resolve));
  const released = new Promise<void>((resolve) => (release = resolve));
  // An own property on the store shadows the class method; the service's
  // metrics proxy forwards reads to it, so the held call is still measured.
  Object.defineProperty(store, operation, {
    configurable: true,
    writable: true,
    value: async function held(this: MetadataStore, ...args: unknown[]) {
      reached();
      await released;
      return original.apply(this, args);
    },
  });
  return {
    reached: reachedPromise,
    release() {
      delete (store as unknown as Record<string, unknown>)[operation];
      release();
    },
  };
}
