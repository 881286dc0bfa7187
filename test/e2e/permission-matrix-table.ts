/**
 * The permission matrix as data: every kind of caller, every RPC of the three
 * services, the status each caller must get from each (EXPECTED), and how to
 * make each call on fresh fixtures (RPCS). permission-matrix.test.ts runs it.
 */
import { Code } from "@connectrpc/connect";
import { Role, SecretType } from "../../gen/secrets/v1/types_pb.js";
import type { CallStatus } from "../support/call-status.js";
import type { ConnectClients } from "../support/service.js";

export const CALLERS = [
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
export type CallerKind = (typeof CALLERS)[number];

export type RpcName =
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

export const OK = "OK";
export const PD = Code.PermissionDenied;
export const UA = Code.Unauthenticated;
export const NF = Code.NotFound;

/**
 * The expected status of every cell, in the column order of CALLERS. The
 * workload's token grants `GRANTED_*` (every fixture secret); the ungranted
 * workload's grants `ELSEWHERE_*`. The other tenant's admin acts in its own
 * tenant, where the first tenant's secrets do not exist.
 */
// biome-ignore format: a table read by its columns
export const EXPECTED: Record<RpcName, readonly CallStatus[]> = {
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
export interface Fixture {
  /** An existing TOKEN secret (archived for RestoreSecret). */
  secretName: string;
  /** A consumer id (already referencing the secret for DeleteConsumer). */
  consumerId: string;
  /** A token of the first tenant (for RevokeApiToken, and the new owner for ReassignConsumer). */
  tokenId: string;
  /** An unused tenant id. */
  tenantId: string;
}

export interface RpcSpec {
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

export const tokenValue = (text: string) => ({ kind: { case: "token" as const, value: text } });

/** The first message of a server stream; leaving the loop cancels the stream. */
export async function firstMessage(stream: AsyncIterable<unknown>): Promise<unknown> {
  for await (const message of stream) return message;
  throw new Error("the stream ended without a message");
}

export async function drain(stream: AsyncIterable<unknown>): Promise<void> {
  for await (const _ of stream);
}

export const RPCS: Record<RpcName, RpcSpec> = {
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
    call: (c, _f, name) => c.secrets.updateSecretMetadata({ name, displayName: "renamed", updateMask: { paths: ["display_name"] } }),
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
      const created = await admin.admin.createApiToken({
        displayName: "new owner",
        role: Role.WORKLOAD,
        allowedSecretPatterns: ["GRANTED_*"],
      });
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
