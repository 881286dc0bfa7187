/**
 * The MongoDB change feed's open/resume logic against stub streams that
 * behave like the driver's ChangeStream events ("change", "resumeTokenChanged",
 * "error", and "close"/"end" when the server ends the cursor after an
 * invalidate), with the cluster time a server reply reports.
 */
import { EventEmitter } from "node:events";
import { MongoNetworkError, MongoServerError, Timestamp, type ChangeStreamDocument, type Db, type MongoClient } from "mongodb";
import { afterEach, describe, expect, it, vi } from "vitest";
import { MongoMetadataStore } from "../../services/adapters/mongodb/mongo-metadata-store.js";
import type { SecretDoc } from "../../services/adapters/mongodb/mongo-schema.js";
import { BackendUnavailableError } from "../../services/domain/errors.js";
import {
  SECRET_CHANGE_PIPELINE,
  SecretChangeFeed,
  secretChangeFromStreamEvent,
  type ChangeStreamLike,
  type StreamStart,
} from "../../services/adapters/mongodb/secret-change-feed.js";
import type { SecretChangeEvent } from "../../services/ports/metadata-store.js";

/** An event emitter with the ChangeStream methods the feed uses; stands in for the driver's stream object only. */
class StubStream extends EventEmitter implements ChangeStreamLike {
  closed = false;
  async close(): Promise<void> {
    this.closed = true;
  }
}

const secretDoc = (): SecretDoc =>
  ({
    _id: "s-1",
    tenantId: "acme",
    name: "DB_PASSWORD",
    nameKey: "db_password",
    displayName: "",
    description: "",
    labels: [],
    type: "STRING",
    state: "ACTIVE",
    version: 1,
    revision: 1,
    createTime: new Date(1_700_000_000_000),
    updateTime: new Date(1_700_000_000_000),
    usageCount: 0,
  }) as unknown as SecretDoc;

/** The primary's clock, far from this host's: the feed must go by it. */
const CLUSTER_SECONDS = 1_000_000;

describe("SecretChangeFeed", () => {
  let opened: { start: StreamStart; stream: StubStream }[] = [];
  let clusterTimeAnswers: (() => Promise<Timestamp>)[] = [];
  const health: boolean[] = [];
  const feed = (onError?: (e: unknown) => void) =>
    new SecretChangeFeed(
      (start) => {
        const stream = new StubStream();
        opened.push({ start, stream });
        return stream;
      },
      () => (clusterTimeAnswers.shift() ?? (async () => new Timestamp({ t: CLUSTER_SECONDS, i: 7 })))(),
      { retryDelayMs: 20, startMarginMs: 2000, onError, onHealthChange: (up) => health.push(up) },
    );
  const insert = (id: string) => ({ _id: { _data: id }, operationType: "insert", fullDocument: secretDoc() });

  afterEach(() => {
    vi.useRealTimers();
    opened = [];
    clusterTimeAnswers = [];
    health.length = 0;
  });

  it("opens one stream with the first listener, starting a margin before the cluster's time (not this host's clock), and closes it with the last", async () => {
    const changes = feed();
    expect(opened).toHaveLength(0);
    const stopFirst = changes.subscribe(() => undefined);
    const stopSecond = changes.subscribe(() => undefined);
    await vi.waitFor(() => expect(opened).toHaveLength(1));
    expect(opened[0]!.start).toEqual({ startAtOperationTime: new Timestamp({ t: CLUSTER_SECONDS - 2, i: 0 }) });
    stopFirst();
    expect(opened[0]!.stream.closed).toBe(false);
    stopSecond();
    await Promise.resolve();
    expect(opened[0]!.stream.closed).toBe(true);
  });

  it("delivers each change to every listener, keeping on when one throws", async () => {
    const errors: unknown[] = [];
    const changes = feed((e) => errors.push(e));
    const seen: SecretChangeEvent[] = [];
    changes.subscribe(() => {
      throw new Error("listener failure");
    });
    changes.subscribe((event) => seen.push(event));
    await vi.waitFor(() => expect(opened).toHaveLength(1));
    opened[0]!.stream.emit("change", insert("t1"));
    expect(seen.map((e) => e.kind)).toEqual(["CREATED"]);
    expect(errors).toHaveLength(1);
  });

  it("reopens after an error from the last resume token, reporting itself down meanwhile", async () => {
    const errors: unknown[] = [];
    const changes = feed((e) => errors.push(e));
    changes.subscribe(() => undefined);
    await vi.waitFor(() => expect(opened).toHaveLength(1));
    const first = opened[0]!.stream;
    first.emit("change", insert("t1"));
    first.emit("resumeTokenChanged", { _data: "t2" });
    first.emit("error", new MongoNetworkError("connection reset"));
    expect(first.closed).toBe(true);
    expect(changes.downSince()).toBeInstanceOf(Date);
    await vi.waitFor(() => expect(opened).toHaveLength(2));
    expect(opened[1]!.start).toEqual({ resumeAfter: { _data: "t2" } });
    expect(errors).toHaveLength(1);
    expect(health).toEqual([false, true]);
    expect(changes.downSince()).toBeUndefined();
  });

  it("reopens when the stream closes without an error (an invalidate: collection dropped or renamed), from the cluster's time", async () => {
    const changes = feed(() => undefined);
    const seen: SecretChangeEvent[] = [];
    changes.subscribe((event) => seen.push(event));
    await vi.waitFor(() => expect(opened).toHaveLength(1));
    opened[0]!.stream.emit("change", insert("t1"));
    // What the driver does after an invalidate: the cursor is exhausted and the stream emits close.
    opened[0]!.stream.emit("close");
    await vi.waitFor(() => expect(opened).toHaveLength(2));
    expect(opened[1]!.start).toHaveProperty("startAtOperationTime");
    opened[1]!.stream.emit("change", insert("t3"));
    expect(seen).toHaveLength(2);
    expect(health).toEqual([false, true]);
  });

  it("keeps retrying while the cluster cannot say its time", async () => {
    const errors: unknown[] = [];
    clusterTimeAnswers = [async () => Promise.reject(new MongoNetworkError("connection refused"))];
    const changes = feed((e) => errors.push(e));
    changes.subscribe(() => undefined);
    await vi.waitFor(() => expect(opened).toHaveLength(1));
    expect(errors).toHaveLength(1);
    expect(health).toEqual([false, true]);
  });

  it("starts afresh when the resume token is no longer in the oplog", async () => {
    const changes = feed(() => undefined);
    changes.subscribe(() => undefined);
    await vi.waitFor(() => expect(opened).toHaveLength(1));
    opened[0]!.stream.emit("change", insert("t1"));
    opened[0]!.stream.emit("error", new MongoServerError({ message: "resume point no longer in the oplog", code: 286 }));
    await vi.waitFor(() => expect(opened).toHaveLength(2));
    expect(opened[1]!.start).toHaveProperty("startAtOperationTime");
  });

  it("does not reopen once the last listener has gone, and is not down then", async () => {
    const changes = feed(() => undefined);
    const stop = changes.subscribe(() => undefined);
    await vi.waitFor(() => expect(opened).toHaveLength(1));
    // The retry timer the error arms is faked, so the test can run past it instead of sleeping.
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    opened[0]!.stream.emit("error", new MongoNetworkError("connection reset"));
    stop();
    expect(changes.downSince()).toBeUndefined();
    // A fresh subscription opens exactly one new stream (the stopped one's timer does nothing).
    changes.subscribe(() => undefined);
    await vi.waitFor(() => expect(opened).toHaveLength(2));
    await vi.advanceTimersByTimeAsync(5 * 20);
    expect(opened).toHaveLength(2);
  });
});

describe("MongoMetadataStore's change feed", () => {
  /** The store over stand-ins of the driver: `ping` answers with an operationTime, as a replica set member does. */
  function storeWithStubStreams() {
    const watches: { options: Record<string, unknown>; stream: StubStream }[] = [];
    const secrets = {
      watch: (_pipeline: unknown, options: Record<string, unknown>) => {
        const stream = new StubStream();
        watches.push({ options, stream });
        return stream;
      },
    };
    const db = {
      collection: (name: string) => (name === "secrets" ? secrets : {}),
      command: async () => ({ ok: 1, operationTime: new Timestamp({ t: CLUSTER_SECONDS, i: 3 }) }),
    };
    const client = { db: () => ({ command: async () => ({ ok: 1 }) }), close: async () => undefined };
    const health: boolean[] = [];
    const store = MongoMetadataStore.over(client as unknown as MongoClient, db as unknown as Db, {
      uri: "mongodb://unused",
      database: "unused",
      onChangeFeedHealth: (up: boolean) => health.push(up),
    });
    return { store, watches, health };
  }

  afterEach(() => {
    vi.useRealTimers();
  });

  it("watches from the operationTime the server reported, and reports NOT_SERVING once the feed has been down for 10 s", async () => {
    const { store, watches, health } = storeWithStubStreams();
    store.onSecretChange(() => undefined);
    await vi.waitFor(() => expect(watches).toHaveLength(1));
    expect(watches[0]!.options.startAtOperationTime).toEqual(new Timestamp({ t: CLUSTER_SECONDS - 2, i: 0 }));
    expect(watches[0]!.options).toMatchObject({ fullDocument: "whenAvailable", fullDocumentBeforeChange: "whenAvailable" });

    vi.useFakeTimers({ toFake: ["Date", "setTimeout", "clearTimeout"] });
    watches[0]!.stream.emit("close");
    expect(health).toEqual([false]);
    await expect(store.ping()).resolves.toBeUndefined();
    vi.setSystemTime(Date.now() + 10_000);
    await expect(store.ping()).rejects.toBeInstanceOf(BackendUnavailableError);
    await vi.advanceTimersByTimeAsync(1000);
    expect(watches).toHaveLength(2);
    expect(health).toEqual([false, true]);
    await expect(store.ping()).resolves.toBeUndefined();
  });
});

describe("secretChangeFromStreamEvent", () => {
  const update = (updatedFields: Record<string, unknown>, after: Partial<SecretDoc> = {}) =>
    ({
      _id: { _data: "t" },
      operationType: "update",
      wallTime: new Date(1_700_000_009_000),
      fullDocument: { ...secretDoc(), ...after },
      updateDescription: { updatedFields, removedFields: [] },
    }) as unknown as ChangeStreamDocument<SecretDoc>;

  it("tells metadata edits, usage-count and last-access changes apart from value and state changes", () => {
    const accessed = new Date(1_700_000_060_000);
    const kinds = [
      update({ version: 2, revision: 2, updateTime: new Date() }),
      update({ state: "ARCHIVED", revision: 2 }, { state: "ARCHIVED" }),
      update({ description: "x", revision: 2, updateTime: new Date() }),
      update({ labels: [], revision: 2 }),
      update({ usageCount: 1 }),
      update({ lastAccessTime: accessed }, { lastAccessTime: accessed }),
    ].map((change) => secretChangeFromStreamEvent(change)?.kind);
    expect(kinds).toEqual(["VALUE_UPDATED", "ARCHIVED", "METADATA_UPDATED", "METADATA_UPDATED", "USAGE_UPDATED", "USAGE_UPDATED"]);
    expect(secretChangeFromStreamEvent(update({ lastAccessTime: accessed }, { lastAccessTime: accessed }))?.time).toEqual(accessed);
  });

  it("lets the server-side filter pass exactly the updates it maps", () => {
    const filtered = JSON.stringify(SECRET_CHANGE_PIPELINE);
    for (const field of ["version", "state", "revision", "usageCount", "lastAccessTime"])
      expect(filtered).toContain(`updateDescription.updatedFields.${field}`);
    // A rewrap or a MAC refresh touches none of those: nothing to tell.
    expect(secretChangeFromStreamEvent(update({ versionMac: "m" }))).toBeUndefined();
  });
});
