/**
 * The SQLite store's hot statements use an index that visits only the rows
 * they need, however much history a secret has.
 */
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { migrate } from "../../services/adapters/sqlite/schema.js";
import { prepareStatements } from "../../services/adapters/sqlite/statements.js";

describe("SQLite query plans", () => {
  it("clears the ciphertexts out of retention through the index of retained versions only", () => {
    const db = new Database(":memory:");
    migrate(db);
    const sql = prepareStatements(db);
    const plan = db
      .prepare<{ tenantId: string; secretId: string; newestDropped: number }, { detail: string }>(
        `EXPLAIN QUERY PLAN ${sql.pruneCiphertexts.source}`,
      )
      .all({ tenantId: "t", secretId: "s", newestDropped: 10 })
      .map((step) => step.detail);
    expect(plan).toEqual([expect.stringContaining("USING INDEX secret_versions_retained")]);
    db.close();
  });
});
