/**
 * The `secret_versions` collection: each version's metadata and, while
 * retained, its ciphertext; what key rotation rewraps.
 */
import type { ClientSession } from "mongodb";
import type { Page, PageQuery } from "../../ports/pages.js";
import { StaleKeyVersionError, type RewrapStore, type StoredCiphertext } from "../../ports/rewrap-store.js";
import type {
  Ciphertext,
  NewSecretVersion,
  SecretStore,
  SecretVersionInfo,
  SecretVersionWithCiphertext,
} from "../../ports/secret-store.js";
import { checkLimit, decodeIntegerCursor, encodeCursor, toPage } from "../keyset-pages.js";
import type { MongoConnection } from "./mongo-connection.js";
import { toAuditDoc, toVersionInfo } from "./mongo-documents.js";
import type { VersionDoc } from "./mongo-schema.js";

export type MongoSecretVersions = Pick<SecretStore, "getSecretVersion" | "listSecretVersions"> & RewrapStore;

export function mongoSecretVersions(db: MongoConnection): MongoSecretVersions {
  const { versions, secrets } = db;
  return {
    async getSecretVersion(tenantId: string, secretId: string, version: number): Promise<SecretVersionWithCiphertext | undefined> {
      const doc = await db.run(() => versions.findOne({ tenantId, secretId, version }));
      if (!doc) return undefined;
      const info = toVersionInfo(doc);
      return doc.ciphertext ? { ...info, ciphertext: { ciphertext: bytesOf(doc.ciphertext), keyVersion: doc.keyVersion } } : info;
    },

    async listSecretVersions(tenantId: string, secretId: string, query: PageQuery): Promise<Page<SecretVersionInfo>> {
      const limit = checkLimit(query.limit);
      const before = query.cursor === undefined ? Number.MAX_SAFE_INTEGER : decodeIntegerCursor(query.cursor);
      const docs = await db.run(() =>
        versions
          .find({ tenantId, secretId, version: { $lt: before } })
          .sort({ version: -1 })
          .limit(limit + 1)
          .toArray(),
      );
      return toPage(docs.map(toVersionInfo), limit, (info) => encodeCursor(String(info.version)));
    },

    async raiseMinKeyVersion(tenantId: string, keyVersion: number): Promise<void> {
      await db.run(() => db.tenants.updateOne({ _id: tenantId }, { $max: { minKeyVersion: keyVersion } }));
    },

    async countCiphertextsBelow(tenantId: string, keyVersion: number): Promise<number> {
      return db.run(() => versions.countDocuments({ tenantId, keyVersion: { $gt: 0, $lt: keyVersion } }));
    },

    async listCiphertextsBelow(tenantId: string, keyVersion: number, limit: number): Promise<StoredCiphertext[]> {
      const docs = await db.run(() =>
        versions
          .find({ tenantId, keyVersion: { $gt: 0, $lt: keyVersion } })
          .sort({ keyVersion: 1, secretId: 1, version: 1 })
          .limit(checkLimit(limit))
          .toArray(),
      );
      // The name key is part of each value's associated data.
      const secretIds = [...new Set(docs.map((doc) => doc.secretId))];
      const nameKeys = new Map(
        (await db.run(() => secrets.find({ tenantId, _id: { $in: secretIds } }, { projection: { nameKey: 1 } }).toArray())).map(
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
    },

    async replaceCiphertext(tenantId: string, secretId: string, version: number, fromKeyVersion: number, to: Ciphertext): Promise<boolean> {
      // The fromKeyVersion guard: a concurrent rewrap or prune (keyVersion 0) makes this a no-op.
      const result = await db.run(() =>
        versions.updateOne(
          { tenantId, secretId, version, keyVersion: fromKeyVersion },
          { $set: { ciphertext: Buffer.from(to.ciphertext), keyVersion: to.keyVersion } },
        ),
      );
      return result.modifiedCount === 1;
    },
  };
}

/**
 * Adds a version document, inside the transaction that makes it current.
 * Reading the tenant's minimum accepted key version is not enough under
 * snapshot isolation (a raise committing meanwhile would not conflict), so the
 * transaction writes the tenant document too: a concurrent raise then makes
 * one of the two retry, and the retried write sees the raised minimum.
 */
export async function insertVersion(
  db: MongoConnection,
  tenantId: string,
  secretId: string,
  version: NewSecretVersion,
  session: ClientSession,
): Promise<void> {
  const tenant = await db.tenants.findOneAndUpdate(
    { _id: tenantId },
    { $inc: { sealedWrites: 1 } },
    { session, projection: { minKeyVersion: 1 } },
  );
  const minKeyVersion = tenant?.minKeyVersion ?? 0;
  if (version.keyVersion < minKeyVersion) throw new StaleKeyVersionError(version.keyVersion, minKeyVersion);
  const doc: VersionDoc = {
    tenantId,
    secretId,
    version: version.version,
    createTime: version.createTime,
    createdBy: version.createdBy,
    ciphertext: Buffer.from(version.ciphertext),
    keyVersion: version.keyVersion,
  };
  await db.versions.insertOne(doc, { session });
  if (version.auditEvent) await db.audit.insertOne(toAuditDoc(version.auditEvent), { session });
}

/** Drops the ciphertexts of versions up to `newestDropped`, keeping each version's metadata. */
export async function pruneCiphertexts(
  db: MongoConnection,
  tenantId: string,
  secretId: string,
  newestDropped: number,
  session: ClientSession,
): Promise<void> {
  await db.versions.updateMany(
    { tenantId, secretId, version: { $lte: newestDropped }, keyVersion: { $gt: 0 } },
    { $unset: { ciphertext: "" }, $set: { keyVersion: 0 } },
    { session },
  );
}

/** Deletes every version of a secret, inside the transaction that deletes the secret. */
export async function deleteVersions(db: MongoConnection, tenantId: string, secretId: string, session: ClientSession): Promise<void> {
  await db.versions.deleteMany({ tenantId, secretId }, { session });
}

export function bytesOf(stored: Uint8Array | undefined): Uint8Array {
  if (!stored) throw new Error("a ciphertext expected to be retained is missing");
  return new Uint8Array(stored);
}
