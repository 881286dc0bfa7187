/**
 * Between the port's records and the MongoDB documents, and the query
 * filters of the keyset-paginated lists. Pure functions: no driver calls.
 */
import type { Document, Filter } from "mongodb";
import type {
  ApiTokenRecord,
  AuditEventRecord,
  AuditQuery,
  ConsumerRecord,
  SecretListQuery,
  SecretOrder,
  SecretOrderKey,
  SecretRecord,
  SecretVersionInfo,
  TokenListQuery,
} from "../../ports/metadata-store.js";
import { decodeCursor, decodeOrderedCursor, decodeTimeIdCursor } from "../keyset-pages.js";
import type { AuditDoc, ConsumerDoc, LabelDoc, SecretDoc, TokenDoc, VersionDoc } from "./mongo-schema.js";

export function labelsToDoc(labels: Record<string, string>): LabelDoc[] {
  return Object.entries(labels)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, value]) => ({ key, value }));
}

export function labelsFromDoc(labels: readonly LabelDoc[]): Record<string, string> {
  return Object.fromEntries(labels.map(({ key, value }) => [key, value]));
}

export function toSecretRecord(doc: SecretDoc): SecretRecord {
  const record: SecretRecord = {
    tenantId: doc.tenantId,
    id: doc._id,
    name: doc.name,
    nameKey: doc.nameKey,
    displayName: doc.displayName,
    description: doc.description,
    labels: labelsFromDoc(doc.labels),
    type: doc.type,
    state: doc.state,
    version: doc.version,
    revision: doc.revision,
    createTime: doc.createTime,
    updateTime: doc.updateTime,
    usageCount: doc.usageCount,
  };
  if (doc.lastAccessTime) record.lastAccessTime = doc.lastAccessTime;
  if (doc.archiveTime) record.archiveTime = doc.archiveTime;
  if (doc.macs) record.macs = { identity: doc.macs.identity, state: doc.macs.state, version: doc.macs.version };
  return record;
}

export function toVersionInfo(doc: VersionDoc): SecretVersionInfo {
  const retained = doc.ciphertext !== undefined && doc.ciphertext !== null;
  return {
    version: doc.version,
    createTime: doc.createTime,
    createdBy: doc.createdBy,
    valueRetained: retained,
    keyVersion: retained ? doc.keyVersion : 0,
  };
}

export function toConsumerRecord(doc: ConsumerDoc): ConsumerRecord {
  const record: ConsumerRecord = { tenantId: doc.tenantId, id: doc.consumerId, references: doc.references, updateTime: doc.updateTime };
  if (doc.owner)
    record.owner = doc.owner.mac === undefined ? { tokenId: doc.owner.tokenId } : { tokenId: doc.owner.tokenId, mac: doc.owner.mac };
  return record;
}

export function toApiTokenRecord(doc: TokenDoc): ApiTokenRecord {
  const record: ApiTokenRecord = {
    tenantId: doc.tenantId,
    id: doc.id,
    hash: doc.hash,
    displayName: doc.displayName,
    role: doc.role,
    allowedSecretPatterns: doc.allowedSecretPatterns,
    createTime: doc.createTime,
    createdBy: doc.createdBy,
  };
  if (doc.allowedConsumerPatterns) record.allowedConsumerPatterns = doc.allowedConsumerPatterns;
  if (doc.expireTime) record.expireTime = doc.expireTime;
  if (doc.revokeTime) record.revokeTime = doc.revokeTime;
  if (doc.macs) record.macs = { identity: doc.macs.identity, revocation: doc.macs.revocation };
  return record;
}

export function toAuditDoc(event: AuditEventRecord): AuditDoc {
  return { ...event, resourceKeys: event.resources.map((r) => r.toLowerCase()) };
}

export function toAuditEventRecord(doc: AuditDoc): AuditEventRecord {
  const record: AuditEventRecord = {
    tenantId: doc.tenantId,
    id: doc.id,
    time: doc.time,
    actorTokenId: doc.actorTokenId,
    action: doc.action,
    resources: doc.resources,
    outcome: doc.outcome,
    statusCode: doc.statusCode,
  };
  if (doc.version !== undefined && doc.version !== null) record.version = doc.version;
  if (doc.consumerId !== undefined && doc.consumerId !== null) record.consumerId = doc.consumerId;
  return record;
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Secrets after the cursor's name key, with the prefix, state and every wanted label. Sorted by nameKey. */
export function secretListFilter(tenantId: string, query: SecretListQuery): Filter<SecretDoc> {
  const nameKey: Record<string, unknown> = {};
  if (query.cursor !== undefined) nameKey.$gt = decodeCursor(query.cursor);
  if (query.nameKeyPrefix) nameKey.$regex = `^${escapeRegex(query.nameKeyPrefix)}`;
  const filter: Filter<SecretDoc> = { tenantId };
  if (Object.keys(nameKey).length > 0) filter.nameKey = nameKey;
  if (!query.includeArchived) filter.state = "ACTIVE";
  const wanted = Object.entries(query.labels ?? {});
  if (wanted.length > 0) filter.labels = { $all: wanted.map(([key, value]) => ({ $elemMatch: { key, value } })) };
  return filter;
}

/** The document field of each list order (indexed with tenantId and nameKey, see mongo-schema.ts). */
export const ORDER_FIELDS: Record<SecretOrderKey, keyof SecretDoc & string> = {
  name: "nameKey",
  updateTime: "updateTime",
  lastAccessTime: "lastAccessTime",
  usageCount: "usageCount",
  type: "type",
  state: "state",
};

/**
 * The list filters, plus the keyset after the cursor's (order value, name key) in `order`. A
 * missing lastAccessTime (never accessed; cursor value 0) sorts before every time, as null does;
 * comparisons never match null (type bracketing), so it has clauses of its own.
 */
export function orderedSecretListFilter(tenantId: string, query: SecretListQuery, order: SecretOrder): Filter<SecretDoc> {
  const { cursor, ...filters } = query;
  const base = secretListFilter(tenantId, filters);
  if (cursor === undefined) return base;
  const after = decodeOrderedCursor(cursor);
  const field = ORDER_FIELDS[order.key];
  const beyond = order.descending ? "$lt" : "$gt";
  const value = order.key === "updateTime" || order.key === "lastAccessTime" ? new Date(after.value as number) : after.value;
  const never = { lastAccessTime: { $exists: false } };
  let keyset: Document[];
  if (order.key === "lastAccessTime" && after.value === 0)
    keyset = order.descending
      ? [{ ...never, nameKey: { $lt: after.nameKey } }]
      : [{ lastAccessTime: { $exists: true } }, { ...never, nameKey: { $gt: after.nameKey } }];
  else {
    keyset = [{ [field]: { [beyond]: value } }, { [field]: value, nameKey: { [beyond]: after.nameKey } }];
    if (order.key === "lastAccessTime" && order.descending) keyset.push(never);
  }
  return { $and: [base, { $or: keyset }] } as Filter<SecretDoc>;
}

/** Tokens after the cursor's (createTime, id); unless inactive ones are wanted, not revoked and not expired before `now`. */
export function tokenListFilter(tenantId: string, query: TokenListQuery): Filter<TokenDoc> {
  const clauses: Filter<TokenDoc>[] = [{ tenantId }];
  if (query.cursor !== undefined) {
    const after = decodeTimeIdCursor(query.cursor);
    const time = new Date(after.time);
    clauses.push({ $or: [{ createTime: { $gt: time } }, { createTime: time, id: { $gt: after.id } }] });
  }
  if (!query.includeInactive) {
    clauses.push({ revokeTime: { $exists: false } });
    clauses.push({ $or: [{ expireTime: { $exists: false } }, { expireTime: { $gte: query.now } }] });
  }
  return { $and: clauses };
}

/** Events before the cursor's id (newest first), with every given filter; start inclusive, end exclusive. */
export function auditFilter(tenantId: string, query: AuditQuery): Filter<AuditDoc> {
  const filter: Filter<AuditDoc> = { tenantId };
  if (query.cursor !== undefined) filter.id = { $lt: decodeCursor(query.cursor) };
  if (query.action !== undefined) filter.action = query.action;
  if (query.actorTokenId !== undefined) filter.actorTokenId = query.actorTokenId;
  if (query.outcome !== undefined) filter.outcome = query.outcome;
  if (query.resource !== undefined) filter.resourceKeys = query.resource.toLowerCase();
  if (query.startTime !== undefined || query.endTime !== undefined) {
    const time: Record<string, Date> = {};
    if (query.startTime !== undefined) time.$gte = query.startTime;
    if (query.endTime !== undefined) time.$lt = query.endTime;
    filter.time = time;
  }
  return filter;
}
