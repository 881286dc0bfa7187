/**
 * The same API through an independent client: plain @grpc/grpc-js with types
 * loaded from the .proto files, sharing no code with the service. Proves the
 * wire contract is the .proto, not our generated code.
 */
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, bearer, grpcJsClients, type RawClients } from "../support/grpc-js-client.js";
import { startTestService, type TestService } from "../support/service.js";

let svc: TestService;
let clients: RawClients;
let workloadToken: string;

beforeAll(async () => {
  svc = await startTestService();
  clients = grpcJsClients(svc.address);
  const created = await call<{ tokenSecret: string }>(
    clients.admin,
    "CreateApiToken",
    { displayName: "raw workload", role: "ROLE_WORKLOAD", allowedSecretPatterns: ["RAW_*"] },
    svc.adminToken,
  );
  workloadToken = created.tokenSecret;
});

afterAll(async () => {
  clients?.close();
  await svc?.cleanup();
});

describe("an independent @grpc/grpc-js client", () => {
  it.each([
    ["RAW_TOKEN", "SECRET_TYPE_TOKEN", { token: "raw-token-value" }, "$<secret.RAW_TOKEN>", "raw-token-value"],
    [
      "RAW_LOGIN",
      "SECRET_TYPE_USERNAME_PASSWORD",
      { usernamePassword: { username: "raw-user", password: "raw-pass" } },
      "$<secret.raw_login.password>",
      "raw-pass",
    ],
    ["RAW_JSON", "SECRET_TYPE_JSON", { json: '{"a":{"b":"raw-json"}}' }, "{{ secrets.RAW_JSON.a.b }}", "raw-json"],
  ])("runs the life of %s (%s)", async (name, type, value, reference, expected) => {
    const created = await call<{ secret: { name: string; version: string; type: string } }>(
      clients.secrets,
      "CreateSecret",
      { name, type, value },
      svc.adminToken,
    );
    expect(created.secret).toMatchObject({ name, version: "1", type });

    const listed = await call<{ secrets: { name: string }[] }>(clients.secrets, "ListSecrets", { namePrefix: "raw_" }, svc.adminToken);
    expect(listed.secrets.map((s) => s.name)).toContain(name);

    await call(clients.resolver, "SetConsumerReferences", { consumerId: `raw/${name}`, references: [reference] }, workloadToken);
    const resolved = await call<{ values: { value: string; version: string }[] }>(
      clients.resolver,
      "ResolveSecrets",
      { references: [reference] },
      workloadToken,
    );
    expect(resolved.values).toEqual([expect.objectContaining({ value: expected, version: "1" })]);

    const refused = await call(clients.secrets, "DeleteSecret", { name }, svc.adminToken).catch((e: grpc.ServiceError) => e);
    expect((refused as grpc.ServiceError).code).toBe(grpc.status.FAILED_PRECONDITION);
    expect((refused as grpc.ServiceError).details).toContain(`raw/${name}`);
    // Rich details travel in the standard trailer.
    expect((refused as grpc.ServiceError).metadata.get("grpc-status-details-bin")).toHaveLength(1);

    await call(clients.resolver, "DeleteConsumer", { consumerId: `raw/${name}` }, workloadToken);
    await call(clients.secrets, "DeleteSecret", { name }, svc.adminToken);
    const gone = await call(clients.secrets, "GetSecret", { name }, svc.adminToken).catch((e: grpc.ServiceError) => e);
    expect((gone as grpc.ServiceError).code).toBe(grpc.status.NOT_FOUND);
  });

  it("streams WatchSecrets events for an update", async () => {
    await call(clients.secrets, "CreateSecret", { name: "RAW_WATCHED", type: "SECRET_TYPE_TOKEN", value: { token: "v1" } }, svc.adminToken);
    const stream = (
      clients.resolver as unknown as grpc.Client & {
        WatchSecrets(request: object, metadata: grpc.Metadata): grpc.ClientReadableStream<{ type: string; version: string }>;
      }
    ).WatchSecrets({ names: ["raw_watched"] }, bearer(workloadToken));
    const events: { type: string; version: string }[] = [];
    stream.on("data", (event) => events.push(event));
    stream.on("error", () => undefined);
    await expect.poll(() => events.length, { timeout: 10_000 }).toBe(1);
    expect(events[0]).toMatchObject({ type: "WATCH_EVENT_TYPE_SUBSCRIBED" });

    await call(clients.secrets, "UpdateSecretValue", { name: "RAW_WATCHED", value: { token: "v2" } }, svc.adminToken);
    await expect.poll(() => events.length, { timeout: 10_000 }).toBe(2);
    expect(events[1]).toMatchObject({ type: "WATCH_EVENT_TYPE_VALUE_UPDATED", version: "2" });
    stream.cancel();
  });

  it("answers UNAUTHENTICATED without a token", async () => {
    const error = await call(clients.secrets, "ListSecrets", {}).catch((e: grpc.ServiceError) => e);
    expect((error as grpc.ServiceError).code).toBe(grpc.status.UNAUTHENTICATED);
  });
});
