/**
 * Commits the writes of one event-loop turn together. The turn's first write
 * opens an IMMEDIATE transaction; each write runs at once inside it, in its
 * own savepoint (one that throws is undone alone, the others stay); the
 * transaction commits when the turn ends (setImmediate), and every write in it
 * is acknowledged once that commit is on disk.
 *
 * Why: a commit writes every page the transaction changed into the WAL, so N
 * writes in one commit write the shared pages (a secret's row, the tails of
 * the versions and audit tables and their indexes) once instead of N times,
 * and SQLite's checkpoints come N times less often; a commit was a quarter
 * of a write's time on the event loop.
 *
 * What it changes: each write is still atomic and serial (one connection, one
 * write at a time); an acknowledged write is still on disk. A read on this
 * connection between a write and the end of its turn sees the write before it
 * is committed, as it already saw a committed write before its disk flush: if
 * the commit then fails (a full or failing disk), that write is refused and
 * its change events go out all the same, so that what read it forgets it.
 */
import type Database from "better-sqlite3";

export class TurnTransaction {
  private open: { done: Promise<void>; resolve: () => void; reject: (error: unknown) => void } | undefined;
  private readonly begin: Database.Statement;
  private readonly commit: Database.Statement;
  private readonly rollback: Database.Statement;
  private readonly savepoint: Database.Statement;
  private readonly release: Database.Statement;
  private readonly rollbackToSavepoint: Database.Statement;

  constructor(
    private readonly db: Database.Database,
    /** Run after each commit; its promise settles the commit's writes (the disk flush). */
    private readonly afterCommit: () => Promise<void>,
  ) {
    this.begin = db.prepare("BEGIN IMMEDIATE");
    this.commit = db.prepare("COMMIT");
    this.rollback = db.prepare("ROLLBACK");
    this.savepoint = db.prepare("SAVEPOINT write");
    this.release = db.prepare("RELEASE write");
    this.rollbackToSavepoint = db.prepare("ROLLBACK TO write");
  }

  /**
   * Runs `work` now, inside the turn's transaction; returns its result and
   * the promise that settles once the transaction is committed and on disk.
   * If `work` throws, its changes are undone and the error thrown here.
   */
  run<T>(work: () => T): { result: T; committed: Promise<void> } {
    const open = this.open ?? this.start();
    this.savepoint.run();
    let result: T;
    try {
      result = work();
    } catch (error) {
      if (this.db.inTransaction) {
        this.rollbackToSavepoint.run();
        this.release.run();
      } else this.lost(open, error);
      throw error;
    }
    this.release.run();
    return { result, committed: open.done };
  }

  /** Commits the open transaction now (a batch that need not wait for the turn to end; the store closing). */
  commitNow(): Promise<void> {
    const open = this.open;
    if (!open) return Promise.resolve();
    this.end(open);
    return open.done;
  }

  private start(): NonNullable<TurnTransaction["open"]> {
    this.begin.run();
    let resolve!: () => void;
    let reject!: (error: unknown) => void;
    const done = new Promise<void>((ok, fail) => {
      resolve = ok;
      reject = fail;
    });
    // A turn whose every write threw has no one waiting for its commit.
    done.catch(() => undefined);
    const open = { done, resolve, reject };
    this.open = open;
    setImmediate(() => this.end(open));
    return open;
  }

  /**
   * Some errors (a full disk, an I/O error, no memory) make SQLite roll back
   * the whole transaction, savepoints and all: every write of the turn so far
   * is undone, so each is refused, and the next write starts a new turn.
   */
  private lost(open: NonNullable<TurnTransaction["open"]>, error: unknown): void {
    if (this.open === open) this.open = undefined;
    open.reject(error);
  }

  private end(open: NonNullable<TurnTransaction["open"]>): void {
    if (this.open !== open) return;
    this.open = undefined;
    try {
      this.commit.run();
    } catch (error) {
      if (this.db.inTransaction) {
        try {
          this.rollback.run();
        } catch {
          // The connection rolls back by itself when it cannot go on; the commit's error is the one to report.
        }
      }
      open.reject(error);
      return;
    }
    this.afterCommit().then(open.resolve, open.reject);
  }
}
