/** How long and how hard the scenarios run: the full suite or `--quick`. */

export interface BenchSettings {
  quick: boolean;
  /** Measured time of each fixed-duration load phase. */
  phaseMs: number;
  /**
   * h2load phases of this many requests instead of `phaseMs` (and no warm-up):
   * they finish however slow the machine is (the smoke test).
   */
  phaseRequests?: number;
  /** Unrecorded warm-up before each load phase. */
  warmupMs: number;
  /** Cold process starts per measured command (sidecar render, node -e 0). */
  coldRuns: number;
  /** Secrets in the tenant at the small and the large scale. */
  scaleCounts: [number, number];
  /**
   * Longest time spent filling the large tenant: keeps the suite bounded when
   * creates are slow; the scenario then reports the count it reached.
   */
  scaleSeedBudgetMs: number;
  /** Concurrent WatchSecrets streams, and updates (rounds) sent to them. */
  watchStreams: number;
  watchRounds: number;
  /** When set, the service child writes a V8 CPU profile here. */
  cpuProfileDir?: string;
  /** Path of h2load, the load driver for fixed requests; absent: the in-process Connect client drives every phase. */
  h2load?: string;
}

export function benchSettings(options: {
  quick: boolean;
  phaseSeconds?: number;
  phaseRequests?: number;
  cpuProfileDir?: string;
  h2load?: string;
}): BenchSettings {
  const base: BenchSettings = options.quick
    ? {
        quick: true,
        phaseMs: 3000,
        warmupMs: 500,
        coldRuns: 3,
        scaleCounts: [1_000, 10_000],
        scaleSeedBudgetMs: 20_000,
        watchStreams: 10_000,
        watchRounds: 3,
      }
    : {
        quick: false,
        phaseMs: 10_000,
        warmupMs: 2000,
        coldRuns: 10,
        scaleCounts: [1_000, 100_000],
        scaleSeedBudgetMs: 120_000,
        watchStreams: 10_000,
        watchRounds: 10,
      };
  return {
    ...base,
    ...(options.phaseSeconds !== undefined && {
      phaseMs: options.phaseSeconds * 1000,
      warmupMs: Math.min(base.warmupMs, options.phaseSeconds * 250),
    }),
    ...(options.cpuProfileDir !== undefined && { cpuProfileDir: options.cpuProfileDir }),
    ...(options.h2load !== undefined && { h2load: options.h2load }),
    ...(options.phaseRequests !== undefined && { phaseRequests: options.phaseRequests }),
  };
}
