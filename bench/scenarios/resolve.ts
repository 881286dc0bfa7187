/**
 * `resolve`: ResolveSecrets of 20 references per call at concurrency 32 on
 * the embedded default (SQLite + local keyring), against the empty-RPC floor:
 * grpc.health.v1.Health/Check on the same server, transport and concurrency.
 */
import { checkServing } from "../health-service.js";
import { measureServiceLoad } from "../measure.js";
import { compare } from "../result.js";
import type { Scenario } from "../scenario.js";
import { createTokenSecrets, references, secretNames } from "../seed.js";
import { withServiceChild } from "../service-child.js";

const REFERENCES_PER_CALL = 20;
const CONCURRENCY = 32;

export const resolveScenario: Scenario = {
  name: "resolve",
  description: `ResolveSecrets (${REFERENCES_PER_CALL} refs/call) at concurrency ${CONCURRENCY} vs Health/Check`,
  run: (settings) =>
    withServiceChild({ ...(settings.cpuProfileDir && { cpuProfileDir: settings.cpuProfileDir }) }, async (service) => {
      const names = secretNames("RESOLVE", REFERENCES_PER_CALL);
      await createTokenSecrets([service.clients(service.adminToken)], names);
      const workload = service.clients(await service.createWorkloadToken());
      const request = { references: references(names), consumerId: "bench/resolve" };

      const baseline = await measureServiceLoad("Health/Check", service.pid, settings, {
        concurrency: CONCURRENCY,
        operation: () => checkServing(workload.health),
      });
      const subject = await measureServiceLoad("ResolveSecrets x20", service.pid, settings, {
        concurrency: CONCURRENCY,
        operation: async () => {
          const response = await workload.resolver.resolveSecrets(request);
          if (response.values.length !== REFERENCES_PER_CALL) throw new Error(`resolved ${response.values.length} of ${REFERENCES_PER_CALL}`);
        },
      });
      return {
        comparisons: [compare("ResolveSecrets (20 refs) vs empty RPC", subject, baseline)],
        details: { referencesPerCall: REFERENCES_PER_CALL, concurrency: CONCURRENCY, resolvedValuesPerSec: subject.opsPerSec * REFERENCES_PER_CALL },
      };
    }),
};
