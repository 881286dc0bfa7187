/**
 * The embedded default MetadataStore: one SQLite file (WAL, synchronous=NORMAL,
 * each write acknowledged after an fdatasync of the WAL: ./wal-sync.ts),
 * through better-sqlite3, composed of one module per table (tenants, secrets,
 * secret versions, consumers, API tokens, audit events) over one connection.
 * Calls are synchronous underneath, and every multi-statement change runs in
 * one IMMEDIATE transaction, so the port's atomic rules hold within this
 * process and against other processes on the same file. Change listeners run
 * after the transaction has committed.
 */
import { closeSync, mkdirSync, openSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import type { MetadataStore } from "../../ports/metadata-store.js";
import { sqliteApiTokens } from "./api-tokens.js";
import { sqliteAuditEvents } from "./audit-events.js";
import { messageOf, SqliteConnection } from "./connection.js";
import { sqliteConsumers } from "./consumers.js";
import { migrate } from "./schema.js";
import { sqliteSecretVersions } from "./secret-versions.js";
import { sqliteSecrets } from "./secrets.js";
import { sqliteTenants } from "./tenants.js";
import { walSyncOf } from "./wal-sync.js";

export interface SqliteMetadataStoreOptions {
  /** How long a statement waits for another connection's lock before failing; default 5000 ms. */
  busyTimeoutMs?: number;
  /** Told when work the store does on its own fails (a change listener throwing, audit pruning); it carries on. */
  onBackgroundError?: (error: unknown) => void;
  /** Audit events older than this are deleted, at open and every hour after; default 365. */
  auditRetentionDays?: number;
}

const DEFAULT_AUDIT_RETENTION_DAYS = 365;
const DEFAULT_BUSY_TIMEOUT_MS = 5000;

export type SqliteMetadataStore = MetadataStore;

export const SqliteMetadataStore = {
  /**
   * Opens (creating if needed, owner-only) the store file at `path` and brings
   * its schema up to date. Throws an Error naming the path and the cause.
   */
  open(path: string, options: SqliteMetadataStoreOptions = {}): SqliteMetadataStore {
    let db: Database.Database | undefined;
    try {
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
      // Create the file owner-only before SQLite does; its -wal and -shm files take the same mode.
      closeSync(openSync(path, "a", 0o600));
      db = new Database(path, { fileMustExist: true, timeout: options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS });
      const journalMode = db.pragma("journal_mode = WAL", { simple: true });
      if (journalMode !== "wal") throw new Error(`journal mode is ${String(journalMode)}, not wal`);
      db.pragma("foreign_keys = ON");
      // The schema changes commit with the disk flush inside, before the service serves.
      db.pragma("synchronous = FULL");
      migrate(db);
      // From here a commit does not wait for the disk: the WAL is flushed off the event loop before each write is acknowledged.
      db.pragma("synchronous = NORMAL");
      const connection = new SqliteConnection(db, walSyncOf(path), options.onBackgroundError);
      const auditRetentionMs = (options.auditRetentionDays ?? DEFAULT_AUDIT_RETENTION_DAYS) * 24 * 60 * 60 * 1000;
      return {
        ...sqliteTenants(connection),
        ...sqliteSecrets(connection),
        ...sqliteSecretVersions(connection),
        ...sqliteConsumers(connection),
        ...sqliteApiTokens(connection),
        ...sqliteAuditEvents(connection, auditRetentionMs),
        onSecretChange: (listener) => connection.onSecretChange(listener),
        ping: () => connection.ping(),
        close: () => connection.close(),
      };
    } catch (error) {
      db?.close();
      throw new Error(`cannot open the metadata store at ${path}: ${messageOf(error)}`, { cause: error });
    }
  },
};
