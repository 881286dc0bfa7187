/**
 * The benchmark runs end to end: the quick `resolve` scenario for a short
 * phase against a real service child, and its result has every figure the
 * report needs. Shape only, never wall-clock thresholds: the machines are noisy.
 */
import { describe, expect, it } from "vitest";
import { runScenario } from "../../bench/run-scenario.js";
import { resolveScenario } from "../../bench/scenarios/resolve.js";
import { benchSettings } from "../../bench/settings.js";
import type { Figures } from "../../bench/result.js";

function expectMeasured(figures: Figures) {
  expect(figures.samples).toBeGreaterThan(0);
  expect(figures.errors).toBe(0);
  // Load phases also carry the service's and the driver's CPU.
  for (const value of [figures.opsPerSec, figures.p50Ms, figures.p99Ms, figures.peakRssBytes, figures.serviceCpuMsPerOp, figures.serviceCpuPercent, figures.driverCpuPercent]) {
    expect(Number.isFinite(value), String(value)).toBe(true);
    expect(value).toBeGreaterThan(0);
  }
  expect(figures.p99Ms).toBeGreaterThanOrEqual(figures.p50Ms);
}

describe("bench resolve scenario (quick, short phases)", () => {
  it("reports ResolveSecrets beside the empty-RPC baseline with computed ratios", async () => {
    const result = await runScenario(resolveScenario, benchSettings({ quick: true, phaseSeconds: 1.5 }));

    expect(result.scenario).toBe("resolve");
    expect(result.skipped).toBeUndefined();
    expect(result.comparisons).toHaveLength(1);
    const [comparison] = result.comparisons;
    expect(comparison!.subject.label).toBe("ResolveSecrets x20");
    expect(comparison!.baseline.label).toBe("Health/Check");
    expectMeasured(comparison!.subject);
    expectMeasured(comparison!.baseline);
    const { subject, baseline, ratios } = comparison!;
    expect(ratios.throughput).toBeCloseTo(subject.opsPerSec / baseline.opsPerSec, 10);
    expect(ratios.p50).toBeCloseTo(subject.p50Ms / baseline.p50Ms, 10);
    expect(ratios.p99).toBeCloseTo(subject.p99Ms / baseline.p99Ms, 10);
    expect(ratios.peakRss).toBeCloseTo(subject.peakRssBytes / baseline.peakRssBytes, 10);
    expect(result.details.resolvedValuesPerSec).toBeCloseTo(subject.opsPerSec * 20, 6);
    expect(result.driverPeakRssBytes).toBeGreaterThan(0);
    // The result is what --json prints: it survives a JSON round trip.
    expect(JSON.parse(JSON.stringify(result))).toEqual(result);
  }, 60_000);
});
