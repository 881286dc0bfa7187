/**
 * The one MongoDB client every collection module of the MongoDB store shares:
 * typed collection handles, the error mapping, bounded multi-document
 * transactions, the secrets change feed, health and shutdown.
 */
import {
  MongoClient,
  Timestamp,
  type ClientSession,
  type Collection,
  type Db,
  type MongoClientOptions,
  type TransactionOptions,
} from "mongodb";
import { BackendUnavailableError } from "../../domain/errors.js";
import type { StoreLifecycle } from "../../ports/metadata-store.js";
import type { SecretChangeEvent, SecretChangeFeed as SecretChangeFeedPort } from "../../ports/secret-change-feed.js";
import { BACKEND, isUnavailableError, toStoreError } from "./mongo-errors.js";
import {
  COLLECTIONS,
  type AuditDoc,
  type ConsumerDoc,
  type SecretDoc,
  type TenantDoc,
  type TokenDoc,
  type VersionDoc,
} from "./mongo-schema.js";
import { runBoundedTransaction } from "./mongo-transactions.js";
import { SECRET_CHANGE_PIPELINE, SECRET_CHANGE_STREAM_OPTIONS, SecretChangeFeed } from "./secret-change-feed.js";

/** Construction options (SECRETS_STORE=mongodb). Configuration maps flags/env onto this. */
export interface MongoMetadataStoreOptions {
  /** Connection string, e.g. `mongodb://mongo-0,mongo-1,mongo-2/?replicaSet=rs0` (MONGODB_URI). Credentials and TLS go here. */
  uri: string;
  /** Database holding the store's collections. */
  database: string;
  /** How long one operation waits to find a suitable server; default 5000 ms. */
  serverSelectionTimeoutMs?: number;
  /** How long start-up keeps retrying an unreachable cluster before giving up; default 60 000 ms. */
  startupTimeoutMs?: number;
  /** TCP connect timeout; default 10 000 ms. */
  connectTimeoutMs?: number;
  /** Connection pool bounds per service replica; defaults 50 and 0. */
  maxPoolSize?: number;
  minPoolSize?: number;
  /** Audit events are removed by a TTL index after this many days; default 365. */
  auditRetentionDays?: number;
  /** Shown in MongoDB's logs and currentOp; default `secrets-service`. */
  appName?: string;
  /** Told about change stream errors (the feed reopens by itself) and listener errors. */
  onChangeFeedError?: (error: unknown) => void;
  /** Told when the change feed goes down and when it is open again (for a metric). */
  onChangeFeedHealth?: (up: boolean) => void;
  /** How long a transaction, retries included, may take before failing UNAVAILABLE: the call's deadline; default 30 000 ms. */
  transactionTimeoutMs?: number;
}

const DEFAULT_TRANSACTION_TIMEOUT_MS = 30_000;

/** How long the change feed may be down (reopening) before health reports the store unavailable. */
const CHANGE_FEED_DOWN_GRACE_MS = 10_000;

const TRANSACTION_OPTIONS: TransactionOptions = {
  readConcern: { level: "snapshot" },
  writeConcern: { w: "majority" },
  readPreference: "primary",
};

export class MongoConnection implements SecretChangeFeedPort, StoreLifecycle {
  readonly tenants: Collection<TenantDoc>;
  readonly secrets: Collection<SecretDoc>;
  readonly versions: Collection<VersionDoc>;
  readonly consumers: Collection<ConsumerDoc>;
  readonly tokens: Collection<TokenDoc>;
  readonly audit: Collection<AuditDoc>;
  private readonly feed: SecretChangeFeed;
  private readonly transactionTimeoutMs: number;
  private closed = false;

  constructor(
    private readonly client: MongoClient,
    db: Db,
    options: MongoMetadataStoreOptions,
  ) {
    this.tenants = db.collection<TenantDoc>(COLLECTIONS.tenants);
    this.secrets = db.collection<SecretDoc>(COLLECTIONS.secrets);
    this.versions = db.collection<VersionDoc>(COLLECTIONS.versions);
    this.consumers = db.collection<ConsumerDoc>(COLLECTIONS.consumers);
    this.tokens = db.collection<TokenDoc>(COLLECTIONS.tokens);
    this.audit = db.collection<AuditDoc>(COLLECTIONS.audit);
    this.transactionTimeoutMs = options.transactionTimeoutMs || DEFAULT_TRANSACTION_TIMEOUT_MS;
    this.feed = new SecretChangeFeed(
      (start) => this.secrets.watch<SecretDoc>(SECRET_CHANGE_PIPELINE, { ...SECRET_CHANGE_STREAM_OPTIONS, ...start }),
      () => clusterTimeOf(db),
      { onError: options.onChangeFeedError, onHealthChange: options.onChangeFeedHealth },
    );
  }

  /** Runs `work` in one transaction (retried on transient conflicts within the call's deadline), with the store's error mapping. */
  transaction<T>(work: (session: ClientSession) => Promise<T>): Promise<T> {
    return this.run(() =>
      this.client.withSession((session) =>
        runBoundedTransaction(session, () => work(session), { ...TRANSACTION_OPTIONS, timeoutMs: this.transactionTimeoutMs }),
      ),
    );
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    // The driver would quietly reconnect a closed client; a closed store stays closed.
    if (this.closed) throw new BackendUnavailableError(BACKEND, "the store is closed");
    try {
      return await work();
    } catch (error) {
      throw toStoreError(error);
    }
  }

  onSecretChange(listener: (event: SecretChangeEvent) => void): () => void {
    return this.feed.subscribe(listener);
  }

  async ping(): Promise<void> {
    if (this.closed) throw new BackendUnavailableError(BACKEND, "the store is closed");
    // Watchers silently missing changes is an outage too; a reopen within the grace is not.
    const feedDown = this.feed.downSince();
    if (feedDown && Date.now() - feedDown.getTime() >= CHANGE_FEED_DOWN_GRACE_MS)
      throw new BackendUnavailableError(BACKEND, `the secrets change stream has been down since ${feedDown.toISOString()}`);
    try {
      await this.client.db("admin").command({ ping: 1 });
    } catch (error) {
      const mapped = toStoreError(error);
      throw mapped instanceof BackendUnavailableError ? mapped : new BackendUnavailableError(BACKEND, String(error), { cause: error });
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.feed.stop();
    await this.client.close();
  }
}

/** Connects, retrying while the cluster is unreachable, until `startupTimeoutMs` has passed. */
export async function connectWithin(options: MongoMetadataStoreOptions): Promise<MongoClient> {
  const clientOptions: MongoClientOptions = {
    appName: options.appName ?? "secrets-service",
    serverSelectionTimeoutMS: options.serverSelectionTimeoutMs ?? 5000,
    connectTimeoutMS: options.connectTimeoutMs ?? 10_000,
    maxPoolSize: options.maxPoolSize ?? 50,
    minPoolSize: options.minPoolSize ?? 0,
    retryWrites: true,
    retryReads: true,
    writeConcern: { w: "majority" },
    readConcern: { level: "majority" },
    // Ciphertexts come back as Buffers; absent optional fields stay absent.
    promoteBuffers: true,
    ignoreUndefined: true,
  };
  const deadline = Date.now() + (options.startupTimeoutMs ?? 60_000);
  let pause = 250;
  for (;;) {
    const client = new MongoClient(options.uri, clientOptions);
    try {
      await client.connect();
      await client.db("admin").command({ ping: 1 });
      return client;
    } catch (error) {
      await client.close().catch(() => undefined);
      if (!isUnavailableError(error) || Date.now() + pause >= deadline) throw toStoreError(error);
      await new Promise((resolve) => setTimeout(resolve, pause));
      pause = Math.min(pause * 2, 5000);
    }
  }
}

/** The cluster's time now, from a reply's operationTime (replica sets and sharded clusters report it). */
async function clusterTimeOf(db: Db): Promise<Timestamp> {
  const reply = await db.command({ ping: 1 });
  const time: unknown = reply.operationTime ?? reply.$clusterTime?.clusterTime;
  if (!(time instanceof Timestamp)) throw new Error("MongoDB reported no operationTime: the change feed needs a replica set");
  return time;
}
