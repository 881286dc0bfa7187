/**
 * The calls the load scenarios measure, each usable by both drivers: a
 * real-client call that checks its response, and (when the request is the
 * same on every call) the same request pre-encoded for h2load with how to
 * tell its calls succeeded.
 */
import { create, toBinary } from "@bufbuild/protobuf";
import { ResolverService } from "../gen/secrets/v1/resolver_service_pb.js";
import { SecretsService } from "../gen/secrets/v1/secrets_service_pb.js";
import { SecretType } from "../gen/secrets/v1/types_pb.js";
import { encodeRequest, grpcFrame, grpcPath } from "./grpc-request.js";
import { checkServing, HealthService, SERVING } from "./health-service.js";
import type { BenchCall } from "./measure.js";
import { randomTokenValue, references } from "./seed.js";
import type { RawUnaryClient } from "./raw-unary.js";
import type { Clients, ServiceChild } from "./service-child.js";

export interface Caller {
  token: string;
  clients: Clients;
}

export function callerOf(service: ServiceChild, token: string): Caller {
  return { token, clients: service.clients(token) };
}

/** The service's label for a method in its call counts: the path without its leading slash. */
const countedAs = (method: { parent: { typeName: string }; name: string }) => ({ countedAs: grpcPath(method).slice(1) });

/** The empty call: grpc.health.v1.Health/Check of the whole server. */
export function healthCheckCall(caller: Caller): BenchCall {
  const method = HealthService.method.check;
  const response = grpcFrame(toBinary(method.output, create(method.output, { status: SERVING })));
  return {
    label: "Health/Check",
    call: () => checkServing(caller.clients.health),
    h2load: { request: encodeRequest(method, { service: "" }), token: caller.token, success: { responseBytes: response.length } },
  };
}

export function getSecretCall(caller: Caller, name: string): BenchCall {
  const method = SecretsService.method.getSecret;
  return {
    label: "GetSecret",
    call: async () => {
      const { secret } = await caller.clients.secrets.getSecret({ name });
      if (secret?.name !== name) throw new Error("GetSecret answered another secret");
    },
    h2load: { request: encodeRequest(method, { name }), token: caller.token, success: countedAs(method) },
  };
}

export function resolveCall(caller: Caller, names: readonly string[], consumerId: string): BenchCall {
  const method = ResolverService.method.resolveSecrets;
  const request = { references: references(names), consumerId };
  return {
    label: `ResolveSecrets x${names.length}`,
    call: async () => {
      const response = await caller.clients.resolver.resolveSecrets(request);
      if (response.values.length !== names.length) throw new Error(`resolved ${response.values.length} of ${names.length}`);
    },
    h2load: { request: encodeRequest(method, request), token: caller.token, success: countedAs(method) },
  };
}

/** A new version of one secret per call; with h2load every call writes the same (random, never printed) value. */
export function updateValueCall(caller: Caller, name: string): BenchCall {
  const method = SecretsService.method.updateSecretValue;
  const request = { name, value: randomTokenValue() };
  return {
    label: "UpdateSecretValue",
    call: () => caller.clients.secrets.updateSecretValue(request),
    h2load: { request: encodeRequest(method, request), token: caller.token, success: countedAs(method) },
  };
}

/**
 * A new secret per call: the name differs on every call, which h2load cannot
 * send. Raw HTTP/2 sessions send them (`clients`, one per connection): the
 * Connect client cost the bench process most of a core at this rate, so every
 * CreateSecret phase was refused as driver-bound.
 */
export function createSecretCall(clients: readonly RawUnaryClient[], prefix: string): BenchCall {
  // Encoded once: each call's name differs only in its digits, written into a copy of the frame (the
  // driver shares the service's two cores, so its CPU per call is kept small).
  const digits = 8;
  const template = `BENCH_${prefix}_${"0".repeat(digits)}`;
  const { path, frame } = encodeRequest(SecretsService.method.createSecret, {
    name: template,
    type: SecretType.TOKEN,
    value: randomTokenValue(),
  });
  const digitsAt = frame.indexOf(template, 0, "latin1") + template.length - digits;
  return {
    label: "CreateSecret",
    driver: "http2",
    call: async (worker, n) => {
      const request = Buffer.from(frame);
      request.write(String(n).padStart(digits, "0"), digitsAt, "latin1");
      const name = request.subarray(digitsAt - template.length + digits, digitsAt + digits);
      const secret = await clients[worker % clients.length]!.callFrame(path, request);
      // The response is the created Secret, which holds its name.
      if (secret.indexOf(name) < 0) throw new Error("CreateSecret answered another secret");
    },
  };
}
