/**
 * The `secret_versions` table: each version's metadata and, while retained,
 * its ciphertext; what key rotation rewraps.
 */
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
import { insertAuditEvent } from "./audit-events.js";
import type { SqliteConnection } from "./connection.js";
import { toBlob, toBytes, toVersionInfo } from "./rows.js";
import type { Statements } from "./statements.js";

export type SqliteSecretVersions = Pick<SecretStore, "getSecretVersion" | "listSecretVersions"> & RewrapStore;

export function sqliteSecretVersions(db: SqliteConnection): SqliteSecretVersions {
  const { sql } = db;
  return {
    async getSecretVersion(tenantId: string, secretId: string, version: number): Promise<SecretVersionWithCiphertext | undefined> {
      const row = db.run(() => sql.versionWithCiphertext.get({ tenantId, secretId, version }));
      if (!row) return undefined;
      const info = toVersionInfo(row);
      return row.ciphertext ? { ...info, ciphertext: { ciphertext: toBytes(row.ciphertext), keyVersion: row.key_version } } : info;
    },

    async listSecretVersions(tenantId: string, secretId: string, query: PageQuery): Promise<Page<SecretVersionInfo>> {
      const limit = checkLimit(query.limit);
      const rows = db.run(() =>
        sql.listVersions.all({
          tenantId,
          secretId,
          before: query.cursor === undefined ? Number.MAX_SAFE_INTEGER : decodeIntegerCursor(query.cursor),
          limit: limit + 1,
        }),
      );
      return toPage(rows.map(toVersionInfo), limit, (info) => encodeCursor(String(info.version)));
    },

    async raiseMinKeyVersion(tenantId: string, keyVersion: number): Promise<void> {
      await db.transact(() => sql.raiseMinKeyVersion.run({ tenantId, keyVersion }));
    },

    async countCiphertextsBelow(tenantId: string, keyVersion: number): Promise<number> {
      return db.run(() => sql.countCiphertextsBelow.get({ tenantId, keyVersion })?.count ?? 0);
    },

    async listCiphertextsBelow(tenantId: string, keyVersion: number, limit: number): Promise<StoredCiphertext[]> {
      return db.run(() =>
        sql.listCiphertextsBelow.all({ tenantId, keyVersion, limit: checkLimit(limit) }).map((row) => ({
          secretId: row.secret_id,
          nameKey: row.name_key,
          version: row.version,
          ciphertext: toBytes(row.ciphertext),
          keyVersion: row.key_version,
        })),
      );
    },

    async replaceCiphertext(tenantId: string, secretId: string, version: number, fromKeyVersion: number, to: Ciphertext): Promise<boolean> {
      return db.write(
        () =>
          sql.replaceCiphertext.run({
            tenantId,
            secretId,
            version,
            fromKeyVersion,
            ciphertext: toBlob(to.ciphertext),
            keyVersion: to.keyVersion,
          }).changes === 1,
      );
    },
  };
}

/**
 * Adds a version row; run inside the transaction that makes it current, which
 * also reads the tenant's minimum accepted key version: the write lock it
 * holds orders it before or after a rotation's raise, never across it.
 */
export function insertVersion(sql: Statements, tenantId: string, secretId: string, version: NewSecretVersion): void {
  const minKeyVersion = sql.minKeyVersion.get({ tenantId })?.min_key_version ?? 0;
  if (version.keyVersion < minKeyVersion) throw new StaleKeyVersionError(version.keyVersion, minKeyVersion);
  sql.insertVersion.run({
    tenantId,
    secretId,
    version: version.version,
    ciphertext: toBlob(version.ciphertext),
    keyVersion: version.keyVersion,
    createTime: version.createTime.getTime(),
    createdBy: version.createdBy,
  });
  if (version.auditEvent) insertAuditEvent(sql, version.auditEvent);
}

/** Drops the ciphertexts of versions up to `newestDropped`, keeping their metadata. */
export function pruneCiphertexts(sql: Statements, tenantId: string, secretId: string, newestDropped: number): void {
  sql.pruneCiphertexts.run({ tenantId, secretId, newestDropped });
}
