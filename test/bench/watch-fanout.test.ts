/**
 * The watch-fanout scenario end to end with a few streams: every raw http2
 * watcher subscribes, sees each update, and the result carries the fan-out
 * figures. Shape only.
 */
import { describe, expect, it } from "vitest";
import { runScenario } from "../../bench/run-scenario.js";
import { watchFanoutScenario } from "../../bench/scenarios/watch-fanout.js";
import { benchSettings } from "../../bench/settings.js";

describe("bench watch-fanout scenario (few streams)", () => {
  it("reports the time until every stream has an update, beside one stream", async () => {
    const settings = { ...benchSettings({ quick: true }), watchStreams: 150, watchRounds: 2 };
    const result = await runScenario(watchFanoutScenario, settings);

    expect(result.comparisons).toHaveLength(1);
    const { subject, baseline } = result.comparisons[0]!;
    expect(subject.label).toBe("150 streams");
    expect(subject.samples).toBe(150 * 2);
    expect(baseline.samples).toBe(20);
    for (const figures of [subject, baseline]) {
      expect(figures.driver).toBe("http2");
      expect(figures.p99Ms).toBeGreaterThanOrEqual(figures.p50Ms);
      expect(figures.peakRssBytes).toBeGreaterThan(0);
      expect(Number.isFinite(figures.driverCpuPercent)).toBe(true);
    }
    expect(result.details).toMatchObject({ streams: 150, rounds: 2 });
    expect(result.details.timeToAllP99Ms).toBeGreaterThanOrEqual(result.details.timeToAllP50Ms as number);
    expect(JSON.parse(JSON.stringify(result))).toEqual(result);
  }, 180_000);
});
