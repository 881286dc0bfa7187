/**
 * WatchSecretChanges (the console's live list) and GetCaller (its sign-in):
 * every change of the caller's tenant is reported after SUBSCRIBED, nothing
 * of another tenant is, and no value ever is.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WatchEventType } from "../../gen/secrets/v1/resolver_service_pb.js";
import { Role, SecretType } from "../../gen/secrets/v1/types_pb.js";
import { connectClients, startTestService, type TestService } from "../support/service.js";

let svc: TestService;

beforeAll(async () => {
  svc = await startTestService();
});

afterAll(async () => {
  await svc?.cleanup();
});

const token = (value: string) => ({ kind: { case: "token" as const, value } });

describe("WatchSecretChanges", () => {
  it("reports each change in the tenant, in order, after SUBSCRIBED, and nothing of other tenants", async () => {
    const admin = connectClients(svc.address, svc.adminToken);
    const other = await admin.admin.createTenant({ tenantId: "watch-other" });
    const otherAdmin = connectClients(svc.address, other.adminTokenSecret);
    const stop = new AbortController();
    const stream = admin.secrets.watchSecretChanges({}, { signal: stop.signal })[Symbol.asyncIterator]();
    expect((await stream.next()).value?.type).toBe(WatchEventType.SUBSCRIBED);

    await otherAdmin.secrets.createSecret({ name: "OTHER_TENANT", type: SecretType.TOKEN, value: token("v-other") });
    await admin.secrets.createSecret({ name: "W_ONE", type: SecretType.TOKEN, value: token("v-one-1") });
    await admin.secrets.updateSecretValue({ name: "W_ONE", value: token("v-one-2") });
    await admin.secrets.archiveSecret({ name: "W_ONE" });
    await admin.secrets.restoreSecret({ name: "W_ONE" });
    await admin.secrets.deleteSecret({ name: "W_ONE" });

    const seen: [WatchEventType, string, bigint][] = [];
    for (let i = 0; i < 5; i++) {
      const { value } = await stream.next();
      seen.push([value!.type, value!.name, value!.version]);
      expect(JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? String(v) : v))).not.toMatch(/v-one|v-other/);
    }
    expect(seen).toEqual([
      [WatchEventType.CREATED, "W_ONE", 1n],
      [WatchEventType.VALUE_UPDATED, "W_ONE", 2n],
      [WatchEventType.ARCHIVED, "W_ONE", 2n],
      [WatchEventType.RESTORED, "W_ONE", 2n],
      [WatchEventType.DELETED, "W_ONE", 2n],
    ]);
    stop.abort();
  });
});

describe("metadata and usage changes", () => {
  it("are reported to WatchSecretChanges, and never to a workload's WatchSecrets", async () => {
    const admin = connectClients(svc.address, svc.adminToken);
    await admin.secrets.createSecret({ name: "W_META", type: SecretType.TOKEN, value: token("v-meta-1") });
    const workloadToken = await admin.admin.createApiToken({ displayName: "w", role: Role.WORKLOAD, allowedSecretPatterns: ["W_META"] });
    const workload = connectClients(svc.address, workloadToken.tokenSecret);
    const stop = new AbortController();
    const changes = admin.secrets.watchSecretChanges({}, { signal: stop.signal })[Symbol.asyncIterator]();
    const watched = workload.resolver.watchSecrets({ names: ["W_META"] }, { signal: stop.signal })[Symbol.asyncIterator]();
    expect((await changes.next()).value?.type).toBe(WatchEventType.SUBSCRIBED);
    expect((await watched.next()).value?.type).toBe(WatchEventType.SUBSCRIBED);

    await admin.secrets.updateSecretMetadata({ name: "W_META", description: "edited", updateMask: { paths: ["description"] } });
    await workload.resolver.setConsumerReferences({ consumerId: "svc/meta", references: ["$<secret.W_META>"] });
    await workload.resolver.resolveSecrets({ references: ["$<secret.W_META>"] });
    await admin.secrets.updateSecretValue({ name: "W_META", value: token("v-meta-2") });

    const seen: [WatchEventType, string][] = [];
    for (let i = 0; i < 4; i++) {
      const { value } = await changes.next();
      seen.push([value!.type, value!.name]);
    }
    // The metadata edit, then the new reference's usage count, in order; the resolve's last access
    // is written beside it (gathered for up to 250 ms), so it may come before or after the value change.
    expect(seen.slice(0, 2)).toEqual([
      [WatchEventType.METADATA_UPDATED, "W_META"],
      [WatchEventType.USAGE_UPDATED, "W_META"],
    ]);
    expect(seen.slice(2).sort()).toEqual(
      [
        [WatchEventType.USAGE_UPDATED, "W_META"],
        [WatchEventType.VALUE_UPDATED, "W_META"],
      ].sort(),
    );
    // The workload's first event after SUBSCRIBED is the value change: a re-render only when a value may have changed.
    expect((await watched.next()).value).toMatchObject({ type: WatchEventType.VALUE_UPDATED, version: 2n });
    stop.abort();
  });
});

describe("GetCaller", () => {
  it("says the caller's token id, tenant, role and patterns", async () => {
    const admin = connectClients(svc.address, svc.adminToken);
    const created = await admin.admin.createApiToken({ displayName: "w", role: Role.WORKLOAD, allowedSecretPatterns: ["DB_*"] });
    const caller = await connectClients(svc.address, created.tokenSecret).admin.getCaller({});
    expect(caller).toMatchObject({
      tokenId: created.apiToken!.id,
      tenantId: "default",
      role: Role.WORKLOAD,
      allowedSecretPatterns: ["DB_*"],
    });
    expect((await admin.admin.getCaller({})).role).toBe(Role.PLATFORM_ADMIN);
  });
});
