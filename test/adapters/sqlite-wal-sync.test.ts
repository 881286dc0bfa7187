/**
 * The SQLite store's durable commit off the event loop: a write is
 * acknowledged only after an fdatasync of the WAL that started after its
 * commit; concurrent writes share one flush; a failed flush fails every write
 * after it. The flush is replaced by one the test completes by hand.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { SqliteConnection } from "../../services/adapters/sqlite/connection.js";
import { SqliteMetadataStore } from "../../services/adapters/sqlite/sqlite-metadata-store.js";
import { migrate } from "../../services/adapters/sqlite/schema.js";
import { WalSync, walSyncOf } from "../../services/adapters/sqlite/wal-sync.js";
import { BackendUnavailableError } from "../../services/domain/errors.js";
import type { SecretChangeEvent } from "../../services/ports/secret-change-feed.js";

/** A flush the test ends: each call is one disk flush, pending until `finish` or `fail`. */
function manualFlush() {
  const calls: { slot: number; finish: () => void; fail: (error: Error) => void }[] = [];
  const flush = (slot: number) =>
    new Promise<void>((finish, fail) => {
      calls.push({ slot, finish, fail });
    });
  return { calls, flush };
}

/** Lets every settled promise's reactions run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

function tracked(promise: Promise<unknown>) {
  const state = { settled: false, error: undefined as unknown };
  promise.then(
    () => {
      state.settled = true;
    },
    (error: unknown) => {
      state.settled = true;
      state.error = error;
    },
  );
  return state;
}

describe("WalSync", () => {
  it("starts a flush for the first caller and lets callers who arrive during it share the next one", async () => {
    const { calls, flush } = manualFlush();
    const sync = new WalSync(flush, undefined, 1);
    const first = tracked(sync.flushed());
    expect(calls).toHaveLength(1);
    // These committed after the running flush began: it may not hold their frames.
    const second = tracked(sync.flushed());
    const third = tracked(sync.flushed());
    await settle();
    expect(calls).toHaveLength(1);
    calls[0]!.finish();
    await settle();
    expect(first.settled).toBe(true);
    expect(second.settled).toBe(false);
    expect(calls).toHaveLength(2);
    calls[1]!.finish();
    await settle();
    expect(second).toEqual({ settled: true, error: undefined });
    expect(third).toEqual({ settled: true, error: undefined });
    expect(calls).toHaveLength(2);
  });

  it("with two flushes allowed, starts the second at once and queues the rest for the first to end", async () => {
    const { calls, flush } = manualFlush();
    const sync = new WalSync(flush, undefined, 2);
    const first = tracked(sync.flushed());
    const second = tracked(sync.flushed());
    expect(calls).toHaveLength(2);
    const third = tracked(sync.flushed());
    const fourth = tracked(sync.flushed());
    await settle();
    expect(calls).toHaveLength(2);
    // The second flush ends first: the third and fourth callers committed after it began, so they still wait.
    calls[1]!.finish();
    await settle();
    expect(second.settled).toBe(true);
    expect(first.settled || third.settled || fourth.settled).toBe(false);
    expect(calls).toHaveLength(3);
    // Each running flush has its own descriptor: the third takes the one the second let go.
    expect(calls.map((call) => call.slot)).toEqual([0, 1, 1]);
    calls[2]!.finish();
    await settle();
    expect(third).toEqual({ settled: true, error: undefined });
    expect(fourth).toEqual({ settled: true, error: undefined });
    expect(first.settled).toBe(false);
    calls[0]!.finish();
    await settle();
    expect(first).toEqual({ settled: true, error: undefined });
    expect(calls).toHaveLength(3);
  });

  it("fails every later flush once one has failed, without touching the disk again", async () => {
    const { calls, flush } = manualFlush();
    const sync = new WalSync(flush, undefined, 1);
    const first = tracked(sync.flushed());
    const queued = tracked(sync.flushed());
    calls[0]!.fail(new Error("EIO: i/o error, fdatasync"));
    await settle();
    expect(String(first.error)).toContain("EIO");
    // The queued flush never starts: a later success would not bring the lost pages back.
    expect(String(queued.error)).toContain("EIO");
    await expect(sync.flushed()).rejects.toThrow("EIO");
    expect(calls).toHaveLength(1);
    expect(String(sync.failed)).toContain("EIO");
  });

  it("fails a flush that ends after another one failed, though its own fdatasync succeeded", async () => {
    const { calls, flush } = manualFlush();
    const sync = new WalSync(flush, undefined, 2);
    const first = tracked(sync.flushed());
    const second = tracked(sync.flushed());
    calls[0]!.fail(new Error("EIO: i/o error, fdatasync"));
    await settle();
    calls[1]!.finish();
    await settle();
    expect(String(first.error)).toContain("EIO");
    expect(String(second.error)).toContain("EIO");
  });

  it("closes only after the flushes already asked for have ended", async () => {
    const { calls, flush } = manualFlush();
    let fileClosed = false;
    const sync = new WalSync(flush, async () => {
      fileClosed = true;
    });
    const pending = tracked(sync.flushed());
    const closing = tracked(sync.close());
    await settle();
    expect(closing.settled).toBe(false);
    calls[0]!.finish();
    await settle();
    expect(pending.settled).toBe(true);
    expect(closing.settled).toBe(true);
    expect(fileClosed).toBe(true);
  });
});

describe("SqliteConnection with a held flush", () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  function openConnection() {
    const dir = mkdtempSync(join(tmpdir(), "wal-sync-"));
    dirs.push(dir);
    const db = new Database(join(dir, "store.db"));
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
    migrate(db);
    const { calls, flush } = manualFlush();
    const connection = new SqliteConnection(db, new WalSync(flush), undefined);
    return { db, connection, calls };
  }

  it("acknowledges a transaction and tells the change feed only once the flush after its commit has ended", async () => {
    const { connection, calls } = openConnection();
    const heard: SecretChangeEvent[] = [];
    connection.onSecretChange((event) => heard.push(event));
    const event: SecretChangeEvent = { tenantId: "t", nameKey: "a", name: "a", kind: "VALUE_UPDATED", version: 2, time: new Date(0) };
    const write = tracked(
      connection.transact((events) => {
        events.push(event);
        return "done";
      }),
    );
    await settle();
    expect(calls).toHaveLength(1);
    expect(write.settled).toBe(false);
    expect(heard).toEqual([]);
    calls[0]!.finish();
    await settle();
    expect(write).toEqual({ settled: true, error: undefined });
    expect(heard).toEqual([event]);
    await connection.close();
  });

  it("commits the writes of one turn together: one flush acknowledges them all, a write that threw is undone alone", async () => {
    const { db, connection, calls } = openConnection();
    const insertTenant = (id: string) => db.prepare("INSERT INTO tenants (id, display_name, create_time) VALUES (?, 'T', 0)").run(id);
    const first = tracked(connection.write(() => insertTenant("t1")));
    const failing = connection.transact(() => {
      insertTenant("t2");
      throw new Error("refused half way");
    });
    const second = tracked(connection.write(() => insertTenant("t3")));
    await expect(failing).rejects.toThrow("refused half way");
    await settle();
    // Committed at the end of the turn, not acknowledged before the flush that followed.
    expect(calls).toHaveLength(1);
    expect(first.settled || second.settled).toBe(false);
    calls[0]!.finish();
    await settle();
    expect(first).toEqual({ settled: true, error: undefined });
    expect(second).toEqual({ settled: true, error: undefined });
    expect(db.inTransaction).toBe(false);
    expect(db.prepare("SELECT id FROM tenants ORDER BY id").pluck().all()).toEqual(["t1", "t3"]);
    await connection.close();
  });

  it("keeps the turn whole when a statement makes SQLite roll back the whole transaction (a full disk)", async () => {
    const { db, connection, calls } = openConnection();
    db.exec("CREATE TABLE filler (b BLOB)");
    const insertTenant = (id: string) => db.prepare("INSERT INTO tenants (id, display_name, create_time) VALUES (?, 'T', 0)").run(id);
    const pages = db.pragma("page_count", { simple: true }) as number;
    db.pragma(`max_page_count = ${pages + 2}`);
    const before = connection.write(() => insertTenant("t1"));
    // Too big for the pages left: SQLITE_FULL, and SQLite rolls back the whole transaction, savepoints and all.
    const full = connection.write(() => db.prepare("INSERT INTO filler (b) VALUES (zeroblob(1000000))").run());
    const after = tracked(connection.write(() => insertTenant("t3")));
    await expect(full).rejects.toMatchObject({ name: "BackendUnavailableError", message: expect.stringContaining("SQLITE_FULL") });
    // Undone with the transaction it was in: refused, never acknowledged.
    await expect(before).rejects.toBeInstanceOf(BackendUnavailableError);
    await settle();
    // The next write starts a transaction of its own, committed and acknowledged as usual.
    expect(calls).toHaveLength(1);
    calls[0]!.finish();
    await settle();
    expect(after).toEqual({ settled: true, error: undefined });
    expect(db.inTransaction).toBe(false);
    expect(db.prepare("SELECT id FROM tenants ORDER BY id").pluck().all()).toEqual(["t3"]);
    await connection.close();
  });

  it("commits a batch (audit records, access times) at once, with what ran before it in the turn", async () => {
    const { db, connection, calls } = openConnection();
    const insertTenant = (id: string) => db.prepare("INSERT INTO tenants (id, display_name, create_time) VALUES (?, 'T', 0)").run(id);
    const single = tracked(connection.write(() => insertTenant("t1")));
    const batch = tracked(connection.transactBatch(() => insertTenant("t2")));
    // Committed and flushing already: not at the turn's end.
    expect(db.inTransaction).toBe(false);
    expect(calls).toHaveLength(1);
    const later = tracked(connection.write(() => insertTenant("t3")));
    expect(db.inTransaction).toBe(true);
    calls[0]!.finish();
    await settle();
    expect(single).toEqual({ settled: true, error: undefined });
    expect(batch).toEqual({ settled: true, error: undefined });
    expect(later.settled).toBe(false);
    calls[1]!.finish();
    await settle();
    expect(later).toEqual({ settled: true, error: undefined });
    await connection.close();
  });

  it("refuses a write that arrives while the store closes, before it runs", async () => {
    const { db, connection, calls } = openConnection();
    const insertTenant = (id: string) => db.prepare("INSERT INTO tenants (id, display_name, create_time) VALUES (?, 'T', 0)").run(id);
    const acknowledged = connection.write(() => insertTenant("t1"));
    await settle();
    const closing = connection.close();
    await expect(connection.write(() => insertTenant("t2"))).rejects.toBeInstanceOf(BackendUnavailableError);
    calls[0]!.finish();
    await acknowledged;
    await closing;
  });

  it("refuses every write of a turn whose commit fails, and tells the change feed nothing", async () => {
    const { db, connection } = openConnection();
    // A deferred foreign key is checked at COMMIT: the one way to make a commit fail on a healthy disk.
    db.exec(`CREATE TABLE parent (id TEXT PRIMARY KEY);
      CREATE TABLE child (id TEXT REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED)`);
    db.pragma("foreign_keys = ON");
    const heard: string[] = [];
    connection.onSecretChange((event) => heard.push(event.nameKey));
    const event = (nameKey: string): SecretChangeEvent => ({
      tenantId: "t",
      nameKey,
      name: nameKey,
      kind: "VALUE_UPDATED",
      version: 2,
      time: new Date(0),
    });
    const fine = connection.transact((events) => {
      db.prepare("INSERT INTO parent (id) VALUES ('p')").run();
      events.push(event("fine"));
    });
    const dangling = connection.transact((events) => {
      db.prepare("INSERT INTO child (id) VALUES ('nobody')").run();
      events.push(event("dangling"));
    });
    await expect(fine).rejects.toThrow("FOREIGN KEY");
    await expect(dangling).rejects.toThrow("FOREIGN KEY");
    // Watchers hear only of changes that happened; the writers forget what they wrote (secrets-service.ts).
    expect(heard).toEqual([]);
    expect(db.inTransaction).toBe(false);
    expect(db.prepare("SELECT count(*) FROM parent").pluck().get()).toBe(0);
    await connection.close();
  });

  it("turns a failed flush into UNAVAILABLE for the write, the readiness check, and every later write before it runs", async () => {
    const { connection, calls } = openConnection();
    const write = connection.write(() => 1);
    await settle();
    calls[0]!.fail(new Error("EIO: i/o error, fdatasync"));
    await expect(write).rejects.toBeInstanceOf(BackendUnavailableError);
    await expect(connection.ping()).rejects.toBeInstanceOf(BackendUnavailableError);
    let ran = 0;
    await expect(connection.transact(() => ran++)).rejects.toThrow("an earlier disk flush failed");
    await expect(connection.write(() => ran++)).rejects.toThrow("an earlier disk flush failed");
    expect(ran).toBe(0);
    await connection.close();
  });
});

describe("walSyncOf, on real files", () => {
  it("flushes an existing WAL; a WAL it cannot open fails that flush only; nothing flushes once closed", async () => {
    const dir = mkdtempSync(join(tmpdir(), "wal-sync-"));
    try {
      const store = SqliteMetadataStore.open(join(dir, "store.db"));
      await store.createTenant({ id: "t1", displayName: "T", createTime: new Date() });
      // A second connection sees the committed row once the write is acknowledged.
      const reader = new Database(join(dir, "store.db"), { readonly: true });
      expect(reader.prepare("SELECT id FROM tenants").all()).toEqual([{ id: "t1" }]);
      reader.close();
      await store.close();

      const later = join(dir, "later.db");
      const sync = walSyncOf(later);
      await expect(sync.flushed()).rejects.toThrow("ENOENT");
      expect(sync.failed).toBeUndefined();
      writeFileSync(`${later}-wal`, "");
      await expect(sync.flushed()).resolves.toBeUndefined();
      await sync.close();
      await expect(sync.flushed()).rejects.toThrow("closed");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
