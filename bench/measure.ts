/**
 * One load phase of one call against the service child, with the child's own
 * peak RSS and CPU over the phase and the driver's CPU beside them. h2load
 * drives it when it is available and the request is the same on every call;
 * otherwise the in-process Connect client does.
 */
import { childCpuMs, ownCpuMs } from "./cpu-time.js";
import type { EncodedRequest } from "./grpc-request.js";
import { runH2load, type H2loadResult, type H2loadRun } from "./h2load/run-h2load.js";
import { summarizeLatencies } from "./latency-stats.js";
import { runLoad } from "./load-driver.js";
import { childPeakRss, resetChildPeakRss } from "./peak-rss.js";
import { loadFigures, pacedFigures, type DriverName, type Figures } from "./result.js";
import { callsBetween, fetchCallCounts } from "./service-metrics.js";
import type { ServiceChild } from "./service-child.js";
import type { BenchSettings } from "./settings.js";

/** How h2load's calls are shown to have succeeded, since it sees only HTTP/2. */
export type SuccessCheck =
  /** The service counts the method in secrets_rpc_calls_total: every call of the phase must be OK there. */
  | { countedAs: string }
  /** Not counted (Health/Check is answered outside the call pipeline): every response is exactly this many DATA bytes. */
  | { responseBytes: number };

export interface BenchCall {
  label: string;
  /** One call with a real client, throwing unless the response is right: the fallback driver's operation, and samples beside h2load. */
  call: (worker: number, n: number) => Promise<unknown>;
  /** The same request pre-encoded for h2load; absent when the request varies per call (then `call` drives it). */
  h2load?: { request: EncodedRequest; token: string; success: SuccessCheck };
  /** What `call` sends with, when it is not the Connect client. */
  driver?: DriverName;
}

export interface Concurrency {
  connections: number;
  /** Concurrent streams per connection. */
  streams: number;
}

/** Real-client calls made before and after each h2load phase: the exact request must succeed. */
const SAMPLE_CALLS = 3;
/**
 * After each saturated h2load phase, the same call paced at this share of the throughput it reached:
 * the tail a service shows at a load it carries, without the queueing of a closed loop at saturation.
 */
const PART_OF_SATURATION = 0.5;

export async function measureCall(
  service: ServiceChild,
  settings: BenchSettings,
  call: BenchCall,
  concurrency: Concurrency,
): Promise<Figures> {
  if (settings.h2load && call.h2load) return measureWithH2load(service, settings, settings.h2load, call, call.h2load, concurrency);
  return measureWithConnect(service, settings, call, concurrency.connections * concurrency.streams);
}

async function measureWithConnect(service: ServiceChild, settings: BenchSettings, call: BenchCall, concurrency: number): Promise<Figures> {
  resetChildPeakRss(service.pid);
  let cpuAtStart = { service: 0, driver: 0 };
  const result = await runLoad({
    concurrency,
    operation: call.call,
    durationMs: settings.phaseMs,
    warmupMs: settings.warmupMs,
    onMeasuredPhaseStart: () => (cpuAtStart = { service: childCpuMs(service.pid), driver: ownCpuMs() }),
  });
  const cpu = {
    serviceMs: childCpuMs(service.pid) - cpuAtStart.service,
    driverMs: ownCpuMs() - cpuAtStart.driver,
    elapsedMs: result.elapsedMs,
  };
  if (result.errors > 0) throw new Error(`${call.label}: ${result.errors} calls failed, first: ${result.firstError}`);
  return loadFigures(
    call.label,
    { driver: call.driver ?? "connect", opsPerSec: result.opsPerSec, latency: result, errors: 0 },
    childPeakRss(service.pid),
    cpu,
  );
}

async function measureWithH2load(
  service: ServiceChild,
  settings: BenchSettings,
  h2load: string,
  call: BenchCall,
  encoded: NonNullable<BenchCall["h2load"]>,
  concurrency: Concurrency,
): Promise<Figures> {
  const run = { h2load, address: service.address, token: encoded.token, request: encoded.request, ...concurrency };
  for (let i = 0; i < SAMPLE_CALLS; i++) await call.call(0, i);
  const length = settings.phaseRequests !== undefined ? { requests: settings.phaseRequests } : { durationMs: settings.phaseMs };
  if (settings.warmupMs > 0 && settings.phaseRequests === undefined) await runH2load({ ...run, length: { durationMs: settings.warmupMs } });

  const saturated = await checkedH2load(service, call.label, { ...run, length }, encoded.success);
  const figures = loadFigures(
    call.label,
    { driver: "h2load", opsPerSec: saturated.result.requestsPerSec, latency: summarizeLatencies(saturated.result.latenciesMs), errors: 0 },
    saturated.peakRss,
    { serviceMs: saturated.serviceMs, driverMs: saturated.result.cpuMs, elapsedMs: saturated.result.elapsedMs },
  );
  const ratePerConnection = Math.max(1, Math.floor((figures.opsPerSec * PART_OF_SATURATION) / concurrency.connections));
  const paced = await checkedH2load(service, `${call.label} at half load`, { ...run, length, ratePerConnection }, encoded.success);
  figures.atHalfLoad = pacedFigures(paced.result.requestsPerSec, summarizeLatencies(paced.result.latenciesMs));
  for (let i = 0; i < SAMPLE_CALLS; i++) await call.call(0, i);
  return figures;
}

/** One h2load run with the service's peak RSS and CPU over it; throws unless every call was a successful gRPC call. */
async function checkedH2load(service: ServiceChild, label: string, run: H2loadRun, success: SuccessCheck) {
  resetChildPeakRss(service.pid);
  const countsBefore = await fetchCallCounts(service.metricsAddress);
  const serviceCpuBefore = childCpuMs(service.pid);
  const result = await runH2load(run);
  const serviceMs = childCpuMs(service.pid) - serviceCpuBefore;
  const peakRss = childPeakRss(service.pid);
  const countsAfter = await fetchCallCounts(service.metricsAddress);
  const finishedByCode = "countedAs" in success ? callsBetween(countsBefore, countsAfter, success.countedAs) : new Map<string, number>();
  const failure = h2loadFailure(result, success, finishedByCode);
  if (failure) throw new Error(`${label} (h2load): ${failure}`);
  return { result, serviceMs, peakRss };
}

/** Why the phase's calls cannot all be counted as successful gRPC calls, or undefined when they can. */
export function h2loadFailure(result: H2loadResult, success: SuccessCheck, finishedByCode: Map<string, number>): string | undefined {
  if (result.done === 0) return "no request finished";
  if (result.failed > 0 || result.non200 > 0)
    return `${result.failed} requests failed and ${result.non200} had an HTTP status other than 200`;
  if ("responseBytes" in success) {
    const expected = result.status2xx * success.responseBytes;
    return result.dataBytes === expected
      ? undefined
      : `responses carried ${result.dataBytes} bytes of messages, expected ${expected}: some calls failed`;
  }
  // Requests h2load abandoned at the deadline may end CANCELLED on the service; nothing else but OK is allowed.
  const abandoned = result.started - result.done;
  const errors = [...finishedByCode].filter(([code, n]) => code !== "OK" && !(code === "CANCELLED" && n <= abandoned));
  if (errors.length > 0) return `the service answered ${errors.map(([code, n]) => `${n} ${code}`).join(", ")}`;
  const ok = finishedByCode.get("OK") ?? 0;
  if (ok < result.done) return `the service counted ${ok} OK calls of ${success.countedAs}, h2load finished ${result.done}`;
  return undefined;
}
