/**
 * Secrets and ciphertexts are read from memory while the change feed reports
 * no change (issue 11). Every change made through the service is seen by the
 * very next call, whatever it changed, and a remembered ciphertext that a key
 * rotation rewrapped and whose key it retired is read again, not refused.
 */
import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Role, SecretType } from "../../gen/secrets/v1/types_pb.js";
import { connectClients, startTestService, type ConnectClients, type TestService } from "../support/service.js";
import { statusOf } from "../support/call-status.js";

let svc: TestService;
let admin: ConnectClients;
let workload: ConnectClients;

const token = (value: string) => ({ kind: { case: "token" as const, value } });
const resolveOne = async (name: string) => (await workload.resolver.resolveSecrets({ references: [`$<secret.${name}>`] })).values[0]!;

beforeAll(async () => {
  svc = await startTestService({ args: ["--read-rate-limit", "0", "--resolve-rate-limit", "0", "--write-rate-limit", "0"] });
  admin = connectClients(svc.address, svc.adminToken);
  const created = await admin.admin.createApiToken({ displayName: "w", role: Role.WORKLOAD, allowedSecretPatterns: ["*"] });
  workload = connectClients(svc.address, created.tokenSecret);
});
afterAll(async () => {
  await svc?.cleanup();
});

describe("reads from memory", () => {
  it("see each change on the next call: value, rollback, metadata, archive, restore, delete", async () => {
    await admin.secrets.createSecret({ name: "CACHED", type: SecretType.TOKEN, value: token("one") });
    expect((await resolveOne("CACHED")).value).toBe("one");
    expect((await admin.secrets.getSecret({ name: "CACHED" })).secret?.displayName).toBe("");

    await admin.secrets.updateSecretValue({ name: "CACHED", value: token("two") });
    expect(await resolveOne("CACHED")).toMatchObject({ value: "two", version: 2n });
    await admin.secrets.rollbackSecret({ name: "CACHED", version: 1n });
    expect(await resolveOne("CACHED")).toMatchObject({ value: "one", version: 3n });
    await admin.secrets.updateSecretValue({ name: "CACHED", value: token("two") });

    await admin.secrets.updateSecretMetadata({ name: "CACHED", displayName: "Cached one", updateMask: { paths: ["display_name"] } });
    expect((await admin.secrets.getSecret({ name: "CACHED" })).secret?.displayName).toBe("Cached one");

    await admin.secrets.archiveSecret({ name: "CACHED" });
    expect(await statusOf(resolveOne("CACHED"))).toBe(Code.FailedPrecondition);
    await admin.secrets.restoreSecret({ name: "CACHED" });
    expect((await resolveOne("CACHED")).value).toBe("two");

    await admin.secrets.deleteSecret({ name: "CACHED" });
    expect(await statusOf(resolveOne("CACHED"))).toBe(Code.NotFound);
    expect(await statusOf(admin.secrets.getSecret({ name: "CACHED" }))).toBe(Code.NotFound);
  });

  it("read a ciphertext again when a key rotation rewrapped it and retired its key", async () => {
    await admin.secrets.createSecret({ name: "ROTATED", type: SecretType.TOKEN, value: token("kept") });
    // Twice: the first resolve records the access time, which changes the secret; the second is remembered.
    expect((await resolveOne("ROTATED")).value).toBe("kept");
    expect((await resolveOne("ROTATED")).value).toBe("kept");
    for await (const progress of admin.admin.rotateTenantKey({}))
      if (progress.done) expect(progress.minDecryptionVersion).toBeGreaterThan(1);
    expect((await resolveOne("ROTATED")).value).toBe("kept");
  });
});
