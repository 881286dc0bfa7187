/**
 * Group commit: items added while a write is in progress (or in the same
 * turn of the event loop) are written together in one store call, so N
 * concurrent calls cost one transaction and one fsync instead of N. Each
 * `add` resolves only once its own batch has been written, so callers keep
 * their durability guarantee.
 */
export class GroupCommit<T> {
  private pending: { item: T; resolve: () => void; reject: (error: unknown) => void }[] = [];
  private scheduled = false;

  constructor(
    private readonly write: (items: T[]) => Promise<void>,
    private readonly maxBatch = 500,
    /** 0: write at the end of this turn of the event loop; more: gather this many milliseconds first. */
    private readonly gatherMs = 0,
  ) {}

  add(item: T): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        if (this.gatherMs > 0) setTimeout(() => void this.flush(), this.gatherMs);
        else setImmediate(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, this.maxBatch);
      try {
        await this.write(batch.map((entry) => entry.item));
        for (const entry of batch) entry.resolve();
      } catch (error) {
        for (const entry of batch) entry.reject(error);
      }
    }
    this.scheduled = false;
  }
}
