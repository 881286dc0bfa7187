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

const CALLERS = [
  "platformAdmin",
  "tenantAdmin",
  "viewer",
  "workload",
  "ungrantedWorkload",
  "noToken",
  "garbageToken",
  "revokedToken",
  "expiredToken",
  "otherTenantAdmin",
] as const;
type CallerKind = (typeof CALLERS)[number];

type RpcName =
  | "CreateSecret"
  | "GetSecret"
  | "ListSecrets"
  | "UpdateSecretValue"
  | "UpdateSecretMetadata"
  | "ListSecretVersions"
  | "RollbackSecret"
  | "ArchiveSecret"
  | "RestoreSecret"
  | "DeleteSecret"
  | "ListSecretConsumers"
  | "SetConsumerReferences"
  | "DeleteConsumer"
  | "ReassignConsumer"
  | "ResolveSecrets"
  | "WatchSecrets"
  | "CreateTenant"
  | "ListTenants"
  | "CreateApiToken"
  | "ListApiTokens"
  | "RevokeApiToken"
  | "ListAuditEvents"
  | "RotateTenantKey"
  | "WatchSecretChanges"
  | "GetCaller";

const OK = "OK";
const PD = Code.PermissionDenied;
const UA = Code.Unauthenticated;
const NF = Code.NotFound;

/**
 * The expected status of every cell, in the column order of CALLERS. The
 * workload's token grants `GRANTED_*` (every fixture secret); the ungranted
 * workload's grants `ELSEWHERE_*`. The other tenant's admin acts in its own
 * tenant, where the first tenant's secrets do not exist.
 */
// prettier-ignore
const EXPECTED: Record<RpcName, readonly CallStatus[]> = {
  //                       platform tenant viewer workload ungranted none garbage revoked expired other
  CreateSecret:          [OK,      OK,    PD,    PD,      PD,       UA,  UA,     UA,     UA,     OK],
  GetSecret:             [OK,      OK,    OK,    PD,      PD,       UA,  UA,     UA,     UA,     NF],
  ListSecrets:           [OK,      OK,    OK,    PD,      PD,       UA,  UA,     UA,     UA,     OK],
  UpdateSecretValue:     [OK,      OK,    PD,    PD,      PD,       UA,  UA,     UA,     UA,     NF],
  UpdateSecretMetadata:  [OK,      OK,    PD,    PD,      PD,       UA,  UA,     UA,     UA,     NF],
  ListSecretVersions:    [OK,      OK,    OK,    PD,      PD,       UA,  UA,     UA,     UA,     NF],
  RollbackSecret:        [OK,      OK,    PD,    PD,      PD,       UA,  UA,     UA,     UA,     NF],
  ArchiveSecret:         [OK,      OK,    PD,    PD,      PD,       UA,  UA,     UA,     UA,     NF],
  RestoreSecret:         [OK,      OK,    PD,    PD,      PD,       UA,  UA,     UA,     UA,     NF],
  DeleteSecret:          [OK,      OK,    PD,    PD,      PD,       UA,  UA,     UA,     UA,     NF],
  ListSecretConsumers:   [OK,      OK,    OK,    PD,      PD,       UA,  UA,     UA,     UA,     NF],
  SetConsumerReferences: [OK,      OK,    PD,    OK,      PD,       UA,  UA,     UA,     UA,     NF],
  // A consumer belongs to the token that made it (here the admin's): another workload may not delete it.
  DeleteConsumer:        [OK,      OK,    PD,    PD,      PD,       UA,  UA,     UA,     UA,     OK],
  // Giving a consumer to another token is an admin's way out of a squatted id.
  ReassignConsumer:      [OK,      OK,    PD,    PD,      PD,       UA,  UA,     UA,     UA,     NF],
  // Values are for workloads only, never for people.
  ResolveSecrets:        [PD,      PD,    PD,    OK,      PD,       UA,  UA,     UA,     UA,     PD],
  // The other tenant's admin gets its own (empty) view: a snapshot of a secret that does not exist there.
  WatchSecrets:          [OK,      OK,    OK,    OK,      PD,       UA,  UA,     UA,     UA,     OK],
  CreateTenant:          [OK,      PD,    PD,    PD,      PD,       UA,  UA,     UA,     UA,     PD],
  // Every tenant's id: the platform admin's alone.
  ListTenants:           [OK,      PD,    PD,    PD,      PD,       UA,  UA,     UA,     UA,     PD],
  CreateApiToken:        [OK,      OK,    PD,    PD,      PD,       UA,  UA,     UA,     UA,     OK],
  ListApiTokens:         [OK,      OK,    PD,    PD,      PD,       UA,  UA,     UA,     UA,     OK],
  RevokeApiToken:        [OK,      OK,    PD,    PD,      PD,       UA,  UA,     UA,     UA,     NF],
  ListAuditEvents:       [OK,      OK,    PD,    PD,      PD,       UA,  UA,     UA,     UA,     OK],
  RotateTenantKey:       [OK,      OK,    PD,    PD,      PD,       UA,  UA,     UA,     UA,     OK],
  // The console's live list: metadata of the caller's own tenant, for people.
  WatchSecretChanges:    [OK,      OK,    OK,    PD,      PD,       UA,  UA,     UA,     UA,     OK],
  // Any valid token may ask who it is.
  GetCaller:             [OK,      OK,    OK,    OK,      OK,       UA,  UA,     UA,     UA,     OK],
};

/** What a cell's call acts on, all in the first tenant, made fresh for the cell. */
interface Fixture {
  /** An existing TOKEN secret (archived for RestoreSecret). */
  secretName: string;
  /** A consumer id (already referencing the secret for DeleteConsumer). */
  consumerId: string;
  /** A token of the first tenant (for RevokeApiToken, and the new owner for ReassignConsumer). */
  tokenId: string;
  /** An unused tenant id. */
  tenantId: string;
}

interface RpcSpec {
  service: "SecretsService" | "ResolverService" | "AdminService";
  /** Whether the request names a secret (so a denial could reveal whether it exists). */
  namesSecret: boolean;
  /** Creates a fresh secret rather than acting on the fixture's. */
  createsSecret?: boolean;
  /** Extra set-up beyond the fixture secret, done by the bootstrap admin. */
  prepare?: (admin: ConnectClients, fixture: Fixture) => Promise<Partial<Fixture>>;
  /** Makes the call; `name` is the secret the request names. */
  call: (clients: ConnectClients, fixture: Fixture, name: string) => Promise<unknown>;
}

const tokenValue = (text: string) => ({ kind: { case: "token" as const, value: text } });

/** The first message of a server stream; leaving the loop cancels the stream. */
async function firstMessage(stream: AsyncIterable<unknown>): Promise<unknown> {
  for await (const message of stream) return message;
  throw new Error("the stream ended without a message");
}

async function drain(stream: AsyncIterable<unknown>): Promise<void> {
  for await (const _ of stream);
}

const RPCS: Record<RpcName, RpcSpec> = {
  CreateSecret: {
    service: "SecretsService",
    namesSecret: true,
    createsSecret: true,
    call: (c, _f, name) => c.secrets.createSecret({ name, type: SecretType.TOKEN, value: tokenValue("matrix-created") }),
  },
  GetSecret: { service: "SecretsService", namesSecret: true, call: (c, _f, name) => c.secrets.getSecret({ name }) },
  ListSecrets: { service: "SecretsService", namesSecret: false, call: (c) => c.secrets.listSecrets({}) },
  UpdateSecretValue: {
    service: "SecretsService",
    namesSecret: true,
    call: (c, _f, name) => c.secrets.updateSecretValue({ name, value: tokenValue("matrix-updated") }),
  },
  UpdateSecretMetadata: {
    service: "SecretsService",
    namesSecret: true,
    call: (c, _f, name) =>
      c.secrets.updateSecretMetadata({ name, displayName: "renamed", updateMask: { paths: ["display_name"] } }),
  },
  ListSecretVersions: {
    service: "SecretsService",
    namesSecret: true,
    call: (c, _f, name) => c.secrets.listSecretVersions({ name }),
  },
  RollbackSecret: {
    service: "SecretsService",
    namesSecret: true,
    prepare: async (admin, f) => {
      await admin.secrets.updateSecretValue({ name: f.secretName, value: tokenValue("matrix-second") });
      return {};
    },
    call: (c, _f, name) => c.secrets.rollbackSecret({ name, version: 1n }),
  },
  ArchiveSecret: { service: "SecretsService", namesSecret: true, call: (c, _f, name) => c.secrets.archiveSecret({ name }) },
  RestoreSecret: {
    service: "SecretsService",
    namesSecret: true,
    prepare: async (admin, f) => {
      await admin.secrets.archiveSecret({ name: f.secretName });
      return {};
    },
    call: (c, _f, name) => c.secrets.restoreSecret({ name }),
  },
  DeleteSecret: { service: "SecretsService", namesSecret: true, call: (c, _f, name) => c.secrets.deleteSecret({ name }) },
  ListSecretConsumers: {
    service: "SecretsService",
    namesSecret: true,
    call: (c, _f, name) => c.secrets.listSecretConsumers({ name }),
  },
  SetConsumerReferences: {
    service: "ResolverService",
    namesSecret: true,
    call: (c, f, name) => c.resolver.setConsumerReferences({ consumerId: f.consumerId, references: [`$<secret.${name}>`] }),
  },
  DeleteConsumer: {
    service: "ResolverService",
    namesSecret: false,
    prepare: async (admin, f) => {
      await admin.resolver.setConsumerReferences({ consumerId: f.consumerId, references: [`$<secret.${f.secretName}>`] });
      return {};
    },
    call: (c, f) => c.resolver.deleteConsumer({ consumerId: f.consumerId }),
  },
  ReassignConsumer: {
    service: "AdminService",
    namesSecret: false,
    prepare: async (admin, f) => {
      await admin.resolver.setConsumerReferences({ consumerId: f.consumerId, references: [`$<secret.${f.secretName}>`] });
      const created = await admin.admin.createApiToken({ displayName: "new owner", role: Role.WORKLOAD, allowedSecretPatterns: ["GRANTED_*"] });
      return { tokenId: created.apiToken!.id };
    },
    call: (c, f) => c.admin.reassignConsumer({ consumerId: f.consumerId, ownerTokenId: f.tokenId }),
  },
  ResolveSecrets: {
    service: "ResolverService",
    namesSecret: true,
    call: (c, _f, name) => c.resolver.resolveSecrets({ references: [`$<secret.${name}>`] }),
  },
  WatchSecretChanges: {
    service: "SecretsService",
    namesSecret: false,
    call: (c) => firstMessage(c.secrets.watchSecretChanges({})),
  },
  GetCaller: { service: "AdminService", namesSecret: false, call: (c) => c.admin.getCaller({}) },
  WatchSecrets: {
    service: "ResolverService",
    namesSecret: true,
    call: (c, _f, name) => firstMessage(c.resolver.watchSecrets({ names: [name] })),
  },
  CreateTenant: { service: "AdminService", namesSecret: false, call: (c, f) => c.admin.createTenant({ tenantId: f.tenantId }) },
  ListTenants: { service: "AdminService", namesSecret: false, call: (c) => c.admin.listTenants({}) },
  CreateApiToken: {
    service: "AdminService",
    namesSecret: false,
    call: (c) => c.admin.createApiToken({ displayName: "matrix viewer", role: Role.VIEWER }),
  },
  ListApiTokens: { service: "AdminService", namesSecret: false, call: (c) => c.admin.listApiTokens({}) },
  RevokeApiToken: {
    service: "AdminService",
    namesSecret: false,
    prepare: async (admin) => {
      const created = await admin.admin.createApiToken({ displayName: "to revoke", role: Role.VIEWER });
      return { tokenId: created.apiToken!.id };
    },
    call: (c, f) => c.admin.revokeApiToken({ tokenId: f.tokenId }),
  },
  ListAuditEvents: { service: "AdminService", namesSecret: false, call: (c) => c.admin.listAuditEvents({}) },
  RotateTenantKey: { service: "AdminService", namesSecret: false, call: (c) => drain(c.admin.rotateTenantKey({})) },
};

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
