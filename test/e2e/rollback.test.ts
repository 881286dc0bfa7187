/**
 * RollbackSecret: an earlier, retained value becomes current again as a new
 * version, seen at once by resolvers and watchers; what cannot be rolled
 * back is refused with the right status, and no response carries a value.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WatchEventType } from "../../gen/secrets/v1/resolver_service_pb.js";
import { Role, SecretType } from "../../gen/secrets/v1/types_pb.js";
import { connectClients, startTestService, type ConnectClients, type TestService } from "../support/service.js";

const tokenValue = (value: string) => ({ kind: { case: "token" as const, value } });
const FIRST = "rollback-first-Vq3";
const SECOND = "rollback-second-Wm8";

let svc: TestService;
let admin: ConnectClients;
let workload: ConnectClients;

beforeAll(async () => {
  // Two versions keep their ciphertext, so version 1 of a thrice-written secret is gone.
  svc = await startTestService({ args: ["--keep-versions", "2"] });
  admin = connectClients(svc.address, svc.adminToken);
  const { tokenSecret } = await admin.admin.createApiToken({ displayName: "w", role: Role.WORKLOAD, allowedSecretPatterns: ["RB_*"] });
  workload = connectClients(svc.address, tokenSecret);
});

afterAll(async () => {
  await svc?.cleanup();
});

async function codeOf(promise: Promise<unknown>): Promise<Code | "OK"> {
  return promise.then(
    () => "OK" as const,
    (error: unknown) => {
      expect(String(error)).not.toContain(FIRST);
      expect(String(error)).not.toContain(SECOND);
      return ConnectError.from(error).code;
    },
  );
}

describe("RollbackSecret", () => {
  it("makes an earlier value current as a new version, for resolvers and watchers", async () => {
    await admin.secrets.createSecret({ name: "RB_KEY", type: SecretType.TOKEN, value: tokenValue(FIRST) });
    await admin.secrets.updateSecretValue({ name: "RB_KEY", value: tokenValue(SECOND) });
    const abort = new AbortController();
    const events: WatchEventType[] = [];
    const watching = (async () => {
      for await (const event of workload.resolver.watchSecrets({ names: ["RB_KEY"] }, { signal: abort.signal })) {
        events.push(event.type);
        if (events.length === 2) return;
      }
    })();
    await expect.poll(() => events.length).toBe(1);

    const rolledBack = await admin.secrets.rollbackSecret({ name: "rb_key", version: 1n, expectedVersion: 2n });
    expect(rolledBack.secret?.version).toBe(3n);
    expect(JSON.stringify(rolledBack, (_k, v) => (typeof v === "bigint" ? String(v) : v))).not.toContain(FIRST);
    await watching;
    abort.abort();
    expect(events).toEqual([WatchEventType.SUBSCRIBED, WatchEventType.VALUE_UPDATED]);

    const resolved = await workload.resolver.resolveSecrets({ references: ["$<secret.RB_KEY>"] });
    expect(resolved.values[0]).toMatchObject({ value: FIRST, version: 3n });
    const versions = await admin.secrets.listSecretVersions({ name: "RB_KEY" });
    expect(versions.versions.map((v) => [v.version, v.valueRetained])).toEqual([
      [3n, true],
      [2n, true],
      [1n, false],
    ]);
    const audited = await admin.admin.listAuditEvents({ action: "secrets.v1.SecretsService/RollbackSecret" });
    expect(audited.events.map((e) => [e.statusCode, e.version])).toEqual([["OK", 3n]]);
  });

  it("refuses what cannot be rolled back", async () => {
    // Version 1 of RB_KEY has left the two-version history.
    expect(await codeOf(admin.secrets.rollbackSecret({ name: "RB_KEY", version: 1n }))).toBe(Code.FailedPrecondition);
    expect(await codeOf(admin.secrets.rollbackSecret({ name: "RB_KEY", version: 3n }))).toBe(Code.InvalidArgument);
    expect(await codeOf(admin.secrets.rollbackSecret({ name: "RB_KEY", version: 0n }))).toBe(Code.InvalidArgument);
    expect(await codeOf(admin.secrets.rollbackSecret({ name: "RB_KEY", version: 2n, expectedVersion: 2n }))).toBe(Code.Aborted);
    expect(await codeOf(admin.secrets.rollbackSecret({ name: "RB_MISSING", version: 1n }))).toBe(Code.NotFound);
    await admin.secrets.archiveSecret({ name: "RB_KEY" });
    expect(await codeOf(admin.secrets.rollbackSecret({ name: "RB_KEY", version: 2n }))).toBe(Code.FailedPrecondition);
    expect((await admin.secrets.getSecret({ name: "RB_KEY" })).secret?.version).toBe(3n);
  });
});
