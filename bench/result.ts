/**
 * What every scenario reports: a measured subject beside a baseline measured
 * in the same run, and their ratios, so noisy machines still give comparable
 * figures.
 */
import { DRIVER_BOUND_CPU_PERCENT, isDriverBound } from "./driver-bound.js";
import type { LatencySummary } from "./latency-stats.js";

/** What drove a load phase: h2load, the in-process Connect client (the fallback, and for requests that vary per call), or raw node:http2 streams (watch fan-out). */
export type DriverName = "h2load" | "connect" | "http2";

export interface Figures {
  label: string;
  opsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  peakRssBytes: number;
  /** p99 ÷ p50 of this figure's own latencies: the tail. */
  p99OverP50: number;
  /** Latency samples behind the percentiles. */
  samples: number;
  errors: number;
  /** Load phases only: CPU the service child used per operation, ms (less noisy than wall time on a busy machine). */
  serviceCpuMsPerOp?: number;
  /** Load phases only: share of one core the service and the load driver used over the phase, %. */
  serviceCpuPercent?: number;
  driverCpuPercent?: number;
  driver?: DriverName;
  /** Load phases only: the driver used more than DRIVER_BOUND_CPU_PERCENT of a core, so the figure measures it, not the service. */
  driverBound?: boolean;
  /** h2load phases only: the same call paced at half the throughput above (see bench/measure.ts). */
  atHalfLoad?: PacedFigures;
}

/** Latency of calls started at a fixed rate. */
export interface PacedFigures {
  opsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  p99OverP50: number;
}

export interface Ratios {
  /** subject ops/s ÷ baseline ops/s */
  throughput: number;
  /** subject p50 ÷ baseline p50 */
  p50: number;
  /** subject p99 ÷ baseline p99 */
  p99: number;
  /** subject peak RSS ÷ baseline peak RSS */
  peakRss: number;
}

export interface Comparison {
  name: string;
  subject: Figures;
  baseline: Figures;
  /** Absent when a side is driver-bound: then `ratiosRefused` says why. */
  ratios?: Ratios;
  ratiosRefused?: string;
}

export interface ScenarioResult {
  scenario: string;
  /** Why the scenario did not run, when it did not. */
  skipped?: string;
  comparisons: Comparison[];
  /** Scenario-specific figures (e.g. RSS at each scale, fan-out completion times). */
  details: Record<string, number | string>;
  /** Peak RSS of the benchmark process itself (the clients), bytes. */
  driverPeakRssBytes: number;
  elapsedMs: number;
}

export function compare(name: string, subject: Figures, baseline: Figures): Comparison {
  const bound = [baseline, subject].find((figures) => figures.driverBound);
  if (bound) {
    const refused = `${bound.label} is driver-bound (driver at ${bound.driverCpuPercent?.toFixed(0)}% of a core, over ${DRIVER_BOUND_CPU_PERCENT}%): no ratio`;
    return { name, subject, baseline, ratiosRefused: refused };
  }
  return {
    name,
    subject,
    baseline,
    ratios: {
      throughput: subject.opsPerSec / baseline.opsPerSec,
      p50: subject.p50Ms / baseline.p50Ms,
      p99: subject.p99Ms / baseline.p99Ms,
      peakRss: subject.peakRssBytes / baseline.peakRssBytes,
    },
  };
}

export interface PhaseCpu {
  serviceMs: number;
  driverMs: number;
  elapsedMs: number;
}

export interface PhaseLoad {
  driver: DriverName;
  opsPerSec: number;
  latency: LatencySummary;
  errors: number;
}

export function loadFigures(label: string, load: PhaseLoad, peakRssBytes: number, cpu: PhaseCpu): Figures {
  const driverCpuPercent = (cpu.driverMs / cpu.elapsedMs) * 100;
  return {
    label,
    opsPerSec: load.opsPerSec,
    p50Ms: load.latency.p50Ms,
    p99Ms: load.latency.p99Ms,
    p99OverP50: load.latency.p99Ms / load.latency.p50Ms,
    peakRssBytes,
    samples: load.latency.count,
    errors: load.errors,
    serviceCpuMsPerOp: cpu.serviceMs / load.latency.count,
    serviceCpuPercent: (cpu.serviceMs / cpu.elapsedMs) * 100,
    driverCpuPercent,
    driver: load.driver,
    driverBound: isDriverBound(driverCpuPercent),
  };
}

export function pacedFigures(opsPerSec: number, latency: LatencySummary): PacedFigures {
  return { opsPerSec, p50Ms: latency.p50Ms, p99Ms: latency.p99Ms, p99OverP50: latency.p99Ms / latency.p50Ms };
}

/** Figures for one-at-a-time runs (cold starts, fan-out rounds): ops/s is 1 ÷ mean time. */
export function sampleFigures(label: string, latency: LatencySummary, peakRssBytes: number, errors = 0): Figures {
  return {
    label,
    opsPerSec: 1000 / latency.meanMs,
    p50Ms: latency.p50Ms,
    p99Ms: latency.p99Ms,
    p99OverP50: latency.p99Ms / latency.p50Ms,
    peakRssBytes,
    samples: latency.count,
    errors,
  };
}
