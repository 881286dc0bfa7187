/**
 * Makes commits durable without holding up the event loop. The connection
 * runs with synchronous=NORMAL: a commit writes its WAL frames to the file
 * but does not wait for the disk. `flushed()` then resolves once an
 * fdatasync of the WAL file, started after the call, has finished on libuv's
 * thread pool. Calls waiting at the same time share one fdatasync (group
 * commit): N concurrent writes cost one disk flush, and other calls are
 * served meanwhile.
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
 * itself unavailable until it is reopened.
 */
import { type FileHandle, open } from "node:fs/promises";
import { dirname } from "node:path";

/** One disk flush of everything committed so far; rejects if the disk reports an error. */
export type FlushOnce = () => Promise<void>;

export class WalSync {
  /** The flush running now: it may have started before the caller's commit. */
  private running: Promise<void> | undefined;
  /** The flush that starts when `running` ends: every caller that arrives meanwhile shares it. */
  private queued: Promise<void> | undefined;
  private failure: unknown;
  private closed = false;

  constructor(
    private readonly flushOnce: FlushOnce,
    private readonly closeFile: () => Promise<void> = async () => undefined,
  ) {}

  /** Waits for the flushes already asked for, then lets go of the file. */
  async close(): Promise<void> {
    this.closed = true;
    await (this.queued ?? this.running)?.catch(() => undefined);
    await this.closeFile();
  }

  /** Resolves once everything committed before this call is on disk. */
  flushed(): Promise<void> {
    if (this.queued) return this.queued;
    if (!this.running) return this.start();
    const queued = this.running
      .catch(() => undefined)
      .then(() => {
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
    const flush = this.flushOnce()
      .catch((error: unknown) => {
        // Not opening the file flushed nothing and lost nothing: the next flush tries again.
        if (error instanceof WalNotOpened) throw error;
        this.failure ??= error;
        throw this.failure;
      })
      .finally(() => {
        if (this.running === flush) this.running = undefined;
      });
    this.running = flush;
    return flush;
  }
}

/** The WAL file could not be opened (too many open files, say): this flush failed, later ones may not. */
export class WalNotOpened extends Error {}

/**
 * fdatasync of `<database>-wal`. The file exists once the connection has
 * written; it is opened at the first flush, and its directory is flushed
 * then too, so that the file's own directory entry is on disk.
 */
export function walSyncOf(databasePath: string): WalSync {
  let handle: Promise<FileHandle> | undefined;
  const openWal = async (): Promise<FileHandle> => {
    const wal = await open(`${databasePath}-wal`, "r");
    const directory = await open(dirname(databasePath), "r");
    try {
      await directory.sync();
    } finally {
      await directory.close();
    }
    return wal;
  };
  return new WalSync(
    async () => {
      handle ??= openWal().catch((error: unknown) => {
        handle = undefined;
        throw new WalNotOpened(`cannot open the WAL file: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
      });
      await (await handle).datasync();
    },
    async () => {
      const file = handle;
      handle = undefined;
      await file?.then((opened) => opened.close()).catch(() => undefined);
    },
  );
}
