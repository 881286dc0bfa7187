/**
 * The secrets service's rules without a server or a database: over the
 * in-memory store and a cipher that checks associated data. Concurrent
 * writers are staged by letting another write land just before this one.
 */
import { describe, expect, it } from "vitest";
import { associatedData } from "../../services/domain/associated-data.js";
import type { ServiceCall } from "../../services/domain/service-call.js";
import type { NewSecretVersion } from "../../services/ports/secret-store.js";
import { MAX_WRITE_ATTEMPTS, secretsService, type NewSecretInput } from "../../services/secrets/secrets-service.js";
import { FakeCipher } from "../support/fakes/fake-cipher.js";
import { InMemorySecrets } from "../support/fakes/in-memory-secrets.js";
import { serviceFailure } from "../support/service-failure.js";

const TENANT = "acme";

function setUp(keepVersions = 10) {
  const store = new InMemorySecrets();
  const cipher = new FakeCipher();
  const service = secretsService({ store, cipher, keepVersions });
  const call = (): ServiceCall => ({
    tenantId: TENANT,
    tokenId: "tok_writer",
    role: "ADMIN",
    allowedSecretPatterns: [],
    audit: { resources: [] },
  });
  /** The current plaintext, opened with the associated data of the version it claims to be. */
  const currentValue = async (name: string) => {
    const secret = (await store.getSecret(TENANT, name.toLowerCase()))!;
    const stored = (await store.getSecretVersion(TENANT, secret.id, secret.version))!;
    const ad = associatedData({ tenantId: TENANT, secretId: secret.id, nameKey: secret.nameKey, version: secret.version });
    const [plaintext] = await cipher.decrypt(TENANT, [{ ciphertext: stored.ciphertext!.ciphertext, associatedData: ad }]);
    return Buffer.from(plaintext!).toString("utf8");
  };
  return { store, cipher, service, call, currentValue };
}

const token = (name: string, value: string): NewSecretInput => ({
  name,
  displayName: "",
  description: "",
  labels: {},
  type: "TOKEN",
  value: { kind: "token", token: value },
});

describe("secrets service: creating", () => {
  it("creates version 1 sealed to its record, and notes name and version for the audit", async () => {
    const { service, call, currentValue } = setUp();
    const note = call();
    const created = await service.createSecret(note, token("DB_Password", "s3cret"));
    expect(created).toMatchObject({ name: "DB_Password", nameKey: "db_password", version: 1, revision: 1, state: "ACTIVE" });
    expect(note.audit).toEqual({ resources: ["DB_Password"], version: 1 });
    expect(await currentValue("DB_Password")).toBe("s3cret");
  });

  it("refuses a second secret whose name differs only in case, naming it", async () => {
    const { service, call } = setUp();
    await service.createSecret(call(), token("API_KEY", "a"));
    const error = await serviceFailure(service.createSecret(call(), token("api_key", "b")));
    expect(error).toMatchObject({ reason: "SECRET_EXISTS", metadata: { name: "api_key" } });
  });

  it("collects every invalid field before touching the store", async () => {
    const { service, call, store } = setUp();
    const error = await serviceFailure(service.createSecret(call(), { ...token("1bad", "x"), type: undefined, value: { kind: "none" } }));
    expect(error.reason).toBe("INVALID_ARGUMENT");
    expect(error.fieldViolations.map((v) => v.field)).toEqual(["name", "type"]);
    expect(store.writes).toEqual([]);
  });
});

describe("secrets service: check-and-set value writes", () => {
  it("goes after a writer that got there first, sealing afresh for the version it lands at", async () => {
    const { service, call, store, currentValue } = setUp();
    await service.createSecret(call(), token("API_KEY", "v1"));
    const add = store.addSecretVersion.bind(store);
    let raced = false;
    store.addSecretVersion = async (tenantId, secretId, version: NewSecretVersion, keep) => {
      if (!raced) {
        raced = true;
        // Another replica's write of version 2 commits first: this one's version 2 now conflicts.
        const theirs = await add(tenantId, secretId, { ...version, ciphertext: new Uint8Array(0) }, keep);
        expect(theirs.outcome).toBe("OK");
      }
      return add(tenantId, secretId, version, keep);
    };
    const note = call();
    const updated = await service.updateSecretValue(note, "API_KEY", { kind: "token", token: "mine" }, [], undefined);
    expect(updated.version).toBe(3);
    expect(note.audit.version).toBe(3);
    // Sealed with version 3's associated data: a ciphertext made for version 2 would not open here.
    expect(await currentValue("API_KEY")).toBe("mine");
    expect(store.writes.filter((w) => w === "addSecretVersion")).toHaveLength(3);
  });

  it("with an expected version, a concurrent write is ABORTED naming the current version", async () => {
    const { service, call } = setUp();
    await service.createSecret(call(), token("API_KEY", "v1"));
    await service.updateSecretValue(call(), "API_KEY", { kind: "token", token: "v2" }, [], undefined);
    const error = await serviceFailure(service.updateSecretValue(call(), "API_KEY", { kind: "token", token: "late" }, [], 1n));
    expect(error).toMatchObject({ reason: "VERSION_MISMATCH", metadata: { current_version: "2" } });
  });

  it(`gives up with CONTENTION after ${MAX_WRITE_ATTEMPTS} lost races, never looping for ever`, async () => {
    const { service, call, store } = setUp();
    await service.createSecret(call(), token("HOT", "v1"));
    const add = store.addSecretVersion.bind(store);
    store.addSecretVersion = async (tenantId, secretId, version, keep) => {
      // Someone else always lands the version this attempt wanted.
      await add(tenantId, secretId, version, keep);
      return add(tenantId, secretId, version, keep);
    };
    const error = await serviceFailure(service.updateSecretValue(call(), "HOT", { kind: "token", token: "x" }, [], undefined));
    expect(error).toMatchObject({ reason: "CONTENTION" });
    expect(store.writes.filter((w) => w === "addSecretVersion")).toHaveLength(2 * MAX_WRITE_ATTEMPTS);
  });

  it("refuses a new value for an archived secret", async () => {
    const { service, call } = setUp();
    await service.createSecret(call(), token("OLD", "v1"));
    await service.setSecretState(call(), "OLD", "", "ARCHIVED");
    const error = await serviceFailure(service.updateSecretValue(call(), "OLD", { kind: "token", token: "x" }, [], undefined));
    expect(error).toMatchObject({ reason: "SECRET_ARCHIVED" });
  });

  it("keeps the stored password when the update_mask names only the username", async () => {
    const { service, call, currentValue } = setUp();
    await service.createSecret(call(), {
      ...token("DB", ""),
      type: "USERNAME_PASSWORD",
      value: { kind: "usernamePassword", username: "app", password: "hunter2" },
    });
    await service.updateSecretValue(
      call(),
      "DB",
      { kind: "usernamePassword", username: "app2", password: "" },
      ["username_password.username"],
      undefined,
    );
    expect(JSON.parse(await currentValue("DB"))).toEqual({ username: "app2", password: "hunter2" });
  });

  it("rolls back only to a version still in the bounded history", async () => {
    const { service, call, currentValue } = setUp(2);
    await service.createSecret(call(), token("K", "v1"));
    for (const value of ["v2", "v3"]) await service.updateSecretValue(call(), "K", { kind: "token", token: value }, [], undefined);
    const pruned = await serviceFailure(service.rollbackSecret(call(), "K", 1n, undefined));
    expect(pruned).toMatchObject({ reason: "VERSION_NOT_RETAINED" });
    const rolledBack = await service.rollbackSecret(call(), "K", 2n, undefined);
    expect(rolledBack.version).toBe(4);
    expect(await currentValue("K")).toBe("v2");
  });
});

describe("secrets service: the audit record stored with the version", () => {
  /** A call whose every success is audited, as the pipeline makes it for CreateSecret and UpdateSecretValue. */
  const audited = (call: ServiceCall): ServiceCall => ({
    ...call,
    auditEventOnSuccess: ({ version }) => ({
      tenantId: TENANT,
      id: `audit-${version}-${Math.random()}`,
      time: new Date(0),
      actorTokenId: call.tokenId,
      action: "write",
      resources: [...call.audit.resources],
      outcome: "SUCCESS",
      statusCode: "OK",
      version,
    }),
  });

  it("commits the record of the version that landed, once, after a lost race, and says so in the note", async () => {
    const { service, call, store } = setUp();
    const creating = audited(call());
    await service.createSecret(creating, token("API_KEY", "v1"));
    expect(creating.audit).toEqual({ resources: ["API_KEY"], version: 1, recordedWithChange: true });
    const add = store.addSecretVersion.bind(store);
    let raced = false;
    store.addSecretVersion = async (tenantId, secretId, version: NewSecretVersion, keep) => {
      if (!raced) {
        raced = true;
        // Another replica's unaudited write lands version 2 first: this attempt's record must not be stored.
        const { auditEvent: _, ...theirs } = version;
        await add(tenantId, secretId, theirs, keep);
      }
      return add(tenantId, secretId, version, keep);
    };
    const updating = audited(call());
    await service.updateSecretValue(updating, "API_KEY", { kind: "token", token: "mine" }, [], undefined);
    expect(store.auditEvents.map((event) => [event.resources, event.version])).toEqual([
      [["API_KEY"], 1],
      [["API_KEY"], 3],
    ]);
    expect(updating.audit).toEqual({ resources: ["API_KEY"], version: 3, recordedWithChange: true });
  });

  it("leaves the record to the pipeline when the write fails, or when the call is not audited on success", async () => {
    const { service, call, store } = setUp();
    await service.createSecret(call(), token("API_KEY", "v1"));
    const failing = audited(call());
    await serviceFailure(service.updateSecretValue(failing, "API_KEY", { kind: "token", token: "late" }, [], 7n));
    expect(failing.audit.recordedWithChange).toBeUndefined();
    expect(store.auditEvents).toEqual([]);
  });
});

describe("secrets service: revision-guarded metadata and state", () => {
  it("without an etag, re-applies a patch over a concurrent change, losing neither", async () => {
    const { service, call, store } = setUp();
    const created = await service.createSecret(call(), token("K", "v1"));
    const update = store.updateSecretMetadata.bind(store);
    let raced = false;
    store.updateSecretMetadata = async (tenantId, secretId, expectedRevision, patch, time) => {
      if (!raced) {
        raced = true;
        await update(tenantId, secretId, undefined, { description: "theirs" }, time);
      }
      return update(tenantId, secretId, expectedRevision, patch, time);
    };
    const updated = await service.updateSecretMetadata(call(), "K", "", ["display_name"], {
      displayName: "mine",
      description: "",
      labels: {},
    });
    expect(updated).toMatchObject({ displayName: "mine", description: "theirs", revision: created.revision + 2 });
  });

  it("with a stale etag, is ABORTED before writing", async () => {
    const { service, call, store } = setUp();
    const created = await service.createSecret(call(), token("K", "v1"));
    await service.updateSecretMetadata(call(), "K", "", ["description"], { displayName: "", description: "new", labels: {} });
    const writes = store.writes.length;
    const error = await serviceFailure(service.setSecretState(call(), "K", String(created.revision), "ARCHIVED"));
    expect(error).toMatchObject({ reason: "ETAG_MISMATCH" });
    expect(store.writes).toHaveLength(writes);
  });

  it("refuses to archive an archived secret, and an etag that is not one of ours", async () => {
    const { service, call } = setUp();
    await service.createSecret(call(), token("K", "v1"));
    await service.setSecretState(call(), "K", "", "ARCHIVED");
    expect(await serviceFailure(service.setSecretState(call(), "K", "", "ARCHIVED"))).toMatchObject({ reason: "SECRET_ARCHIVED" });
    const badEtag = await serviceFailure(service.setSecretState(call(), "K", 'W/"1"', "ACTIVE"));
    expect(badEtag.reason).toBe("INVALID_ARGUMENT");
    expect(badEtag.fieldViolations).toMatchObject([{ field: "etag", reason: "INVALID_ETAG" }]);
  });
});

describe("secrets service: deleting", () => {
  it("refuses while referenced, naming the consumers, and deletes once the last reference is gone", async () => {
    const { service, call, store } = setUp();
    const created = await service.createSecret(call(), token("DB", "v1"));
    for (const id of ["svc/b", "svc/a"])
      await store.setConsumerReferences(TENANT, id, [{ reference: "$<secret.DB>", nameKey: "db" }], new Date());
    const refused = await serviceFailure(service.deleteSecret(call(), "DB", ""));
    expect(refused).toMatchObject({ reason: "SECRET_IN_USE", metadata: { usage_count: "2" } });
    expect(refused.preconditionViolations.map((v) => [v.type, v.subject])).toEqual([
      ["CONSUMER", "svc/a"],
      ["CONSUMER", "svc/b"],
    ]);
    expect(refused.message).toBe('secret "DB" is referenced by 2 consumer(s): svc/a, svc/b; remove the references first');
    expect(await store.getSecret(TENANT, "db")).toBeDefined();

    for (const id of ["svc/a", "svc/b"]) await store.deleteConsumer(TENANT, id);
    const note = call();
    await service.deleteSecret(note, "db", String(created.revision));
    expect(note.audit).toEqual({ resources: ["DB"], version: 1 });
    expect(await store.getSecret(TENANT, "db")).toBeUndefined();
  });

  it("names at most 100 consumers and counts the rest", async () => {
    const { service, call, store } = setUp();
    await service.createSecret(call(), token("DB", "v1"));
    for (let i = 0; i < 103; i++)
      await store.setConsumerReferences(
        TENANT,
        `svc/${String(i).padStart(3, "0")}`,
        [{ reference: "$<secret.DB>", nameKey: "db" }],
        new Date(),
      );
    const refused = await serviceFailure(service.deleteSecret(call(), "DB", ""));
    expect(refused.preconditionViolations).toHaveLength(100);
    expect(refused.message).toContain("svc/099 and 3 more; remove the references first");
  });

  it("is NOT_FOUND for an unknown name, with the name noted for the audit", async () => {
    const { service, call } = setUp();
    const note = call();
    expect(await serviceFailure(service.deleteSecret(note, "NOPE", ""))).toMatchObject({ reason: "SECRET_NOT_FOUND" });
    expect(note.audit.resources).toEqual(["NOPE"]);
  });
});

describe("secrets service: what readers remember after a write", () => {
  // A store may let reads see a write before its commit (SQLite commits a turn's writes together); if the commit
  // then fails, what was read meanwhile must go: every write forgets its secret, failed or not.
  it("forgets the secret after every kind of write, also when the store refuses the write", async () => {
    const { store, call } = setUp();
    const forgotten: string[] = [];
    const reads = { getSecret: store.getSecret.bind(store), forget: (_tenantId: string, nameKey: string) => forgotten.push(nameKey) };
    const service = secretsService({ store, cipher: new FakeCipher(), keepVersions: 10, reads });
    await service.createSecret(call(), token("API_KEY", "v1"));
    const refused = new Error("the disk did not confirm the write");
    store.createSecret = () => Promise.reject(refused);
    await expect(service.createSecret(call(), token("OTHER", "v1"))).rejects.toBe(refused);
    store.addSecretVersion = () => Promise.reject(refused);
    store.updateSecretMetadata = () => Promise.reject(refused);
    store.setSecretState = () => Promise.reject(refused);
    store.deleteSecret = () => Promise.reject(refused);
    const etag = "";
    await expect(service.updateSecretValue(call(), "API_KEY", { kind: "token", token: "v2" }, [], undefined)).rejects.toBe(refused);
    await expect(
      service.updateSecretMetadata(call(), "API_KEY", etag, ["description"], { displayName: "", description: "d", labels: {} }),
    ).rejects.toBe(refused);
    await expect(service.setSecretState(call(), "API_KEY", etag, "ARCHIVED")).rejects.toBe(refused);
    await expect(service.deleteSecret(call(), "API_KEY", etag)).rejects.toBe(refused);
    expect(forgotten).toEqual(["api_key", "other", "api_key", "api_key", "api_key", "api_key"]);
  });
});
