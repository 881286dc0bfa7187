/**
 * The secrets' usage counts, moved by the transactions that change consumers'
 * references: "no reference to a missing secret" and "delete only when
 * unreferenced" both read and write the same secret documents, so two racing
 * transactions conflict and the retried one sees the winner's commit.
 */
import type { ClientSession } from "mongodb";
import type { MongoConnection } from "./mongo-connection.js";

/** The name keys (deduplicated) that name no secret of the tenant, sorted. */
export async function missingNameKeys(
  db: MongoConnection,
  tenantId: string,
  nameKeys: readonly string[],
  session: ClientSession,
): Promise<string[]> {
  const existing = await db.secrets.find({ tenantId, nameKey: { $in: [...nameKeys] } }, { session, projection: { nameKey: 1 } }).toArray();
  const found = new Set(existing.map((s) => s.nameKey));
  return nameKeys.filter((k) => !found.has(k)).sort();
}

/** Moves the usage count of these name keys; each must still exist (it was read in the same transaction). */
export async function adjustUsage(
  db: MongoConnection,
  tenantId: string,
  nameKeys: readonly string[],
  by: 1 | -1,
  session: ClientSession,
): Promise<void> {
  if (nameKeys.length === 0) return;
  const result = await db.secrets.updateMany({ tenantId, nameKey: { $in: [...nameKeys] } }, { $inc: { usageCount: by } }, { session });
  if (result.matchedCount !== nameKeys.length) throw new Error("usage counts: a referenced secret is missing inside the transaction");
}
