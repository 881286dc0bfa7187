/**
 * Secrets and their versions (ciphertext only): one aggregate, since a
 * secret's current version and its version rows change in one atomic step.
 *
 * Rules every adapter makes hold atomically:
 * - secret names are unique per tenant by `nameKey` (the lower-cased name);
 * - `addSecretVersion` is check-and-set on the current version;
 * - `deleteSecret` never deletes a secret some consumer references (see
 *   `ConsumerStore.setConsumerReferences`, its counterpart);
 * - `createSecret` and `addSecretVersion` refuse a ciphertext sealed below the
 *   tenant's minimum accepted key version (StaleKeyVersionError, nothing
 *   written; see `RewrapStore.raiseMinKeyVersion`).
 */
import type { AuditEventRecord } from "../domain/audit-event.js";
import type { SecretType } from "../../kernel/secret-values.js";
import type { Page, PageQuery } from "./pages.js";

export type SecretState = "ACTIVE" | "ARCHIVED";

/** MACs over a secret's authority fields, each changed by its own write. */
export interface SecretMacs {
  /** Over tenant, id, name, name key and type (immutable). */
  identity: string;
  /** Over tenant, id and state. */
  state: string;
  /** Over tenant, id and current version. */
  version: string;
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
export type NewSecret = Omit<
  SecretRecord,
  "version" | "revision" | "usageCount" | "lastAccessTime" | "archiveTime" | "state" | "updateTime"
>;

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
  /**
   * The audit record of the call that writes this version, stored in the same
   * transaction as the version and only if the version is stored: the change
   * and its record are on disk together, with one flush.
   */
  auditEvent?: AuditEventRecord;
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

/** What a secret list can be ordered by; the name key breaks ties (and is the default order). */
export type SecretOrderKey = "name" | "updateTime" | "lastAccessTime" | "usageCount" | "type" | "state";

export interface SecretOrder {
  key: SecretOrderKey;
  descending: boolean;
}

export interface SecretListQuery extends PageQuery {
  /** Name ascending when absent. A cursor is valid only with the order it was made for. */
  order?: SecretOrder;
  /** Lower-cased name prefix. */
  nameKeyPrefix?: string;
  /** Every label must be present with this value. */
  labels?: Record<string, string>;
  includeArchived: boolean;
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

export interface SecretStore {
  /** Creates the secret with its first version; returns undefined if the name key is taken. */
  createSecret(secret: NewSecret, firstVersion: NewSecretVersion): Promise<SecretRecord | undefined>;
  getSecret(tenantId: string, nameKey: string): Promise<SecretRecord | undefined>;
  /** Secrets with their current ciphertext, for the name keys that exist (in any order). One round trip. */
  getSecretsWithCiphertext(tenantId: string, nameKeys: readonly string[]): Promise<SecretWithCiphertext[]>;
  /** Ordered by query.order (never-accessed as last access 0), then nameKey. */
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
}
