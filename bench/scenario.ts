/** The shape of one benchmark scenario module. */
import type { ScenarioResult } from "./result.js";
import type { BenchSettings } from "./settings.js";

export type ScenarioOutcome = Pick<ScenarioResult, "comparisons" | "details"> & { skipped?: string };

export interface Scenario {
  name: string;
  description: string;
  run(settings: BenchSettings): Promise<ScenarioOutcome>;
}
