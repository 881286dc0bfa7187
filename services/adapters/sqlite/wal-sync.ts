/**
 * Makes commits durable without holding up the event loop. The connection
 * runs with synchronous=NORMAL: a commit writes its WAL frames to the file
 * but does not wait for the disk. `flushed()` then resolves once an
 * fdatasync of the WAL file, started after the call, has finished on libuv's
 * thread pool. Calls waiting at the same time share one fdatasync (group
 * commit): N concurrent writes cost one disk flush, and other calls are
 * served meanwhile. Up to MAX_RUNNING_FLUSHES flushes run at once.
 *
 * Why this is as durable as synchronous=FULL: the WAL is append-only between
 * checkpoints, so flushing it puts every frame written before the flush on
 * disk, the commit's own frames included; a checkpoint (which SQLite runs
 * with its own syncs in NORMAL mode) only ever moves frames that are already
 * in the file.
 *
 * A failed flush is final: after an fdatasync error the kernel may have
 * dropped the unwritten pages, and a later flush that succeeds would not
 * bring them back. So every later flush fails too, and the store reports
 * itself unavailable until it is reopened. Flushes running at once each use
 * their own file descriptor, all opened together: Linux reports a writeback
 * error once per descriptor, so one flush cannot take the error that another
 * one's writes met; and a flush that ends after another failed fails too.
 */
import { type FileHandle, open } from "node:fs/promises";
import { dirname } from "node:path";

/** One disk flush of everything committed so far, through descriptor `slot`; rejects if the disk reports an error. */
export type FlushOnce = (slot: number) => Promise<void>;

/**
 * Flushes running at once. A write committed while a flush runs needs a flush
 * that starts after its commit: with one at a time it waited for the running
 * flush to end, then for its own (two disk flushes); with two, its flush
 * starts at once, and the event loop no longer sits idle with every write
 * waiting for the disk.
 */
export const MAX_RUNNING_FLUSHES = 2;

export class WalSync {
  /** The flushes running now: each may have started before the caller's commit. */
  private readonly running = new Set<Promise<void>>();
  /** The descriptors no running flush uses. */
  private readonly freeSlots: number[];
  /** The flush that starts when a running one ends: every caller that arrives meanwhile shares it. */
  private queued: Promise<void> | undefined;
  private failure: unknown;
  private closed = false;

  constructor(
    private readonly flushOnce: FlushOnce,
    private readonly closeFile: () => Promise<void> = async () => undefined,
    maxRunning = MAX_RUNNING_FLUSHES,
  ) {
    this.freeSlots = Array.from({ length: maxRunning }, (_, slot) => slot);
  }

  /** Waits for the flushes already asked for, then lets go of the file. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([this.queued, ...this.running]);
    await this.closeFile();
  }

  /** Resolves once everything committed before this call is on disk. */
  flushed(): Promise<void> {
    if (this.queued) return this.queued;
    if (this.freeSlots.length > 0) return this.start();
    const queued = Promise.race([...this.running].map((flush) => flush.catch(() => undefined))).then(() => {
      this.queued = undefined;
      return this.start();
    });
    this.queued = queued;
    return queued;
  }

  /** The error of the flush that failed, if one did. */
  get failed(): unknown {
    return this.failure;
  }

  private start(): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (this.closed) return Promise.reject(new Error("the store is closed"));
    const slot = this.freeSlots.shift()!;
    const flush = this.flushOnce(slot)
      .then(
        () => {
          // Another flush failed meanwhile: the pages it could not write may be this one's.
          if (this.failure !== undefined) throw this.failure;
        },
        (error: unknown) => {
          // Not opening the file flushed nothing and lost nothing: the next flush tries again.
          if (error instanceof WalNotOpened) throw error;
          this.failure ??= error;
          throw this.failure;
        },
      )
      .finally(() => {
        this.running.delete(flush);
        this.freeSlots.push(slot);
      });
    this.running.add(flush);
    return flush;
  }
}

/** The WAL file could not be opened (too many open files, say): this flush failed, later ones may not. */
export class WalNotOpened extends Error {}

/**
 * fdatasync of `<database>-wal`. The file exists once the connection has
 * written; its descriptors (one per flush that may run at once) are opened
 * together at the first flush, and its directory is flushed then too, so
 * that the file's own directory entry is on disk.
 */
export function walSyncOf(databasePath: string): WalSync {
  let handles: Promise<FileHandle[]> | undefined;
  const openWal = async (): Promise<FileHandle[]> => {
    const opening = await Promise.allSettled(Array.from({ length: MAX_RUNNING_FLUSHES }, () => open(`${databasePath}-wal`, "r")));
    const files = opening.flatMap((result) => (result.status === "fulfilled" ? [result.value] : []));
    try {
      for (const result of opening) if (result.status === "rejected") throw result.reason;
      const directory = await open(dirname(databasePath), "r");
      try {
        await directory.sync();
      } finally {
        await directory.close();
      }
      return files;
    } catch (error) {
      await Promise.allSettled(files.map((file) => file.close()));
      throw error;
    }
  };
  return new WalSync(
    async (slot) => {
      handles ??= openWal().catch((error: unknown) => {
        handles = undefined;
        throw new WalNotOpened(`cannot open the WAL file: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
      });
      await (await handles)[slot]!.datasync();
    },
    async () => {
      const files = handles;
      handles = undefined;
      await files?.then((opened) => Promise.allSettled(opened.map((file) => file.close()))).catch(() => undefined);
    },
  );
}
