/**
 * Direct checks of the SQLite store file, made with a separate connection
 * while the service is not running (or, read-only, beside it).
 */
import Database from "better-sqlite3";
import { join } from "node:path";
import { SQLITE_FILE } from "../../../services/backends.js";

export interface IntegrityReport {
  /** "ok" when SQLite finds nothing wrong. */
  integrity: string;
  /** Rows whose foreign key points at nothing. */
  foreignKeyViolations: unknown[];
}

export function storePath(dataDir: string): string {
  return join(dataDir, SQLITE_FILE);
}

/** Runs `PRAGMA integrity_check` and `PRAGMA foreign_key_check` on the store in `dataDir`. */
export function checkStoreIntegrity(dataDir: string): IntegrityReport {
  const db = new Database(storePath(dataDir), { fileMustExist: true });
  try {
    const rows = db.pragma("integrity_check") as { integrity_check: string }[];
    return {
      integrity: rows.map((row) => row.integrity_check).join("; "),
      foreignKeyViolations: db.pragma("foreign_key_check") as unknown[],
    };
  } finally {
    db.close();
  }
}

/** Runs a read-only query on the store in `dataDir`. */
export function queryStore<T>(dataDir: string, sql: string, ...params: unknown[]): T[] {
  const db = new Database(storePath(dataDir), { fileMustExist: true, readonly: true });
  try {
    return db.prepare(sql).all(...params) as T[];
  } finally {
    db.close();
  }
}
