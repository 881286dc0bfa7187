/**
 * `scale`: GetSecret and ResolveSecrets latency, and the service's memory,
 * with a small and a large tenant (1,000 and 100,000 secrets; 1,000 and
 * 10,000 with --quick), each in a service of its own, filled the same way.
 * The small tenant is the baseline: ratios are large ÷ small. Two access
 * patterns, both reported:
 * - the working set: each call's secrets are drawn from the same number of
 *   secrets (the small tenant's count) at both sizes, spread at random over
 *   the large tenant's store, so the only difference is the store's size;
 * - uniform over all secrets: at the large size most lookups miss every
 *   in-memory cache (10,000 entries each), so this measures the cache misses.
 * Memory is read the same way in both services: right after the working-set
 * phases, and again once idle after them.
 * Filling the large tenant stops at the settings' time budget; the figures
 * then say how many secrets it reached (`largeTenantSecrets`). Each call
 * picks other secrets, which h2load (one fixed request) cannot send, so raw
 * HTTP/2 sessions (bench/raw-unary.ts) drive these phases; their CPU share is
 * reported beside them. The Connect client fills the tenants.
 */
import { performance } from "node:perf_hooks";
import { ResolverService } from "../../gen/secrets/v1/resolver_service_pb.js";
import { SecretsService } from "../../gen/secrets/v1/secrets_service_pb.js";
import { measureCall } from "../measure.js";
import { compare, type Figures } from "../result.js";
import type { Scenario } from "../scenario.js";
import { createTokenSecrets, references, secretNames } from "../seed.js";
import { RawUnaryClient } from "../raw-unary.js";
import { serviceMemory, type ServiceMemory } from "../service-memory.js";
import { withServiceChild, type ServiceChild } from "../service-child.js";
import type { BenchSettings } from "../settings.js";
import { IDLE_CHECK_MS } from "../../services/ops/idle-memory.js";

const CONCURRENCY = { connections: 1, streams: 8 };
const REFERENCES_PER_CALL = 20;
/** Concurrent CreateSecret calls while filling the tenant, over a few connections. */
const SEED_CONCURRENCY = 64;
const SEED_CONNECTIONS = 4;
/**
 * Idle time before an idle reading of memory: V8 sizes its heap up under load
 * (~100,000 CreateSecret calls, or a phase) and keeps it; the service compacts
 * it once idle after a burst (services/ops/idle-memory.ts: its check interval
 * three times over). Both services wait alike.
 */
const SETTLE_MS = 3 * IDLE_CHECK_MS;

interface Phases {
  get: Figures;
  resolve: Figures;
}

interface AtSize {
  secrets: number;
  workingSet: Phases;
  /** Absent at the small size, where the working set is every secret. */
  uniform?: Phases;
  /** Right after filling, and after the idle time that follows. */
  memoryFilled: ServiceMemory;
  memorySettled: ServiceMemory;
  /** Right after the working-set phases (the figure compared), and idle after them. */
  memory: ServiceMemory;
  memoryIdle: ServiceMemory;
  /** Right after the uniform phases, and idle after them (the caches at their bounds). */
  memoryUniform?: ServiceMemory;
  memoryUniformIdle?: ServiceMemory;
  seedSeconds: number;
}

function pick(names: readonly string[]): string {
  return names[Math.floor(Math.random() * names.length)]!;
}

function pickDistinct(names: readonly string[], count: number): string[] {
  const picked = new Set<string>();
  while (picked.size < count) picked.add(pick(names));
  return [...picked];
}

/** `count` names drawn at random from `names`, in no particular order. */
function sample(names: readonly string[], count: number): string[] {
  if (count >= names.length) return [...names];
  const copy = [...names];
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(Math.random() * (copy.length - i));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy.slice(0, count);
}

async function measurePhases(
  service: ServiceChild,
  settings: BenchSettings,
  clients: { admin: RawUnaryClient; workload: RawUnaryClient },
  names: readonly string[],
  label: string,
): Promise<Phases> {
  const get = await measureCall(
    service,
    settings,
    {
      label: `GetSecret ${label}`,
      driver: "http2",
      call: async () => {
        const name = pick(names);
        const { secret } = await clients.admin.call(SecretsService.method.getSecret, { name });
        if (secret?.name !== name) throw new Error("GetSecret answered another secret");
      },
    },
    CONCURRENCY,
  );
  const resolve = await measureCall(
    service,
    settings,
    {
      label: `ResolveSecrets x20 ${label}`,
      driver: "http2",
      call: async () => {
        const request = { references: references(pickDistinct(names, REFERENCES_PER_CALL)), consumerId: "bench/scale" };
        const { values } = await clients.workload.call(ResolverService.method.resolveSecrets, request);
        if (values.length !== REFERENCES_PER_CALL) throw new Error(`resolved ${values.length} of ${REFERENCES_PER_CALL}`);
      },
    },
    CONCURRENCY,
  );
  return { get, resolve };
}

/** A service of its own holding `wanted` secrets (fewer if the budget runs out), measured. */
function atSize(settings: BenchSettings, wanted: number, workingSetSize: number, seedBudgetMs: number): Promise<AtSize> {
  const options = { ...(settings.cpuProfileDir && { cpuProfileDir: settings.cpuProfileDir }) };
  return withServiceChild(options, async (service) => {
    const seeders = Array.from({ length: SEED_CONNECTIONS }, () => service.clients(service.adminToken));
    // Raw HTTP/2 sessions send the measured calls: through the Connect client the bench process, not
    // the service, was the bottleneck of the small tenant's phases (61-89% of a core).
    const clients = {
      admin: new RawUnaryClient(service.address, service.adminToken),
      workload: new RawUnaryClient(service.address, await service.createWorkloadToken()),
    };
    try {
      const seedStarted = performance.now();
      const names = await createTokenSecrets(seeders, secretNames("SCALE", wanted), SEED_CONCURRENCY, seedStarted + seedBudgetMs);
      const seedSeconds = (performance.now() - seedStarted) / 1000;
      const memoryFilled = await serviceMemory(service.pid, service.metricsAddress);
      const memorySettled = await idleMemory(service);
      const workingSet = sample(names, workingSetSize);
      const uniform = names.length > workingSet.length;
      // Unrecorded: both services' code is compiled and their working sets read once before anything counts.
      await measurePhases(service, { ...settings, phaseMs: settings.warmupMs * 2 }, clients, workingSet, "warm-up");
      const atWorkingSet = await measurePhases(
        service,
        settings,
        clients,
        workingSet,
        uniform ? `@${names.length}, working set ${workingSet.length}` : `@${names.length}`,
      );
      const memory = await serviceMemory(service.pid, service.metricsAddress);
      const memoryIdle = await idleMemory(service);
      const result: AtSize = {
        secrets: names.length,
        workingSet: atWorkingSet,
        memoryFilled,
        memorySettled,
        memory,
        memoryIdle,
        seedSeconds,
      };
      if (!uniform) return result;
      result.uniform = await measurePhases(service, settings, clients, names, `@${names.length}, uniform over all`);
      result.memoryUniform = await serviceMemory(service.pid, service.metricsAddress);
      result.memoryUniformIdle = await idleMemory(service);
      return result;
    } finally {
      clients.admin.close();
      clients.workload.close();
    }
  });
}

async function idleMemory(service: ServiceChild): Promise<ServiceMemory> {
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  return serviceMemory(service.pid, service.metricsAddress);
}

function memoryDetails(prefix: string, memory: ServiceMemory | undefined): Record<string, number> {
  if (!memory) return {};
  return Object.fromEntries(Object.entries(memory).map(([key, bytes]) => [`${prefix}${key[0]!.toUpperCase()}${key.slice(1)}`, bytes]));
}

export const scaleScenario: Scenario = {
  name: "scale",
  description: "GetSecret and ResolveSecrets latency and service RSS with a small vs a large tenant",
  run: async (settings) => {
    const [smallWanted, largeWanted] = settings.scaleCounts;
    const small = await atSize(settings, smallWanted, smallWanted, Infinity);
    const large = await atSize(settings, largeWanted, small.secrets, settings.scaleSeedBudgetMs);
    const vs = `${large.secrets} vs ${small.secrets} secrets`;
    const ws = `working set of ${small.secrets}`;
    return {
      comparisons: [
        compare(`GetSecret ${vs}, ${ws}`, large.workingSet.get, small.workingSet.get),
        compare(`ResolveSecrets x20 ${vs}, ${ws}`, large.workingSet.resolve, small.workingSet.resolve),
        ...(large.uniform
          ? [
              compare(`GetSecret ${vs}, uniform over all (cache misses)`, large.uniform.get, small.workingSet.get),
              compare(`ResolveSecrets x20 ${vs}, uniform over all (cache misses)`, large.uniform.resolve, small.workingSet.resolve),
            ]
          : []),
      ],
      details: {
        smallTenantSecrets: small.secrets,
        largeTenantSecrets: large.secrets,
        largeTenantSecretsWanted: largeWanted,
        ...(large.secrets < largeWanted && { largeTenantNote: `seeding stopped at the ${settings.scaleSeedBudgetMs / 1000} s budget` }),
        workingSetSecrets: small.secrets,
        concurrency: CONCURRENCY.streams,
        serviceRssBytesAtSmall: small.memory.rssBytes,
        serviceRssBytesAtLarge: large.memory.rssBytes,
        rssRatioLargeToSmall: large.memory.rssBytes / small.memory.rssBytes,
        idleRssRatioLargeToSmall: large.memoryIdle.rssBytes / small.memoryIdle.rssBytes,
        ...memoryDetails("small", small.memory),
        ...memoryDetails("large", large.memory),
        ...memoryDetails("smallIdle", small.memoryIdle),
        ...memoryDetails("largeIdle", large.memoryIdle),
        ...memoryDetails("largeUniform", large.memoryUniform),
        ...memoryDetails("largeUniformIdle", large.memoryUniformIdle),
        ...memoryDetails("smallFilled", small.memoryFilled),
        ...memoryDetails("largeFilled", large.memoryFilled),
        ...memoryDetails("smallSettled", small.memorySettled),
        ...memoryDetails("largeSettled", large.memorySettled),
        seedCreatesPerSec: large.secrets / large.seedSeconds,
        seedSeconds: large.seedSeconds,
      },
    };
  },
};
