/**
 * The service's idle compaction decides from the event loop's utilization
 * over each interval and the heap's size: once after a burst of work, when
 * the loop has gone idle and the committed heap is large enough;
 * never while busy, never twice for one burst.
 */
import { describe, expect, it } from "vitest";
import { IdleCompaction, MIN_COMMITTED_HEAP_BYTES, type HeapSize } from "../../services/ops/idle-memory.js";

function compactionOver(heap: HeapSize) {
  const compactions: number[] = [];
  const compaction = new IdleCompaction(
    () => heap,
    () => compactions.push(1),
  );
  return { compaction, compactions };
}

const large = { committedBytes: MIN_COMMITTED_HEAP_BYTES, usedBytes: MIN_COMMITTED_HEAP_BYTES };

describe("idle compaction", () => {
  it("compacts once when the loop goes idle after a burst", () => {
    const { compaction, compactions } = compactionOver(large);
    expect(compaction.observe(0.9)).toBe(false);
    expect(compaction.observe(0.5)).toBe(false);
    expect(compaction.observe(0.01)).toBe(true);
    expect(compaction.observe(0.01)).toBe(false);
    expect(compaction.observe(0)).toBe(false);
    expect(compactions).toHaveLength(1);
    // The next burst, then idle again: once more.
    compaction.observe(0.3);
    expect(compaction.observe(0.005)).toBe(true);
    expect(compactions).toHaveLength(2);
  });

  it("never compacts an idle service that had no burst, nor a busy or a half-busy one", () => {
    const { compaction, compactions } = compactionOver(large);
    for (const utilization of [0, 0.01, 0.001]) compaction.observe(utilization);
    expect(compactions).toHaveLength(0);
    compaction.observe(0.9);
    for (const utilization of [0.9, 0.5, 0.1, 0.05]) compaction.observe(utilization);
    expect(compactions).toHaveLength(0);
  });

  it("waits while the heap is too small to be worth a pause", () => {
    const heap = { committedBytes: MIN_COMMITTED_HEAP_BYTES - 1, usedBytes: 0 };
    const { compaction, compactions } = compactionOver(heap);
    compaction.observe(0.9);
    expect(compaction.observe(0.01)).toBe(false);
    heap.committedBytes = MIN_COMMITTED_HEAP_BYTES;
    expect(compaction.observe(0.01)).toBe(true);
    expect(compactions).toHaveLength(1);
  });
});
