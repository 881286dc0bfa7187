/** Percentiles of the benchmark: nearest rank on the sorted sample, whatever the input order. */
import { describe, expect, it } from "vitest";
import { percentile, summarizeLatencies } from "../../bench/latency-stats.js";

describe("summarizeLatencies", () => {
  it("takes p50 and p99 by nearest rank from an unsorted sample", () => {
    const samples = Array.from({ length: 100 }, (_, i) => 100 - i); // 100..1, reversed
    const summary = summarizeLatencies(samples);
    expect(summary).toEqual({ count: 100, p50Ms: 50, p99Ms: 99, maxMs: 100, meanMs: 50.5 });
  });

  it("gives the only value for a single sample and NaN for none", () => {
    expect(summarizeLatencies([7])).toMatchObject({ p50Ms: 7, p99Ms: 7, maxMs: 7 });
    expect(Number.isNaN(summarizeLatencies([]).p50Ms)).toBe(true);
  });

  it("sorts numerically, not as text", () => {
    expect(percentile(Float64Array.from([2, 10, 9]).sort(), 0.5)).toBe(9);
    expect(summarizeLatencies([2, 10, 9]).p50Ms).toBe(9);
  });
});
