/**
 * Finding 3: a WatchSecrets stream outlived its token: after revocation and
 * after expiry it went on delivering events. Now it ends with
 * UNAUTHENTICATED: at once on revocation through this replica, at expiry,
 * and within --token-recheck-ms on revocation through another replica.
 */
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Role } from "../../gen/secrets/v1/types_pb.js";
import { connectClients, startTestService, type ConnectClients, type TestService } from "../support/service.js";
import { createTokenSecret, mint } from "./support.js";

let svc: TestService;
let admin: ConnectClients;

beforeAll(async () => {
  svc = await startTestService({ args: ["--token-recheck-ms", "200"] });
  admin = connectClients(svc.address, svc.adminToken);
  await createTokenSecret(admin, "WATCHED", "v1");
});
afterAll(async () => {
  await svc?.cleanup();
});

/** Opens a watch, waits for its snapshot, and returns a promise of how the stream ends. */
async function watchUntilEnd(clients: ConnectClients) {
  const abort = new AbortController();
  const stream = clients.resolver.watchSecrets({ names: ["WATCHED"] }, { signal: abort.signal })[Symbol.asyncIterator]();
  await stream.next();
  const ended = (async () => {
    try {
      while (!(await stream.next()).done);
      return "ended without error";
    } catch (error) {
      return error instanceof ConnectError ? error.code : error;
    }
  })();
  return { ended, close: () => abort.abort() };
}

describe("a WatchSecrets stream", () => {
  it("ends with UNAUTHENTICATED when its token is revoked", async () => {
    const viewer = await mint(svc, admin, Role.VIEWER);
    const watch = await watchUntilEnd(viewer.clients);
    await admin.admin.revokeApiToken({ tokenId: viewer.id });
    expect(await watch.ended).toBe(Code.Unauthenticated);
  });

  it("ends with UNAUTHENTICATED when its token expires", async () => {
    const created = await admin.admin.createApiToken({
      role: Role.VIEWER,
      expireTime: timestampFromDate(new Date(Date.now() + 3_000)),
    });
    const watch = await watchUntilEnd(connectClients(svc.address, created.tokenSecret));
    expect(await watch.ended).toBe(Code.Unauthenticated);
  });

  it("ends when its token is revoked through another replica sharing the store", async () => {
    const replica = await startTestService({ dataDir: svc.dataDir, args: ["--token-recheck-ms", "200"] });
    try {
      const viewer = await mint(svc, admin, Role.VIEWER);
      const watch = await watchUntilEnd(connectClients(replica.address, viewer.secret));
      await admin.admin.revokeApiToken({ tokenId: viewer.id });
      expect(await watch.ended).toBe(Code.Unauthenticated);
    } finally {
      await replica.stop();
    }
  });
});
