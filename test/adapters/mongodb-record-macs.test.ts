/**
 * Record authentication at the MongoDB adapter's seam, without a server: the
 * store runs against a recording stand-in of the driver's collections, so a
 * test sees the exact documents and updates it sends. Each MAC is written in
 * the same document or update as the fields it covers, and read back; the
 * service's check (AuthenticatedStore) then refuses a document changed in the
 * database. The full contract runs in test/contract when MONGODB_URI is set.
 */
import { randomBytes } from "node:crypto";
import type { Db, MongoClient } from "mongodb";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LocalKeyringCipher } from "../../services/adapters/local-keyring/local-keyring-cipher.js";
import { MongoMetadataStore } from "../../services/adapters/mongodb/mongo-metadata-store.js";
import { ServiceError } from "../../services/domain/errors.js";
import { AuthenticatedStore, type TamperReport } from "../../services/integrity/authenticated-store.js";
import { RecordMacs } from "../../services/integrity/record-macs.js";
import type { ApiTokenRecord, NewSecret } from "../../services/ports/metadata-store.js";
import { StaleKeyVersionError } from "../../services/ports/rewrap-store.js";

interface Call {
  collection: string;
  method: string;
  args: any[];
}

/** The driver surface the store uses, recording every call; `reply` scripts what a method returns. */
function recordingMongo() {
  const calls: Call[] = [];
  const replies = new Map<string, unknown>();
  const collection = (name: string) =>
    new Proxy(
      {},
      {
        get:
          (_target, method: string) =>
          (...args: any[]) => {
            calls.push({ collection: name, method, args });
            const reply = replies.get(`${name}.${method}`);
            if (method === "find" || method === "aggregate") {
              const cursor = { sort: () => cursor, limit: () => cursor, toArray: async () => (reply as unknown[]) ?? [] };
              return cursor;
            }
            return Promise.resolve(reply ?? null);
          },
      },
    );
  const session = { startTransaction: () => undefined, commitTransaction: async () => undefined, abortTransaction: async () => undefined };
  const client = { withSession: async (work: any) => work(session) };
  // connect() would need a server: the store goes over stand-ins of the collections instead.
  const store = MongoMetadataStore.over(client as unknown as MongoClient, { collection } as unknown as Db, {
    uri: "mongodb://unused",
    database: "unused",
  });
  const last = (name: string, method: string) => calls.filter((c) => c.collection === name && c.method === method).at(-1)!;
  return { store, calls, last, reply: (key: string, value: unknown) => replies.set(key, value) };
}

const secret = (): NewSecret => ({
  tenantId: "acme",
  id: "sec_1",
  name: "APP_DB",
  nameKey: "app_db",
  displayName: "",
  description: "",
  labels: {},
  type: "TOKEN",
  createTime: new Date(1000),
});

const firstVersion = { version: 1, ciphertext: Uint8Array.of(1, 2), keyVersion: 1, createTime: new Date(1000), createdBy: "tok_a" };

const token = (): ApiTokenRecord => ({
  tenantId: "acme",
  id: "tok_w",
  hash: "ab".repeat(32),
  displayName: "w",
  role: "WORKLOAD",
  allowedSecretPatterns: ["APP_*"],
  createTime: new Date(1000),
  createdBy: "tok_a",
});

describe("MongoDB store: MACs written with what they cover", () => {
  it("inserts a tenant's, a secret's and a token's MACs in their documents", async () => {
    const mongo = recordingMongo();
    await mongo.store.createTenant({ id: "acme", displayName: "Acme", createTime: new Date(0), mac: "tenant-mac" });
    expect(mongo.last("tenants", "insertOne").args[0]).toMatchObject({ _id: "acme", mac: "tenant-mac" });
    const macs = { identity: "i", state: "s", version: "v" };
    await mongo.store.createSecret({ ...secret(), macs }, firstVersion);
    expect(mongo.last("secrets", "insertOne").args[0]).toMatchObject({ _id: "sec_1", state: "ACTIVE", version: 1, macs });
    await mongo.store.createApiToken({ ...token(), macs: { identity: "ti", revocation: "tr" } });
    expect(mongo.last("api_tokens", "insertOne").args[0].macs).toEqual({ identity: "ti", revocation: "tr" });
  });

  it("sets the version, state and revocation MACs in the same update as their fields", async () => {
    const mongo = recordingMongo();
    const doc = { ...secret(), _id: "sec_1", labels: [], state: "ACTIVE", version: 2, revision: 2, updateTime: new Date(0), usageCount: 0 };
    mongo.reply("secrets.findOneAndUpdate", doc);
    mongo.reply("api_tokens.findOneAndUpdate", { ...token(), revokeTime: new Date(5) });

    await mongo.store.addSecretVersion("acme", "sec_1", { ...firstVersion, version: 2, currentVersionMac: "v2" }, 5);
    const versionUpdate = mongo.last("secrets", "findOneAndUpdate").args;
    expect(versionUpdate[0]).toMatchObject({ _id: "sec_1", version: 1 });
    expect(versionUpdate[1].$set).toMatchObject({ version: 2, "macs.version": "v2" });

    await mongo.store.setSecretState("acme", "sec_1", undefined, "ARCHIVED", new Date(3), "st-archived");
    expect(mongo.last("secrets", "findOneAndUpdate").args[1].$set).toMatchObject({ state: "ARCHIVED", "macs.state": "st-archived" });

    await mongo.store.revokeApiToken("acme", "tok_w", new Date(5), "revoked-at-5");
    const revoke = mongo.last("api_tokens", "findOneAndUpdate").args;
    // Only a token not yet revoked gets the time and its MAC: the first revocation's pair stays.
    expect(revoke[0]).toMatchObject({ id: "tok_w", revokeTime: { $exists: false } });
    expect(revoke[1].$set).toEqual({ revokeTime: new Date(5), "macs.revocation": "revoked-at-5" });
  });

  it("returns each ciphertext below a key version with its secret's name key, for the associated data", async () => {
    const mongo = recordingMongo();
    mongo.reply("secret_versions.find", [{ tenantId: "acme", secretId: "sec_1", version: 1, ciphertext: Uint8Array.of(1), keyVersion: 1 }]);
    mongo.reply("secrets.find", [{ _id: "sec_1", nameKey: "app_db" }]);
    expect(await mongo.store.listCiphertextsBelow("acme", 2, 10)).toMatchObject([{ secretId: "sec_1", nameKey: "app_db", version: 1 }]);
  });
});

describe("MongoDB store: the key-version gate of a write (issue 9, the rotation race)", () => {
  it("bumps the tenant document in the write's transaction and refuses a version sealed below its minimum", async () => {
    const mongo = recordingMongo();
    mongo.reply("tenants.findOneAndUpdate", { _id: "acme", minKeyVersion: 2 });
    await expect(mongo.store.createSecret(secret(), firstVersion)).rejects.toBeInstanceOf(StaleKeyVersionError);
    const gate = mongo.last("tenants", "findOneAndUpdate").args;
    // A write to the tenant document, in the session: a concurrent raise conflicts with it.
    expect(gate[0]).toEqual({ _id: "acme" });
    expect(gate[1]).toEqual({ $inc: { sealedWrites: 1 } });
    expect(gate[2].session).toBeDefined();
    expect(mongo.calls.some((c) => c.collection === "secret_versions" && c.method === "insertOne")).toBe(false);

    await mongo.store.raiseMinKeyVersion("acme", 3);
    expect(mongo.last("tenants", "updateOne").args.slice(0, 2)).toEqual([{ _id: "acme" }, { $max: { minKeyVersion: 3 } }]);
  });

  it("sets a consumer's owner only when the owner read in the transaction is the expected one", async () => {
    const mongo = recordingMongo();
    mongo.reply("consumers.findOne", {
      tenantId: "acme",
      consumerId: "svc",
      references: [],
      nameKeys: [],
      updateTime: new Date(0),
      owner: { tokenId: "tok_a" },
    });
    const owner = { owner: { tokenId: "tok_b", mac: "m" } };
    expect(await mongo.store.setConsumerReferences("acme", "svc", [], new Date(1), { ...owner, expectedOwnerTokenId: null })).toEqual({
      outcome: "OWNER_CHANGED",
    });
    mongo.reply("secrets.find", [{ nameKey: "a" }]);
    mongo.reply("secrets.updateMany", { matchedCount: 1 });
    const taken = await mongo.store.setConsumerReferences("acme", "svc", [{ reference: "$<secret.A>", nameKey: "a" }], new Date(1), {
      ...owner,
      expectedOwnerTokenId: "tok_a",
    });
    expect(taken.outcome).toBe("OK");
    expect(mongo.last("consumers", "replaceOne").args[1].owner).toEqual({ tokenId: "tok_b", mac: "m" });
  });
});

describe("MongoDB store behind record authentication", () => {
  let dir: string;
  let cipher: LocalKeyringCipher;
  const reports: TamperReport[] = [];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "mongo-macs-"));
    cipher = await LocalKeyringCipher.open({ masterKey: randomBytes(32), keyringPath: join(dir, "keyring.json") });
    await cipher.createTenantKey("acme");
    reports.length = 0;
  });
  afterEach(async () => {
    await cipher.close();
    await rm(dir, { recursive: true, force: true });
  });

  const authenticated = (mongo: ReturnType<typeof recordingMongo>) =>
    new AuthenticatedStore(mongo.store, new RecordMacs(cipher), (report) => reports.push(report));

  it("reads back what it wrote, and refuses a secret document renamed in the database", async () => {
    const mongo = recordingMongo();
    const store = authenticated(mongo);
    await store.createSecret(secret(), firstVersion);
    const written = mongo.last("secrets", "insertOne").args[0];

    mongo.reply("secrets.findOne", written);
    expect(await store.getSecret("acme", "app_db")).toMatchObject({ name: "APP_DB", version: 1 });

    mongo.reply("secrets.findOne", { ...written, name: "OTHER", nameKey: "other" });
    const refused = await store.getSecret("acme", "other").catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ServiceError);
    expect(refused).toMatchObject({ reason: "RECORD_TAMPERED" });
    expect(reports).toEqual([{ kind: "secret", tenantId: "acme", id: "sec_1", failure: "identity" }]);
  });

  it("authenticates a token it wrote, and no one with a token document widened in the database", async () => {
    const mongo = recordingMongo();
    const store = authenticated(mongo);
    await store.createApiToken(token());
    const written = mongo.last("api_tokens", "insertOne").args[0];

    mongo.reply("api_tokens.findOne", written);
    expect(await store.findApiTokenByHash(written.hash)).toMatchObject({ id: "tok_w", role: "WORKLOAD" });

    mongo.reply("api_tokens.findOne", { ...written, allowedSecretPatterns: ["*"] });
    expect(await store.findApiTokenByHash(written.hash)).toBeUndefined();
    mongo.reply("api_tokens.findOne", { ...written, tenantId: "no-such-tenant" });
    expect(await store.findApiTokenByHash(written.hash)).toBeUndefined();
    expect(reports.map((r) => r.failure)).toEqual(["identity", "unknown tenant"]);
  });
});
