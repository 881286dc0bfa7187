/**
 * Fans the store's change feed out to watch streams (WatchSecrets,
 * WatchSecretChanges): one store subscription per process, and per event
 * only the streams watching that (tenant, name) or that whole tenant are
 * touched, so a thousand watchers cost a map lookup.
 */
import type { SecretChangeEvent, SecretChangeFeed, SecretChangeKind } from "../ports/secret-change-feed.js";

type Listener = (event: SecretChangeEvent) => void;

export class WatchHub {
  private readonly listeners = new Map<string, Set<Listener>>();
  private unsubscribeStore: (() => void) | undefined;

  constructor(private readonly store: SecretChangeFeed) {}

  /** Calls `listener` for changes to any of `nameKeys` in the tenant; returns the unsubscribe function. */
  subscribe(tenantId: string, nameKeys: readonly string[], listener: Listener): () => void {
    this.unsubscribeStore ??= this.store.onSecretChange((event) => this.dispatch(event));
    const keys = nameKeys.map((nameKey) => watchKey(tenantId, nameKey));
    for (const key of keys) {
      let set = this.listeners.get(key);
      if (!set) {
        set = new Set();
        this.listeners.set(key, set);
      }
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

  /** Calls `listener` for changes to every secret of the tenant; returns the unsubscribe function. */
  subscribeTenant(tenantId: string, listener: Listener): () => void {
    return this.subscribe(tenantId, [WHOLE_TENANT], listener);
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
    for (const key of [watchKey(event.tenantId, event.nameKey), watchKey(event.tenantId, WHOLE_TENANT)]) {
      const set = this.listeners.get(key);
      if (set) for (const listener of [...set]) listener(event);
    }
  }
}

/** The changes that can change what a resolve returns; metadata and usage changes cannot. */
const RESOLVE_CHANGES: ReadonlySet<SecretChangeKind> = new Set(["CREATED", "VALUE_UPDATED", "ARCHIVED", "RESTORED", "DELETED"]);

/** `listener`, called only for RESOLVE_CHANGES: a workload re-renders only when its values may have changed. */
export function resolveChangesOnly(listener: Listener): Listener {
  return (event) => {
    if (RESOLVE_CHANGES.has(event.kind)) listener(event);
  };
}

/** Not a valid secret name key, so it cannot collide with one. */
const WHOLE_TENANT = "*";

function watchKey(tenantId: string, nameKey: string): string {
  return `${tenantId}\u0000${nameKey}`;
}
