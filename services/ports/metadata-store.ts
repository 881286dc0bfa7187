/**
 * MetadataStore: where the service keeps everything but plaintext, all scoped
 * by tenant. It is the sum of one port per aggregate; a service or handler
 * depends only on the ports (or `Pick`s of them) it uses, so a fake for a
 * unit test implements only those.
 *
 * Adapters: `adapters/sqlite` (embedded default) and `adapters/mongodb`
 * (production). Both pass the contract suites in `test/contract/`.
 *
 * Expected outcomes (conflict, not found, in use) are returned; unexpected
 * failures throw, and an unreachable backend throws BackendUnavailableError.
 *
 * Rows that carry authority (tenants, secrets' identity, state and current
 * version, API tokens and their revocation, consumers' owners) carry MACs made by the service
 * (`services/integrity`) with a key the store does not hold. Adapters keep
 * each MAC exactly as given, write it in the same atomic step as the fields
 * it covers, and return it on every read; they never compute or check one.
 * Absent on rows written before record authentication.
 */
import type { ApiTokenStore } from "./api-token-store.js";
import type { AuditStore } from "./audit-store.js";
import type { ConsumerStore } from "./consumer-store.js";
import type { RewrapStore } from "./rewrap-store.js";
import type { SecretChangeFeed } from "./secret-change-feed.js";
import type { SecretStore } from "./secret-store.js";
import type { TenantStore } from "./tenant-store.js";

export type * from "./api-token-store.js";
export type * from "./audit-store.js";
export type * from "./consumer-store.js";
export type * from "./pages.js";
export type * from "./rewrap-store.js";
export type * from "./secret-change-feed.js";
export type * from "./secret-store.js";
export type * from "./tenant-store.js";

/** The store's own life: health and shutdown. */
export interface StoreLifecycle {
  /** Throws BackendUnavailableError if the store cannot serve. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export type MetadataStore = TenantStore &
  SecretStore &
  ConsumerStore &
  ApiTokenStore &
  AuditStore &
  RewrapStore &
  SecretChangeFeed &
  StoreLifecycle;
