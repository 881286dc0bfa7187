/**
 * What a first real MongoDB deployment meets, reproduced at the store's
 * seams with the server's documented answers: a restart under a
 * least-privilege user (readWrite has no collMod), two replicas creating the
 * schema at once, failover errors by their labels and codes, and transactions
 * that keep failing transiently past the call's deadline.
 */
import { MongoError, MongoErrorLabel, MongoServerError, type Db, type Document } from "mongodb";
import { describe, expect, it } from "vitest";
import { BackendUnavailableError } from "../../services/domain/errors.js";
import { toStoreError } from "../../services/adapters/mongodb/mongo-errors.js";
import { AUDIT_TTL_INDEX, COLLECTIONS, ensureIndexes, indexDefinitions } from "../../services/adapters/mongodb/mongo-schema.js";
import { runBoundedTransaction, type TransactionSession } from "../../services/adapters/mongodb/mongo-transactions.js";

/** The error a readWrite user gets for collMod (Unauthorized, 13). */
const unauthorized = (command: string) =>
  new MongoServerError({
    ok: 0,
    errmsg: `not authorized on secrets to execute command { ${command}: ... }`,
    code: 13,
    codeName: "Unauthorized",
  });

/**
 * A database answering listCollections/listIndexes with the server's
 * document shapes, recording every schema-changing command, and refusing
 * collMod as MongoDB does for a user with the built-in readWrite role.
 */
class FakeDb {
  readonly changes: string[] = [];
  readonly collections = new Map<string, { options: Document; indexes: Document[] }>();
  /** Makes the next createCollection fail as if another replica created the collection first. */
  raceOnCreate = false;

  listCollections(filter: { name?: string } = {}) {
    const all = [...this.collections.entries()].map(([name, c]) => ({
      name,
      type: "collection",
      options: c.options,
      info: { readOnly: false },
    }));
    return { toArray: async () => all.filter((c) => filter.name === undefined || c.name === filter.name) };
  }

  async createCollection(name: string, options: Document) {
    if (this.raceOnCreate) {
      this.raceOnCreate = false;
      this.collections.set(name, {
        options: { changeStreamPreAndPostImages: { enabled: true } },
        indexes: [{ v: 2, key: { _id: 1 }, name: "_id_" }],
      });
      throw new MongoServerError({ ok: 0, errmsg: `Collection secrets.${name} already exists.`, code: 48, codeName: "NamespaceExists" });
    }
    this.changes.push(`createCollection ${name} ${JSON.stringify(options)}`);
    this.collections.set(name, { options, indexes: [{ v: 2, key: { _id: 1 }, name: "_id_" }] });
  }

  async command(command: Document) {
    const name = Object.keys(command)[0]!;
    if (name === "collMod") throw unauthorized("collMod");
    throw new Error(`unexpected command ${name}`);
  }

  collection(name: string) {
    return {
      listIndexes: () => ({
        toArray: async () => {
          const collection = this.collections.get(name);
          if (!collection)
            throw new MongoServerError({ ok: 0, errmsg: `ns does not exist: secrets.${name}`, code: 26, codeName: "NamespaceNotFound" });
          return collection.indexes;
        },
      }),
      createIndex: async (key: Document, options: Document) => {
        this.changes.push(`createIndex ${name} ${options.name}`);
        const collection = this.collections.get(name) ?? { options: {}, indexes: [{ v: 2, key: { _id: 1 }, name: "_id_" }] };
        collection.indexes.push({ v: 2, key, ...options });
        this.collections.set(name, collection);
        return options.name;
      },
    };
  }

  asDb(): Db {
    return this as unknown as Db;
  }
}

describe("MongoDB schema on start-up", () => {
  it("restarts under a least-privilege user (no collMod) when the collections and indexes are already as wanted", async () => {
    const db = new FakeDb();
    await ensureIndexes(db.asDb(), 30);
    expect(db.changes).toContain(`createCollection ${COLLECTIONS.secrets} {"changeStreamPreAndPostImages":{"enabled":true}}`);
    expect(db.changes.filter((c) => c.startsWith("createIndex"))).toHaveLength(indexDefinitions(30).length);

    db.changes.length = 0;
    await ensureIndexes(db.asDb(), 30);
    expect(db.changes).toEqual([]);
  });

  it("takes a collection another replica created in the same moment (NamespaceExists, 48)", async () => {
    const db = new FakeDb();
    db.raceOnCreate = true;
    await ensureIndexes(db.asDb(), 30);
    expect(db.changes.some((c) => c.startsWith("createCollection"))).toBe(false);
  });

  it("uses collMod only for what differs, and so says which privilege a changed audit retention needs", async () => {
    const db = new FakeDb();
    await ensureIndexes(db.asDb(), 30);
    const failure = await ensureIndexes(db.asDb(), 31).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(MongoServerError);
    expect((failure as MongoServerError).codeName).toBe("Unauthorized");
    expect((failure as Error).message).toContain("collMod");

    const allowed = new FakeDb();
    const collMods: Document[] = [];
    allowed.command = async (command: Document) => void collMods.push(command);
    await ensureIndexes(allowed.asDb(), 30);
    allowed.collections.get(COLLECTIONS.secrets)!.options = {};
    await ensureIndexes(allowed.asDb(), 31);
    expect(collMods).toEqual([
      { collMod: COLLECTIONS.secrets, changeStreamPreAndPostImages: { enabled: true } },
      { collMod: COLLECTIONS.audit, index: { name: AUDIT_TTL_INDEX, expireAfterSeconds: 31 * 86_400 } },
    ]);
  });
});

describe("MongoDB failover errors", () => {
  it("maps errors labelled TransientTransactionError, RetryableWriteError or UnknownTransactionCommitResult to UNAVAILABLE", () => {
    const labelled = [
      { code: 112, codeName: "WriteConflict", errorLabels: [MongoErrorLabel.TransientTransactionError] },
      { code: 64, codeName: "WriteConcernFailed", errorLabels: [MongoErrorLabel.UnknownTransactionCommitResult] },
      { code: 11602, codeName: "InterruptedDueToReplStateChange", errorLabels: [MongoErrorLabel.RetryableWriteError] },
      { code: 251, codeName: "NoSuchTransaction", errorLabels: [MongoErrorLabel.TransientTransactionError] },
    ];
    for (const reply of labelled) {
      const error = new MongoServerError({ ok: 0, errmsg: reply.codeName, ...reply });
      expect(toStoreError(error)).toBeInstanceOf(BackendUnavailableError);
    }
  });

  it("maps the driver's other retryable codes (ExceededTimeLimit 262, ReadConcernMajorityNotAvailableYet 134, LegacyNotPrimary 10058) to UNAVAILABLE", () => {
    for (const code of [262, 134, 10058])
      expect(toStoreError(new MongoServerError({ ok: 0, errmsg: "x", code }))).toBeInstanceOf(BackendUnavailableError);
    expect(toStoreError(new MongoServerError({ ok: 0, errmsg: "bad value", code: 2 }))).not.toBeInstanceOf(BackendUnavailableError);
  });
});

describe("transactions bounded by the call's deadline", () => {
  const transient = () =>
    new MongoServerError({
      ok: 0,
      errmsg: "WriteConflict",
      code: 112,
      codeName: "WriteConflict",
      errorLabels: [MongoErrorLabel.TransientTransactionError],
    });
  const unknownCommit = () =>
    new MongoServerError({
      ok: 0,
      errmsg: "primary stepped down",
      code: 189,
      errorLabels: [MongoErrorLabel.UnknownTransactionCommitResult],
    });

  /** A session that records the spec's steps; commits answer from a script. */
  function session(commitAnswers: (() => MongoError | undefined)[] = []) {
    const steps: string[] = [];
    const fake: TransactionSession = {
      startTransaction: () => void steps.push("start"),
      abortTransaction: async () => void steps.push("abort"),
      commitTransaction: async () => {
        steps.push("commit");
        const error = commitAnswers.shift()?.();
        if (error) throw error;
      },
    } as unknown as TransactionSession;
    return { fake, steps };
  }

  it("runs the transaction again after a TransientTransactionError, and commits", async () => {
    const { fake, steps } = session();
    let attempts = 0;
    const result = await runBoundedTransaction(
      fake,
      async () => {
        if (attempts++ === 0) throw transient();
        return "done";
      },
      { timeoutMs: 30_000 },
    );
    expect(result).toBe("done");
    expect(steps).toEqual(["start", "abort", "start", "commit"]);
  });

  it("retries a commit with an unknown result, and runs everything again after a transient commit failure", async () => {
    const { fake, steps } = session([unknownCommit, transient, () => undefined]);
    await runBoundedTransaction(fake, async () => "done", { timeoutMs: 30_000 });
    expect(steps).toEqual(["start", "commit", "commit", "start", "commit"]);
  });

  it("gives up with UNAVAILABLE once the call's deadline has passed, not after the driver's 120 s", async () => {
    let clock = 0;
    const { fake } = session();
    const failure = await runBoundedTransaction(
      fake,
      async () => {
        clock += 400;
        throw transient();
      },
      { timeoutMs: 1000 },
      () => clock,
    ).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(BackendUnavailableError);
    expect((failure as Error).message).toContain("within 1000 ms");
    expect(clock).toBe(1200);
  });

  it("rethrows other errors as they are, after aborting", async () => {
    const { fake, steps } = session();
    const bug = new TypeError("x is undefined");
    await expect(runBoundedTransaction(fake, async () => Promise.reject(bug), { timeoutMs: 1000 })).rejects.toBe(bug);
    expect(steps).toEqual(["start", "abort"]);
  });
});
