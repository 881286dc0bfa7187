/**
 * Gives back, once the service goes idle, the heap a burst of work left
 * committed. Filling a tenant with 70,000-100,000 secrets left V8's heap at
 * 105 MB committed for 37-56 MB in use, and it stayed so while the service
 * idled (RSS 210 MB against 151-158 MB after filling 1,000: BENCHMARKS.md,
 * "Scale, second round"). After a busy interval, the first idle one runs one
 * compacting GC (kernel/compacting-gc.ts) if the heap is large enough to be
 * worth it: a pause (~150 ms for a 117 MB heap on the bench machine) that a
 * call arriving in it waits out, taken only after a whole idle interval, once
 * per burst.
 */
import { performance } from "node:perf_hooks";
import { getHeapStatistics } from "node:v8";
import { fullGc } from "../../kernel/compacting-gc.js";

/** How often the event loop's utilization is looked at. */
export const IDLE_CHECK_MS = 4_000;
/** An interval with the loop busy at least this share of the time is a burst of work. */
const BUSY_UTILIZATION = 0.2;
/** An interval with the loop busy less than this share is idle: a health check or a scrape, no more. */
const IDLE_UTILIZATION = 0.02;
/**
 * Committed heap below which a compaction is not worth its pause. Not the
 * slack beyond the used heap: right after a burst "used" still counts its
 * garbage, which only a collection tells apart.
 */
export const MIN_COMMITTED_HEAP_BYTES = 48 * 1024 * 1024;

export interface HeapSize {
  committedBytes: number;
  usedBytes: number;
}

/** The decision, apart from the clock and V8: fed one interval's utilization at a time. */
export class IdleCompaction {
  private busySinceCompaction = false;

  constructor(
    private readonly heap: () => HeapSize,
    private readonly compact: () => void,
  ) {}

  /** Looks at one interval (`utilization`: the loop's busy share over it); returns whether it compacted. */
  observe(utilization: number): boolean {
    if (utilization >= BUSY_UTILIZATION) this.busySinceCompaction = true;
    if (utilization >= IDLE_UTILIZATION || !this.busySinceCompaction) return false;
    if (this.heap().committedBytes < MIN_COMMITTED_HEAP_BYTES) return false;
    this.busySinceCompaction = false;
    this.compact();
    return true;
  }
}

/** Checks every `IDLE_CHECK_MS` for the life of the service; returns the stop function. */
export function startIdleCompaction(onCompacted: (before: HeapSize) => void): () => void {
  const heap = (): HeapSize => {
    const stats = getHeapStatistics();
    return { committedBytes: stats.total_heap_size, usedBytes: stats.used_heap_size };
  };
  const compaction = new IdleCompaction(heap, () => {
    const before = heap();
    fullGc({ compact: true });
    onCompacted(before);
  });
  let last = performance.eventLoopUtilization();
  const timer = setInterval(() => {
    const now = performance.eventLoopUtilization();
    compaction.observe(performance.eventLoopUtilization(now, last).utilization);
    last = now;
  }, IDLE_CHECK_MS);
  timer.unref();
  return () => clearInterval(timer);
}
