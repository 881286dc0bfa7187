/**
 * The MongoDB collections, their document shapes, and the indexes that make
 * the port's rules hold in MongoDB itself (not just in this code):
 * - one secret per (tenant, lower-cased name): a unique index;
 * - one version document per (tenant, secret, version): a unique index, so two
 *   writers can never both add version N;
 * - one consumer per (tenant, consumer id), found by the name keys it references;
 * - API tokens unique by hash (authentication looks them up across tenants);
 * - audit events expire through a TTL index after the configured retention.
 * The definitions are data so a test can check them and `ensureIndexes` applies them.
 */
import { MongoServerError, type CreateIndexesOptions, type Db, type Document, type IndexSpecification } from "mongodb";
import type { ApiTokenRecord, AuditEventRecord, SecretRecord } from "../../ports/metadata-store.js";
import { ORDER_FIELDS } from "./mongo-documents.js";

export const COLLECTIONS = {
  tenants: "tenants",
  secrets: "secrets",
  versions: "secret_versions",
  consumers: "consumers",
  tokens: "api_tokens",
  audit: "audit_events",
} as const;

export interface TenantDoc {
  _id: string;
  displayName: string;
  createTime: Date;
  mac?: string;
  /** The lowest key version a write may be sealed with (RewrapStore.raiseMinKeyVersion); absent: 0. */
  minKeyVersion?: number;
  /** Bumped by every version write, so that it conflicts with a concurrent raise of minKeyVersion. */
  sealedWrites?: number;
}

/** Labels as key/value pairs: label keys may hold characters ('.', '$') that are not field names. */
export interface LabelDoc {
  key: string;
  value: string;
}

/** A secret record as stored: the id as `_id`, labels as pairs, and the usage count kept up to date. */
export type SecretDoc = Omit<SecretRecord, "id" | "labels"> & {
  _id: string;
  labels: LabelDoc[];
  /** Consumers referencing this name key, kept in the same transactions that change references. */
  usageCount: number;
};

export interface VersionDoc {
  tenantId: string;
  secretId: string;
  version: number;
  createTime: Date;
  createdBy: string;
  /** Absent once pruned from the bounded history. */
  ciphertext?: Uint8Array;
  /** 0 once pruned. */
  keyVersion: number;
}

export interface ConsumerDoc {
  tenantId: string;
  consumerId: string;
  references: { reference: string; nameKey: string }[];
  /** The distinct name keys of `references`: what usage counts and lookups go by. */
  nameKeys: string[];
  updateTime: Date;
  /** Absent on consumers registered before ownership was recorded. */
  owner?: { tokenId: string; mac?: string };
}

/** Tokens are stored as their records. */
export type TokenDoc = ApiTokenRecord;

export type AuditDoc = AuditEventRecord & {
  /** Lower-cased `resources`, for the case-insensitive resource filter. */
  resourceKeys: string[];
};

export interface IndexDefinition {
  collection: (typeof COLLECTIONS)[keyof typeof COLLECTIONS];
  key: IndexSpecification;
  options: CreateIndexesOptions & { name: string };
}

export const DEFAULT_AUDIT_RETENTION_DAYS = 365;
export const AUDIT_TTL_INDEX = "audit_events_expire_by_time";

export function indexDefinitions(auditRetentionDays: number = DEFAULT_AUDIT_RETENTION_DAYS): IndexDefinition[] {
  if (!Number.isInteger(auditRetentionDays) || auditRetentionDays < 1)
    throw new RangeError("auditRetentionDays must be a positive whole number of days");
  return [
    { collection: COLLECTIONS.secrets, key: { tenantId: 1, nameKey: 1 }, options: { name: "secrets_unique_name_key", unique: true } },
    // The list in its other orders, keyset-paged (the name key breaks ties).
    ...Object.values(ORDER_FIELDS)
      .filter((field) => field !== "nameKey")
      .map((field) => ({
        collection: COLLECTIONS.secrets,
        key: { tenantId: 1, [field]: 1, nameKey: 1 },
        options: { name: `secrets_by_${field}` },
      })),
    {
      collection: COLLECTIONS.versions,
      key: { tenantId: 1, secretId: 1, version: 1 },
      options: { name: "versions_unique_version", unique: true },
    },
    {
      // Only retained ciphertexts (keyVersion > 0) are counted and listed for rewrap.
      collection: COLLECTIONS.versions,
      key: { tenantId: 1, keyVersion: 1, secretId: 1, version: 1 },
      options: { name: "versions_retained_by_key_version", partialFilterExpression: { keyVersion: { $gt: 0 } } },
    },
    {
      collection: COLLECTIONS.consumers,
      key: { tenantId: 1, consumerId: 1 },
      options: { name: "consumers_unique_id", unique: true },
    },
    {
      collection: COLLECTIONS.consumers,
      key: { tenantId: 1, nameKeys: 1, consumerId: 1 },
      options: { name: "consumers_by_name_key" },
    },
    { collection: COLLECTIONS.tokens, key: { hash: 1 }, options: { name: "tokens_unique_hash", unique: true } },
    { collection: COLLECTIONS.tokens, key: { tenantId: 1, id: 1 }, options: { name: "tokens_unique_id", unique: true } },
    {
      collection: COLLECTIONS.tokens,
      key: { tenantId: 1, createTime: 1, id: 1 },
      options: { name: "tokens_by_creation" },
    },
    { collection: COLLECTIONS.audit, key: { tenantId: 1, id: -1 }, options: { name: "audit_unique_id", unique: true } },
    {
      collection: COLLECTIONS.audit,
      key: { time: 1 },
      options: { name: AUDIT_TTL_INDEX, expireAfterSeconds: auditRetentionDays * 24 * 60 * 60 },
    },
  ];
}

/** MongoDB's NamespaceExists (another replica created the collection first) and NamespaceNotFound. */
const NAMESPACE_EXISTS = 48;
const NAMESPACE_NOT_FOUND = 26;

/**
 * Brings the collections and indexes to what the store needs, changing only
 * what differs, so a restart with everything in place needs nothing beyond
 * listCollections and listIndexes. That matters: `collMod` is not in
 * MongoDB's built-in readWrite role, and a least-privilege user without it
 * must still be able to restart the service (see the README's privileges).
 * - the secrets collection keeps pre- and post-images (the change feed needs
 *   them to describe deletes): created with them, or switched on with collMod;
 * - missing indexes are created; a changed audit retention is applied to the
 *   existing TTL index with collMod.
 */
export async function ensureIndexes(db: Db, auditRetentionDays?: number): Promise<void> {
  await ensureSecretsCollection(db);
  const existing = new Map<string, Document[]>();
  for (const definition of indexDefinitions(auditRetentionDays)) {
    if (!existing.has(definition.collection)) existing.set(definition.collection, await listIndexes(db, definition.collection));
    const found = existing.get(definition.collection)!.find((index) => index.name === definition.options.name);
    if (!found) await db.collection(definition.collection).createIndex(definition.key, definition.options);
    else if (definition.options.expireAfterSeconds !== undefined && found.expireAfterSeconds !== definition.options.expireAfterSeconds)
      await db.command({
        collMod: definition.collection,
        index: { name: definition.options.name, expireAfterSeconds: definition.options.expireAfterSeconds },
      });
  }
}

async function ensureSecretsCollection(db: Db): Promise<void> {
  const [current] = await db.listCollections({ name: COLLECTIONS.secrets }).toArray();
  if (!current) {
    try {
      await db.createCollection(COLLECTIONS.secrets, { changeStreamPreAndPostImages: { enabled: true } });
      return;
    } catch (error) {
      // Two replicas starting at once: the other one created it; check what it made.
      if (!(error instanceof MongoServerError && error.code === NAMESPACE_EXISTS)) throw error;
      return ensureSecretsCollection(db);
    }
  }
  const options = (current as { options?: { changeStreamPreAndPostImages?: { enabled?: unknown } } }).options;
  if (options?.changeStreamPreAndPostImages?.enabled !== true)
    await db.command({ collMod: COLLECTIONS.secrets, changeStreamPreAndPostImages: { enabled: true } });
}

async function listIndexes(db: Db, collection: string): Promise<Document[]> {
  try {
    return await db.collection(collection).listIndexes().toArray();
  } catch (error) {
    // A collection that does not exist yet has no indexes; createIndex creates it.
    if (error instanceof MongoServerError && error.code === NAMESPACE_NOT_FOUND) return [];
    throw error;
  }
}
