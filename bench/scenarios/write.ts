/**
 * `write`: UpdateSecretValue and CreateSecret against the empty call
 * (Health/Check) at concurrency 16 (4 connections x 4 streams). Updates go
 * to one secret with h2load (its request is fixed); creates need a new name
 * per call, so raw HTTP/2 sessions send them (bench/raw-unary.ts).
 */
import { callerOf, createSecretCall, healthCheckCall, updateValueCall } from "../calls.js";
import { measureCall, type Concurrency } from "../measure.js";
import { RawUnaryClient } from "../raw-unary.js";
import { compare } from "../result.js";
import type { Scenario } from "../scenario.js";
import { createTokenSecrets, secretNames } from "../seed.js";
import { withServiceChild } from "../service-child.js";

const CONCURRENCY: Concurrency = { connections: 4, streams: 4 };

export const writeScenario: Scenario = {
  name: "write",
  description: `UpdateSecretValue and CreateSecret vs Health/Check, ${CONCURRENCY.connections} connections x ${CONCURRENCY.streams} streams`,
  run: (settings) =>
    withServiceChild({ ...(settings.cpuProfileDir && { cpuProfileDir: settings.cpuProfileDir }) }, async (service) => {
      const admin = callerOf(service, service.adminToken);
      const [target] = secretNames("UPDATE", 1) as [string];
      await createTokenSecrets([admin.clients], [target]);

      const baseline = await measureCall(service, settings, healthCheckCall(admin), CONCURRENCY);
      const update = await measureCall(service, settings, updateValueCall(admin, target), CONCURRENCY);
      const sessions = Array.from({ length: CONCURRENCY.connections }, () => new RawUnaryClient(service.address, service.adminToken));
      const create = await measureCall(service, settings, createSecretCall(sessions, "CREATE"), CONCURRENCY).finally(() => {
        for (const session of sessions) session.close();
      });
      return {
        comparisons: [
          compare("UpdateSecretValue vs empty call", update, baseline),
          compare("CreateSecret vs empty call", create, baseline),
        ],
        details: { connections: CONCURRENCY.connections, streamsPerConnection: CONCURRENCY.streams, secretsCreated: create.samples },
      };
    }),
};
