/**
 * The resolver's batch rules without a server or a database: each stage of a
 * resolve (parse and grant, find, not archived, field, size) adds its
 * failures, so a failed batch names every failing reference and no value;
 * one store read and one cipher call per batch; consumers refused while a
 * reference names no secret. Over the in-memory store and the fake cipher.
 */
import { describe, expect, it } from "vitest";
import type { ServiceCall } from "../../services/domain/service-call.js";
import { ACCESS_TIME_RESOLUTION_MS, resolverService } from "../../services/resolver/resolver-service.js";
import { AccessTimes } from "../../services/resolver/access-times.js";
import { PlaintextCache } from "../../services/resolver/plaintext-cache.js";
import { secretsService } from "../../services/secrets/secrets-service.js";
import { FakeCipher } from "../support/fakes/fake-cipher.js";
import { InMemorySecrets } from "../support/fakes/in-memory-secrets.js";
import { serviceFailure } from "../support/service-failure.js";

const TENANT = "acme";

const admin = (): ServiceCall => ({
  tenantId: TENANT,
  tokenId: "tok_admin",
  role: "ADMIN",
  allowedSecretPatterns: [],
  audit: { resources: [] },
});
const workload = (patterns: string[]): ServiceCall => ({
  tenantId: TENANT,
  tokenId: "tok_app",
  role: "WORKLOAD",
  allowedSecretPatterns: patterns,
  audit: { resources: [] },
});

async function setUp(maxResponseBytes = 1 << 20, plaintexts?: PlaintextCache) {
  const store = new InMemorySecrets();
  const cipher = new FakeCipher();
  const secrets = secretsService({ store, cipher, keepVersions: 10 });
  const storeReads: string[][] = [];
  const reads = {
    async getSecretsWithCiphertext(tenantId: string, nameKeys: readonly string[]) {
      storeReads.push([...nameKeys]);
      return { found: await store.getSecretsWithCiphertext(tenantId, nameKeys), remembered: false };
    },
    forget() {},
  };
  const recorder = new AccessTimes(
    store,
    reads,
    (error) => {
      throw error;
    },
    0,
  );
  /** Every access note's write, for tests that wait until the last access is stored. */
  const accessWrites: Promise<void>[] = [];
  const accessTimes = {
    note: (...args: Parameters<AccessTimes["note"]>) => {
      const written = recorder.note(...args);
      accessWrites.push(written);
      return written;
    },
  };
  const resolver = resolverService({ store, reads, cipher, accessTimes, maxResponseBytes, ...(plaintexts && { plaintexts }) });
  const base = { displayName: "", description: "", labels: {} };
  await secrets.createSecret(admin(), { ...base, name: "API_KEY", type: "TOKEN", value: { kind: "token", token: "k-123" } });
  await secrets.createSecret(admin(), {
    ...base,
    name: "DB",
    type: "USERNAME_PASSWORD",
    value: { kind: "usernamePassword", username: "app", password: "hunter2" },
  });
  await secrets.createSecret(admin(), { ...base, name: "CONF", type: "JSON", value: { kind: "json", json: '{"region":"eu","n":1}' } });
  await secrets.createSecret(admin(), { ...base, name: "OLD", type: "TOKEN", value: { kind: "token", token: "old" } });
  await secrets.setSecretState(admin(), "OLD", "", "ARCHIVED");
  cipher.calls.decrypt = 0;
  return { store, cipher, resolver, secrets, storeReads, accessWrites };
}

describe("resolver service: resolving a batch", () => {
  it("resolves fields and whole values in one store read and one cipher call, each secret opened once", async () => {
    const { resolver, cipher, storeReads } = await setUp();
    const call = admin();
    const values = await resolver.resolveSecrets(call, "svc/web", [
      "$<secret.DB.username>",
      "$<secret.db.password>",
      "$<secret.CONF>",
      "$<secret.CONF.region>",
      "$<secret.API_KEY>",
    ]);
    expect(values.map((v) => [v.reference, v.secretName, v.kind, v.value])).toEqual([
      ["$<secret.DB.username>", "DB", "STRING", "app"],
      ["$<secret.db.password>", "DB", "STRING", "hunter2"],
      ["$<secret.CONF>", "CONF", "JSON", '{"region":"eu","n":1}'],
      ["$<secret.CONF.region>", "CONF", "STRING", "eu"],
      ["$<secret.API_KEY>", "API_KEY", "STRING", "k-123"],
    ]);
    expect(storeReads).toEqual([["db", "conf", "api_key"]]);
    expect(cipher.calls.decrypt).toBe(1);
    expect(call.audit).toMatchObject({ consumerId: "svc/web", resources: ["DB", "CONF", "API_KEY"] });
  });

  it("names every failing reference of every stage, in request order, with no value in the error", async () => {
    const { resolver } = await setUp();
    const error = await serviceFailure(
      resolver.resolveSecrets(workload(["API_*", "DB", "OLD", "NOPE"]), "", [
        "$<secret.API_KEY>",
        "$<secret.DB.nosuchfield>",
        "$<secret.CONF>",
        "$<secret.OLD>",
        "$<secret.NOPE>",
        "$<secret.>",
      ]),
    );
    expect(error.reason).toBe("REFERENCES_FAILED");
    expect(error.referenceFailures.map((f) => [f.index, f.reason])).toEqual([
      [1, "FIELD_NOT_FOUND"],
      [2, "NOT_GRANTED"],
      [3, "ARCHIVED"],
      [4, "NOT_FOUND"],
      [5, "MALFORMED"],
    ]);
    expect(error.message).not.toContain("k-123");
    expect(error.message).not.toContain("hunter2");
  });

  it("refuses a batch whose values would not fit the response, naming the reference and not its value", async () => {
    const { resolver } = await setUp(100);
    const error = await serviceFailure(
      resolver.resolveSecrets(admin(), "", ["$<secret.API_KEY>", "$<secret.DB.password>", "$<secret.CONF>"]),
    );
    expect(error).toMatchObject({ reason: "RESPONSE_TOO_LARGE", metadata: { reference_index: "1" } });
    expect(error.message).not.toContain("hunter2");
  });

  it("records the last access at most once per resolution period", async () => {
    const { resolver, store, accessWrites } = await setUp();
    await resolver.resolveSecrets(admin(), "", ["$<secret.API_KEY>"]);
    await Promise.all(accessWrites);
    await resolver.resolveSecrets(admin(), "", ["$<secret.API_KEY>"]);
    await Promise.all(accessWrites);
    expect(accessWrites).toHaveLength(1);
    expect(store.writes.filter((w) => w === "recordSecretAccess")).toHaveLength(1);
    expect(ACCESS_TIME_RESOLUTION_MS).toBeGreaterThan(0);
  });

  it("with a plaintext cache, opens a value again only when its ciphertext changed", async () => {
    const plaintexts = new PlaintextCache({ onForget: () => () => {} }, { ttlMs: 60_000, maxEntries: 100, maxBytes: 1 << 20 });
    const { resolver, cipher, secrets } = await setUp(1 << 20, plaintexts);
    const resolve = async (...texts: string[]) => (await resolver.resolveSecrets(admin(), "", texts)).map((v) => v.value);
    expect(await resolve("$<secret.API_KEY>", "$<secret.DB.password>")).toEqual(["k-123", "hunter2"]);
    expect(await resolve("$<secret.API_KEY>", "$<secret.DB.password>")).toEqual(["k-123", "hunter2"]);
    expect(cipher.calls.decrypt).toBe(1);
    await secrets.updateSecretValue(admin(), "API_KEY", { kind: "token", token: "k-456" }, [], undefined);
    cipher.calls.decrypt = 0;
    expect(await resolve("$<secret.API_KEY>", "$<secret.DB.password>")).toEqual(["k-456", "hunter2"]);
    expect(await resolve("$<secret.API_KEY>")).toEqual(["k-456"]);
    expect(cipher.calls.decrypt).toBe(1);
    plaintexts.close();
  });

  it("refuses more than 1000 references before reading anything", async () => {
    const { resolver, storeReads } = await setUp();
    const error = await serviceFailure(
      resolver.resolveSecrets(
        admin(),
        "",
        Array.from({ length: 1001 }, () => "$<secret.API_KEY>"),
      ),
    );
    expect(error.fieldViolations).toMatchObject([{ field: "references", reason: "TOO_MANY_REFERENCES" }]);
    expect(storeReads).toEqual([]);
  });
});

describe("resolver service: consumers", () => {
  it("registers deduplicated references, and refuses one that names no secret, naming it by index", async () => {
    const { resolver, store } = await setUp();
    const consumer = await resolver.setConsumerReferences(workload(["*"]), "svc/web", [
      "$<secret.DB.username>",
      "$<secret.DB.username>",
      "$<secret.API_KEY>",
    ]);
    expect(consumer.references.map((r) => r.reference)).toEqual(["$<secret.DB.username>", "$<secret.API_KEY>"]);
    expect(consumer.owner).toEqual({ tokenId: "tok_app" });

    const error = await serviceFailure(resolver.setConsumerReferences(workload(["*"]), "svc/web", ["$<secret.API_KEY>", "$<secret.GONE>"]));
    expect(error.referenceFailures).toMatchObject([{ index: 1, reason: "NOT_FOUND" }]);
    expect((await store.getConsumer(TENANT, "svc/web"))!.references).toHaveLength(2);
  });

  it("refuses a workload another token's consumer, naming the owner", async () => {
    const { resolver } = await setUp();
    await resolver.setConsumerReferences(workload(["*"]), "svc/web", ["$<secret.API_KEY>"]);
    const other = { ...workload(["*"]), tokenId: "tok_other" };
    const error = await serviceFailure(resolver.deleteConsumer(other, "svc/web"));
    expect(error).toMatchObject({ reason: "CONSUMER_OWNED", metadata: { consumer_id: "svc/web", owner_token_id: "tok_app" } });
  });
});
