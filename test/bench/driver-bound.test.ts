/** A ratio is refused when a side of it is driver-bound: then it would measure the load driver, not the service. */
import { describe, expect, it } from "vitest";
import { DRIVER_BOUND_CPU_PERCENT } from "../../bench/driver-bound.js";
import { compare, loadFigures } from "../../bench/result.js";
import { summarizeLatencies } from "../../bench/latency-stats.js";

function figures(label: string, driverCpuPercent: number) {
  const load = { driver: "h2load" as const, opsPerSec: 1000, latency: summarizeLatencies([1, 2, 3]), errors: 0 };
  return loadFigures(label, load, 100e6, { serviceMs: 900, driverMs: driverCpuPercent * 10, elapsedMs: 1000 });
}

describe("driver-bound rule", () => {
  it("flags a phase whose driver used more than the threshold of one core", () => {
    expect(figures("a", DRIVER_BOUND_CPU_PERCENT).driverBound).toBe(false);
    expect(figures("a", DRIVER_BOUND_CPU_PERCENT + 1).driverBound).toBe(true);
    expect(figures("a", 20).driverCpuPercent).toBeCloseTo(20, 10);
  });

  it("gives ratios when neither side is driver-bound, and refuses them, saying which side, when one is", () => {
    expect(compare("x", figures("subject", 10), figures("baseline", 10)).ratios?.throughput).toBe(1);
    const refused = compare("x", figures("subject", 10), figures("baseline", 90));
    expect(refused.ratios).toBeUndefined();
    expect(refused.ratiosRefused).toMatch(/^baseline is driver-bound \(driver at 90% of a core/);
    expect(compare("x", figures("subject", 90), figures("baseline", 10)).ratiosRefused).toMatch(/^subject is driver-bound/);
  });
});
