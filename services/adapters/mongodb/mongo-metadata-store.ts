/**
 * The production MetadataStore on MongoDB (official driver), for several
 * stateless service replicas sharing one replica set: one module per
 * collection (tenants, secrets, secret versions, consumers, API tokens, audit
 * events) over one MongoConnection.
 *
 * Why multi-document transactions (and so a replica set) rather than a
 * conditional delete on a usage counter alone: "delete only when unreferenced"
 * and "no reference to a missing secret" span the consumer document and every
 * secret it references, and a single-document condition covers one document.
 * So references and the referenced secrets' `usageCount` change together in
 * one transaction (secret-usage.ts), and a delete reads the count and deletes
 * in another. Both write the same secret documents, so under snapshot
 * isolation two racing transactions conflict, `runBoundedTransaction`
 * retries the loser, and the retry sees the winner's commit. Change streams
 * need a replica set too. MongoDB 6.0 or later: the change feed describes
 * deletes from pre-images.
 */
import type { Db, MongoClient } from "mongodb";
import type { MetadataStore } from "../../ports/metadata-store.js";
import { mongoApiTokens } from "./api-tokens.js";
import { mongoAuditEvents } from "./audit-events.js";
import { mongoConsumers } from "./consumers.js";
import { connectWithin, MongoConnection, type MongoMetadataStoreOptions } from "./mongo-connection.js";
import { toStoreError } from "./mongo-errors.js";
import { DEFAULT_AUDIT_RETENTION_DAYS, ensureIndexes } from "./mongo-schema.js";
import { mongoSecretVersions } from "./secret-versions.js";
import { mongoSecrets } from "./secrets.js";
import { mongoTenants } from "./tenants.js";

export type { MongoMetadataStoreOptions } from "./mongo-connection.js";

export type MongoMetadataStore = MetadataStore;

export const MongoMetadataStore = {
  /**
   * Connects, waiting (bounded by `startupTimeoutMs`) for the cluster to be
   * reachable, checks it is a replica set (or sharded cluster), and ensures
   * the indexes. Throws BackendUnavailableError if the cluster stays unreachable.
   */
  async connect(options: MongoMetadataStoreOptions): Promise<MongoMetadataStore> {
    const client = await connectWithin(options);
    try {
      const db = client.db(options.database);
      const hello = await db.command({ hello: 1 });
      if (typeof hello.setName !== "string" && hello.msg !== "isdbgrid")
        throw new Error("MongoDB must be a replica set (or sharded cluster): the store needs transactions and change streams");
      await ensureIndexes(db, options.auditRetentionDays ?? DEFAULT_AUDIT_RETENTION_DAYS);
      return MongoMetadataStore.over(client, db, options);
    } catch (error) {
      await client.close().catch(() => undefined);
      throw toStoreError(error);
    }
  },

  /** The store over a connected client and its database, as they are (no checks, no indexes). */
  over(client: MongoClient, db: Db, options: MongoMetadataStoreOptions): MongoMetadataStore {
    const connection = new MongoConnection(client, db, options);
    return {
      ...mongoTenants(connection),
      ...mongoSecrets(connection),
      ...mongoSecretVersions(connection),
      ...mongoConsumers(connection),
      ...mongoApiTokens(connection),
      ...mongoAuditEvents(connection),
      onSecretChange: (listener) => connection.onSecretChange(listener),
      ping: () => connection.ping(),
      close: () => connection.close(),
    };
  },
};
