/**
 * The `consumers` collection: each consumer's references, with the name keys
 * they name (indexed) so usage is found without reading every reference.
 */
import type { ClientSession } from "mongodb";
import type {
  ConsumerOwner,
  ConsumerOwnership,
  ConsumerRecord,
  ConsumerReference,
  ConsumerStore,
  SetReferencesResult,
} from "../../ports/consumer-store.js";
import type { Page, PageQuery } from "../../ports/pages.js";
import { checkLimit, decodeCursor, encodeCursor, toPage } from "../keyset-pages.js";
import type { MongoConnection } from "./mongo-connection.js";
import { toConsumerRecord } from "./mongo-documents.js";
import { adjustUsage, missingNameKeys } from "./secret-usage.js";

/** The most consumer ids an IN_USE outcome names. */
const MAX_BLOCKING_CONSUMERS = 100;

export function mongoConsumers(db: MongoConnection): ConsumerStore {
  const { consumers } = db;
  return {
    async setConsumerReferences(
      tenantId: string,
      consumerId: string,
      references: readonly ConsumerReference[],
      time: Date,
      ownership?: ConsumerOwnership,
    ): Promise<SetReferencesResult> {
      const nameKeys = [...new Set(references.map((r) => r.nameKey))];
      const consumer: ConsumerRecord = {
        tenantId,
        id: consumerId,
        references: references.map(({ reference, nameKey }) => ({ reference, nameKey })),
        updateTime: time,
      };
      return db.transaction(async (session): Promise<SetReferencesResult> => {
        // Read in the transaction: of two concurrent owner changes one conflicts, retries and sees the other.
        const previous = await consumers.findOne({ tenantId, consumerId }, { session });
        if (ownership) {
          const currentOwner = previous === null ? null : (previous.owner?.tokenId ?? "");
          if (currentOwner !== ownership.expectedOwnerTokenId) return { outcome: "OWNER_CHANGED" };
        }
        const missing = await missingNameKeys(db, tenantId, nameKeys, session);
        if (missing.length > 0) return { outcome: "MISSING", nameKeys: missing };

        const before = new Set(previous?.nameKeys ?? []);
        const after = new Set(nameKeys);
        const added = nameKeys.filter((k) => !before.has(k));
        const removed = [...before].filter((k) => !after.has(k));
        await adjustUsage(db, tenantId, added, 1, session);
        await adjustUsage(db, tenantId, removed, -1, session);
        const owner = ownership?.owner ?? previous?.owner;
        if (owner) consumer.owner = owner;
        if (nameKeys.length === 0) await consumers.deleteOne({ tenantId, consumerId }, { session });
        else
          await consumers.replaceOne(
            { tenantId, consumerId },
            { tenantId, consumerId, references: consumer.references, nameKeys, updateTime: time, ...(owner && { owner }) },
            { session, upsert: true },
          );
        return { outcome: "OK", consumer };
      });
    },

    async setConsumerOwner(tenantId: string, consumerId: string, owner: ConsumerOwner, time: Date): Promise<ConsumerRecord | undefined> {
      const doc = await db.run(() =>
        consumers.findOneAndUpdate({ tenantId, consumerId }, { $set: { owner, updateTime: time } }, { returnDocument: "after" }),
      );
      return doc ? toConsumerRecord(doc) : undefined;
    },

    async getConsumer(tenantId: string, consumerId: string): Promise<ConsumerRecord | undefined> {
      const doc = await db.run(() => consumers.findOne({ tenantId, consumerId }));
      return doc ? toConsumerRecord(doc) : undefined;
    },

    async deleteConsumer(tenantId: string, consumerId: string, expectedOwnerTokenId?: string): Promise<boolean> {
      const ownerIs =
        expectedOwnerTokenId === undefined
          ? {}
          : expectedOwnerTokenId === ""
            ? { owner: { $exists: false } }
            : { "owner.tokenId": expectedOwnerTokenId };
      return db.transaction(async (session) => {
        const previous = await consumers.findOneAndDelete({ tenantId, consumerId, ...ownerIs }, { session });
        if (!previous) return false;
        await adjustUsage(db, tenantId, previous.nameKeys, -1, session);
        return true;
      });
    },

    async listSecretConsumers(tenantId: string, nameKey: string, query: PageQuery): Promise<Page<ConsumerRecord>> {
      const limit = checkLimit(query.limit);
      const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
      const docs = await db.run(() =>
        consumers
          .find({ tenantId, nameKeys: nameKey, ...(after !== undefined ? { consumerId: { $gt: after } } : {}) })
          .sort({ consumerId: 1 })
          .limit(limit + 1)
          .toArray(),
      );
      const found = docs.map((doc) => toConsumerRecord({ ...doc, references: doc.references.filter((r) => r.nameKey === nameKey) }));
      return toPage(found, limit, (consumer) => encodeCursor(consumer.id));
    },
  };
}

/** Ids of the consumers referencing a name key (sorted, at most 100), read inside the delete's transaction. */
export async function blockingConsumerIds(
  db: MongoConnection,
  tenantId: string,
  nameKey: string,
  session: ClientSession,
): Promise<string[]> {
  const blocking = await db.consumers
    .find({ tenantId, nameKeys: nameKey }, { session, projection: { consumerId: 1 } })
    .sort({ consumerId: 1 })
    .limit(MAX_BLOCKING_CONSUMERS)
    .toArray();
  return blocking.map((c) => c.consumerId);
}
