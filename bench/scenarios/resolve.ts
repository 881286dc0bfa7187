/**
 * `resolve`: the read path against the empty call, all on one service child
 * (SQLite + local keyring, the embedded default) at the same concurrency (4
 * connections x 8 streams): grpc.health.v1.Health/Check (baseline),
 * GetSecret, ResolveSecrets of 1 and of 20 references. From the two resolves,
 * the cost of each extra value.
 */
import { callerOf, getSecretCall, healthCheckCall, resolveCall } from "../calls.js";
import { measureCall, type Concurrency } from "../measure.js";
import { compare, type Figures } from "../result.js";
import type { Scenario } from "../scenario.js";
import { createTokenSecrets, secretNames } from "../seed.js";
import { withServiceChild } from "../service-child.js";

const REFERENCES_PER_CALL = 20;
const CONCURRENCY: Concurrency = { connections: 4, streams: 8 };

/** µs each value beyond the first adds to a resolve: from the wall time per call at saturation, and from the service's CPU per call. */
export function extraValueCost(one: Figures, many: Figures, values: number): { fromThroughputUs: number; fromServiceCpuUs: number } {
  const extra = values - 1;
  return {
    fromThroughputUs: ((1 / many.opsPerSec - 1 / one.opsPerSec) * 1e6) / extra,
    fromServiceCpuUs: (((many.serviceCpuMsPerOp ?? NaN) - (one.serviceCpuMsPerOp ?? NaN)) * 1000) / extra,
  };
}

export const resolveScenario: Scenario = {
  name: "resolve",
  description: `Health/Check (the empty call) vs GetSecret and ResolveSecrets x1 and x${REFERENCES_PER_CALL}, ${CONCURRENCY.connections} connections x ${CONCURRENCY.streams} streams`,
  run: (settings) =>
    withServiceChild({ ...(settings.cpuProfileDir && { cpuProfileDir: settings.cpuProfileDir }) }, async (service) => {
      const names = secretNames("RESOLVE", REFERENCES_PER_CALL);
      await createTokenSecrets([service.clients(service.adminToken)], names);
      const admin = callerOf(service, service.adminToken);
      const workload = callerOf(service, await service.createWorkloadToken());

      const baseline = await measureCall(service, settings, healthCheckCall(workload), CONCURRENCY);
      const get = await measureCall(service, settings, getSecretCall(admin, names[0]!), CONCURRENCY);
      const one = await measureCall(service, settings, resolveCall(workload, names.slice(0, 1), "bench/resolve"), CONCURRENCY);
      const many = await measureCall(service, settings, resolveCall(workload, names, "bench/resolve"), CONCURRENCY);
      const extra = extraValueCost(one, many, REFERENCES_PER_CALL);
      return {
        comparisons: [
          compare("GetSecret vs empty call", get, baseline),
          compare("ResolveSecrets x1 vs empty call", one, baseline),
          compare(`ResolveSecrets x${REFERENCES_PER_CALL} vs empty call`, many, baseline),
        ],
        details: {
          referencesPerCall: REFERENCES_PER_CALL,
          connections: CONCURRENCY.connections,
          streamsPerConnection: CONCURRENCY.streams,
          resolvedValuesPerSec: many.opsPerSec * REFERENCES_PER_CALL,
          extraValueUsFromThroughput: extra.fromThroughputUs,
          extraValueUsFromServiceCpu: extra.fromServiceCpuUs,
        },
      };
    }),
};
