/**
 * `watch-fanout`: many concurrent WatchSecrets streams on one secret, one
 * update at a time; the time from sending UpdateSecretValue until each stream
 * has the event (p50/p99 over every stream and round, and the time until all
 * have it). Baseline: the same with a single stream.
 */
import { setMaxListeners } from "node:events";
import { performance } from "node:perf_hooks";
import { WatchEventType } from "../../gen/secrets/v1/resolver_service_pb.js";
import { summarizeLatencies } from "../latency-stats.js";
import { childPeakRss, resetChildPeakRss } from "../peak-rss.js";
import { compare, type Figures } from "../result.js";
import type { Scenario } from "../scenario.js";
import { createTokenSecrets, randomTokenValue, secretNames } from "../seed.js";
import { withServiceChild, type Clients, type ServiceChild } from "../service-child.js";

const STREAMS_PER_CONNECTION = 100;
const BASELINE_ROUNDS = 20;
const ROUND_TIMEOUT_MS = 30_000;

/** One open stream: resolves `subscribed` on its first message, records when each version arrives. */
interface Watcher {
  subscribed: Promise<void>;
  arrivals: Map<bigint, number>;
}

function openWatcher(client: Clients, name: string, signal: AbortSignal, failures: Error[]): Watcher {
  const arrivals = new Map<bigint, number>();
  let markSubscribed!: () => void;
  const subscribed = new Promise<void>((resolve) => (markSubscribed = resolve));
  void (async () => {
    try {
      for await (const event of client.resolver.watchSecrets({ names: [name] }, { signal })) {
        if (event.type === WatchEventType.SUBSCRIBED) markSubscribed();
        else if (event.type === WatchEventType.VALUE_UPDATED) arrivals.set(event.version, performance.now());
      }
    } catch (error) {
      if (!signal.aborted) failures.push(error as Error);
    }
    markSubscribed();
  })();
  return { subscribed, arrivals };
}

interface FanoutRun {
  figures: Figures;
  timeToAll: ReturnType<typeof summarizeLatencies>;
  openMs: number;
}

async function fanout(service: ServiceChild, workloadToken: string, admin: Clients, name: string, streams: number, rounds: number, label: string): Promise<FanoutRun> {
  const abort = new AbortController();
  // Every stream listens on this one signal.
  setMaxListeners(streams + 10, abort.signal);
  const failures: Error[] = [];
  resetChildPeakRss(service.pid);
  try {
    const connections = Array.from({ length: Math.ceil(streams / STREAMS_PER_CONNECTION) }, () => service.clients(workloadToken));
    const opened = performance.now();
    const watchers = Array.from({ length: streams }, (_, i) => openWatcher(connections[i % connections.length]!, name, abort.signal, failures));
    await Promise.all(watchers.map((w) => w.subscribed));
    const openMs = performance.now() - opened;
    if (failures.length) throw new Error(`${failures.length} watch streams failed, first: ${failures[0]!.message}`);

    const perStream: number[] = [];
    const untilAll: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const sent = performance.now();
      const { secret } = await admin.secrets.updateSecretValue({ name, value: randomTokenValue() });
      const version = secret!.version;
      await waitFor(() => failures.length > 0 || watchers.every((w) => w.arrivals.has(version)), ROUND_TIMEOUT_MS, `${label}: not every stream got version ${version}`);
      if (failures.length) throw new Error(`${failures.length} watch streams failed, first: ${failures[0]!.message}`);
      const latencies = watchers.map((w) => w.arrivals.get(version)! - sent);
      perStream.push(...latencies);
      untilAll.push(Math.max(...latencies));
    }
    const latency = summarizeLatencies(perStream);
    const timeToAll = summarizeLatencies(untilAll);
    const totalDeliveryMs = untilAll.reduce((a, b) => a + b, 0);
    const figures: Figures = {
      label,
      // Events delivered per second of delivery time.
      opsPerSec: (perStream.length / totalDeliveryMs) * 1000,
      p50Ms: latency.p50Ms,
      p99Ms: latency.p99Ms,
      peakRssBytes: childPeakRss(service.pid),
      samples: latency.count,
      errors: failures.length,
    };
    return { figures, timeToAll, openMs };
  } finally {
    abort.abort();
  }
}

async function waitFor(condition: () => boolean, timeoutMs: number, message: string): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(message);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

export const watchFanoutScenario: Scenario = {
  name: "watch-fanout",
  description: "time until every one of 1,000 WatchSecrets streams has an update vs a single stream",
  run: (settings) =>
    withServiceChild({ ...(settings.cpuProfileDir && { cpuProfileDir: settings.cpuProfileDir }) }, async (service) => {
      const admin = service.clients(service.adminToken);
      const [name] = secretNames("WATCHED", 1) as [string];
      await createTokenSecrets([admin], [name]);
      const workloadToken = await service.createWorkloadToken();

      const single = await fanout(service, workloadToken, admin, name, 1, BASELINE_ROUNDS, "1 stream");
      const many = await fanout(service, workloadToken, admin, name, settings.watchStreams, settings.watchRounds, `${settings.watchStreams} streams`);
      return {
        comparisons: [compare(`${settings.watchStreams} streams vs 1 stream`, many.figures, single.figures)],
        details: {
          streams: settings.watchStreams,
          rounds: settings.watchRounds,
          timeToAllP50Ms: many.timeToAll.p50Ms,
          timeToAllMaxMs: many.timeToAll.maxMs,
          openAllStreamsMs: many.openMs,
        },
      };
    }),
};
