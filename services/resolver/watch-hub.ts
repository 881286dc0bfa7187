/**
 * Fans the store's change feed out to WatchSecrets streams: one store
 * subscription per process, and per event only the streams watching that
 * (tenant, name) are touched, so a thousand watchers cost a map lookup.
 */
import type { MetadataStore, SecretChangeEvent } from "../ports/metadata-store.js";

type Listener = (event: SecretChangeEvent) => void;

export class WatchHub {
  private readonly listeners = new Map<string, Set<Listener>>();
  private unsubscribeStore: (() => void) | undefined;

  constructor(private readonly store: MetadataStore) {}

  /** Calls `listener` for changes to any of `nameKeys` in the tenant; returns the unsubscribe function. */
  subscribe(tenantId: string, nameKeys: readonly string[], listener: Listener): () => void {
    this.unsubscribeStore ??= this.store.onSecretChange((event) => this.dispatch(event));
    const keys = nameKeys.map((nameKey) => watchKey(tenantId, nameKey));
    for (const key of keys) {
      let set = this.listeners.get(key);
      if (!set) this.listeners.set(key, (set = new Set()));
      set.add(listener);
    }
    return () => {
      for (const key of keys) {
        const set = this.listeners.get(key);
        set?.delete(listener);
        if (set?.size === 0) this.listeners.delete(key);
      }
      if (this.listeners.size === 0) this.close();
    };
  }

  /** Number of (stream, name) subscriptions, for metrics and leak checks. */
  get subscriptionCount(): number {
    let count = 0;
    for (const set of this.listeners.values()) count += set.size;
    return count;
  }

  close(): void {
    this.unsubscribeStore?.();
    this.unsubscribeStore = undefined;
  }

  private dispatch(event: SecretChangeEvent): void {
    const set = this.listeners.get(watchKey(event.tenantId, event.nameKey));
    if (set) for (const listener of [...set]) listener(event);
  }
}

function watchKey(tenantId: string, nameKey: string): string {
  return `${tenantId}\u0000${nameKey}`;
}
