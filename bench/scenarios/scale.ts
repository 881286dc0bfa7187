/**
 * `scale`: GetSecret and ResolveSecrets latency, and the service's memory,
 * with a small and a large tenant (1,000 and 100,000 secrets; 1,000 and
 * 10,000 with --quick), each in a service of its own, filled the same way.
 * The small tenant is the baseline: ratios are large ÷ small. Two access
 * patterns, both reported:
 * - the working set: each call's secrets are drawn from the same number of
 *   secrets (the small tenant's count) at both sizes, spread at random over
 *   the large tenant's store, so the only difference is the store's size.
 *   Both services run at once and their phases take turns (ROUNDS rounds,
 *   each reported), so load that drifts on a shared machine hits both;
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
/** Turns of the two services' working-set phases, each reported. */
const ROUNDS = 2;
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

/** A service of its own, filled with one tenant's secrets. */
interface Tenant {
  service: ServiceChild;
  clients: { admin: RawUnaryClient; workload: RawUnaryClient };
  names: string[];
  /** What each working-set call draws from: every name at the small size. */
  workingSet: string[];
  seedSeconds: number;
  /** Right after filling, and after the idle time that follows. */
  memoryFilled: ServiceMemory;
  memorySettled: ServiceMemory;
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

/** Fills the service with `wanted` secrets (fewer if the budget runs out) and reads its memory. */
async function filledTenant(service: ServiceChild, wanted: number, workingSetSize: number, seedBudgetMs: number): Promise<Tenant> {
  const seeders = Array.from({ length: SEED_CONNECTIONS }, () => service.clients(service.adminToken));
  // Raw HTTP/2 sessions send the measured calls: through the Connect client the bench process, not
  // the service, was the bottleneck of the small tenant's phases (61-89% of a core).
  const clients = {
    admin: new RawUnaryClient(service.address, service.adminToken),
    workload: new RawUnaryClient(service.address, await service.createWorkloadToken()),
  };
  const seedStarted = performance.now();
  const names = await createTokenSecrets(seeders, secretNames("SCALE", wanted), SEED_CONCURRENCY, seedStarted + seedBudgetMs);
  const seedSeconds = (performance.now() - seedStarted) / 1000;
  const memoryFilled = await serviceMemory(service.pid, service.metricsAddress);
  const memorySettled = await idleMemory(service);
  return { service, clients, names, workingSet: sample(names, workingSetSize), seedSeconds, memoryFilled, memorySettled };
}

function closeClients(tenant: Tenant | undefined): void {
  tenant?.clients.admin.close();
  tenant?.clients.workload.close();
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
  run: (settings) => {
    const options = { ...(settings.cpuProfileDir && { cpuProfileDir: settings.cpuProfileDir }) };
    // Both services live at once, so that their phases can take turns: a machine whose load drifts
    // over the minutes of the large fill then weighs on both sides alike.
    return withServiceChild(options, (smallService) =>
      withServiceChild(options, async (largeService) => {
        let small: Tenant | undefined;
        let large: Tenant | undefined;
        try {
          const [smallWanted, largeWanted] = settings.scaleCounts;
          small = await filledTenant(smallService, smallWanted, smallWanted, Infinity);
          large = await filledTenant(largeService, largeWanted, small.names.length, settings.scaleSeedBudgetMs);
          return await measureTenants(settings, small, large, largeWanted);
        } finally {
          closeClients(small);
          closeClients(large);
        }
      }),
    );
  },
};

async function measureTenants(settings: BenchSettings, small: Tenant, large: Tenant, largeWanted: number) {
  const phases = (tenant: Tenant, names: readonly string[], label: string, phaseSettings = settings) =>
    measurePhases(tenant.service, phaseSettings, tenant.clients, names, label);
  const wsLabel = `@${large.names.length}, working set ${large.workingSet.length}`;
  // Unrecorded: both services' code is compiled and their working sets read once before anything counts.
  const warmUp = { ...settings, phaseMs: settings.warmupMs * 2 };
  await phases(small, small.workingSet, "warm-up", warmUp);
  await phases(large, large.workingSet, "warm-up", warmUp);
  const rounds: { small: Phases; large: Phases }[] = [];
  let smallMemory: ServiceMemory | undefined;
  let largeMemory: ServiceMemory | undefined;
  for (let round = 1; round <= ROUNDS; round++) {
    const atSmall = await phases(small, small.workingSet, `@${small.names.length}, round ${round}`);
    smallMemory = await serviceMemory(small.service.pid, small.service.metricsAddress);
    const atLarge = await phases(large, large.workingSet, `${wsLabel}, round ${round}`);
    largeMemory = await serviceMemory(large.service.pid, large.service.metricsAddress);
    rounds.push({ small: atSmall, large: atLarge });
  }
  const [smallIdle, largeIdle] = await Promise.all([idleMemory(small.service), idleMemory(large.service)]);
  const uniform = await phases(large, large.names, `@${large.names.length}, uniform over all`);
  const largeUniform = await serviceMemory(large.service.pid, large.service.metricsAddress);
  const largeUniformIdle = await idleMemory(large.service);

  const last = rounds[rounds.length - 1]!;
  const vs = `${large.names.length} vs ${small.names.length} secrets`;
  const ws = `working set of ${small.names.length}`;
  return {
    comparisons: [
      ...rounds.flatMap(({ small: atSmall, large: atLarge }, i) => [
        compare(`GetSecret ${vs}, ${ws}, round ${i + 1}`, atLarge.get, atSmall.get),
        compare(`ResolveSecrets x20 ${vs}, ${ws}, round ${i + 1}`, atLarge.resolve, atSmall.resolve),
      ]),
      compare(`GetSecret ${vs}, uniform over all (cache misses)`, uniform.get, last.small.get),
      compare(`ResolveSecrets x20 ${vs}, uniform over all (cache misses)`, uniform.resolve, last.small.resolve),
    ],
    details: {
      smallTenantSecrets: small.names.length,
      largeTenantSecrets: large.names.length,
      largeTenantSecretsWanted: largeWanted,
      ...(large.names.length < largeWanted && { largeTenantNote: `seeding stopped at the ${settings.scaleSeedBudgetMs / 1000} s budget` }),
      workingSetSecrets: small.names.length,
      concurrency: CONCURRENCY.streams,
      serviceRssBytesAtSmall: smallMemory!.rssBytes,
      serviceRssBytesAtLarge: largeMemory!.rssBytes,
      rssRatioLargeToSmall: largeMemory!.rssBytes / smallMemory!.rssBytes,
      idleRssRatioLargeToSmall: largeIdle.rssBytes / smallIdle.rssBytes,
      ...memoryDetails("small", smallMemory),
      ...memoryDetails("large", largeMemory),
      ...memoryDetails("smallIdle", smallIdle),
      ...memoryDetails("largeIdle", largeIdle),
      ...memoryDetails("largeUniform", largeUniform),
      ...memoryDetails("largeUniformIdle", largeUniformIdle),
      ...memoryDetails("smallFilled", small.memoryFilled),
      ...memoryDetails("largeFilled", large.memoryFilled),
      ...memoryDetails("smallSettled", small.memorySettled),
      ...memoryDetails("largeSettled", large.memorySettled),
      seedCreatesPerSec: large.names.length / large.seedSeconds,
      seedSeconds: large.seedSeconds,
    },
  };
}
