/**
 * `watch-fanout`: 10,000 concurrent WatchSecrets streams on one secret of one
 * service, one update at a time: the time from sending UpdateSecretValue
 * until every stream has the event (p50/p99 over rounds), each stream's own
 * time (p50/p99 over every stream and round), the service's peak RSS, and the
 * CPU of the service and of the watching driver during delivery. Baseline:
 * the same with a single stream. Bounded: opening and each round time out.
 */
import { performance } from "node:perf_hooks";
import { childCpuMs, ownCpuMs } from "../cpu-time.js";
import { isDriverBound } from "../driver-bound.js";
import { summarizeLatencies, type LatencySummary } from "../latency-stats.js";
import { childPeakRss, resetChildPeakRss } from "../peak-rss.js";
import { compare, type Figures } from "../result.js";
import type { Scenario } from "../scenario.js";
import { createTokenSecrets, randomTokenValue, secretNames } from "../seed.js";
import { withServiceChild, type ServiceChild } from "../service-child.js";
import { WatchStreams } from "../watch-streams.js";
import { RawUnaryClient } from "../raw-unary.js";
import { SecretsService } from "../../gen/secrets/v1/secrets_service_pb.js";

const STREAMS_PER_CONNECTION = 100;
const BASELINE_ROUNDS = 20;
const OPEN_TIMEOUT_MS = 180_000;
const ROUND_TIMEOUT_MS = 60_000;

interface FanoutRun {
  figures: Figures;
  timeToAll: LatencySummary;
  openMs: number;
  /** `fromUs-toUs` on the monotonic clock: the rounds, for `profile-summary.ts`'s window. */
  deliveryWindowUs: string;
}

function monotonicUs(): bigint {
  return process.hrtime.bigint() / 1000n;
}

async function fanout(
  service: ServiceChild,
  token: string,
  admin: RawUnaryClient,
  name: string,
  streams: number,
  rounds: number,
  label: string,
): Promise<FanoutRun> {
  resetChildPeakRss(service.pid);
  const opened = performance.now();
  const watchers = await WatchStreams.open(
    { address: service.address, token, name, streams, streamsPerConnection: STREAMS_PER_CONNECTION },
    OPEN_TIMEOUT_MS,
  );
  const openMs = performance.now() - opened;
  try {
    const perStream: number[] = [];
    const untilAll: number[] = [];
    const cpu = { serviceMs: 0, driverMs: 0 };
    const deliveryFromUs = monotonicUs();
    for (let round = 0; round < rounds; round++) {
      const cpuBefore = { service: childCpuMs(service.pid), driver: ownCpuMs() };
      const sent = performance.now();
      const { secret } = await admin.call(SecretsService.method.updateSecretValue, { name, value: randomTokenValue() });
      const version = secret!.version;
      await watchers.allSee(version, ROUND_TIMEOUT_MS);
      cpu.serviceMs += childCpuMs(service.pid) - cpuBefore.service;
      cpu.driverMs += ownCpuMs() - cpuBefore.driver;
      const latencies = watchers.arrivals.map((arrivals) => arrivals.get(version)! - sent);
      perStream.push(...latencies);
      untilAll.push(Math.max(...latencies));
    }
    const deliveryWindowUs = `${deliveryFromUs}-${monotonicUs()}`;
    const latency = summarizeLatencies(perStream);
    const deliveryMs = untilAll.reduce((a, b) => a + b, 0);
    const driverCpuPercent = (cpu.driverMs / deliveryMs) * 100;
    const figures: Figures = {
      label,
      // Events delivered per second of delivery time.
      opsPerSec: (perStream.length / deliveryMs) * 1000,
      p50Ms: latency.p50Ms,
      p99Ms: latency.p99Ms,
      p99OverP50: latency.p99Ms / latency.p50Ms,
      peakRssBytes: childPeakRss(service.pid),
      samples: latency.count,
      errors: 0,
      serviceCpuPercent: (cpu.serviceMs / deliveryMs) * 100,
      driverCpuPercent,
      driver: "http2",
      driverBound: isDriverBound(driverCpuPercent),
    };
    return { figures, timeToAll: summarizeLatencies(untilAll), openMs, deliveryWindowUs };
  } finally {
    watchers.close();
  }
}

export const watchFanoutScenario: Scenario = {
  name: "watch-fanout",
  description: "time until every one of 10,000 WatchSecrets streams on one service has an update vs a single stream",
  run: (settings) =>
    withServiceChild({ ...(settings.cpuProfileDir && { cpuProfileDir: settings.cpuProfileDir }) }, async (service) => {
      const [name] = secretNames("WATCHED", 1) as [string];
      await createTokenSecrets([service.clients(service.adminToken)], [name]);
      const token = await service.createWorkloadToken();
      const admin = new RawUnaryClient(service.address, service.adminToken);
      try {
        const single = await fanout(service, token, admin, name, 1, BASELINE_ROUNDS, "1 stream");
        const many = await fanout(
          service,
          token,
          admin,
          name,
          settings.watchStreams,
          settings.watchRounds,
          `${settings.watchStreams} streams`,
        );
        return {
          comparisons: [compare(`${settings.watchStreams} streams vs 1 stream`, many.figures, single.figures)],
          details: {
            streams: settings.watchStreams,
            rounds: settings.watchRounds,
            timeToAllP50Ms: many.timeToAll.p50Ms,
            timeToAllP99Ms: many.timeToAll.p99Ms,
            timeToAllMaxMs: many.timeToAll.maxMs,
            openAllStreamsMs: many.openMs,
            servicePeakRssBytes: many.figures.peakRssBytes,
            // What each stream adds to the service's memory, over the single-stream phase.
            serviceRssPerStreamBytes: Math.round((many.figures.peakRssBytes - single.figures.peakRssBytes) / settings.watchStreams),
            deliveryWindowUs: many.deliveryWindowUs,
          },
        };
      } finally {
        admin.close();
      }
    }),
};
