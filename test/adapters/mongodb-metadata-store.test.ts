/**
 * The MongoDB store's parts that need no server: index definitions, the
 * mapping of driver errors, list filters, the change stream classification
 * and the change feed's open/resume logic, and the bounded start-up wait
 * (the real driver against a port where nothing listens). The store itself
 * runs the port contract in test/contract when MONGODB_URI is set.
 */
import { MongoClient, MongoNetworkError, MongoServerError, MongoServerSelectionError, type ChangeStreamDocument } from "mongodb";
import { describe, expect, it } from "vitest";
import { BackendUnavailableError } from "../../services/domain/errors.js";
import {
  auditFilter,
  labelsFromDoc,
  labelsToDoc,
  secretListFilter,
  tokenListFilter,
} from "../../services/adapters/mongodb/mongo-documents.js";
import { isDuplicateKeyError, toStoreError } from "../../services/adapters/mongodb/mongo-errors.js";
import { MongoMetadataStore } from "../../services/adapters/mongodb/mongo-metadata-store.js";
import { AUDIT_TTL_INDEX, COLLECTIONS, indexDefinitions, type SecretDoc } from "../../services/adapters/mongodb/mongo-schema.js";
import { SECRET_CHANGE_PIPELINE, secretChangeFromStreamEvent } from "../../services/adapters/mongodb/secret-change-feed.js";
import { encodeCursor, encodeTimeIdCursor } from "../../services/adapters/keyset-pages.js";

describe("MongoDB index definitions", () => {
  const defs = indexDefinitions(30);
  const find = (name: string) => defs.find((d) => d.options.name === name);

  it("makes secret names unique per tenant by name key", () => {
    expect(find("secrets_unique_name_key")).toEqual({
      collection: COLLECTIONS.secrets,
      key: { tenantId: 1, nameKey: 1 },
      options: { name: "secrets_unique_name_key", unique: true },
    });
  });

  it("makes each version of a secret unique, and indexes only retained ciphertexts by key version", () => {
    expect(find("versions_unique_version")).toMatchObject({ key: { tenantId: 1, secretId: 1, version: 1 }, options: { unique: true } });
    expect(find("versions_retained_by_key_version")?.options.partialFilterExpression).toEqual({ keyVersion: { $gt: 0 } });
  });

  it("makes consumers unique per tenant and findable by the name keys they reference", () => {
    expect(find("consumers_unique_id")).toMatchObject({ key: { tenantId: 1, consumerId: 1 }, options: { unique: true } });
    expect(find("consumers_by_name_key")?.key).toEqual({ tenantId: 1, nameKeys: 1, consumerId: 1 });
  });

  it("makes token hashes unique across tenants", () => {
    expect(find("tokens_unique_hash")).toMatchObject({ collection: COLLECTIONS.tokens, key: { hash: 1 }, options: { unique: true } });
  });

  it("expires audit events through a TTL index after the configured retention", () => {
    expect(find(AUDIT_TTL_INDEX)).toMatchObject({
      collection: COLLECTIONS.audit,
      key: { time: 1 },
      options: { expireAfterSeconds: 30 * 86_400 },
    });
    expect(indexDefinitions().find((d) => d.options.name === AUDIT_TTL_INDEX)?.options.expireAfterSeconds).toBe(365 * 86_400);
    expect(() => indexDefinitions(0)).toThrow(RangeError);
    expect(() => indexDefinitions(1.5)).toThrow(RangeError);
  });
});

describe("MongoDB error mapping", () => {
  it("recognises a duplicate key (11000) as the taken outcome, and nothing else", () => {
    expect(isDuplicateKeyError(new MongoServerError({ message: "E11000 duplicate key error", code: 11000 }))).toBe(true);
    expect(isDuplicateKeyError(new MongoServerError({ message: "bad value", code: 2 }))).toBe(false);
    expect(isDuplicateKeyError(new Error("E11000"))).toBe(false);
  });

  /** A server selection error as the driver raises it, from a port where nothing listens. */
  async function serverSelectionError(): Promise<unknown> {
    const client = new MongoClient("mongodb://127.0.0.1:1/?directConnection=true", { serverSelectionTimeoutMS: 100 });
    const error = await client.connect().catch((e: unknown) => e);
    await client.close();
    return error;
  }

  it("maps network, server selection and not-primary errors to BackendUnavailableError with the cause", async () => {
    const selection = await serverSelectionError();
    expect(selection).toBeInstanceOf(MongoServerSelectionError);
    const failures = [
      new MongoNetworkError("connection 1 to 10.0.0.1:27017 closed"),
      selection,
      new MongoServerError({ message: "not primary", code: 10107 }),
      new MongoServerError({ message: "interrupted due to repl state change", code: 11602 }),
    ];
    for (const failure of failures) {
      const mapped = toStoreError(failure);
      expect(mapped).toBeInstanceOf(BackendUnavailableError);
      expect((mapped as Error).message).toContain("metadata store (MongoDB) unavailable");
      expect((mapped as Error).cause).toBe(failure);
    }
  });

  it("rethrows every other error unchanged", () => {
    const badValue = new MongoServerError({ message: "bad value", code: 2 });
    const duplicate = new MongoServerError({ message: "E11000", code: 11000 });
    const bug = new TypeError("x is undefined");
    for (const error of [badValue, duplicate, bug]) expect(toStoreError(error)).toBe(error);
  });

  it("waits a bounded time for an unreachable cluster at start-up, then reports it unavailable", async () => {
    const started = Date.now();
    const failure = await MongoMetadataStore.connect({
      uri: "mongodb://127.0.0.1:1/?directConnection=true",
      database: "unused",
      serverSelectionTimeoutMs: 150,
      connectTimeoutMs: 150,
      startupTimeoutMs: 900,
    }).catch((e: unknown) => e);
    const elapsed = Date.now() - started;
    expect(failure).toBeInstanceOf(BackendUnavailableError);
    // More than one attempt, and no wait beyond the bound (plus one attempt's timeout).
    expect(elapsed).toBeGreaterThanOrEqual(400);
    expect(elapsed).toBeLessThan(3000);
  });
});

describe("MongoDB documents and list filters", () => {
  it("stores labels as key/value pairs so any label key round-trips", () => {
    const labels = { "team.name": "core", $weird: "yes", env: "prod" };
    const doc = labelsToDoc(labels);
    expect(doc).toEqual([
      { key: "$weird", value: "yes" },
      { key: "env", value: "prod" },
      { key: "team.name", value: "core" },
    ]);
    expect(labelsFromDoc(doc)).toEqual(labels);
  });

  it("filters secrets after the cursor, by escaped prefix, active state and every wanted label", () => {
    expect(
      secretListFilter("acme", {
        limit: 10,
        cursor: encodeCursor("db_a"),
        nameKeyPrefix: "db.",
        labels: { env: "prod", tier: "1" },
        includeArchived: false,
      }),
    ).toEqual({
      tenantId: "acme",
      nameKey: { $gt: "db_a", $regex: "^db\\." },
      state: "ACTIVE",
      labels: { $all: [{ $elemMatch: { key: "env", value: "prod" } }, { $elemMatch: { key: "tier", value: "1" } }] },
    });
    expect(secretListFilter("acme", { limit: 10, includeArchived: true })).toEqual({ tenantId: "acme" });
  });

  it("rejects a cursor it did not make", () => {
    expect(() => secretListFilter("acme", { limit: 10, cursor: "%%%", includeArchived: true })).toThrow(/page_token/);
  });

  it("filters tokens after the (createTime, id) cursor, active ones not revoked and not expired before now", () => {
    const now = new Date("2030-01-01T00:00:00Z");
    const created = new Date("2029-06-01T00:00:00Z");
    expect(
      tokenListFilter("acme", { limit: 5, includeInactive: false, now, cursor: encodeTimeIdCursor(created.getTime(), "tok-9") }),
    ).toEqual({
      $and: [
        { tenantId: "acme" },
        { $or: [{ createTime: { $gt: created } }, { createTime: created, id: { $gt: "tok-9" } }] },
        { revokeTime: { $exists: false } },
        { $or: [{ expireTime: { $exists: false } }, { expireTime: { $gte: now } }] },
      ],
    });
    expect(tokenListFilter("acme", { limit: 5, includeInactive: true, now })).toEqual({ $and: [{ tenantId: "acme" }] });
  });

  it("filters audit events before the cursor id, resource case-insensitively, start inclusive and end exclusive", () => {
    const startTime = new Date(1000);
    const endTime = new Date(2000);
    expect(
      auditFilter("acme", {
        limit: 5,
        cursor: encodeCursor("0000000000z"),
        action: "secrets.resolve",
        resource: "DB_Password",
        actorTokenId: "tok-1",
        outcome: "DENIED",
        startTime,
        endTime,
      }),
    ).toEqual({
      tenantId: "acme",
      id: { $lt: "0000000000z" },
      action: "secrets.resolve",
      resourceKeys: "db_password",
      actorTokenId: "tok-1",
      outcome: "DENIED",
      time: { $gte: startTime, $lt: endTime },
    });
  });
});

const secretDoc = (extra: Partial<SecretDoc> = {}): SecretDoc => ({
  _id: "s-1",
  tenantId: "acme",
  name: "Db_Password",
  nameKey: "db_password",
  displayName: "",
  description: "",
  labels: [],
  type: "TOKEN",
  state: "ACTIVE",
  version: 3,
  revision: 7,
  createTime: new Date(1000),
  updateTime: new Date(5000),
  usageCount: 0,
  ...extra,
});

const change = (doc: object) => doc as unknown as ChangeStreamDocument<SecretDoc>;

describe("secret change stream events", () => {
  const base = { tenantId: "acme", nameKey: "db_password", name: "Db_Password" };

  it("asks the server only for inserts, deletes and updates of version, state, revision, usage or access", () => {
    expect(SECRET_CHANGE_PIPELINE).toEqual([
      {
        $match: {
          $or: [
            { operationType: { $in: ["insert", "delete"] } },
            {
              operationType: "update",
              $or: [
                { "updateDescription.updatedFields.version": { $exists: true } },
                { "updateDescription.updatedFields.state": { $exists: true } },
                { "updateDescription.updatedFields.revision": { $exists: true } },
                { "updateDescription.updatedFields.usageCount": { $exists: true } },
                { "updateDescription.updatedFields.lastAccessTime": { $exists: true } },
              ],
            },
          ],
        },
      },
    ]);
  });

  it("describes inserts, value updates, archive, restore and delete", () => {
    expect(secretChangeFromStreamEvent(change({ operationType: "insert", fullDocument: secretDoc({ version: 1 }) }))).toEqual({
      ...base,
      kind: "CREATED",
      version: 1,
      time: new Date(1000),
    });
    expect(
      secretChangeFromStreamEvent(
        change({ operationType: "update", fullDocument: secretDoc(), updateDescription: { updatedFields: { version: 3, revision: 7 } } }),
      ),
    ).toEqual({ ...base, kind: "VALUE_UPDATED", version: 3, time: new Date(5000) });
    expect(
      secretChangeFromStreamEvent(
        change({
          operationType: "update",
          fullDocument: secretDoc({ state: "ARCHIVED", archiveTime: new Date(6000) }),
          updateDescription: { updatedFields: { state: "ARCHIVED" } },
        }),
      ),
    ).toEqual({ ...base, kind: "ARCHIVED", version: 3, time: new Date(6000) });
    expect(
      secretChangeFromStreamEvent(
        change({ operationType: "update", fullDocument: secretDoc(), updateDescription: { updatedFields: { state: "ACTIVE" } } }),
      ),
    ).toEqual({ ...base, kind: "RESTORED", version: 3, time: new Date(5000) });
    expect(
      secretChangeFromStreamEvent(change({ operationType: "delete", fullDocumentBeforeChange: secretDoc(), wallTime: new Date(9000) })),
    ).toEqual({ ...base, kind: "DELETED", version: 3, time: new Date(9000) });
  });

  it("describes metadata edits, usage changes and accesses, for the console's live list", () => {
    expect(
      secretChangeFromStreamEvent(
        change({
          operationType: "update",
          fullDocument: secretDoc(),
          updateDescription: { updatedFields: { description: "d", revision: 8 } },
        }),
      ),
    ).toEqual({ ...base, kind: "METADATA_UPDATED", version: 3, time: new Date(5000) });
    expect(
      secretChangeFromStreamEvent(
        change({
          operationType: "update",
          fullDocument: secretDoc(),
          updateDescription: { updatedFields: { usageCount: 2 } },
          wallTime: new Date(7000),
        }),
      ),
    ).toEqual({ ...base, kind: "USAGE_UPDATED", version: 3, time: new Date(7000) });
    expect(
      secretChangeFromStreamEvent(
        change({
          operationType: "update",
          fullDocument: secretDoc({ lastAccessTime: new Date(8000) }),
          updateDescription: { updatedFields: { lastAccessTime: new Date(8000) } },
        }),
      ),
    ).toEqual({ ...base, kind: "USAGE_UPDATED", version: 3, time: new Date(8000) });
  });

  it("says nothing for other updates, or when the needed image is unavailable", () => {
    expect(
      secretChangeFromStreamEvent(
        // Only the record's MACs rewritten (no value, state, metadata or usage change): nobody is told.
        change({ operationType: "update", fullDocument: secretDoc(), updateDescription: { updatedFields: { macs: {} } } }),
      ),
    ).toBeUndefined();
    expect(
      secretChangeFromStreamEvent(change({ operationType: "update", updateDescription: { updatedFields: { version: 4 } } })),
    ).toBeUndefined();
    expect(secretChangeFromStreamEvent(change({ operationType: "delete" }))).toBeUndefined();
    expect(secretChangeFromStreamEvent(change({ operationType: "drop" }))).toBeUndefined();
  });
});
