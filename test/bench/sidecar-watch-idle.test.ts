/**
 * The sidecar-watch-idle scenario end to end, one run: a watching sidecar
 * renders, stays up, and its idle RSS is reported beside an idle node's.
 * Shape only.
 */
import { describe, expect, it } from "vitest";
import { runScenario } from "../../bench/run-scenario.js";
import { sidecarWatchIdleScenario } from "../../bench/scenarios/sidecar-watch-idle.js";
import { benchSettings } from "../../bench/settings.js";

describe("bench sidecar-watch-idle scenario (one run)", () => {
  it("reports the idle RSS of a watching sidecar and of an idle node, and their ratio", async () => {
    const result = await runScenario(sidecarWatchIdleScenario, { ...benchSettings({ quick: true }), coldRuns: 1 });

    expect(result.skipped).toBeUndefined();
    const { subject, baseline, ratios } = result.comparisons[0]!;
    expect([subject.label, baseline.label]).toEqual(["sidecar watch, idle", "node, idle"]);
    for (const figures of [subject, baseline]) {
      expect(figures.samples).toBe(1);
      expect(figures.peakRssBytes).toBeGreaterThan(0);
    }
    expect(result.details.sidecarIdleRssBytes).toBe(subject.peakRssBytes);
    expect(result.details.nodeIdleRssBytes).toBe(baseline.peakRssBytes);
    expect(ratios!.peakRss).toBeCloseTo(subject.peakRssBytes / baseline.peakRssBytes, 10);
  }, 180_000);
});
