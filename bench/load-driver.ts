/**
 * Closed-loop load: `concurrency` workers each call `operation` back to back
 * for a fixed time; every call's latency is recorded. A short warm-up runs
 * first and is not recorded (JIT, connection set-up, caches).
 */
import { performance } from "node:perf_hooks";
import { summarizeLatencies, type LatencySummary } from "./latency-stats.js";

export interface LoadOptions {
  concurrency: number;
  durationMs: number;
  warmupMs: number;
  /** One call; `worker` is 0..concurrency-1, `call` is unique within the run (warm-up included). */
  operation: (worker: number, call: number) => Promise<unknown>;
  /** Called when the warm-up is over and recording starts (e.g. to read CPU counters). */
  onMeasuredPhaseStart?: () => void;
}

export interface LoadResult extends LatencySummary {
  opsPerSec: number;
  /** Wall time of the recorded phase. */
  elapsedMs: number;
  errors: number;
  /** The first error's message, so a broken scenario says why. */
  firstError?: string;
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const counter = { next: 0 };
  if (options.warmupMs > 0) await drive(options, options.warmupMs, undefined, counter);
  options.onMeasuredPhaseStart?.();
  const latencies: number[] = [];
  const outcome = await drive(options, options.durationMs, latencies, counter);
  const summary = summarizeLatencies(latencies);
  return {
    ...summary,
    opsPerSec: (summary.count / outcome.elapsedMs) * 1000,
    elapsedMs: outcome.elapsedMs,
    errors: outcome.errors,
    ...(outcome.firstError && { firstError: outcome.firstError }),
  };
}

async function drive(options: LoadOptions, durationMs: number, latencies: number[] | undefined, counter: { next: number }) {
  const started = performance.now();
  const deadline = started + durationMs;
  let errors = 0;
  let firstError: string | undefined;
  const worker = async (index: number) => {
    while (performance.now() < deadline) {
      const began = performance.now();
      try {
        await options.operation(index, counter.next++);
        latencies?.push(performance.now() - began);
      } catch (error) {
        errors++;
        firstError ??= (error as Error).message;
        // A failing operation must not turn into a hot loop of instant errors.
        if (errors > 1000) return;
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, (_, index) => worker(index)));
  return { elapsedMs: performance.now() - started, errors, firstError };
}
