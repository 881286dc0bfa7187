/**
 * Last access is kept to the minute: the first resolve records it, later
 * resolves within the minute do not rewrite it, and every resolve is still
 * audited.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Role, SecretType } from "../../gen/secrets/v1/types_pb.js";
import { connectClients, startTestService, type ConnectClients, type TestService } from "../support/service.js";

let svc: TestService;
let admin: ConnectClients;
let workload: ConnectClients;

beforeAll(async () => {
  svc = await startTestService();
  admin = connectClients(svc.address, svc.adminToken);
  await admin.secrets.createSecret({ name: "ACCESSED", type: SecretType.TOKEN, value: { kind: { case: "token", value: "v" } } });
  const { tokenSecret } = await admin.admin.createApiToken({ displayName: "w", role: Role.WORKLOAD, allowedSecretPatterns: ["ACCESSED"] });
  workload = connectClients(svc.address, tokenSecret);
});

afterAll(async () => {
  await svc?.cleanup();
});

describe("last access time", () => {
  it("is set by the first resolve and kept to the minute by later ones, each audited", async () => {
    expect((await admin.secrets.getSecret({ name: "ACCESSED" })).secret?.lastAccessTime).toBeUndefined();
    await workload.resolver.resolveSecrets({ references: ["$<secret.ACCESSED>"] });
    // Written beside the resolve, not inside it: the resolve answers first.
    const lastAccess = async () => (await admin.secrets.getSecret({ name: "ACCESSED" })).secret?.lastAccessTime;
    await expect.poll(lastAccess, { timeout: 10_000 }).toBeDefined();
    const first = await lastAccess();
    await new Promise((resolve) => setTimeout(resolve, 20));
    await workload.resolver.resolveSecrets({ references: ["$<secret.ACCESSED>"] });
    expect((await admin.secrets.getSecret({ name: "ACCESSED" })).secret?.lastAccessTime).toEqual(first);
    const audited = await admin.admin.listAuditEvents({ action: "secrets.v1.ResolverService/ResolveSecrets" });
    expect(audited.events).toHaveLength(2);
  });
});
