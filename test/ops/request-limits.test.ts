/**
 * Request limits over real gRPC, each configured by its flag: per-token rate
 * limits on ResolveSecrets and on writes (RESOURCE_EXHAUSTED saying when to
 * retry, other tokens unaffected), the message size limit (RESOURCE_EXHAUSTED,
 * the service keeps serving) and the call timeout (DEADLINE_EXCEEDED).
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { ErrorInfoSchema } from "../../gen/google/rpc/error_details_pb.js";
import { Role, SecretType } from "../../gen/secrets/v1/types_pb.js";
import { connectClients, startTestService, type ConnectClients, type TestService } from "../support/service.js";
import { holdStoreOperation } from "./held-store.js";

const tokenValue = (value: string) => ({ kind: { case: "token" as const, value } });

/** Runs the calls at once; returns each one's outcome: "OK" or its ConnectError. */
async function outcomes(calls: Promise<unknown>[]): Promise<("OK" | ConnectError)[]> {
  return Promise.all(
    calls.map((call) =>
      call.then(
        () => "OK" as const,
        (error: unknown) => ConnectError.from(error),
      ),
    ),
  );
}

/** Of 8 calls at once, the burst of 4 passes (a 5th if the bucket refilled meanwhile), the rest are refused. */
function expectBurstCut(burst: ("OK" | ConnectError)[]): void {
  const passed = burst.filter((o) => o === "OK").length;
  expect(passed).toBeGreaterThanOrEqual(4);
  expect(passed).toBeLessThanOrEqual(5);
}

function expectRateLimited(outcome: "OK" | ConnectError, perSecond: number, kind: string): void {
  expect(outcome).toBeInstanceOf(ConnectError);
  const error = outcome as ConnectError;
  expect(error.code).toBe(Code.ResourceExhausted);
  expect(error.rawMessage).toMatch(new RegExp(`rate limit of ${perSecond} ${kind} calls per second .*retry in \\d+ ms`));
  const [info] = error.findDetails(ErrorInfoSchema);
  expect(info?.reason).toBe("RATE_LIMITED");
  expect(Number(info?.metadata.retry_after_ms)).toBeGreaterThan(0);
}

/** A service with the given flags, and a way to make tokens on it with the bootstrap admin token. */
function serviceWith(args: string[]) {
  const state = {} as { svc: TestService; newToken(role: Role): Promise<ConnectClients> };
  beforeAll(async () => {
    state.svc = await startTestService({ args });
  });
  afterAll(async () => {
    await state.svc?.cleanup();
  });
  state.newToken = async (role) => {
    const admin = connectClients(state.svc.address, state.svc.adminToken);
    const token = await admin.admin.createApiToken({
      displayName: `limits-${role}`,
      role,
      allowedSecretPatterns: role === Role.WORKLOAD ? ["LIMITS_*"] : [],
    });
    return connectClients(state.svc.address, token.tokenSecret);
  };
  return state;
}

// Each rate limit is tested at 2 per second, which allows a burst of 4.
describe("resolve rate limit", () => {
  const service = serviceWith(["--resolve-rate-limit", "2"]);

  it("limits ResolveSecrets per token, leaving other tokens alone", async () => {
    const admin = connectClients(service.svc.address, service.svc.adminToken);
    await admin.secrets.createSecret({ name: "LIMITS_RESOLVED", type: SecretType.TOKEN, value: tokenValue("limits-value") });
    const [busy, quiet] = [await service.newToken(Role.WORKLOAD), await service.newToken(Role.WORKLOAD)];
    const resolve = (client: ConnectClients) => client.resolver.resolveSecrets({ references: ["$<secret.LIMITS_RESOLVED>"] });

    const burst = await outcomes(Array.from({ length: 8 }, () => resolve(busy)));
    expectBurstCut(burst);
    const limited = burst.filter((o) => o !== "OK");
    for (const outcome of limited) expectRateLimited(outcome, 2, "resolve");

    expect((await resolve(quiet)).values[0]?.value).toBe("limits-value");
  });
});

describe("write rate limit", () => {
  const service = serviceWith(["--write-rate-limit", "2"]);

  it("limits writes per token, leaving other tokens alone", async () => {
    const [busy, quiet] = [await service.newToken(Role.ADMIN), await service.newToken(Role.ADMIN)];
    const create = (client: ConnectClients, name: string) =>
      client.secrets.createSecret({ name, type: SecretType.TOKEN, value: tokenValue("limits-write") });

    const burst = await outcomes(Array.from({ length: 8 }, (_, i) => create(busy, `LIMITS_BURST_${i}`)));
    expectBurstCut(burst);
    const limited = burst.filter((o) => o !== "OK");
    for (const outcome of limited) expectRateLimited(outcome, 2, "write");

    expect((await create(quiet, "LIMITS_QUIET")).secret?.name).toBe("LIMITS_QUIET");
    // Reads are not limited, even for the token that is.
    expect((await busy.secrets.listSecrets({})).secrets.length).toBeGreaterThan(0);
  });
});

describe("message size limit", () => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await startTestService({ args: ["--max-message-bytes", "1024"] });
  });
  afterAll(async () => {
    await svc?.cleanup();
  });

  it("refuses a larger request with RESOURCE_EXHAUSTED and keeps serving", async () => {
    const admin = connectClients(svc.address, svc.adminToken);
    const bigValue = `big-${"x".repeat(2000)}`;
    const refused = await admin.secrets
      .createSecret({ name: "LIMITS_BIG", type: SecretType.TOKEN, value: tokenValue(bigValue) })
      .catch((error: unknown) => ConnectError.from(error));
    expect(refused).toBeInstanceOf(ConnectError);
    expect((refused as ConnectError).code).toBe(Code.ResourceExhausted);
    expect((refused as ConnectError).message).not.toContain("xxxxxxxx");

    const small = await admin.secrets.createSecret({ name: "LIMITS_SMALL", type: SecretType.TOKEN, value: tokenValue("small") });
    expect(small.secret?.name).toBe("LIMITS_SMALL");
    await expect(admin.secrets.getSecret({ name: "LIMITS_BIG" })).rejects.toMatchObject({ code: Code.NotFound });
  });
});

describe("call timeout", () => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await startTestService({ args: ["--call-timeout-ms", "300"] });
  });
  afterAll(async () => {
    await svc?.cleanup();
  });

  it("ends a unary call running past the limit with DEADLINE_EXCEEDED", async () => {
    const admin = connectClients(svc.address, svc.adminToken);
    const held = holdStoreOperation(svc.service.store, "createSecret");
    const began = performance.now();
    const outcome = await admin.secrets
      .createSecret({ name: "LIMITS_SLOW", type: SecretType.TOKEN, value: tokenValue("slow") })
      .catch((error: unknown) => ConnectError.from(error));
    const elapsed = performance.now() - began;
    held.release();
    expect(outcome).toBeInstanceOf(ConnectError);
    expect((outcome as ConnectError).code).toBe(Code.DeadlineExceeded);
    expect((outcome as ConnectError).rawMessage).toMatch(/longer than the service's limit of 300 ms/);
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(5000);

    // Calls that are quick enough are unaffected.
    expect((await admin.secrets.listSecrets({})).secrets).toBeDefined();
  });

  // The timeout answers the client, but the handler runs on: the audit must record what it really did.
  it("leaves the store and the audit trail agreeing about a write the timeout cut short", async () => {
    const admin = connectClients(svc.address, svc.adminToken);
    const held = holdStoreOperation(svc.service.store, "createSecret");
    const outcome = admin.secrets.createSecret({ name: "LIMITS_CUT_SHORT", type: SecretType.TOKEN, value: tokenValue("cut") });
    await expect(outcome).rejects.toMatchObject({ code: Code.DeadlineExceeded });
    held.release();
    // The handler runs on after the timeout; its late audit record is the event that says it is done.
    const audited = await vi.waitFor(
      async () => {
        const { events } = await admin.admin.listAuditEvents({ pageSize: 100 });
        const codes = events
          .filter((e) => e.action.endsWith("/CreateSecret") && e.resources.includes("LIMITS_CUT_SHORT"))
          .map((e) => e.statusCode);
        expect(codes).not.toEqual([]);
        return codes;
      },
      { timeout: 15_000, interval: 50 },
    );
    const exists = await admin.secrets.getSecret({ name: "LIMITS_CUT_SHORT" }).then(
      () => true,
      () => false,
    );
    expect({ exists, audited }).toEqual(
      exists ? { exists, audited: expect.arrayContaining(["OK"]) } : { exists, audited: ["DEADLINE_EXCEEDED"] },
    );
  });
});
