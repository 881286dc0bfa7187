/**
 * The embedded default MetadataStore: one SQLite file (WAL, synchronous=FULL),
 * through better-sqlite3. Calls are synchronous underneath, and every
 * multi-statement change runs in one IMMEDIATE transaction, so the port's
 * atomic rules hold within this process and against other processes on the
 * same file. Change listeners run after the transaction has committed.
 */
import { closeSync, mkdirSync, openSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
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
  SecretChangeKind,
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
import {
  checkLimit,
  decodeCursor,
  decodeIntegerCursor,
  decodeTimeIdCursor,
  encodeCursor,
  encodeTimeIdCursor,
  toPage,
} from "../keyset-pages.js";
import { toApiToken, toAuditEvent, toBlob, toBytes, toSecret, toTenant, toVersionInfo, type ConsumerReferenceRow } from "./rows.js";
import { migrate } from "./schema.js";
import { AFTER_EVERY_KEY, prepareStatements, type Statements } from "./statements.js";

export interface SqliteMetadataStoreOptions {
  /** How long a statement waits for another connection's lock before failing; default 5000 ms. */
  busyTimeoutMs?: number;
  /** Told when work the store does on its own fails (a change listener throwing, audit pruning); it carries on. */
  onBackgroundError?: (error: unknown) => void;
  /** Audit events older than this are deleted, at open and every hour after; default 365. */
  auditRetentionDays?: number;
}

const DEFAULT_AUDIT_RETENTION_DAYS = 365;
const AUDIT_PRUNE_INTERVAL_MS = 60 * 60 * 1000;
const AUDIT_PRUNE_SLICE = 10_000;

const BACKEND = "metadata store (SQLite)";
const DEFAULT_BUSY_TIMEOUT_MS = 5000;
/** The most consumer ids an IN_USE outcome names. */
const MAX_BLOCKING_CONSUMERS = 100;

// Failures of the file or its locks rather than of the request: the caller may retry later.
const UNAVAILABLE_CODES = /^SQLITE_(BUSY|LOCKED|IOERR|CANTOPEN|FULL|READONLY|CORRUPT|NOTADB)/;

type ChangeListener = (event: SecretChangeEvent) => void;

export class SqliteMetadataStore implements MetadataStore {
  private readonly listeners = new Set<ChangeListener>();

  private readonly auditPruning: NodeJS.Timeout;

  private constructor(
    private readonly db: Database.Database,
    private readonly sql: Statements,
    private readonly onBackgroundError: ((error: unknown) => void) | undefined,
    private readonly auditRetentionMs: number,
  ) {
    this.pruneAuditEvents();
    this.auditPruning = setInterval(() => this.pruneAuditEvents(), AUDIT_PRUNE_INTERVAL_MS);
    this.auditPruning.unref();
  }

  /**
   * Opens (creating if needed, owner-only) the store file at `path` and brings
   * its schema up to date. Throws an Error naming the path and the cause.
   */
  static open(path: string, options: SqliteMetadataStoreOptions = {}): SqliteMetadataStore {
    let db: Database.Database | undefined;
    try {
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
      // Create the file owner-only before SQLite does; its -wal and -shm files take the same mode.
      closeSync(openSync(path, "a", 0o600));
      db = new Database(path, { fileMustExist: true, timeout: options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS });
      const journalMode = db.pragma("journal_mode = WAL", { simple: true });
      if (journalMode !== "wal") throw new Error(`journal mode is ${String(journalMode)}, not wal`);
      // FULL: a commit is on disk before it is acknowledged, even in WAL mode.
      db.pragma("synchronous = FULL");
      db.pragma("foreign_keys = ON");
      migrate(db);
      return new SqliteMetadataStore(
        db,
        prepareStatements(db),
        options.onBackgroundError,
        (options.auditRetentionDays ?? DEFAULT_AUDIT_RETENTION_DAYS) * 24 * 60 * 60 * 1000,
      );
    } catch (error) {
      db?.close();
      throw new Error(`cannot open the metadata store at ${path}: ${messageOf(error)}`, { cause: error });
    }
  }

  // Tenants

  async createTenant(tenant: TenantRecord): Promise<boolean> {
    return this.run(
      () =>
        this.sql.insertTenant.run({
          id: tenant.id,
          displayName: tenant.displayName,
          createTime: tenant.createTime.getTime(),
          mac: tenant.mac ?? null,
        }).changes === 1,
    );
  }

  async getTenant(tenantId: string): Promise<TenantRecord | undefined> {
    return this.run(() => {
      const row = this.sql.tenantById.get({ id: tenantId });
      return row && toTenant(row);
    });
  }

  // Secrets

  async createSecret(secret: NewSecret, firstVersion: NewSecretVersion): Promise<SecretRecord | undefined> {
    if (secret.nameKey !== secretNameKey(secret.name)) throw new Error("createSecret: nameKey is not the name's key");
    if (firstVersion.version !== 1) throw new Error("createSecret: the first version must be 1");
    return this.transact((events) => {
      const { tenantId, id } = secret;
      if (this.sql.secretByNameKey.get({ tenantId, nameKey: secret.nameKey })) return undefined;
      this.sql.insertSecret.run({
        tenantId,
        id,
        name: secret.name,
        nameKey: secret.nameKey,
        displayName: secret.displayName,
        description: secret.description,
        labels: JSON.stringify(secret.labels),
        type: secret.type,
        time: secret.createTime.getTime(),
        identityMac: secret.macs?.identity ?? null,
        stateMac: secret.macs?.state ?? null,
        versionMac: secret.macs?.version ?? null,
      });
      this.insertVersion(tenantId, id, firstVersion);
      const created = this.requireSecret(tenantId, id);
      events.push(changeEvent(created, "CREATED", created.createTime));
      return created;
    });
  }

  async getSecret(tenantId: string, nameKey: string): Promise<SecretRecord | undefined> {
    return this.run(() => {
      const row = this.sql.secretByNameKey.get({ tenantId, nameKey });
      return row && toSecret(row);
    });
  }

  async getSecretsWithCiphertext(tenantId: string, nameKeys: readonly string[]): Promise<SecretWithCiphertext[]> {
    if (nameKeys.length === 0) return [];
    return this.run(() =>
      this.sql.secretsWithCiphertext.all({ tenantId, nameKeys: JSON.stringify(nameKeys) }).map((row) => ({
        secret: toSecret(row),
        ciphertext: toBytes(row.ciphertext),
        keyVersion: row.key_version,
      })),
    );
  }

  async listSecrets(tenantId: string, query: SecretListQuery): Promise<Page<SecretRecord>> {
    const limit = checkLimit(query.limit);
    const rows = this.run(() =>
      this.sql.listSecrets.all({
        tenantId,
        after: query.cursor === undefined ? "" : decodeCursor(query.cursor),
        prefix: query.nameKeyPrefix ?? "",
        labels: JSON.stringify(query.labels ?? {}),
        includeArchived: query.includeArchived ? 1 : 0,
        limit: limit + 1,
      }),
    );
    return toPage(rows.map(toSecret), limit, (secret) => encodeCursor(secret.nameKey));
  }

  async addSecretVersion(
    tenantId: string,
    secretId: string,
    newVersion: NewSecretVersion,
    keepVersions: number,
  ): Promise<WriteResult<SecretRecord>> {
    if (!Number.isInteger(keepVersions) || keepVersions < 1)
      throw new RangeError("addSecretVersion: keepVersions must be a positive integer (the current value is kept)");
    return this.transact((events): WriteResult<SecretRecord> => {
      const current = this.findSecret(tenantId, secretId);
      if (!current) return { outcome: "NOT_FOUND" };
      if (current.version !== newVersion.version - 1) return { outcome: "CONFLICT", current };
      this.insertVersion(tenantId, secretId, newVersion);
      this.sql.setCurrentVersion.run({
        tenantId,
        secretId,
        version: newVersion.version,
        versionMac: newVersion.currentVersionMac ?? null,
        time: newVersion.createTime.getTime(),
      });
      this.sql.pruneCiphertexts.run({ tenantId, secretId, newestDropped: newVersion.version - keepVersions });
      const updated = this.requireSecret(tenantId, secretId);
      events.push(changeEvent(updated, "VALUE_UPDATED", newVersion.createTime));
      return { outcome: "OK", value: updated };
    });
  }

  async updateSecretMetadata(
    tenantId: string,
    secretId: string,
    expectedRevision: number | undefined,
    patch: { displayName?: string; description?: string; labels?: Record<string, string> },
    time: Date,
  ): Promise<WriteResult<SecretRecord>> {
    return this.transact((): WriteResult<SecretRecord> => {
      const current = this.findSecret(tenantId, secretId);
      if (!current) return { outcome: "NOT_FOUND" };
      if (expectedRevision !== undefined && current.revision !== expectedRevision)
        return { outcome: "CONFLICT", current };
      this.sql.updateSecretMetadata.run({
        tenantId,
        secretId,
        displayName: patch.displayName ?? current.displayName,
        description: patch.description ?? current.description,
        labels: JSON.stringify(patch.labels ?? current.labels),
        time: time.getTime(),
      });
      return { outcome: "OK", value: this.requireSecret(tenantId, secretId) };
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
    return this.transact((events): WriteResult<SecretRecord> => {
      const current = this.findSecret(tenantId, secretId);
      if (!current) return { outcome: "NOT_FOUND" };
      if (expectedRevision !== undefined && current.revision !== expectedRevision)
        return { outcome: "CONFLICT", current };
      if (current.state === state) return { outcome: "OK", value: current };
      this.sql.updateSecretState.run({
        tenantId,
        secretId,
        state,
        stateMac: stateMac ?? null,
        archiveTime: state === "ARCHIVED" ? time.getTime() : null,
        time: time.getTime(),
      });
      const updated = this.requireSecret(tenantId, secretId);
      events.push(changeEvent(updated, state === "ARCHIVED" ? "ARCHIVED" : "RESTORED", time));
      return { outcome: "OK", value: updated };
    });
  }

  async deleteSecret(
    tenantId: string,
    secretId: string,
    expectedRevision: number | undefined,
  ): Promise<DeleteSecretResult> {
    return this.transact((events): DeleteSecretResult => {
      const current = this.findSecret(tenantId, secretId);
      if (!current) return { outcome: "NOT_FOUND" };
      if (expectedRevision !== undefined && current.revision !== expectedRevision)
        return { outcome: "CONFLICT", current };
      // Read in the same transaction as the delete: no reference can slip in between.
      const consumerIds = this.sql.referencingConsumerIds
        .all({ tenantId, nameKey: current.nameKey, limit: MAX_BLOCKING_CONSUMERS })
        .map((row) => row.consumer_id);
      if (consumerIds.length > 0) return { outcome: "IN_USE", consumerIds, usageCount: current.usageCount };
      this.sql.deleteSecret.run({ tenantId, secretId });
      // The port gives a delete no time; the event carries the commit's.
      events.push(changeEvent(current, "DELETED", new Date()));
      return { outcome: "DELETED", secret: current };
    });
  }

  async getSecretVersion(tenantId: string, secretId: string, version: number): Promise<SecretVersionWithCiphertext | undefined> {
    const row = this.run(() => this.sql.versionWithCiphertext.get({ tenantId, secretId, version }));
    if (!row) return undefined;
    const info = toVersionInfo(row);
    return row.ciphertext ? { ...info, ciphertext: { ciphertext: toBytes(row.ciphertext), keyVersion: row.key_version } } : info;
  }

  async listSecretVersions(tenantId: string, secretId: string, query: PageQuery): Promise<Page<SecretVersionInfo>> {
    const limit = checkLimit(query.limit);
    const rows = this.run(() =>
      this.sql.listVersions.all({
        tenantId,
        secretId,
        before: query.cursor === undefined ? Number.MAX_SAFE_INTEGER : decodeIntegerCursor(query.cursor),
        limit: limit + 1,
      }),
    );
    return toPage(rows.map(toVersionInfo), limit, (info) => encodeCursor(String(info.version)));
  }

  async recordSecretAccess(tenantId: string, secretIds: readonly string[], time: Date): Promise<void> {
    if (secretIds.length === 0) return;
    this.run(() =>
      this.sql.recordAccess.run({ tenantId, secretIds: JSON.stringify(secretIds), time: time.getTime() }),
    );
  }

  // Consumers

  async setConsumerReferences(
    tenantId: string,
    consumerId: string,
    references: readonly ConsumerReference[],
    time: Date,
  ): Promise<SetReferencesResult> {
    return this.transact((): SetReferencesResult => {
      // Checked in the same transaction as the writes: no secret can be deleted in between.
      const nameKeys = JSON.stringify(references.map((r) => r.nameKey));
      const missing = this.sql.missingNameKeys.all({ tenantId, nameKeys }).map((row) => row.name_key);
      if (missing.length > 0) return { outcome: "MISSING", nameKeys: missing };
      const consumer: ConsumerRecord = {
        tenantId,
        id: consumerId,
        references: references.map(({ reference, nameKey }) => ({ reference, nameKey })),
        updateTime: time,
      };
      if (references.length === 0) {
        this.sql.deleteConsumer.run({ tenantId, consumerId });
        return { outcome: "OK", consumer };
      }
      this.sql.upsertConsumer.run({ tenantId, consumerId, time: time.getTime() });
      this.sql.deleteConsumerReferences.run({ tenantId, consumerId });
      references.forEach(({ reference, nameKey }, position) =>
        this.sql.insertReference.run({ tenantId, consumerId, position, reference, nameKey }),
      );
      return { outcome: "OK", consumer };
    });
  }

  async getConsumer(tenantId: string, consumerId: string): Promise<ConsumerRecord | undefined> {
    return groupConsumers(tenantId, this.run(() => this.sql.consumerReferences.all({ tenantId, consumerId })))[0];
  }

  async deleteConsumer(tenantId: string, consumerId: string): Promise<boolean> {
    // Its references go with it (ON DELETE CASCADE).
    return this.run(() => this.sql.deleteConsumer.run({ tenantId, consumerId }).changes > 0);
  }

  async listSecretConsumers(tenantId: string, nameKey: string, query: PageQuery): Promise<Page<ConsumerRecord>> {
    const limit = checkLimit(query.limit);
    const rows = this.run(() =>
      this.sql.listSecretConsumers.all({
        tenantId,
        nameKey,
        after: query.cursor === undefined ? "" : decodeCursor(query.cursor),
        limit: limit + 1,
      }),
    );
    return toPage(groupConsumers(tenantId, rows), limit, (consumer) => encodeCursor(consumer.id));
  }

  // API tokens

  async createApiToken(token: ApiTokenRecord): Promise<void> {
    this.run(() =>
      this.sql.insertApiToken.run({
        tenantId: token.tenantId,
        id: token.id,
        hash: token.hash,
        displayName: token.displayName,
        role: token.role,
        allowedSecretPatterns: JSON.stringify(token.allowedSecretPatterns),
        createTime: token.createTime.getTime(),
        expireTime: token.expireTime?.getTime() ?? null,
        revokeTime: token.revokeTime?.getTime() ?? null,
        createdBy: token.createdBy,
        identityMac: token.macs?.identity ?? null,
        revocationMac: token.macs?.revocation ?? null,
      }),
    );
  }

  async findApiTokenByHash(hash: string): Promise<ApiTokenRecord | undefined> {
    return this.run(() => {
      const row = this.sql.apiTokenByHash.get({ hash });
      return row && toApiToken(row);
    });
  }

  async listApiTokens(tenantId: string, query: TokenListQuery): Promise<Page<ApiTokenRecord>> {
    const limit = checkLimit(query.limit);
    const after =
      query.cursor === undefined ? { time: Number.MIN_SAFE_INTEGER, id: "" } : decodeTimeIdCursor(query.cursor);
    const rows = this.run(() =>
      this.sql.listApiTokens.all({
        tenantId,
        afterTime: after.time,
        afterId: after.id,
        includeInactive: query.includeInactive ? 1 : 0,
        now: query.now.getTime(),
        limit: limit + 1,
      }),
    );
    return toPage(rows.map(toApiToken), limit, (token) => encodeTimeIdCursor(token.createTime.getTime(), token.id));
  }

  async revokeApiToken(
    tenantId: string,
    tokenId: string,
    time: Date,
    revocationMac?: string,
  ): Promise<ApiTokenRecord | undefined> {
    return this.transact(() => {
      this.sql.revokeApiToken.run({ tenantId, tokenId, time: time.getTime(), revocationMac: revocationMac ?? null });
      const row = this.sql.apiTokenById.get({ tenantId, tokenId });
      return row && toApiToken(row);
    });
  }

  // Audit

  async appendAuditEvents(events: readonly AuditEventRecord[]): Promise<void> {
    if (events.length === 0) return;
    this.transact(() => {
      for (const event of events)
        this.sql.insertAuditEvent.run({
          tenantId: event.tenantId,
          id: event.id,
          time: event.time.getTime(),
          actorTokenId: event.actorTokenId,
          action: event.action,
          resources: JSON.stringify(event.resources),
          outcome: event.outcome,
          statusCode: event.statusCode,
          version: event.version ?? null,
          consumerId: event.consumerId ?? null,
        });
    });
  }

  async listAuditEvents(tenantId: string, query: AuditQuery): Promise<Page<AuditEventRecord>> {
    const limit = checkLimit(query.limit);
    const rows = this.run(() =>
      this.sql.listAuditEvents.all({
        tenantId,
        before: query.cursor === undefined ? AFTER_EVERY_KEY : decodeCursor(query.cursor),
        limit: limit + 1,
        action: query.action ?? null,
        resource: query.resource ?? null,
        actorTokenId: query.actorTokenId ?? null,
        outcome: query.outcome ?? null,
        startTime: query.startTime?.getTime() ?? null,
        endTime: query.endTime?.getTime() ?? null,
      }),
    );
    return toPage(rows.map(toAuditEvent), limit, (event) => encodeCursor(event.id));
  }

  // Key rotation

  async countCiphertextsBelow(tenantId: string, keyVersion: number): Promise<number> {
    return this.run(() => this.sql.countCiphertextsBelow.get({ tenantId, keyVersion })?.count ?? 0);
  }

  async listCiphertextsBelow(tenantId: string, keyVersion: number, limit: number): Promise<StoredCiphertext[]> {
    return this.run(() =>
      this.sql.listCiphertextsBelow.all({ tenantId, keyVersion, limit: checkLimit(limit) }).map((row) => ({
        secretId: row.secret_id,
        nameKey: row.name_key,
        version: row.version,
        ciphertext: toBytes(row.ciphertext),
        keyVersion: row.key_version,
      })),
    );
  }

  async replaceCiphertext(
    tenantId: string,
    secretId: string,
    version: number,
    fromKeyVersion: number,
    to: Ciphertext,
  ): Promise<boolean> {
    return this.run(
      () =>
        this.sql.replaceCiphertext.run({
          tenantId,
          secretId,
          version,
          fromKeyVersion,
          ciphertext: toBlob(to.ciphertext),
          keyVersion: to.keyVersion,
        }).changes === 1,
    );
  }

  // Change feed

  onSecretChange(listener: ChangeListener): () => void {
    // A wrapper per subscription, so subscribing one function twice gives two independent subscriptions.
    const subscription: ChangeListener = (event) => listener(event);
    this.listeners.add(subscription);
    return () => {
      this.listeners.delete(subscription);
    };
  }

  async ping(): Promise<void> {
    try {
      this.run(() => this.sql.ping.get());
    } catch (error) {
      throw error instanceof BackendUnavailableError ? error : new BackendUnavailableError(BACKEND, messageOf(error));
    }
  }

  async close(): Promise<void> {
    clearInterval(this.auditPruning);
    if (this.db.open) this.db.close();
  }

  /** Deletes audit events past the retention period (what MongoDB's TTL index does there). */
  private pruneAuditEvents(): void {
    if (!this.db.open) return;
    const before = Date.now() - this.auditRetentionMs;
    try {
      while (this.sql.pruneAuditEvents.run({ before, limit: AUDIT_PRUNE_SLICE }).changes === AUDIT_PRUNE_SLICE);
    } catch (error) {
      // A busy or read-only store prunes next time; the service serves on.
      this.onBackgroundError?.(error);
    }
  }

  // Internals

  private findSecret(tenantId: string, secretId: string): SecretRecord | undefined {
    const row = this.sql.secretById.get({ tenantId, secretId });
    return row && toSecret(row);
  }

  /** Re-reads a secret this transaction has just written. */
  private requireSecret(tenantId: string, secretId: string): SecretRecord {
    const secret = this.findSecret(tenantId, secretId);
    if (!secret) throw new Error("secret row vanished inside its own transaction");
    return secret;
  }

  private insertVersion(tenantId: string, secretId: string, version: NewSecretVersion): void {
    this.sql.insertVersion.run({
      tenantId,
      secretId,
      version: version.version,
      ciphertext: toBlob(version.ciphertext),
      keyVersion: version.keyVersion,
      createTime: version.createTime.getTime(),
      createdBy: version.createdBy,
    });
  }

  /** Runs one statement (or a read) with the store's error mapping. */
  private run<T>(work: () => T): T {
    if (!this.db.open) throw new BackendUnavailableError(BACKEND, "the database is closed");
    try {
      return work();
    } catch (error) {
      throw toStoreError(error);
    }
  }

  /**
   * Runs `work` in one IMMEDIATE transaction (the write lock is taken up front,
   * so a read-then-write can never be overtaken), then tells the listeners about
   * the changes it recorded, only once it has committed.
   */
  private transact<T>(work: (events: SecretChangeEvent[]) => T): T {
    const events: SecretChangeEvent[] = [];
    const result = this.run(() => this.db.transaction(() => work(events)).immediate());
    for (const event of events) this.emit(event);
    return result;
  }

  private emit(event: SecretChangeEvent): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch (error) {
        try {
          this.onBackgroundError?.(error);
        } catch {
          // A failing error reporter must not break the store either.
        }
      }
    }
  }
}

function changeEvent(secret: SecretRecord, kind: SecretChangeKind, time: Date): SecretChangeEvent {
  return { tenantId: secret.tenantId, nameKey: secret.nameKey, name: secret.name, kind, version: secret.version, time };
}

function toStoreError(error: unknown): unknown {
  if (error instanceof Database.SqliteError && UNAVAILABLE_CODES.test(error.code))
    return new BackendUnavailableError(BACKEND, `${error.code}: ${error.message}`, { cause: error });
  return error;
}

function messageOf(error: unknown): string {
  if (error instanceof Database.SqliteError) return `${error.message} (${error.code})`;
  return error instanceof Error ? error.message : String(error);
}

/** Folds reference rows, ordered by consumer, into consumer records. */
function groupConsumers(tenantId: string, rows: readonly ConsumerReferenceRow[]): ConsumerRecord[] {
  const consumers: ConsumerRecord[] = [];
  for (const row of rows) {
    let consumer = consumers.at(-1);
    if (consumer === undefined || consumer.id !== row.consumer_id) {
      consumer = { tenantId, id: row.consumer_id, references: [], updateTime: new Date(row.update_time) };
      consumers.push(consumer);
    }
    consumer.references.push({ reference: row.reference, nameKey: row.name_key });
  }
  return consumers;
}
