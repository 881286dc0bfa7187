/**
 * The `secrets` collection: a secret's identity, metadata, state, current
 * version and usage count. A new value is a check-and-set on the version with
 * its version document in one transaction; a delete reads the usage count and
 * deletes, conditional on what it read, in another.
 */
import type { ClientSession } from "mongodb";
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
import { checkLimit, encodeCursor, encodeOrderedCursor, secretOrderValue, toPage } from "../keyset-pages.js";
import { blockingConsumerIds } from "./consumers.js";
import type { MongoConnection } from "./mongo-connection.js";
import { labelsToDoc, ORDER_FIELDS, orderedSecretListFilter, secretListFilter, toSecretRecord } from "./mongo-documents.js";
import { isDuplicateKeyError } from "./mongo-errors.js";
import { COLLECTIONS, type SecretDoc, type VersionDoc } from "./mongo-schema.js";
import { bytesOf, deleteVersions, insertVersion, pruneCiphertexts } from "./secret-versions.js";

export type MongoSecrets = Omit<SecretStore, "getSecretVersion" | "listSecretVersions">;

export function mongoSecrets(db: MongoConnection): MongoSecrets {
  const { secrets } = db;

  const notFoundOrConflict = async (tenantId: string, secretId: string, session?: ClientSession): Promise<WriteResult<SecretRecord>> => {
    const current = await secrets.findOne({ _id: secretId, tenantId }, { session });
    return current ? { outcome: "CONFLICT", current: toSecretRecord(current) } : { outcome: "NOT_FOUND" };
  };

  return {
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
        await db.transaction(async (session) => {
          await secrets.insertOne(doc, { session });
          await insertVersion(db, secret.tenantId, secret.id, firstVersion, session);
        });
      } catch (error) {
        // The unique (tenantId, nameKey) index decides which of two racing creates wins.
        if (isDuplicateKeyError(error)) return undefined;
        throw error;
      }
      return toSecretRecord(doc);
    },

    async getSecret(tenantId: string, nameKey: string): Promise<SecretRecord | undefined> {
      const doc = await db.run(() => secrets.findOne({ tenantId, nameKey }));
      return doc ? toSecretRecord(doc) : undefined;
    },

    async getSecretsWithCiphertext(tenantId: string, nameKeys: readonly string[]): Promise<SecretWithCiphertext[]> {
      if (nameKeys.length === 0) return [];
      const rows = await db.run(() =>
        secrets
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
    },

    async listSecrets(tenantId: string, query: SecretListQuery): Promise<Page<SecretRecord>> {
      const limit = checkLimit(query.limit);
      const { order } = query;
      if (order) {
        const direction = order.descending ? -1 : 1;
        const field = ORDER_FIELDS[order.key];
        const docs = await db.run(() =>
          secrets
            .find(orderedSecretListFilter(tenantId, query, order))
            .sort({ [field]: direction, nameKey: direction })
            .limit(limit + 1)
            .toArray(),
        );
        return toPage(docs.map(toSecretRecord), limit, (secret) =>
          encodeOrderedCursor(secretOrderValue(secret, order.key), secret.nameKey),
        );
      }
      const docs = await db.run(() =>
        secrets
          .find(secretListFilter(tenantId, query))
          .sort({ nameKey: 1 })
          .limit(limit + 1)
          .toArray(),
      );
      return toPage(docs.map(toSecretRecord), limit, (secret) => encodeCursor(secret.nameKey));
    },

    async addSecretVersion(
      tenantId: string,
      secretId: string,
      newVersion: NewSecretVersion,
      keepVersions: number,
    ): Promise<WriteResult<SecretRecord>> {
      if (!Number.isInteger(keepVersions) || keepVersions < 1)
        throw new RangeError("addSecretVersion: keepVersions must be a positive integer (the current value is kept)");
      return db.transaction(async (session): Promise<WriteResult<SecretRecord>> => {
        // Check-and-set: only moves the secret from version N-1 to N.
        const updated = await secrets.findOneAndUpdate(
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
        if (!updated) return notFoundOrConflict(tenantId, secretId, session);
        await insertVersion(db, tenantId, secretId, newVersion, session);
        await pruneCiphertexts(db, tenantId, secretId, newVersion.version - keepVersions, session);
        return { outcome: "OK", value: toSecretRecord(updated) };
      });
    },

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
      return db.run(async (): Promise<WriteResult<SecretRecord>> => {
        const updated = await secrets.findOneAndUpdate(
          { _id: secretId, tenantId, ...(expectedRevision !== undefined ? { revision: expectedRevision } : {}) },
          { $set: set, $inc: { revision: 1 } },
          { returnDocument: "after" },
        );
        return updated ? { outcome: "OK", value: toSecretRecord(updated) } : notFoundOrConflict(tenantId, secretId);
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
      return db.run(async (): Promise<WriteResult<SecretRecord>> => {
        const revision = expectedRevision !== undefined ? { revision: expectedRevision } : {};
        const mac = stateMac !== undefined ? { "macs.state": stateMac } : {};
        const updated = await secrets.findOneAndUpdate(
          { _id: secretId, tenantId, state: { $ne: state }, ...revision },
          state === "ARCHIVED"
            ? { $set: { state, archiveTime: time, updateTime: time, ...mac }, $inc: { revision: 1 } }
            : { $set: { state, updateTime: time, ...mac }, $unset: { archiveTime: "" }, $inc: { revision: 1 } },
          { returnDocument: "after" },
        );
        if (updated) return { outcome: "OK", value: toSecretRecord(updated) };
        const current = await secrets.findOne({ _id: secretId, tenantId });
        if (!current) return { outcome: "NOT_FOUND" };
        if (expectedRevision !== undefined && current.revision !== expectedRevision)
          return { outcome: "CONFLICT", current: toSecretRecord(current) };
        return { outcome: "OK", value: toSecretRecord(current) };
      });
    },

    async deleteSecret(tenantId: string, secretId: string, expectedRevision: number | undefined): Promise<DeleteSecretResult> {
      return db.transaction(async (session): Promise<DeleteSecretResult> => {
        const doc = await secrets.findOne({ _id: secretId, tenantId }, { session });
        if (!doc) return { outcome: "NOT_FOUND" };
        const current = toSecretRecord(doc);
        if (expectedRevision !== undefined && doc.revision !== expectedRevision) return { outcome: "CONFLICT", current };
        if (doc.usageCount > 0) {
          const consumerIds = await blockingConsumerIds(db, tenantId, doc.nameKey, session);
          return { outcome: "IN_USE", consumerIds, usageCount: doc.usageCount };
        }
        // Conditional on what was read: a reference added concurrently makes this a write conflict, and the retry sees it.
        const deleted = await secrets.deleteOne({ _id: secretId, tenantId, revision: doc.revision, usageCount: 0 }, { session });
        if (deleted.deletedCount !== 1) throw new Error("deleteSecret: the secret changed inside its own transaction");
        await deleteVersions(db, tenantId, secretId, session);
        return { outcome: "DELETED", secret: current };
      });
    },

    async recordSecretAccess(tenantId: string, secretIds: readonly string[], time: Date): Promise<void> {
      if (secretIds.length === 0) return;
      await db.run(() =>
        secrets.updateMany(
          { tenantId, _id: { $in: [...secretIds] }, $or: [{ lastAccessTime: { $exists: false } }, { lastAccessTime: { $lt: time } }] },
          { $set: { lastAccessTime: time } },
        ),
      );
    },
  };
}
