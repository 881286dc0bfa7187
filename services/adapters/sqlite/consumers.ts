/**
 * The `consumers` and `consumer_references` tables. Writing references checks
 * in the same transaction that every secret they name exists, and deleting a
 * secret reads `blockingConsumerIds` in its own: one of two concurrent calls
 * wins and the other sees it.
 */
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
import type { SecretChangeEvent } from "../../ports/secret-change-feed.js";
import { changedRowEvent, type SqliteConnection } from "./connection.js";
import { toConsumerOwner, type ConsumerReferenceRow } from "./rows.js";
import type { Statements } from "./statements.js";

/** The most consumer ids an IN_USE outcome names. */
const MAX_BLOCKING_CONSUMERS = 100;

export function sqliteConsumers(db: SqliteConnection): ConsumerStore {
  const { sql } = db;
  const writeOwner = (tenantId: string, consumerId: string, owner: ConsumerOwner, time: Date): boolean =>
    sql.setConsumerOwner.run({ tenantId, consumerId, ownerTokenId: owner.tokenId, ownerMac: owner.mac ?? null, time: time.getTime() })
      .changes > 0;
  return {
    async setConsumerReferences(
      tenantId: string,
      consumerId: string,
      references: readonly ConsumerReference[],
      time: Date,
      ownership?: ConsumerOwnership,
    ): Promise<SetReferencesResult> {
      return db.transact((events): SetReferencesResult => {
        // Checked in the same transaction as the writes: no secret can be deleted, nor the owner change, in between.
        if (ownership) {
          const current = sql.consumerOwnerRow.get({ tenantId, consumerId });
          const currentOwner = current === undefined ? null : (current.owner_token_id ?? "");
          if (currentOwner !== ownership.expectedOwnerTokenId) return { outcome: "OWNER_CHANGED" };
        }
        const nameKeys = JSON.stringify(references.map((r) => r.nameKey));
        const missing = sql.missingNameKeys.all({ tenantId, nameKeys }).map((row) => row.name_key);
        if (missing.length > 0) return { outcome: "MISSING", nameKeys: missing };
        events.push(...usageChanges(sql, tenantId, consumerId, new Set(references.map((r) => r.nameKey)), time));
        const consumer: ConsumerRecord = {
          tenantId,
          id: consumerId,
          references: references.map(({ reference, nameKey }) => ({ reference, nameKey })),
          updateTime: time,
        };
        if (references.length === 0) {
          sql.deleteConsumer.run({ tenantId, consumerId });
          return { outcome: "OK", consumer };
        }
        sql.upsertConsumer.run({ tenantId, consumerId, time: time.getTime() });
        if (ownership) writeOwner(tenantId, consumerId, ownership.owner, time);
        const owner = ownership?.owner ?? toConsumerOwner(sql.consumerOwnerRow.get({ tenantId, consumerId }));
        if (owner) consumer.owner = owner;
        sql.deleteConsumerReferences.run({ tenantId, consumerId });
        for (const [position, { reference, nameKey }] of references.entries())
          sql.insertReference.run({ tenantId, consumerId, position, reference, nameKey });
        return { outcome: "OK", consumer };
      });
    },

    async setConsumerOwner(tenantId: string, consumerId: string, owner: ConsumerOwner, time: Date): Promise<ConsumerRecord | undefined> {
      return db.transact(() => {
        if (!writeOwner(tenantId, consumerId, owner, time)) return undefined;
        return groupConsumers(tenantId, sql.consumerReferences.all({ tenantId, consumerId }))[0];
      });
    },

    async getConsumer(tenantId: string, consumerId: string): Promise<ConsumerRecord | undefined> {
      return groupConsumers(
        tenantId,
        db.run(() => sql.consumerReferences.all({ tenantId, consumerId })),
      )[0];
    },

    async deleteConsumer(tenantId: string, consumerId: string, expectedOwnerTokenId?: string): Promise<boolean> {
      // Its references go with it (ON DELETE CASCADE). The port gives a delete no time; the events carry the commit's.
      return db.transact((events) => {
        const current = sql.consumerOwnerRow.get({ tenantId, consumerId });
        if (expectedOwnerTokenId !== undefined && (current?.owner_token_id ?? "") !== expectedOwnerTokenId) return false;
        events.push(...usageChanges(sql, tenantId, consumerId, new Set(), new Date()));
        return sql.deleteConsumer.run({ tenantId, consumerId }).changes > 0;
      });
    },

    async listSecretConsumers(tenantId: string, nameKey: string, query: PageQuery): Promise<Page<ConsumerRecord>> {
      const limit = checkLimit(query.limit);
      const rows = db.run(() =>
        sql.listSecretConsumers.all({
          tenantId,
          nameKey,
          after: query.cursor === undefined ? "" : decodeCursor(query.cursor),
          limit: limit + 1,
        }),
      );
      return toPage(groupConsumers(tenantId, rows), limit, (consumer) => encodeCursor(consumer.id));
    },
  };
}

/** Ids of the consumers referencing a name key (sorted, at most 100); run inside the delete's transaction. */
export function blockingConsumerIds(sql: Statements, tenantId: string, nameKey: string): string[] {
  return sql.referencingConsumerIds.all({ tenantId, nameKey, limit: MAX_BLOCKING_CONSUMERS }).map((row) => row.consumer_id);
}

/** USAGE_UPDATED for the secrets the consumer starts or stops referencing; run before its references change. */
function usageChanges(sql: Statements, tenantId: string, consumerId: string, after: ReadonlySet<string>, time: Date): SecretChangeEvent[] {
  const before = new Set(sql.consumerReferences.all({ tenantId, consumerId }).map((row) => row.name_key));
  const moved = [...new Set([...before, ...after])].filter((key) => before.has(key) !== after.has(key));
  if (moved.length === 0) return [];
  return sql.changedSecretsByNameKey
    .all({ tenantId, nameKeys: JSON.stringify(moved) })
    .map((row) => changedRowEvent(row, "USAGE_UPDATED", time));
}

/** Folds reference rows, ordered by consumer, into consumer records. */
function groupConsumers(tenantId: string, rows: readonly ConsumerReferenceRow[]): ConsumerRecord[] {
  const consumers: ConsumerRecord[] = [];
  for (const row of rows) {
    let consumer = consumers.at(-1);
    if (consumer === undefined || consumer.id !== row.consumer_id) {
      consumer = { tenantId, id: row.consumer_id, references: [], updateTime: new Date(row.update_time) };
      const owner = toConsumerOwner(row);
      if (owner) consumer.owner = owner;
      consumers.push(consumer);
    }
    consumer.references.push({ reference: row.reference, nameKey: row.name_key });
  }
  return consumers;
}
