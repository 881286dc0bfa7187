/**
 * `scale`: GetSecret and ResolveSecrets latency with a small and a large
 * tenant (1,000 and 100,000 secrets; 1,000 and 10,000 with --quick), and the
 * service's RSS at each. The small tenant is the baseline: ratios are
 * large ÷ small. Secrets are picked at random, so lookups are not all hot.
 * Filling the large tenant stops at the settings' time budget; the figures
 * then say how many secrets it reached (`largeTenantSecrets`). Each call
 * picks other secrets, which h2load (one fixed request) cannot send, so the
 * Connect client drives these phases; its CPU share is reported beside them.
 */
import { performance } from "node:perf_hooks";
import { measureCall } from "../measure.js";
import { childCurrentRss } from "../peak-rss.js";
import { compare, type Figures } from "../result.js";
import type { Scenario } from "../scenario.js";
import { createTokenSecrets, references, secretNames } from "../seed.js";
import { withServiceChild, type Clients, type ServiceChild } from "../service-child.js";
import type { BenchSettings } from "../settings.js";

const CONCURRENCY = { connections: 1, streams: 8 };
const REFERENCES_PER_CALL = 20;
/** Concurrent CreateSecret calls while filling the tenant, over a few connections. */
const SEED_CONCURRENCY = 64;
const SEED_CONNECTIONS = 4;

interface AtScale {
  get: Figures;
  resolve: Figures;
  rssBytes: number;
}

function pick(names: readonly string[]): string {
  return names[Math.floor(Math.random() * names.length)]!;
}

function pickDistinct(names: readonly string[], count: number): string[] {
  const picked = new Set<string>();
  while (picked.size < count) picked.add(pick(names));
  return [...picked];
}

async function measureAt(
  service: ServiceChild,
  settings: BenchSettings,
  admin: Clients,
  workload: Clients,
  names: readonly string[],
): Promise<AtScale> {
  const label = (rpc: string) => `${rpc} @${names.length}`;
  const get = await measureCall(
    service,
    settings,
    { label: label("GetSecret"), call: () => admin.secrets.getSecret({ name: pick(names) }) },
    CONCURRENCY,
  );
  const resolve = await measureCall(
    service,
    settings,
    {
      label: label("ResolveSecrets x20"),
      call: () =>
        workload.resolver.resolveSecrets({ references: references(pickDistinct(names, REFERENCES_PER_CALL)), consumerId: "bench/scale" }),
    },
    CONCURRENCY,
  );
  return { get, resolve, rssBytes: childCurrentRss(service.pid) };
}

export const scaleScenario: Scenario = {
  name: "scale",
  description: "GetSecret and ResolveSecrets latency and service RSS with a small vs a large tenant",
  run: (settings) =>
    withServiceChild({ ...(settings.cpuProfileDir && { cpuProfileDir: settings.cpuProfileDir }) }, async (service) => {
      const [small, large] = settings.scaleCounts;
      const seeders = Array.from({ length: SEED_CONNECTIONS }, () => service.clients(service.adminToken));
      const admin = seeders[0]!;
      const workload = service.clients(await service.createWorkloadToken());

      const smallNames = secretNames("SCALE", small);
      await createTokenSecrets(seeders, smallNames, SEED_CONCURRENCY);
      const atSmall = await measureAt(service, settings, admin, workload, smallNames);

      const seedStarted = performance.now();
      const moreNames = await createTokenSecrets(
        seeders,
        secretNames("SCALE", large - small, small),
        SEED_CONCURRENCY,
        seedStarted + settings.scaleSeedBudgetMs,
      );
      const seedSeconds = (performance.now() - seedStarted) / 1000;
      const largeNames = [...smallNames, ...moreNames];
      const atLarge = await measureAt(service, settings, admin, workload, largeNames);

      return {
        comparisons: [
          compare(`GetSecret ${largeNames.length} vs ${small} secrets`, atLarge.get, atSmall.get),
          compare(`ResolveSecrets x20 ${largeNames.length} vs ${small} secrets`, atLarge.resolve, atSmall.resolve),
        ],
        details: {
          smallTenantSecrets: small,
          largeTenantSecrets: largeNames.length,
          largeTenantSecretsWanted: large,
          ...(largeNames.length < large && { largeTenantNote: `seeding stopped at the ${settings.scaleSeedBudgetMs / 1000} s budget` }),
          concurrency: CONCURRENCY.streams,
          serviceRssBytesAtSmall: atSmall.rssBytes,
          serviceRssBytesAtLarge: atLarge.rssBytes,
          rssRatioLargeToSmall: atLarge.rssBytes / atSmall.rssBytes,
          seedCreatesPerSec: moreNames.length / seedSeconds,
          seedSeconds,
        },
      };
    }),
};
