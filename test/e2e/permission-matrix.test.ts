/**
 * The permission matrix, over real gRPC on loopback: every RPC of the three
 * services × every kind of caller, each cell with its expected status, written
 * down once as a table. Each cell gets fresh fixtures (a secret, a consumer, a
 * token to revoke), so a successful write in one cell cannot change another's
 * answer. Also: every denial is audited as DENIED, a denial reads the same for
 * a secret that exists and one that does not, bad tokens all read the same,
 * and another tenant's admin never sees the first tenant's data.
 */
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuditOutcome, Role, SecretState, SecretType } from "../../gen/secrets/v1/types_pb.js";
import { describeError, rejectionOf, statusOf, type CallStatus } from "../support/call-status.js";
import { connectClients, startTestService, type ConnectClients, type TestService } from "../support/service.js";
import {
  CALLERS,
  EXPECTED,
  NF,
  PD,
  UA,
  RPCS,
  firstMessage,
  tokenValue,
  type CallerKind,
  type Fixture,
  type RpcName,
} from "./permission-matrix-table.js";

interface CallerInfo {
  clients: ConnectClients;
  /** Token id, for the audit filter; undefined for callers that cannot authenticate. */
  tokenId?: string;
  /** Clients of an admin of the caller's tenant, to read its audit trail. */
  auditReader?: ConnectClients;
}

let svc: TestService;
let bootstrap: ConnectClients;
let callers: Record<CallerKind, CallerInfo>;
let fixtureCount = 0;

async function mintToken(role: Role, patterns: string[] = [], expireTime?: Date) {
  const created = await bootstrap.admin.createApiToken({
    displayName: `matrix ${Role[role]}`,
    role,
    allowedSecretPatterns: patterns,
    ...(expireTime && { expireTime: timestampFromDate(expireTime) }),
  });
  return { id: created.apiToken!.id, secret: created.tokenSecret };
}

beforeAll(async () => {
  // Rate limits off: the bootstrap admin makes hundreds of set-up writes, and the matrix makes
  // hundreds of calls with no, bad or revoked tokens from one address within seconds.
  svc = await startTestService({
    args: ["--write-rate-limit", "0", "--resolve-rate-limit", "0", "--read-rate-limit", "0", "--auth-failures-per-peer", "0"],
  });
  bootstrap = connectClients(svc.address, svc.adminToken);
  const bootstrapTokenId = (await bootstrap.admin.listApiTokens({})).apiTokens.find((t) => t.role === Role.PLATFORM_ADMIN)!.id;

  const expiresSoon = new Date(Date.now() + 1500);
  const expired = await mintToken(Role.ADMIN, [], expiresSoon);
  const tenantAdmin = await mintToken(Role.ADMIN);
  const viewer = await mintToken(Role.VIEWER);
  const workload = await mintToken(Role.WORKLOAD, ["GRANTED_*"]);
  const ungranted = await mintToken(Role.WORKLOAD, ["ELSEWHERE_*"]);
  const revoked = await mintToken(Role.ADMIN);
  await bootstrap.admin.revokeApiToken({ tokenId: revoked.id });
  const other = await bootstrap.admin.createTenant({ tenantId: "other-tenant", displayName: "Other" });
  const otherClients = connectClients(svc.address, other.adminTokenSecret);

  const client = (secret?: string) => connectClients(svc.address, secret);
  callers = {
    platformAdmin: { clients: bootstrap, tokenId: bootstrapTokenId, auditReader: bootstrap },
    tenantAdmin: { clients: client(tenantAdmin.secret), tokenId: tenantAdmin.id, auditReader: bootstrap },
    viewer: { clients: client(viewer.secret), tokenId: viewer.id, auditReader: bootstrap },
    workload: { clients: client(workload.secret), tokenId: workload.id, auditReader: bootstrap },
    ungrantedWorkload: { clients: client(ungranted.secret), tokenId: ungranted.id, auditReader: bootstrap },
    noToken: { clients: client(undefined) },
    garbageToken: { clients: client("sst_not-a-token-this-service-ever-issued") },
    revokedToken: { clients: client(revoked.secret) },
    expiredToken: { clients: client(expired.secret) },
    otherTenantAdmin: { clients: otherClients, tokenId: other.adminToken!.id, auditReader: otherClients },
  };
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, expiresSoon.getTime() - Date.now() + 100)));
}, 30_000);

afterAll(async () => {
  await svc?.cleanup();
});

/** Fresh fixtures for one call, made by the bootstrap admin in the first tenant. */
async function prepareFixture(rpc: RpcName): Promise<Fixture> {
  const n = ++fixtureCount;
  const fixture: Fixture = {
    secretName: `GRANTED_${rpc}_${n}`,
    consumerId: `service/matrix-${n}`,
    tokenId: "tok_none",
    tenantId: `matrix-tenant-${n}`,
  };
  await bootstrap.secrets.createSecret({ name: fixture.secretName, type: SecretType.TOKEN, value: tokenValue(`matrix-${n}`) });
  return { ...fixture, ...(await RPCS[rpc].prepare?.(bootstrap, fixture)) };
}

function methodOf(rpc: RpcName): string {
  return `secrets.v1.${RPCS[rpc].service}/${rpc}`;
}

async function deniedEventCount(caller: CallerKind, rpc: RpcName): Promise<number> {
  const { tokenId, auditReader } = callers[caller];
  const page = await auditReader!.admin.listAuditEvents({
    actorTokenId: tokenId!,
    action: methodOf(rpc),
    outcome: AuditOutcome.DENIED,
    pageSize: 1000,
  });
  for (const event of page.events) expect(event.statusCode).toBe("PERMISSION_DENIED");
  return page.events.length;
}

const CELLS = (Object.keys(EXPECTED) as RpcName[]).flatMap((rpc) =>
  CALLERS.map((caller, column) => ({ rpc, caller, expected: EXPECTED[rpc][column]! })),
);

const label = (status: CallStatus) => (status === "OK" ? "OK" : Code[status]);

describe("permission matrix", () => {
  it("covers every RPC of the three services", async () => {
    const { SecretsService } = await import("../../gen/secrets/v1/secrets_service_pb.js");
    const { ResolverService } = await import("../../gen/secrets/v1/resolver_service_pb.js");
    const { AdminService } = await import("../../gen/secrets/v1/admin_service_pb.js");
    const declared = [SecretsService, ResolverService, AdminService].flatMap((s) => s.methods.map((m) => `${s.typeName}/${m.name}`));
    expect((Object.keys(RPCS) as RpcName[]).map(methodOf).sort()).toEqual(declared.sort());
  });

  it.each(CELLS.map((cell) => ({ ...cell, outcome: label(cell.expected) })))(
    "$rpc by $caller → $outcome",
    async ({ rpc, caller, expected }) => {
      const fixture = await prepareFixture(rpc);
      const target = RPCS[rpc].createsSecret ? `${fixture.secretName}_new` : fixture.secretName;
      const deniedBefore = expected === PD ? await deniedEventCount(caller, rpc) : 0;

      expect(label(await statusOf(RPCS[rpc].call(callers[caller].clients, fixture, target)))).toBe(label(expected));

      // Every denial leaves exactly one DENIED audit event by that token for that method.
      if (expected === PD) expect(await deniedEventCount(caller, rpc)).toBe(deniedBefore + 1);
    },
  );
});

describe("denials reveal nothing", () => {
  const denialsNamingSecrets = CELLS.filter((cell) => cell.expected === PD && RPCS[cell.rpc].namesSecret);

  it.each(denialsNamingSecrets)("$rpc by $caller: the same answer for an existing and a missing secret", async ({ rpc, caller }) => {
    const fixture = await prepareFixture(rpc);
    const missing = `${fixture.secretName}_absent`;
    const { clients } = callers[caller];
    const forExisting = await rejectionOf(RPCS[rpc].call(clients, fixture, fixture.secretName));
    const forMissing = await rejectionOf(RPCS[rpc].call(clients, fixture, missing));
    // The request's own name may be echoed back; with it masked, nothing may differ.
    expect(describeError(forMissing).replaceAll(missing, "<NAME>")).toBe(
      describeError(forExisting).replaceAll(fixture.secretName, "<NAME>"),
    );
    expect(forExisting.code).toBe(PD);
  });
});

describe("tokens that do not authenticate", () => {
  it("get one and the same answer, whether missing, unknown, revoked or expired", async () => {
    const answers = await Promise.all(
      (["garbageToken", "revokedToken", "expiredToken"] as const).map(async (caller) =>
        describeError(await rejectionOf(callers[caller].clients.secrets.getSecret({ name: "GRANTED_anything" }))),
      ),
    );
    expect(new Set(answers).size).toBe(1);
    expect(JSON.parse(answers[0]!).code).toBe("Unauthenticated");
    const missing = await rejectionOf(callers.noToken.clients.secrets.getSecret({ name: "GRANTED_anything" }));
    expect(missing.code).toBe(UA);
  });
});

describe("another tenant's admin", () => {
  it("sees only its own tenant: no secret, consumer, token or audit event of the first", async () => {
    const fixture = await prepareFixture("GetSecret");
    const name = fixture.secretName;
    await bootstrap.resolver.setConsumerReferences({ consumerId: fixture.consumerId, references: [`$<secret.${name}>`] });
    const firstTenantToken = await mintToken(Role.VIEWER);

    const created = await bootstrap.admin.createTenant({ tenantId: "isolated-tenant" });
    const isolated = connectClients(svc.address, created.adminTokenSecret);
    const isolatedWorkload = connectClients(
      svc.address,
      (await isolated.admin.createApiToken({ role: Role.WORKLOAD, allowedSecretPatterns: ["*"] })).tokenSecret,
    );

    expect((await isolated.secrets.listSecrets({ includeArchived: true })).secrets).toEqual([]);
    for (const read of [
      () => isolated.secrets.getSecret({ name }),
      () => isolated.secrets.listSecretVersions({ name }),
      () => isolated.secrets.listSecretConsumers({ name }),
      () => isolatedWorkload.resolver.resolveSecrets({ references: [`$<secret.${name}>`] }),
      () => isolatedWorkload.resolver.setConsumerReferences({ consumerId: "isolated/app", references: [`$<secret.${name}>`] }),
      () => isolated.admin.revokeApiToken({ tokenId: firstTenantToken.id }),
    ])
      expect(label(await statusOf(read()))).toBe(label(NF));

    const snapshot = (await firstMessage(isolated.resolver.watchSecrets({ names: [name] }))) as {
      snapshot: { version: bigint; state: SecretState }[];
    };
    expect(snapshot.snapshot).toEqual([expect.objectContaining({ version: 0n, state: SecretState.UNSPECIFIED })]);

    const tokens = (await isolated.admin.listApiTokens({ includeInactive: true })).apiTokens;
    expect(tokens.map((t) => t.tenantId)).toEqual(tokens.map(() => "isolated-tenant"));
    const ownTokenIds = new Set(tokens.map((t) => t.id));
    const events = (await isolated.admin.listAuditEvents({ pageSize: 1000 })).events;
    expect(events.length).toBeGreaterThan(0);
    // Its trail holds only its own tokens' calls (their resources are what it asked for, nothing more).
    for (const event of events) expect(ownTokenIds).toContain(event.actorTokenId);

    // Forgetting a consumer id the first tenant uses, or creating a secret of the same name, touches only its own tenant.
    await isolated.resolver.deleteConsumer({ consumerId: fixture.consumerId });
    expect((await bootstrap.secrets.listSecretConsumers({ name })).consumers.map((c) => c.id)).toEqual([fixture.consumerId]);
    const own = await isolated.secrets.createSecret({ name, type: SecretType.TOKEN, value: tokenValue("isolated-value") });
    expect(own.secret).toMatchObject({ name, version: 1n, usageCount: 0 });
    expect((await bootstrap.secrets.getSecret({ name })).secret).toMatchObject({ version: 1n, usageCount: 1 });
    // The first tenant's token still works: the revoke above did not reach it.
    expect(await statusOf(connectClients(svc.address, firstTenantToken.secret).secrets.getSecret({ name }))).toBe("OK");
  });
});
