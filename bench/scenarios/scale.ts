/**
 * `scale`: GetSecret and ResolveSecrets latency with a small and a large
 * tenant (1,000 and 100,000 secrets; 1,000 and 10,000 with --quick), and the
 * service's RSS at each. The small tenant is the baseline: ratios are
 * large ÷ small. Secrets are picked at random, so lookups are not all hot.
 * Filling the large tenant stops at the settings' time budget; the figures
 * then say how many secrets it reached (`largeTenantSecrets`). Each call
 * picks other secrets, which h2load (one fixed request) cannot send, so raw
 * HTTP/2 sessions (bench/raw-unary.ts) drive these phases; their CPU share is
 * reported beside them. The Connect client still fills the tenant.
 */
import { performance } from "node:perf_hooks";
import { ResolverService } from "../../gen/secrets/v1/resolver_service_pb.js";
import { SecretsService } from "../../gen/secrets/v1/secrets_service_pb.js";
import { measureCall } from "../measure.js";
import { childCurrentRss } from "../peak-rss.js";
import { compare, type Figures } from "../result.js";
import type { Scenario } from "../scenario.js";
import { createTokenSecrets, references, secretNames } from "../seed.js";
import { RawUnaryClient } from "../raw-unary.js";
import { withServiceChild, type ServiceChild } from "../service-child.js";
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
  admin: RawUnaryClient,
  workload: RawUnaryClient,
  names: readonly string[],
): Promise<AtScale> {
  const label = (rpc: string) => `${rpc} @${names.length}`;
  const get = await measureCall(
    service,
    settings,
    {
      label: label("GetSecret"),
      driver: "http2",
      call: async () => {
        const name = pick(names);
        const { secret } = await admin.call(SecretsService.method.getSecret, { name });
        if (secret?.name !== name) throw new Error("GetSecret answered another secret");
      },
    },
    CONCURRENCY,
  );
  const resolve = await measureCall(
    service,
    settings,
    {
      label: label("ResolveSecrets x20"),
      driver: "http2",
      call: async () => {
        const request = { references: references(pickDistinct(names, REFERENCES_PER_CALL)), consumerId: "bench/scale" };
        const { values } = await workload.call(ResolverService.method.resolveSecrets, request);
        if (values.length !== REFERENCES_PER_CALL) throw new Error(`resolved ${values.length} of ${REFERENCES_PER_CALL}`);
      },
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
      // Raw HTTP/2 sessions send the measured calls: through the Connect client the bench process, not
      // the service, was the bottleneck of the small tenant's phases (61-89% of a core).
      const admin = new RawUnaryClient(service.address, service.adminToken);
      const workload = new RawUnaryClient(service.address, await service.createWorkloadToken());
      try {
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
      } finally {
        admin.close();
        workload.close();
      }
    }),
};
