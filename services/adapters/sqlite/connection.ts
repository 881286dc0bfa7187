/**
 * The one better-sqlite3 connection every table module of the SQLite store
 * shares: its prepared statements, the error mapping, the writes of each
 * event-loop turn committed in one IMMEDIATE transaction (./turn-transaction.ts)
 * made durable off the event loop (./wal-sync.ts), and the change listeners
 * told once a change is on disk.
 */
import Database from "better-sqlite3";
import { BackendUnavailableError } from "../../domain/errors.js";
import type { SecretChangeEvent, SecretChangeFeed, SecretChangeKind } from "../../ports/secret-change-feed.js";
import type { SecretRecord } from "../../ports/secret-store.js";
import type { StoreLifecycle } from "../../ports/metadata-store.js";
import { OrderedSecretLists } from "./secret-order.js";
import { prepareStatements, type ChangedSecretRow, type Statements } from "./statements.js";
import { TurnTransaction } from "./turn-transaction.js";
import type { WalSync } from "./wal-sync.js";

const BACKEND = "metadata store (SQLite)";

// Failures of the file or its locks rather than of the request: the caller may retry later.
const UNAVAILABLE_CODES = /^SQLITE_(BUSY|LOCKED|IOERR|CANTOPEN|FULL|READONLY|CORRUPT|NOTADB)/;

type ChangeListener = (event: SecretChangeEvent) => void;

export class SqliteConnection implements SecretChangeFeed, StoreLifecycle {
  readonly sql: Statements;
  readonly orderedSecretLists: OrderedSecretLists;
  private readonly listeners = new Set<ChangeListener>();
  /** Run at close, before the database closes (timers of the table modules). */
  private readonly closers: (() => void)[] = [];
  private readonly turn: TurnTransaction;
  /** Set by close(): a write that arrives then is refused before it runs (its commit would find the file closed). */
  private closing = false;

  constructor(
    private readonly db: Database.Database,
    /** Flushes the commits to disk; a write is acknowledged only once it has. */
    private readonly walSync: Pick<WalSync, "flushed" | "failed" | "close">,
    /** Told when work the store does on its own fails (a change listener throwing, audit pruning); it carries on. */
    readonly onBackgroundError: ((error: unknown) => void) | undefined,
  ) {
    this.sql = prepareStatements(db);
    this.orderedSecretLists = new OrderedSecretLists(db);
    this.turn = new TurnTransaction(db, () => this.durable());
  }

  get open(): boolean {
    return this.db.open && !this.closing;
  }

  /** Runs one statement (or a read) with the store's error mapping. */
  run<T>(work: () => T): T {
    if (!this.db.open) throw new BackendUnavailableError(BACKEND, "the database is closed");
    try {
      return work();
    } catch (error) {
      throw toStoreError(error);
    }
  }

  /**
   * Runs `work` atomically now, in this turn's IMMEDIATE transaction (the
   * write lock is taken up front, so a read-then-write can never be
   * overtaken), waits until that transaction is committed and on disk, then
   * tells the listeners about the changes it recorded.
   */
  transact<T>(work: (events: SecretChangeEvent[]) => T): Promise<T> {
    return this.transactIn("this turn", work);
  }

  /**
   * `transact` for work that is already a batch (group-committed audit records, last access
   * times), which runs from a timer or setImmediate callback: a turn opened there would commit
   * only at the next check phase (for a setImmediate callback, the next loop iteration's), after
   * every request read meanwhile; this commits it at once (with whatever else ran in the turn), so
   * the batch's flush starts that much sooner.
   */
  transactBatch<T>(work: (events: SecretChangeEvent[]) => T): Promise<T> {
    return this.transactIn("now", work);
  }

  private async transactIn<T>(commit: "this turn" | "now", work: (events: SecretChangeEvent[]) => T): Promise<T> {
    this.refuseWritesAfterFailedFlush();
    if (this.closing) throw new BackendUnavailableError(BACKEND, "the store is closing");
    const events: SecretChangeEvent[] = [];
    const { result, committed } = this.run(() => this.turn.run(() => work(events)));
    if (commit === "now") this.turn.commitNow();
    // A change that did not happen is not told: watchers would act on it (the writers forget what they wrote).
    await committed.catch((error: unknown) => {
      throw toStoreError(error);
    });
    for (const event of events) this.emit(event);
    return result;
  }

  /** Runs one writing statement and waits until it is on disk. */
  write<T>(work: () => T): Promise<T> {
    return this.transact(work);
  }

  onSecretChange(listener: ChangeListener): () => void {
    // A wrapper per subscription, so subscribing one function twice gives two independent subscriptions.
    const subscription: ChangeListener = (event) => listener(event);
    this.listeners.add(subscription);
    return () => {
      this.listeners.delete(subscription);
    };
  }

  onClose(closer: () => void): void {
    this.closers.push(closer);
  }

  async ping(): Promise<void> {
    try {
      if (this.walSync.failed !== undefined) throw this.walSync.failed;
      this.run(() => this.sql.ping.get());
    } catch (error) {
      throw error instanceof BackendUnavailableError ? error : new BackendUnavailableError(BACKEND, messageOf(error));
    }
  }

  async close(): Promise<void> {
    this.closing = true;
    for (const closer of this.closers) closer();
    await this.turn.commitNow().catch(() => undefined);
    // Writes already committed are acknowledged once on disk, before the file goes.
    await this.walSync.close();
    if (this.db.open) this.db.close();
  }

  /** After a failed flush nothing more is written: a write would commit, then be refused as not on disk. */
  private refuseWritesAfterFailedFlush(): void {
    if (this.walSync.failed !== undefined)
      throw new BackendUnavailableError(BACKEND, `an earlier disk flush failed: ${messageOf(this.walSync.failed)}; restart the service`);
  }

  private async durable(): Promise<void> {
    try {
      await this.walSync.flushed();
    } catch (error) {
      throw new BackendUnavailableError(BACKEND, `the disk did not confirm the write: ${messageOf(error)}`, { cause: error });
    }
  }

  private emit(event: SecretChangeEvent): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch (error) {
        try {
          this.onBackgroundError?.(error);
        } catch {
          // A failing error reporter must not break the store either.
        }
      }
    }
  }
}

export function changeEvent(secret: SecretRecord, kind: SecretChangeKind, time: Date): SecretChangeEvent {
  return { tenantId: secret.tenantId, nameKey: secret.nameKey, name: secret.name, kind, version: secret.version, time };
}

/** The event for a row a statement reports it changed (RETURNING CHANGED_SECRET_COLUMNS). */
export function changedRowEvent(row: ChangedSecretRow, kind: SecretChangeKind, time: Date): SecretChangeEvent {
  return { tenantId: row.tenant_id, nameKey: row.name_key, name: row.name, kind, version: row.version, time };
}

function toStoreError(error: unknown): unknown {
  if (error instanceof Database.SqliteError && UNAVAILABLE_CODES.test(error.code))
    return new BackendUnavailableError(BACKEND, `${error.code}: ${error.message}`, { cause: error });
  return error;
}

export function messageOf(error: unknown): string {
  if (error instanceof Database.SqliteError) return `${error.message} (${error.code})`;
  return error instanceof Error ? error.message : String(error);
}
