/**
 * The production MetadataStore on MongoDB (official driver), for several
 * stateless service replicas sharing one replica set.
 *
 * Why multi-document transactions (and so a replica set) rather than a
 * conditional delete on a usage counter alone: "delete only when unreferenced"
 * and "no reference to a missing secret" span the consumer document and every
 * secret it references, and a single-document condition covers one document.
 * So references and the referenced secrets' `usageCount` change together in
 * one transaction, and a delete reads the count and deletes in another. Both
 * write the same secret documents, so under snapshot isolation two racing
 * transactions conflict, the driver's `withTransaction` retries the loser, and
 * the retry sees the winner's commit. Change streams need a replica set too.
 * MongoDB 6.0 or later: the change feed describes deletes from pre-images.
 */
import { MongoClient, Timestamp, type ClientSession, type Collection, type Db, type MongoClientOptions, type TransactionOptions } from "mongodb";
import { BackendUnavailableError } from "../../domain/errors.js";
import { secretNameKey } from "../../../kernel/names.js";
import type {
  ApiTokenRecord,
  AuditEventRecord,
  AuditQuery,
  Ciphertext,
  ConsumerRecord,
  ConsumerReference,
  DeleteSecretResult,
  MetadataStore,
  NewSecret,
  NewSecretVersion,
  Page,
  PageQuery,
  SecretChangeEvent,
  SecretListQuery,
  SecretRecord,
  SecretState,
  SecretVersionInfo,
  SecretVersionWithCiphertext,
  SecretWithCiphertext,
  SetReferencesResult,
  StoredCiphertext,
  TenantRecord,
  TokenListQuery,
  WriteResult,
} from "../../ports/metadata-store.js";
import { checkLimit, decodeCursor, decodeIntegerCursor, encodeCursor, encodeTimeIdCursor, toPage } from "../keyset-pages.js";
import {
  auditFilter,
  labelsToDoc,
  secretListFilter,
  toApiTokenRecord,
  toAuditDoc,
  toAuditEventRecord,
  toSecretRecord,
  toVersionInfo,
  tokenListFilter,
} from "./mongo-documents.js";
import { BACKEND, isDuplicateKeyError, isUnavailableError, toStoreError } from "./mongo-errors.js";
import {
  COLLECTIONS,
  DEFAULT_AUDIT_RETENTION_DAYS,
  ensureIndexes,
  type AuditDoc,
  type ConsumerDoc,
  type SecretDoc,
  type TenantDoc,
  type TokenDoc,
  type VersionDoc,
} from "./mongo-schema.js";
import { runBoundedTransaction } from "./mongo-transactions.js";
import { SECRET_CHANGE_PIPELINE, SECRET_CHANGE_STREAM_OPTIONS, SecretChangeFeed } from "./secret-change-feed.js";

/** Construction options (SECRETS_STORE=mongodb). Configuration maps flags/env onto this. */
export interface MongoMetadataStoreOptions {
  /** Connection string, e.g. `mongodb://mongo-0,mongo-1,mongo-2/?replicaSet=rs0` (MONGODB_URI). Credentials and TLS go here. */
  uri: string;
  /** Database holding the store's collections. */
  database: string;
  /** How long one operation waits to find a suitable server; default 5000 ms. */
  serverSelectionTimeoutMs?: number;
  /** How long start-up keeps retrying an unreachable cluster before giving up; default 60 000 ms. */
  startupTimeoutMs?: number;
  /** TCP connect timeout; default 10 000 ms. */
  connectTimeoutMs?: number;
  /** Connection pool bounds per service replica; defaults 50 and 0. */
  maxPoolSize?: number;
  minPoolSize?: number;
  /** Audit events are removed by a TTL index after this many days; default 365. */
  auditRetentionDays?: number;
  /** Shown in MongoDB's logs and currentOp; default `secrets-service`. */
  appName?: string;
  /** Told about change stream errors (the feed reopens by itself) and listener errors. */
  onChangeFeedError?: (error: unknown) => void;
  /** Told when the change feed goes down and when it is open again (for a metric). */
  onChangeFeedHealth?: (up: boolean) => void;
  /** How long a transaction, retries included, may take before failing UNAVAILABLE: the call's deadline; default 30 000 ms. */
  transactionTimeoutMs?: number;
}

const DEFAULT_TRANSACTION_TIMEOUT_MS = 30_000;

/** How long the change feed may be down (reopening) before health reports the store unavailable. */
const CHANGE_FEED_DOWN_GRACE_MS = 10_000;

/** The most consumer ids an IN_USE outcome names. */
const MAX_BLOCKING_CONSUMERS = 100;

const TRANSACTION_OPTIONS: TransactionOptions = {
  readConcern: { level: "snapshot" },
  writeConcern: { w: "majority" },
  readPreference: "primary",
};

export class MongoMetadataStore implements MetadataStore {
  /**
   * Connects, waiting (bounded by `startupTimeoutMs`) for the cluster to be
   * reachable, checks it is a replica set (or sharded cluster), and ensures
   * the indexes. Throws BackendUnavailableError if the cluster stays unreachable.
   */
  static async connect(options: MongoMetadataStoreOptions): Promise<MongoMetadataStore> {
    const client = await connectWithin(options);
    try {
      const db = client.db(options.database);
      const hello = await db.command({ hello: 1 });
      if (typeof hello.setName !== "string" && hello.msg !== "isdbgrid")
        throw new Error("MongoDB must be a replica set (or sharded cluster): the store needs transactions and change streams");
      await ensureIndexes(db, options.auditRetentionDays ?? DEFAULT_AUDIT_RETENTION_DAYS);
      return new MongoMetadataStore(client, db, options);
    } catch (error) {
      await client.close().catch(() => undefined);
      throw toStoreError(error);
    }
  }

  private readonly tenants: Collection<TenantDoc>;
  private readonly secrets: Collection<SecretDoc>;
  private readonly versions: Collection<VersionDoc>;
  private readonly consumers: Collection<ConsumerDoc>;
  private readonly tokens: Collection<TokenDoc>;
  private readonly audit: Collection<AuditDoc>;
  private readonly feed: SecretChangeFeed;
  private readonly transactionTimeoutMs: number;
  private closed = false;

  private constructor(
    private readonly client: MongoClient,
    db: Db,
    options: MongoMetadataStoreOptions,
  ) {
    this.tenants = db.collection<TenantDoc>(COLLECTIONS.tenants);
    this.secrets = db.collection<SecretDoc>(COLLECTIONS.secrets);
    this.versions = db.collection<VersionDoc>(COLLECTIONS.versions);
    this.consumers = db.collection<ConsumerDoc>(COLLECTIONS.consumers);
    this.tokens = db.collection<TokenDoc>(COLLECTIONS.tokens);
    this.audit = db.collection<AuditDoc>(COLLECTIONS.audit);
    this.transactionTimeoutMs = options.transactionTimeoutMs || DEFAULT_TRANSACTION_TIMEOUT_MS;
    this.feed = new SecretChangeFeed(
      (start) => this.secrets.watch<SecretDoc>(SECRET_CHANGE_PIPELINE, { ...SECRET_CHANGE_STREAM_OPTIONS, ...start }),
      () => clusterTimeOf(db),
      { onError: options.onChangeFeedError, onHealthChange: options.onChangeFeedHealth },
    );
  }

  // Tenants

  async createTenant(tenant: TenantRecord): Promise<boolean> {
    return this.run(async () => {
      try {
        await this.tenants.insertOne({
          _id: tenant.id,
          displayName: tenant.displayName,
          createTime: tenant.createTime,
          ...(tenant.mac !== undefined && { mac: tenant.mac }),
        });
        return true;
      } catch (error) {
        if (isDuplicateKeyError(error)) return false;
        throw error;
      }
    });
  }

  async getTenant(tenantId: string): Promise<TenantRecord | undefined> {
    const doc = await this.run(() => this.tenants.findOne({ _id: tenantId }));
    return doc
      ? { id: doc._id, displayName: doc.displayName, createTime: doc.createTime, ...(doc.mac !== undefined && { mac: doc.mac }) }
      : undefined;
  }

  // Secrets

  async createSecret(secret: NewSecret, firstVersion: NewSecretVersion): Promise<SecretRecord | undefined> {
    if (secret.nameKey !== secretNameKey(secret.name)) throw new Error("createSecret: nameKey is not the name's key");
    if (firstVersion.version !== 1) throw new Error("createSecret: the first version must be 1");
    const doc: SecretDoc = {
      _id: secret.id,
      tenantId: secret.tenantId,
      name: secret.name,
      nameKey: secret.nameKey,
      displayName: secret.displayName,
      description: secret.description,
      labels: labelsToDoc(secret.labels),
      type: secret.type,
      state: "ACTIVE",
      version: 1,
      revision: 1,
      createTime: secret.createTime,
      updateTime: secret.createTime,
      usageCount: 0,
      ...(secret.macs && { macs: secret.macs }),
    };
    try {
      await this.transaction(async (session) => {
        await this.secrets.insertOne(doc, { session });
        await this.versions.insertOne(versionDoc(secret.tenantId, secret.id, firstVersion), { session });
      });
    } catch (error) {
      // The unique (tenantId, nameKey) index decides which of two racing creates wins.
      if (isDuplicateKeyError(error)) return undefined;
      throw error;
    }
    return toSecretRecord(doc);
  }

  async getSecret(tenantId: string, nameKey: string): Promise<SecretRecord | undefined> {
    const doc = await this.run(() => this.secrets.findOne({ tenantId, nameKey }));
    return doc ? toSecretRecord(doc) : undefined;
  }

  async getSecretsWithCiphertext(tenantId: string, nameKeys: readonly string[]): Promise<SecretWithCiphertext[]> {
    if (nameKeys.length === 0) return [];
    const rows = await this.run(() =>
      this.secrets
        .aggregate<SecretDoc & { current: Pick<VersionDoc, "ciphertext" | "keyVersion"> }>([
          { $match: { tenantId, nameKey: { $in: [...new Set(nameKeys)] } } },
          {
            $lookup: {
              from: COLLECTIONS.versions,
              let: { secretId: "$_id", version: "$version" },
              pipeline: [
                {
                  $match: {
                    tenantId,
                    $expr: { $and: [{ $eq: ["$secretId", "$$secretId"] }, { $eq: ["$version", "$$version"] }] },
                  },
                },
                { $project: { _id: 0, ciphertext: 1, keyVersion: 1 } },
              ],
              as: "current",
            },
          },
          { $unwind: "$current" },
        ])
        .toArray(),
    );
    return rows.map(({ current, ...secret }) => ({
      secret: toSecretRecord(secret),
      ciphertext: bytesOf(current.ciphertext),
      keyVersion: current.keyVersion,
    }));
  }

  async listSecrets(tenantId: string, query: SecretListQuery): Promise<Page<SecretRecord>> {
    const limit = checkLimit(query.limit);
    const docs = await this.run(() =>
      this.secrets.find(secretListFilter(tenantId, query)).sort({ nameKey: 1 }).limit(limit + 1).toArray(),
    );
    return toPage(docs.map(toSecretRecord), limit, (secret) => encodeCursor(secret.nameKey));
  }

  async addSecretVersion(
    tenantId: string,
    secretId: string,
    newVersion: NewSecretVersion,
    keepVersions: number,
  ): Promise<WriteResult<SecretRecord>> {
    if (!Number.isInteger(keepVersions) || keepVersions < 1)
      throw new RangeError("addSecretVersion: keepVersions must be a positive integer (the current value is kept)");
    return this.transaction(async (session): Promise<WriteResult<SecretRecord>> => {
      // Check-and-set: only moves the secret from version N-1 to N.
      const updated = await this.secrets.findOneAndUpdate(
        { _id: secretId, tenantId, version: newVersion.version - 1 },
        {
          $set: {
            version: newVersion.version,
            updateTime: newVersion.createTime,
            // With the version, in the same update: a MAC is never apart from what it covers.
            ...(newVersion.currentVersionMac !== undefined && { "macs.version": newVersion.currentVersionMac }),
          },
          $inc: { revision: 1 },
        },
        { session, returnDocument: "after" },
      );
      if (!updated) return this.notFoundOrConflict(tenantId, secretId, session);
      await this.versions.insertOne(versionDoc(tenantId, secretId, newVersion), { session });
      // Pruning keeps each version's metadata and drops only its ciphertext.
      await this.versions.updateMany(
        { tenantId, secretId, version: { $lte: newVersion.version - keepVersions }, keyVersion: { $gt: 0 } },
        { $unset: { ciphertext: "" }, $set: { keyVersion: 0 } },
        { session },
      );
      return { outcome: "OK", value: toSecretRecord(updated) };
    });
  }

  async updateSecretMetadata(
    tenantId: string,
    secretId: string,
    expectedRevision: number | undefined,
    patch: { displayName?: string; description?: string; labels?: Record<string, string> },
    time: Date,
  ): Promise<WriteResult<SecretRecord>> {
    const set: Partial<SecretDoc> = { updateTime: time };
    if (patch.displayName !== undefined) set.displayName = patch.displayName;
    if (patch.description !== undefined) set.description = patch.description;
    if (patch.labels !== undefined) set.labels = labelsToDoc(patch.labels);
    return this.run(async (): Promise<WriteResult<SecretRecord>> => {
      const updated = await this.secrets.findOneAndUpdate(
        { _id: secretId, tenantId, ...(expectedRevision !== undefined ? { revision: expectedRevision } : {}) },
        { $set: set, $inc: { revision: 1 } },
        { returnDocument: "after" },
      );
      return updated ? { outcome: "OK", value: toSecretRecord(updated) } : this.notFoundOrConflict(tenantId, secretId);
    });
  }

  /** Setting the state a secret already has changes nothing (no revision, no event). */
  async setSecretState(
    tenantId: string,
    secretId: string,
    expectedRevision: number | undefined,
    state: SecretState,
    time: Date,
    stateMac?: string,
  ): Promise<WriteResult<SecretRecord>> {
    return this.run(async (): Promise<WriteResult<SecretRecord>> => {
      const revision = expectedRevision !== undefined ? { revision: expectedRevision } : {};
      const mac = stateMac !== undefined ? { "macs.state": stateMac } : {};
      const updated = await this.secrets.findOneAndUpdate(
        { _id: secretId, tenantId, state: { $ne: state }, ...revision },
        state === "ARCHIVED"
          ? { $set: { state, archiveTime: time, updateTime: time, ...mac }, $inc: { revision: 1 } }
          : { $set: { state, updateTime: time, ...mac }, $unset: { archiveTime: "" }, $inc: { revision: 1 } },
        { returnDocument: "after" },
      );
      if (updated) return { outcome: "OK", value: toSecretRecord(updated) };
      const current = await this.secrets.findOne({ _id: secretId, tenantId });
      if (!current) return { outcome: "NOT_FOUND" };
      if (expectedRevision !== undefined && current.revision !== expectedRevision)
        return { outcome: "CONFLICT", current: toSecretRecord(current) };
      return { outcome: "OK", value: toSecretRecord(current) };
    });
  }

  async deleteSecret(tenantId: string, secretId: string, expectedRevision: number | undefined): Promise<DeleteSecretResult> {
    return this.transaction(async (session): Promise<DeleteSecretResult> => {
      const doc = await this.secrets.findOne({ _id: secretId, tenantId }, { session });
      if (!doc) return { outcome: "NOT_FOUND" };
      const current = toSecretRecord(doc);
      if (expectedRevision !== undefined && doc.revision !== expectedRevision) return { outcome: "CONFLICT", current };
      if (doc.usageCount > 0) {
        const blocking = await this.consumers
          .find({ tenantId, nameKeys: doc.nameKey }, { session, projection: { consumerId: 1 } })
          .sort({ consumerId: 1 })
          .limit(MAX_BLOCKING_CONSUMERS)
          .toArray();
        return { outcome: "IN_USE", consumerIds: blocking.map((c) => c.consumerId), usageCount: doc.usageCount };
      }
      // Conditional on what was read: a reference added concurrently makes this a write conflict, and the retry sees it.
      const deleted = await this.secrets.deleteOne({ _id: secretId, tenantId, revision: doc.revision, usageCount: 0 }, { session });
      if (deleted.deletedCount !== 1) throw new Error("deleteSecret: the secret changed inside its own transaction");
      await this.versions.deleteMany({ tenantId, secretId }, { session });
      return { outcome: "DELETED", secret: current };
    });
  }

  async getSecretVersion(tenantId: string, secretId: string, version: number): Promise<SecretVersionWithCiphertext | undefined> {
    const doc = await this.run(() => this.versions.findOne({ tenantId, secretId, version }));
    if (!doc) return undefined;
    const info = toVersionInfo(doc);
    return doc.ciphertext ? { ...info, ciphertext: { ciphertext: bytesOf(doc.ciphertext), keyVersion: doc.keyVersion } } : info;
  }

  async listSecretVersions(tenantId: string, secretId: string, query: PageQuery): Promise<Page<SecretVersionInfo>> {
    const limit = checkLimit(query.limit);
    const before = query.cursor === undefined ? Number.MAX_SAFE_INTEGER : decodeIntegerCursor(query.cursor);
    const docs = await this.run(() =>
      this.versions
        .find({ tenantId, secretId, version: { $lt: before } })
        .sort({ version: -1 })
        .limit(limit + 1)
        .toArray(),
    );
    return toPage(docs.map(toVersionInfo), limit, (info) => encodeCursor(String(info.version)));
  }

  async recordSecretAccess(tenantId: string, secretIds: readonly string[], time: Date): Promise<void> {
    if (secretIds.length === 0) return;
    await this.run(() =>
      this.secrets.updateMany(
        { tenantId, _id: { $in: [...secretIds] }, $or: [{ lastAccessTime: { $exists: false } }, { lastAccessTime: { $lt: time } }] },
        { $set: { lastAccessTime: time } },
      ),
    );
  }

  // Consumers

  async setConsumerReferences(
    tenantId: string,
    consumerId: string,
    references: readonly ConsumerReference[],
    time: Date,
  ): Promise<SetReferencesResult> {
    const nameKeys = [...new Set(references.map((r) => r.nameKey))];
    const consumer: ConsumerRecord = {
      tenantId,
      id: consumerId,
      references: references.map(({ reference, nameKey }) => ({ reference, nameKey })),
      updateTime: time,
    };
    return this.transaction(async (session): Promise<SetReferencesResult> => {
      const existing = await this.secrets
        .find({ tenantId, nameKey: { $in: nameKeys } }, { session, projection: { nameKey: 1 } })
        .toArray();
      const found = new Set(existing.map((s) => s.nameKey));
      const missing = nameKeys.filter((k) => !found.has(k)).sort();
      if (missing.length > 0) return { outcome: "MISSING", nameKeys: missing };

      const previous = await this.consumers.findOne({ tenantId, consumerId }, { session });
      const before = new Set(previous?.nameKeys ?? []);
      const after = new Set(nameKeys);
      const added = nameKeys.filter((k) => !before.has(k));
      const removed = [...before].filter((k) => !after.has(k));
      await this.adjustUsage(tenantId, added, 1, session);
      await this.adjustUsage(tenantId, removed, -1, session);
      if (nameKeys.length === 0) await this.consumers.deleteOne({ tenantId, consumerId }, { session });
      else
        await this.consumers.replaceOne(
          { tenantId, consumerId },
          { tenantId, consumerId, references: consumer.references, nameKeys, updateTime: time },
          { session, upsert: true },
        );
      return { outcome: "OK", consumer };
    });
  }

  async getConsumer(tenantId: string, consumerId: string): Promise<ConsumerRecord | undefined> {
    const doc = await this.run(() => this.consumers.findOne({ tenantId, consumerId }));
    return doc ? { tenantId, id: doc.consumerId, references: doc.references, updateTime: doc.updateTime } : undefined;
  }

  async deleteConsumer(tenantId: string, consumerId: string): Promise<boolean> {
    return this.transaction(async (session) => {
      const previous = await this.consumers.findOneAndDelete({ tenantId, consumerId }, { session });
      if (!previous) return false;
      await this.adjustUsage(tenantId, previous.nameKeys, -1, session);
      return true;
    });
  }

  async listSecretConsumers(tenantId: string, nameKey: string, query: PageQuery): Promise<Page<ConsumerRecord>> {
    const limit = checkLimit(query.limit);
    const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    const docs = await this.run(() =>
      this.consumers
        .find({ tenantId, nameKeys: nameKey, ...(after !== undefined ? { consumerId: { $gt: after } } : {}) })
        .sort({ consumerId: 1 })
        .limit(limit + 1)
        .toArray(),
    );
    const consumers = docs.map(
      (doc): ConsumerRecord => ({
        tenantId,
        id: doc.consumerId,
        references: doc.references.filter((r) => r.nameKey === nameKey),
        updateTime: doc.updateTime,
      }),
    );
    return toPage(consumers, limit, (consumer) => encodeCursor(consumer.id));
  }

  // API tokens

  async createApiToken(token: ApiTokenRecord): Promise<void> {
    await this.run(() => this.tokens.insertOne({ ...token }));
  }

  async findApiTokenByHash(hash: string): Promise<ApiTokenRecord | undefined> {
    const doc = await this.run(() => this.tokens.findOne({ hash }));
    return doc ? toApiTokenRecord(doc) : undefined;
  }

  async listApiTokens(tenantId: string, query: TokenListQuery): Promise<Page<ApiTokenRecord>> {
    const limit = checkLimit(query.limit);
    const docs = await this.run(() =>
      this.tokens.find(tokenListFilter(tenantId, query)).sort({ createTime: 1, id: 1 }).limit(limit + 1).toArray(),
    );
    return toPage(docs.map(toApiTokenRecord), limit, (token) => encodeTimeIdCursor(token.createTime.getTime(), token.id));
  }

  async revokeApiToken(
    tenantId: string,
    tokenId: string,
    time: Date,
    revocationMac?: string,
  ): Promise<ApiTokenRecord | undefined> {
    return this.run(async () => {
      // Revoking twice keeps the first time, and its MAC.
      const revoked = await this.tokens.findOneAndUpdate(
        { tenantId, id: tokenId, revokeTime: { $exists: false } },
        { $set: { revokeTime: time, ...(revocationMac !== undefined && { "macs.revocation": revocationMac }) } },
        { returnDocument: "after" },
      );
      const doc = revoked ?? (await this.tokens.findOne({ tenantId, id: tokenId }));
      return doc ? toApiTokenRecord(doc) : undefined;
    });
  }

  // Audit

  async appendAuditEvents(events: readonly AuditEventRecord[]): Promise<void> {
    if (events.length === 0) return;
    await this.run(() => this.audit.insertMany(events.map(toAuditDoc), { ordered: true }));
  }

  async listAuditEvents(tenantId: string, query: AuditQuery): Promise<Page<AuditEventRecord>> {
    const limit = checkLimit(query.limit);
    const docs = await this.run(() =>
      this.audit.find(auditFilter(tenantId, query)).sort({ id: -1 }).limit(limit + 1).toArray(),
    );
    return toPage(docs.map(toAuditEventRecord), limit, (event) => encodeCursor(event.id));
  }

  // Key rotation

  async countCiphertextsBelow(tenantId: string, keyVersion: number): Promise<number> {
    return this.run(() => this.versions.countDocuments({ tenantId, keyVersion: { $gt: 0, $lt: keyVersion } }));
  }

  async listCiphertextsBelow(tenantId: string, keyVersion: number, limit: number): Promise<StoredCiphertext[]> {
    const docs = await this.run(() =>
      this.versions
        .find({ tenantId, keyVersion: { $gt: 0, $lt: keyVersion } })
        .sort({ keyVersion: 1, secretId: 1, version: 1 })
        .limit(checkLimit(limit))
        .toArray(),
    );
    // The name key is part of each value's associated data.
    const secretIds = [...new Set(docs.map((doc) => doc.secretId))];
    const nameKeys = new Map(
      (await this.run(() => this.secrets.find({ tenantId, _id: { $in: secretIds } }, { projection: { nameKey: 1 } }).toArray())).map(
        (secret) => [secret._id, secret.nameKey],
      ),
    );
    return docs.map((doc) => ({
      secretId: doc.secretId,
      nameKey: nameKeys.get(doc.secretId) ?? "",
      version: doc.version,
      ciphertext: bytesOf(doc.ciphertext),
      keyVersion: doc.keyVersion,
    }));
  }

  async replaceCiphertext(
    tenantId: string,
    secretId: string,
    version: number,
    fromKeyVersion: number,
    to: Ciphertext,
  ): Promise<boolean> {
    // The fromKeyVersion guard: a concurrent rewrap or prune (keyVersion 0) makes this a no-op.
    const result = await this.run(() =>
      this.versions.updateOne(
        { tenantId, secretId, version, keyVersion: fromKeyVersion },
        { $set: { ciphertext: Buffer.from(to.ciphertext), keyVersion: to.keyVersion } },
      ),
    );
    return result.modifiedCount === 1;
  }

  // Change feed

  onSecretChange(listener: (event: SecretChangeEvent) => void): () => void {
    return this.feed.subscribe(listener);
  }

  async ping(): Promise<void> {
    if (this.closed) throw new BackendUnavailableError(BACKEND, "the store is closed");
    // Watchers silently missing changes is an outage too; a reopen within the grace is not.
    const feedDown = this.feed.downSince();
    if (feedDown && Date.now() - feedDown.getTime() >= CHANGE_FEED_DOWN_GRACE_MS)
      throw new BackendUnavailableError(BACKEND, `the secrets change stream has been down since ${feedDown.toISOString()}`);
    try {
      await this.client.db("admin").command({ ping: 1 });
    } catch (error) {
      const mapped = toStoreError(error);
      throw mapped instanceof BackendUnavailableError ? mapped : new BackendUnavailableError(BACKEND, String(error), { cause: error });
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.feed.stop();
    await this.client.close();
  }

  // Internals

  private async notFoundOrConflict(tenantId: string, secretId: string, session?: ClientSession): Promise<WriteResult<SecretRecord>> {
    const current = await this.secrets.findOne({ _id: secretId, tenantId }, { session });
    return current ? { outcome: "CONFLICT", current: toSecretRecord(current) } : { outcome: "NOT_FOUND" };
  }

  /** Moves the usage count of these name keys; each must still exist (it was read in the same transaction). */
  private async adjustUsage(tenantId: string, nameKeys: readonly string[], by: 1 | -1, session: ClientSession): Promise<void> {
    if (nameKeys.length === 0) return;
    const result = await this.secrets.updateMany(
      { tenantId, nameKey: { $in: [...nameKeys] } },
      { $inc: { usageCount: by } },
      { session },
    );
    if (result.matchedCount !== nameKeys.length)
      throw new Error("usage counts: a referenced secret is missing inside the transaction");
  }

  /** Runs `work` in one transaction (retried on transient conflicts within the call's deadline), with the store's error mapping. */
  private transaction<T>(work: (session: ClientSession) => Promise<T>): Promise<T> {
    return this.run(() =>
      this.client.withSession((session) =>
        runBoundedTransaction(session, () => work(session), { ...TRANSACTION_OPTIONS, timeoutMs: this.transactionTimeoutMs }),
      ),
    );
  }

  private async run<T>(work: () => Promise<T>): Promise<T> {
    // The driver would quietly reconnect a closed client; a closed store stays closed.
    if (this.closed) throw new BackendUnavailableError(BACKEND, "the store is closed");
    try {
      return await work();
    } catch (error) {
      throw toStoreError(error);
    }
  }
}

/** Connects, retrying while the cluster is unreachable, until `startupTimeoutMs` has passed. */
async function connectWithin(options: MongoMetadataStoreOptions): Promise<MongoClient> {
  const clientOptions: MongoClientOptions = {
    appName: options.appName ?? "secrets-service",
    serverSelectionTimeoutMS: options.serverSelectionTimeoutMs ?? 5000,
    connectTimeoutMS: options.connectTimeoutMs ?? 10_000,
    maxPoolSize: options.maxPoolSize ?? 50,
    minPoolSize: options.minPoolSize ?? 0,
    retryWrites: true,
    retryReads: true,
    writeConcern: { w: "majority" },
    readConcern: { level: "majority" },
    // Ciphertexts come back as Buffers; absent optional fields stay absent.
    promoteBuffers: true,
    ignoreUndefined: true,
  };
  const deadline = Date.now() + (options.startupTimeoutMs ?? 60_000);
  let pause = 250;
  for (;;) {
    const client = new MongoClient(options.uri, clientOptions);
    try {
      await client.connect();
      await client.db("admin").command({ ping: 1 });
      return client;
    } catch (error) {
      await client.close().catch(() => undefined);
      if (!isUnavailableError(error) || Date.now() + pause >= deadline) throw toStoreError(error);
      await new Promise((resolve) => setTimeout(resolve, pause));
      pause = Math.min(pause * 2, 5000);
    }
  }
}

/** The cluster's time now, from a reply's operationTime (replica sets and sharded clusters report it). */
async function clusterTimeOf(db: Db): Promise<Timestamp> {
  const reply = await db.command({ ping: 1 });
  const time: unknown = reply.operationTime ?? reply.$clusterTime?.clusterTime;
  if (!(time instanceof Timestamp)) throw new Error("MongoDB reported no operationTime: the change feed needs a replica set");
  return time;
}

function versionDoc(tenantId: string, secretId: string, version: NewSecretVersion): VersionDoc {
  return {
    tenantId,
    secretId,
    version: version.version,
    createTime: version.createTime,
    createdBy: version.createdBy,
    ciphertext: Buffer.from(version.ciphertext),
    keyVersion: version.keyVersion,
  };
}

function bytesOf(stored: Uint8Array | undefined): Uint8Array {
  if (!stored) throw new Error("a ciphertext expected to be retained is missing");
  return new Uint8Array(stored);
}

