/**
 * MetadataStore: where the service keeps everything but plaintext. Secret
 * records, versions (ciphertext only), consumers and their references, API
 * tokens (hashed) and audit events, all scoped by tenant.
 *
 * Adapters: `adapters/sqlite` (embedded default) and `adapters/mongodb`
 * (production). Both pass `test/contract/metadata-store.contract.ts`.
 *
 * Rules every adapter must make hold atomically (the service relies on them):
 * - secret names are unique per tenant by `nameKey` (the lower-cased name);
 * - `updateSecretValue` is check-and-set on the current version;
 * - `deleteSecret` never deletes a secret some consumer references, and
 *   `setConsumerReferences` never stores a reference to a secret that does not
 *   exist: run concurrently, one of them wins and the other sees it.
 * Expected outcomes (conflict, not found, in use) are returned; unexpected
 * failures throw, and an unreachable backend throws BackendUnavailableError.
 *
 * Rows that carry authority (tenants, secrets' identity, state and current
 * version, API tokens and their revocation) carry MACs made by the service
 * (`services/integrity`) with a key the store does not hold. Adapters keep
 * each MAC exactly as given, write it in the same atomic step as the fields
 * it covers, and return it on every read; they never compute or check one.
 * Absent on rows written before record authentication.
 */
import type { Role } from "../domain/permissions.js";
import type { SecretType } from "../../kernel/secret-values.js";

export type SecretState = "ACTIVE" | "ARCHIVED";

export interface TenantRecord {
  id: string;
  displayName: string;
  createTime: Date;
  /** MAC over the tenant id. */
  mac?: string;
}

/** MACs over a secret's authority fields, each changed by its own write. */
export interface SecretMacs {
  /** Over tenant, id, name, name key and type (immutable). */
  identity: string;
  /** Over tenant, id and state. */
  state: string;
  /** Over tenant, id and current version. */
  version: string;
}

/** MACs over an API token's authority fields. */
export interface ApiTokenMacs {
  /** Over tenant, id, hash, role, allowed patterns and expiry (immutable). */
  identity: string;
  /** Over tenant, id and revoke time (or its absence). */
  revocation: string;
}

export interface SecretRecord {
  tenantId: string;
  /** Random, immutable; part of every version's associated data. */
  id: string;
  /** As created (original case). */
  name: string;
  /** Lower-cased name: the uniqueness and lookup key. */
  nameKey: string;
  displayName: string;
  description: string;
  labels: Record<string, string>;
  type: SecretType;
  state: SecretState;
  /** Current version, 1-based. */
  version: number;
  /** Increments on every change of value, metadata or state: the etag. */
  revision: number;
  createTime: Date;
  updateTime: Date;
  lastAccessTime?: Date;
  archiveTime?: Date;
  /** Number of consumers referencing this secret, computed by the store on read. */
  usageCount: number;
  macs?: SecretMacs;
}

/** What a new secret is created with; the store fills in version 1, revision 1 and usage count. */
export type NewSecret = Omit<SecretRecord, "version" | "revision" | "usageCount" | "lastAccessTime" | "archiveTime" | "state" | "updateTime">;

export interface Ciphertext {
  /** Opaque bytes from the Cipher. */
  ciphertext: Uint8Array;
  /** Version of the tenant key that sealed it. */
  keyVersion: number;
}

export interface NewSecretVersion extends Ciphertext {
  version: number;
  createTime: Date;
  /** API token id of the writer. */
  createdBy: string;
  /** The secret's version MAC once this version is current (SecretMacs.version). */
  currentVersionMac?: string;
}

export interface SecretVersionInfo {
  version: number;
  createTime: Date;
  createdBy: string;
  /** False once the ciphertext has been pruned from the bounded history. */
  valueRetained: boolean;
  /** 0 when not retained. */
  keyVersion: number;
}

/** One version with its ciphertext while retained, for rolling back to it. */
export interface SecretVersionWithCiphertext extends SecretVersionInfo {
  /** Absent once pruned from the bounded history. */
  ciphertext?: Ciphertext;
}

/** A secret with its current version's ciphertext, for resolving. */
export interface SecretWithCiphertext extends Ciphertext {
  secret: SecretRecord;
}

/** A stored ciphertext located by its record, for rewrapping. */
export interface StoredCiphertext extends Ciphertext {
  secretId: string;
  /** The secret's name key: part of the value's associated data. */
  nameKey: string;
  version: number;
}

export interface ConsumerReference {
  /** As written in the config, e.g. `$<secret.DB.password>`. */
  reference: string;
  /** Lower-cased secret name it refers to. */
  nameKey: string;
}

export interface ConsumerRecord {
  tenantId: string;
  id: string;
  references: ConsumerReference[];
  updateTime: Date;
}

export interface ApiTokenRecord {
  tenantId: string;
  id: string;
  /** Hex SHA-256 of the whole bearer token. The token itself is never stored. */
  hash: string;
  displayName: string;
  role: Role;
  allowedSecretPatterns: string[];
  createTime: Date;
  expireTime?: Date;
  revokeTime?: Date;
  /** Token id of the creator; empty for the bootstrap token. */
  createdBy: string;
  macs?: ApiTokenMacs;
}

export type AuditOutcome = "SUCCESS" | "DENIED" | "FAILED";

export interface AuditEventRecord {
  tenantId: string;
  /** Sortable: later events have greater ids (time-ordered). */
  id: string;
  time: Date;
  actorTokenId: string;
  action: string;
  /** Secret names (or other resource ids) involved; never values. */
  resources: string[];
  outcome: AuditOutcome;
  statusCode: string;
  version?: number;
  consumerId?: string;
}

export type SecretChangeKind = "CREATED" | "VALUE_UPDATED" | "ARCHIVED" | "RESTORED" | "DELETED";

/** Emitted after a change to a secret has committed (by any replica, where the adapter can see them). */
export interface SecretChangeEvent {
  tenantId: string;
  nameKey: string;
  name: string;
  kind: SecretChangeKind;
  /** The secret's version after the change. */
  version: number;
  time: Date;
}

/** One page of a keyset-paginated list. `nextCursor` is opaque, absent on the last page. */
export interface Page<T> {
  items: T[];
  nextCursor?: string;
}

export interface PageQuery {
  /** From a previous page's nextCursor. */
  cursor?: string;
  limit: number;
}

export interface SecretListQuery extends PageQuery {
  /** Lower-cased name prefix. */
  nameKeyPrefix?: string;
  /** Every label must be present with this value. */
  labels?: Record<string, string>;
  includeArchived: boolean;
}

export interface AuditQuery extends PageQuery {
  action?: string;
  /** Matches an event whose resources include this, case-insensitively. */
  resource?: string;
  actorTokenId?: string;
  outcome?: AuditOutcome;
  startTime?: Date;
  endTime?: Date;
}

export interface TokenListQuery extends PageQuery {
  includeInactive: boolean;
  /** Tokens expired before this are inactive. */
  now: Date;
}

/** Outcome of a conditional write. */
export type WriteResult<T> =
  | { outcome: "OK"; value: T }
  | { outcome: "NOT_FOUND" }
  /** The expected version or revision no longer holds. */
  | { outcome: "CONFLICT"; current: SecretRecord };

export type DeleteSecretResult =
  | { outcome: "DELETED"; secret: SecretRecord }
  | { outcome: "NOT_FOUND" }
  | { outcome: "CONFLICT"; current: SecretRecord }
  /** Referenced by these consumer ids (sorted, at most 100). */
  | { outcome: "IN_USE"; consumerIds: string[]; usageCount: number };

export type SetReferencesResult =
  | { outcome: "OK"; consumer: ConsumerRecord }
  /** These name keys name no secret; nothing was written. */
  | { outcome: "MISSING"; nameKeys: string[] };

export interface MetadataStore {
  // Tenants
  /** Returns false if the id is taken. */
  createTenant(tenant: TenantRecord): Promise<boolean>;
  getTenant(tenantId: string): Promise<TenantRecord | undefined>;

  // Secrets
  /** Creates the secret with its first version; returns undefined if the name key is taken. */
  createSecret(secret: NewSecret, firstVersion: NewSecretVersion): Promise<SecretRecord | undefined>;
  getSecret(tenantId: string, nameKey: string): Promise<SecretRecord | undefined>;
  /** Secrets with their current ciphertext, for the name keys that exist (in any order). One round trip. */
  getSecretsWithCiphertext(tenantId: string, nameKeys: readonly string[]): Promise<SecretWithCiphertext[]>;
  /** Ordered by nameKey. */
  listSecrets(tenantId: string, query: SecretListQuery): Promise<Page<SecretRecord>>;
  /**
   * Adds `newVersion` as the current version if the current version is still
   * `newVersion.version - 1`; keeps the ciphertexts of the newest `keepVersions`
   * versions and drops older ones (their metadata stays).
   */
  addSecretVersion(
    tenantId: string,
    secretId: string,
    newVersion: NewSecretVersion,
    keepVersions: number,
  ): Promise<WriteResult<SecretRecord>>;
  updateSecretMetadata(
    tenantId: string,
    secretId: string,
    expectedRevision: number | undefined,
    patch: { displayName?: string; description?: string; labels?: Record<string, string> },
    time: Date,
  ): Promise<WriteResult<SecretRecord>>;
  setSecretState(
    tenantId: string,
    secretId: string,
    expectedRevision: number | undefined,
    state: SecretState,
    time: Date,
    /** Stored with the state (SecretMacs.state). */
    stateMac?: string,
  ): Promise<WriteResult<SecretRecord>>;
  /** Deletes the secret and all its versions, unless referenced (atomic with setConsumerReferences). */
  deleteSecret(tenantId: string, secretId: string, expectedRevision: number | undefined): Promise<DeleteSecretResult>;
  getSecretVersion(tenantId: string, secretId: string, version: number): Promise<SecretVersionWithCiphertext | undefined>;
  /** Newest first. */
  listSecretVersions(tenantId: string, secretId: string, query: PageQuery): Promise<Page<SecretVersionInfo>>;
  /** Sets last access time of these secrets (a later time only). */
  recordSecretAccess(tenantId: string, secretIds: readonly string[], time: Date): Promise<void>;

  // Consumers
  /** Replaces the consumer's references atomically; refuses if any name key names no secret. An empty set deletes the consumer. */
  setConsumerReferences(
    tenantId: string,
    consumerId: string,
    references: readonly ConsumerReference[],
    time: Date,
  ): Promise<SetReferencesResult>;
  getConsumer(tenantId: string, consumerId: string): Promise<ConsumerRecord | undefined>;
  /** Returns false if there was no such consumer. */
  deleteConsumer(tenantId: string, consumerId: string): Promise<boolean>;
  /** Consumers referencing the name key, ordered by id, each with only its references to that name. */
  listSecretConsumers(tenantId: string, nameKey: string, query: PageQuery): Promise<Page<ConsumerRecord>>;

  // API tokens
  createApiToken(token: ApiTokenRecord): Promise<void>;
  /** Looks up across tenants: authentication starts from the token alone. */
  findApiTokenByHash(hash: string): Promise<ApiTokenRecord | undefined>;
  /** Ordered by creation (oldest first). */
  listApiTokens(tenantId: string, query: TokenListQuery): Promise<Page<ApiTokenRecord>>;
  /**
   * Returns the token as revoked (revoking twice keeps the first time and its
   * MAC), undefined if unknown. `revocationMac` is stored with the time.
   */
  revokeApiToken(tenantId: string, tokenId: string, time: Date, revocationMac?: string): Promise<ApiTokenRecord | undefined>;

  // Audit
  appendAuditEvents(events: readonly AuditEventRecord[]): Promise<void>;
  /** Newest first. */
  listAuditEvents(tenantId: string, query: AuditQuery): Promise<Page<AuditEventRecord>>;

  // Key rotation
  /** Number of retained ciphertexts sealed with a key version below `keyVersion`. */
  countCiphertextsBelow(tenantId: string, keyVersion: number): Promise<number>;
  /** Up to `limit` retained ciphertexts sealed with a key version below `keyVersion`. */
  listCiphertextsBelow(tenantId: string, keyVersion: number, limit: number): Promise<StoredCiphertext[]>;
  /** Replaces one ciphertext if it is still sealed with `fromKeyVersion`; returns whether it did. */
  replaceCiphertext(
    tenantId: string,
    secretId: string,
    version: number,
    fromKeyVersion: number,
    to: Ciphertext,
  ): Promise<boolean>;

  // Change feed
  /** Calls `listener` after each committed change to any secret; returns the unsubscribe function. */
  onSecretChange(listener: (event: SecretChangeEvent) => void): () => void;

  /** Throws BackendUnavailableError if the store cannot serve. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
