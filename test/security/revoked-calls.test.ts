/**
 * Authenticated tokens are remembered between calls (issue 11); a revoked one
 * must still stop working: at once on the replica that revoked it, including
 * when its last call was answered from memory, and within --token-recheck-ms
 * on a replica sharing the store.
 */
import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Role } from "../../gen/secrets/v1/types_pb.js";
import { connectClients, startTestService, type ConnectClients, type TestService } from "../support/service.js";
import { createTokenSecret, mint } from "./support.js";
import { statusOf } from "../support/call-status.js";

let svc: TestService;
let admin: ConnectClients;

beforeAll(async () => {
  svc = await startTestService({ args: ["--token-recheck-ms", "200", "--read-rate-limit", "0", "--resolve-rate-limit", "0"] });
  admin = connectClients(svc.address, svc.adminToken);
  await createTokenSecret(admin, "GUARDED", "v1");
});
afterAll(async () => {
  await svc?.cleanup();
});

describe("a revoked token", () => {
  it("is refused on the very next call, though its earlier calls were answered from memory", async () => {
    const workload = await mint(svc, admin, Role.WORKLOAD, ["*"]);
    for (let i = 0; i < 3; i++) await workload.clients.resolver.resolveSecrets({ references: ["$<secret.GUARDED>"] });
    await admin.admin.revokeApiToken({ tokenId: workload.id });
    expect(await statusOf(workload.clients.resolver.resolveSecrets({ references: ["$<secret.GUARDED>"] }))).toBe(Code.Unauthenticated);
    expect(await statusOf(workload.clients.secrets.getSecret({ name: "GUARDED" }))).toBe(Code.Unauthenticated);
  });

  it("is refused by a replica sharing the store, within the recheck interval", async () => {
    const replica = await startTestService({ dataDir: svc.dataDir, args: ["--token-recheck-ms", "200", "--read-rate-limit", "0"] });
    try {
      const viewer = await mint(svc, admin, Role.VIEWER);
      const onReplica = connectClients(replica.address, viewer.secret);
      expect(await statusOf(onReplica.secrets.getSecret({ name: "GUARDED" }))).toBe("OK");
      await admin.admin.revokeApiToken({ tokenId: viewer.id });
      // Polls (no fixed sleep): the replica must refuse it once its memory of the token is 200 ms old.
      await expect
        .poll(() => statusOf(onReplica.secrets.getSecret({ name: "GUARDED" })), { timeout: 30_000, interval: 50 })
        .toBe(Code.Unauthenticated);
    } finally {
      await replica.stop();
    }
  });
});
