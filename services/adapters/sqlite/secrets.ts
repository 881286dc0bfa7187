/**
 * The `secrets` table: a secret's identity, metadata, state and current
 * version. A new value adds its version row in the same transaction, and a
 * delete reads the consumers referencing the secret in its own.
 */
import { secretNameKey } from "../../../kernel/names.js";
import type { Page } from "../../ports/pages.js";
import type {
  DeleteSecretResult,
  NewSecret,
  NewSecretVersion,
  SecretListQuery,
  SecretRecord,
  SecretState,
  SecretStore,
  SecretWithCiphertext,
  WriteResult,
} from "../../ports/secret-store.js";
import {
  checkLimit,
  decodeCursor,
  decodeOrderedCursor,
  encodeCursor,
  encodeOrderedCursor,
  secretOrderValue,
  toPage,
} from "../keyset-pages.js";
import { changedRowEvent, changeEvent, type SqliteConnection } from "./connection.js";
import { blockingConsumerIds } from "./consumers.js";
import { toBytes, toSecret } from "./rows.js";
import { insertVersion, pruneCiphertexts } from "./secret-versions.js";

export type SqliteSecrets = Omit<SecretStore, "getSecretVersion" | "listSecretVersions">;

export function sqliteSecrets(db: SqliteConnection): SqliteSecrets {
  const { sql } = db;

  const findSecret = (tenantId: string, secretId: string): SecretRecord | undefined => {
    const row = sql.secretById.get({ tenantId, secretId });
    return row && toSecret(row);
  };

  /** Re-reads a secret this transaction has just written. */
  const requireSecret = (tenantId: string, secretId: string): SecretRecord => {
    const secret = findSecret(tenantId, secretId);
    if (!secret) throw new Error("secret row vanished inside its own transaction");
    return secret;
  };

  /** The secret if it is at the expected revision (any, when none is expected); otherwise why not. */
  const atRevision = (
    tenantId: string,
    secretId: string,
    expectedRevision: number | undefined,
  ): { current: SecretRecord } | { outcome: "NOT_FOUND" } | { outcome: "CONFLICT"; current: SecretRecord } => {
    const current = findSecret(tenantId, secretId);
    if (!current) return { outcome: "NOT_FOUND" };
    if (expectedRevision !== undefined && current.revision !== expectedRevision) return { outcome: "CONFLICT", current };
    return { current };
  };

  return {
    async createSecret(secret: NewSecret, firstVersion: NewSecretVersion): Promise<SecretRecord | undefined> {
      if (secret.nameKey !== secretNameKey(secret.name)) throw new Error("createSecret: nameKey is not the name's key");
      if (firstVersion.version !== 1) throw new Error("createSecret: the first version must be 1");
      return db.transact((events) => {
        const { tenantId, id } = secret;
        // No row: the name is taken (the insert did nothing).
        const row = sql.insertSecret.get({
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
        if (!row) return undefined;
        insertVersion(sql, tenantId, id, firstVersion);
        const created = toSecret(row);
        events.push(changeEvent(created, "CREATED", created.createTime));
        return created;
      });
    },

    async getSecret(tenantId: string, nameKey: string): Promise<SecretRecord | undefined> {
      return db.run(() => {
        const row = sql.secretByNameKey.get({ tenantId, nameKey });
        return row && toSecret(row);
      });
    },

    async getSecretsWithCiphertext(tenantId: string, nameKeys: readonly string[]): Promise<SecretWithCiphertext[]> {
      if (nameKeys.length === 0) return [];
      return db.run(() =>
        sql.secretsWithCiphertext.all({ tenantId, nameKeys: JSON.stringify(nameKeys) }).map((row) => ({
          secret: toSecret(row),
          ciphertext: toBytes(row.ciphertext),
          keyVersion: row.key_version,
        })),
      );
    },

    async listSecrets(tenantId: string, query: SecretListQuery): Promise<Page<SecretRecord>> {
      const limit = checkLimit(query.limit);
      const filter = {
        tenantId,
        prefix: query.nameKeyPrefix ?? "",
        labels: JSON.stringify(query.labels ?? {}),
        includeArchived: query.includeArchived ? (1 as const) : (0 as const),
        limit: limit + 1,
      };
      const { order } = query;
      if (order) {
        const after = query.cursor === undefined ? undefined : decodeOrderedCursor(query.cursor);
        const statement = db.orderedSecretLists.statement(order, after !== undefined);
        const rows = db.run(() => statement.all({ ...filter, ...(after && { afterValue: after.value, afterKey: after.nameKey }) }));
        return toPage(rows.map(toSecret), limit, (secret) => encodeOrderedCursor(secretOrderValue(secret, order.key), secret.nameKey));
      }
      const after = query.cursor === undefined ? "" : decodeCursor(query.cursor);
      const rows = db.run(() => sql.listSecrets.all({ ...filter, after }));
      return toPage(rows.map(toSecret), limit, (secret) => encodeCursor(secret.nameKey));
    },

    async addSecretVersion(
      tenantId: string,
      secretId: string,
      newVersion: NewSecretVersion,
      keepVersions: number,
    ): Promise<WriteResult<SecretRecord>> {
      if (!Number.isInteger(keepVersions) || keepVersions < 1)
        throw new RangeError("addSecretVersion: keepVersions must be a positive integer (the current value is kept)");
      return db.transact((events): WriteResult<SecretRecord> => {
        // Moves the current version only from the one before it; no row: the secret is gone or moved on.
        const row = sql.setCurrentVersion.get({
          tenantId,
          secretId,
          version: newVersion.version,
          versionMac: newVersion.currentVersionMac ?? null,
          time: newVersion.createTime.getTime(),
        });
        if (!row) {
          const current = findSecret(tenantId, secretId);
          return current ? { outcome: "CONFLICT", current } : { outcome: "NOT_FOUND" };
        }
        insertVersion(sql, tenantId, secretId, newVersion);
        pruneCiphertexts(sql, tenantId, secretId, newVersion.version - keepVersions);
        const updated = toSecret(row);
        events.push(changeEvent(updated, "VALUE_UPDATED", newVersion.createTime));
        return { outcome: "OK", value: updated };
      });
    },

    async updateSecretMetadata(
      tenantId: string,
      secretId: string,
      expectedRevision: number | undefined,
      patch: { displayName?: string; description?: string; labels?: Record<string, string> },
      time: Date,
    ): Promise<WriteResult<SecretRecord>> {
      return db.transact((events): WriteResult<SecretRecord> => {
        const found = atRevision(tenantId, secretId, expectedRevision);
        if ("outcome" in found) return found;
        const { current } = found;
        sql.updateSecretMetadata.run({
          tenantId,
          secretId,
          displayName: patch.displayName ?? current.displayName,
          description: patch.description ?? current.description,
          labels: JSON.stringify(patch.labels ?? current.labels),
          time: time.getTime(),
        });
        const updated = requireSecret(tenantId, secretId);
        events.push(changeEvent(updated, "METADATA_UPDATED", time));
        return { outcome: "OK", value: updated };
      });
    },

    /** Setting the state a secret already has changes nothing (no revision, no event). */
    async setSecretState(
      tenantId: string,
      secretId: string,
      expectedRevision: number | undefined,
      state: SecretState,
      time: Date,
      stateMac?: string,
    ): Promise<WriteResult<SecretRecord>> {
      return db.transact((events): WriteResult<SecretRecord> => {
        const found = atRevision(tenantId, secretId, expectedRevision);
        if ("outcome" in found) return found;
        const { current } = found;
        if (current.state === state) return { outcome: "OK", value: current };
        sql.updateSecretState.run({
          tenantId,
          secretId,
          state,
          stateMac: stateMac ?? null,
          archiveTime: state === "ARCHIVED" ? time.getTime() : null,
          time: time.getTime(),
        });
        const updated = requireSecret(tenantId, secretId);
        events.push(changeEvent(updated, state === "ARCHIVED" ? "ARCHIVED" : "RESTORED", time));
        return { outcome: "OK", value: updated };
      });
    },

    async deleteSecret(tenantId: string, secretId: string, expectedRevision: number | undefined): Promise<DeleteSecretResult> {
      return db.transact((events): DeleteSecretResult => {
        const found = atRevision(tenantId, secretId, expectedRevision);
        if ("outcome" in found) return found;
        const { current } = found;
        // Read in the same transaction as the delete: no reference can slip in between.
        const consumerIds = blockingConsumerIds(sql, tenantId, current.nameKey);
        if (consumerIds.length > 0) return { outcome: "IN_USE", consumerIds, usageCount: current.usageCount };
        sql.deleteSecret.run({ tenantId, secretId });
        // The port gives a delete no time; the event carries the commit's.
        events.push(changeEvent(current, "DELETED", new Date()));
        return { outcome: "DELETED", secret: current };
      });
    },

    async recordSecretAccess(tenantId: string, secretIds: readonly string[], time: Date): Promise<void> {
      if (secretIds.length === 0) return;
      // A transaction only so the change feed hears of the secrets it moved (at most once a minute each).
      await db.transactBatch((events) => {
        for (const row of sql.recordAccess.all({ tenantId, secretIds: JSON.stringify(secretIds), time: time.getTime() }))
          events.push(changedRowEvent(row, "USAGE_UPDATED", time));
      });
    },
  };
}
