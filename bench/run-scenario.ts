/** Runs one scenario, timing it and sampling the benchmark process's own peak RSS. */
import { performance } from "node:perf_hooks";
import { sampleOwnPeakRss } from "./peak-rss.js";
import type { ScenarioResult } from "./result.js";
import type { Scenario } from "./scenario.js";
import type { BenchSettings } from "./settings.js";

export async function runScenario(scenario: Scenario, settings: BenchSettings): Promise<ScenarioResult> {
  const rss = sampleOwnPeakRss();
  const started = performance.now();
  try {
    const outcome = await scenario.run(settings);
    return { scenario: scenario.name, ...outcome, driverPeakRssBytes: rss.stop(), elapsedMs: performance.now() - started };
  } finally {
    rss.stop();
  }
}
