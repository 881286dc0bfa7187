/** One load phase against the service child, with the child's own peak RSS over that phase. */
import { runLoad, type LoadOptions } from "./load-driver.js";
import { childPeakRss, resetChildPeakRss } from "./peak-rss.js";
import { loadFigures, type Figures } from "./result.js";
import type { BenchSettings } from "./settings.js";

export async function measureServiceLoad(
  label: string,
  servicePid: number,
  settings: BenchSettings,
  load: Pick<LoadOptions, "concurrency" | "operation">,
): Promise<Figures> {
  resetChildPeakRss(servicePid);
  const result = await runLoad({ ...load, durationMs: settings.phaseMs, warmupMs: settings.warmupMs });
  if (result.errors > 0) throw new Error(`${label}: ${result.errors} calls failed, first: ${result.firstError}`);
  return loadFigures(label, result, childPeakRss(servicePid));
}
