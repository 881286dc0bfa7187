/**
 * The benchmark runs end to end: the quick `resolve` scenario for short
 * phases (a fixed number of requests, so they end however busy the machine) against a real service child, driven by h2load (CI installs it in
 * .ci/run), and its result has every figure the report needs. Shape only,
 * never wall-clock thresholds: the machines are noisy.
 */
import { describe, expect, it } from "vitest";
import { findH2load } from "../../bench/h2load/h2load-binary.js";
import { runScenario } from "../../bench/run-scenario.js";
import { resolveScenario } from "../../bench/scenarios/resolve.js";
import { benchSettings } from "../../bench/settings.js";
import { expectComparisonShape } from "./figures-shape.js";

describe("bench resolve scenario (quick, short phases, h2load)", () => {
  it("reports GetSecret and ResolveSecrets x1 and x20 beside the empty call, with the driver's CPU and the ratios or why not", async () => {
    const h2load = findH2load();
    if (!h2load) throw new Error("h2load is not installed: .ci/run installs it (apt-get install nghttp2-client)");
    const result = await runScenario(resolveScenario, benchSettings({ quick: true, phaseSeconds: 1, phaseRequests: 200, h2load }));

    expect(result.scenario).toBe("resolve");
    expect(result.skipped).toBeUndefined();
    expect(result.comparisons.map((c) => [c.subject.label, c.baseline.label])).toEqual([
      ["GetSecret", "Health/Check"],
      ["ResolveSecrets x1", "Health/Check"],
      ["ResolveSecrets x20", "Health/Check"],
    ]);
    for (const comparison of result.comparisons) {
      expectComparisonShape(comparison);
      expect(comparison.subject.driver).toBe("h2load");
      expect(comparison.baseline.driver).toBe("h2load");
      // Each call is also paced at half the rate it reached, for its tail at a load it carries.
      for (const figures of [comparison.subject, comparison.baseline]) {
        const paced = figures.atHalfLoad!;
        expect(paced.opsPerSec).toBeGreaterThan(0);
        expect(paced.p99Ms).toBeGreaterThanOrEqual(paced.p50Ms);
        expect(paced.p99OverP50).toBeCloseTo(paced.p99Ms / paced.p50Ms, 9);
      }
    }
    const [, one, many] = result.comparisons;
    expect(result.details.resolvedValuesPerSec).toBeCloseTo(many!.subject.opsPerSec * 20, 6);
    expect(result.details.extraValueUsFromThroughput).toBeCloseTo(
      ((1 / many!.subject.opsPerSec - 1 / one!.subject.opsPerSec) * 1e6) / 19,
      6,
    );
    expect(Number.isFinite(result.details.extraValueUsFromServiceCpu)).toBe(true);
    expect(result.driverPeakRssBytes).toBeGreaterThan(0);
    // The result is what --json prints: it survives a JSON round trip.
    expect(JSON.parse(JSON.stringify(result))).toEqual(result);
  }, 180_000);
});
