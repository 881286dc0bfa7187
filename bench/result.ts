/**
 * What every scenario reports: a measured subject beside a baseline measured
 * in the same run, and their ratios, so noisy machines still give comparable
 * figures.
 */
import type { LoadResult } from "./load-driver.js";
import type { LatencySummary } from "./latency-stats.js";

export interface Figures {
  label: string;
  opsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  peakRssBytes: number;
  /** Latency samples behind the percentiles. */
  samples: number;
  errors: number;
  /** Load phases only: CPU the service child used per operation, ms (less noisy than wall time on a busy machine). */
  serviceCpuMsPerOp?: number;
  /** Load phases only: share of one core the service and the load driver used over the phase, %. */
  serviceCpuPercent?: number;
  driverCpuPercent?: number;
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
  ratios: Ratios;
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

export function loadFigures(label: string, load: LoadResult, peakRssBytes: number, cpu: PhaseCpu): Figures {
  return {
    label,
    opsPerSec: load.opsPerSec,
    p50Ms: load.p50Ms,
    p99Ms: load.p99Ms,
    peakRssBytes,
    samples: load.count,
    errors: load.errors,
    serviceCpuMsPerOp: cpu.serviceMs / load.count,
    serviceCpuPercent: (cpu.serviceMs / cpu.elapsedMs) * 100,
    driverCpuPercent: (cpu.driverMs / cpu.elapsedMs) * 100,
  };
}

/** Figures for one-at-a-time runs (cold starts, fan-out rounds): ops/s is 1 ÷ mean time. */
export function sampleFigures(label: string, latency: LatencySummary, peakRssBytes: number, errors = 0): Figures {
  return { label, opsPerSec: 1000 / latency.meanMs, p50Ms: latency.p50Ms, p99Ms: latency.p99Ms, peakRssBytes, samples: latency.count, errors };
}
