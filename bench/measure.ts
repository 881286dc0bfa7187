/** One load phase against the service child, with the child's own peak RSS and CPU over that phase. */
import { childCpuMs, ownCpuMs } from "./cpu-time.js";
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
  let cpuAtStart = { service: 0, driver: 0 };
  const result = await runLoad({
    ...load,
    durationMs: settings.phaseMs,
    warmupMs: settings.warmupMs,
    onMeasuredPhaseStart: () => (cpuAtStart = { service: childCpuMs(servicePid), driver: ownCpuMs() }),
  });
  const cpu = { serviceMs: childCpuMs(servicePid) - cpuAtStart.service, driverMs: ownCpuMs() - cpuAtStart.driver, elapsedMs: result.elapsedMs };
  if (result.errors > 0) throw new Error(`${label}: ${result.errors} calls failed, first: ${result.firstError}`);
  return loadFigures(label, result, childPeakRss(servicePid), cpu);
}
