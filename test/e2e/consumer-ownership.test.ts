/**
 * A workload cannot unprotect secrets it was not granted: it may replace or
 * delete only a consumer whose references are all within its own grants.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Role, SecretType } from "../../gen/secrets/v1/types_pb.js";
import { connectClients, startTestService, type ConnectClients, type TestService } from "../support/service.js";

let svc: TestService;
let admin: ConnectClients;
let teamA: ConnectClients;
let teamB: ConnectClients;

beforeAll(async () => {
  svc = await startTestService();
  admin = connectClients(svc.address, svc.adminToken);
  for (const name of ["A_DB", "B_DB"])
    await admin.secrets.createSecret({ name, type: SecretType.TOKEN, value: { kind: { case: "token", value: `${name}-value` } } });
  const tokenFor = async (pattern: string) =>
    (await admin.admin.createApiToken({ displayName: pattern, role: Role.WORKLOAD, allowedSecretPatterns: [pattern] })).tokenSecret;
  teamA = connectClients(svc.address, await tokenFor("A_*"));
  teamB = connectClients(svc.address, await tokenFor("B_*"));
  await teamA.resolver.setConsumerReferences({ consumerId: "svc/a", references: ["$<secret.A_DB>"] });
});

afterAll(async () => {
  await svc?.cleanup();
});

async function code(promise: Promise<unknown>): Promise<Code | "OK"> {
  return promise.then(
    () => "OK" as const,
    (e: ConnectError) => e.code,
  );
}

describe("consumer ownership", () => {
  it("refuses another workload's replace and delete, keeping the secret protected", async () => {
    expect(await code(teamB.resolver.setConsumerReferences({ consumerId: "svc/a", references: ["$<secret.B_DB>"] }))).toBe(
      Code.PermissionDenied,
    );
    expect(await code(teamB.resolver.deleteConsumer({ consumerId: "svc/a" }))).toBe(Code.PermissionDenied);
    expect((await admin.secrets.getSecret({ name: "A_DB" })).secret?.usageCount).toBe(1);
    expect(await code(admin.secrets.deleteSecret({ name: "A_DB" }))).toBe(Code.FailedPrecondition);
  });

  it("lets the owning workload and an admin change it", async () => {
    expect(await code(teamA.resolver.setConsumerReferences({ consumerId: "svc/a", references: [] }))).toBe("OK");
    await teamA.resolver.setConsumerReferences({ consumerId: "svc/a", references: ["$<secret.A_DB>"] });
    expect(await code(admin.resolver.deleteConsumer({ consumerId: "svc/a" }))).toBe("OK");
    expect((await admin.secrets.getSecret({ name: "A_DB" })).secret?.usageCount).toBe(0);
  });
});
