/** Shared shape checks of the bench's figures: measured, finite, and ratios present exactly when no side is driver-bound. */
import { expect } from "vitest";
import { DRIVER_BOUND_CPU_PERCENT } from "../../bench/driver-bound.js";
import type { Comparison, Figures } from "../../bench/result.js";

export function expectLoadFigures(figures: Figures) {
  expect(figures.samples).toBeGreaterThan(0);
  expect(figures.errors).toBe(0);
  for (const value of [
    figures.opsPerSec,
    figures.p50Ms,
    figures.p99Ms,
    figures.p99OverP50,
    figures.peakRssBytes,
    figures.serviceCpuMsPerOp,
    figures.serviceCpuPercent,
    figures.driverCpuPercent,
  ]) {
    expect(Number.isFinite(value), String(value)).toBe(true);
    expect(value).toBeGreaterThan(0);
  }
  expect(figures.p99Ms).toBeGreaterThanOrEqual(figures.p50Ms);
  expect(figures.driverBound).toBe(figures.driverCpuPercent! > DRIVER_BOUND_CPU_PERCENT);
}

export function expectComparisonShape(comparison: Comparison) {
  const { subject, baseline, ratios } = comparison;
  expectLoadFigures(subject);
  expectLoadFigures(baseline);
  if (subject.driverBound || baseline.driverBound) {
    expect(ratios).toBeUndefined();
    expect(comparison.ratiosRefused).toMatch(/driver-bound/);
    return;
  }
  expect(comparison.ratiosRefused).toBeUndefined();
  expect(ratios!.throughput).toBeCloseTo(subject.opsPerSec / baseline.opsPerSec, 10);
  expect(ratios!.p50).toBeCloseTo(subject.p50Ms / baseline.p50Ms, 10);
  expect(ratios!.p99).toBeCloseTo(subject.p99Ms / baseline.p99Ms, 10);
  expect(ratios!.peakRss).toBeCloseTo(subject.peakRssBytes / baseline.peakRssBytes, 10);
}
