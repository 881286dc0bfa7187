/**
 * The attacker of issue 9 item 8: write access to the metadata store and
 * nothing else. Opens the SQLite file of a stopped service directly, as
 * anyone who can write the database could, and edits rows.
 */
import { join } from "node:path";
import Database from "better-sqlite3";
import { SQLITE_FILE } from "../../services/backends.js";

export function editStoreFile<T>(dataDir: string, edit: (db: Database.Database) => T): T {
  const db = new Database(join(dataDir, SQLITE_FILE), { fileMustExist: true });
  try {
    return edit(db);
  } finally {
    db.close();
  }
}
