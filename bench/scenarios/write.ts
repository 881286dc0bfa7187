/**
 * `write`: CreateSecret and UpdateSecretValue throughput at concurrency 16,
 * against the empty RPC (Health/Check) at the same concurrency.
 */
import { checkServing } from "../health-service.js";
import { measureServiceLoad } from "../measure.js";
import { compare } from "../result.js";
import type { Scenario } from "../scenario.js";
import { createTokenSecrets, randomTokenValue, secretNames } from "../seed.js";
import { withServiceChild } from "../service-child.js";
import { SecretType } from "../../gen/secrets/v1/types_pb.js";

const CONCURRENCY = 16;
/** Secrets the updates spread over: a few per worker, so they rarely contend on one row. */
const UPDATE_TARGETS = 256;

export const writeScenario: Scenario = {
  name: "write",
  description: `CreateSecret and UpdateSecretValue at concurrency ${CONCURRENCY} vs Health/Check`,
  run: (settings) =>
    withServiceChild({ ...(settings.cpuProfileDir && { cpuProfileDir: settings.cpuProfileDir }) }, async (service) => {
      const admin = service.clients(service.adminToken);
      const targets = secretNames("UPDATE", UPDATE_TARGETS);
      await createTokenSecrets([admin], targets);

      const baseline = await measureServiceLoad("Health/Check", service.pid, settings, {
        concurrency: CONCURRENCY,
        operation: () => checkServing(admin.health),
      });
      const create = await measureServiceLoad("CreateSecret", service.pid, settings, {
        concurrency: CONCURRENCY,
        operation: (_worker, call) =>
          admin.secrets.createSecret({ name: `BENCH_CREATE_${String(call).padStart(8, "0")}`, type: SecretType.TOKEN, value: randomTokenValue() }),
      });
      const update = await measureServiceLoad("UpdateSecretValue", service.pid, settings, {
        concurrency: CONCURRENCY,
        operation: (_worker, call) => admin.secrets.updateSecretValue({ name: targets[call % UPDATE_TARGETS]!, value: randomTokenValue() }),
      });
      return {
        comparisons: [compare("CreateSecret vs empty RPC", create, baseline), compare("UpdateSecretValue vs empty RPC", update, baseline)],
        details: { concurrency: CONCURRENCY, updateTargets: UPDATE_TARGETS, secretsCreated: create.samples },
      };
    }),
};
