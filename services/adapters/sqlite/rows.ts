/**
 * Row shapes as SQLite returns them, and their mapping to the port's records
 * (integer milliseconds to Date, JSON text to objects, BLOB to Uint8Array).
 */
import type { Role } from "../../domain/permissions.js";
import type { SecretType } from "../../../kernel/secret-values.js";
import type {
  ApiTokenRecord,
  AuditEventRecord,
  AuditOutcome,
  ConsumerOwner,
  SecretRecord,
  SecretState,
  SecretVersionInfo,
  TenantRecord,
} from "../../ports/metadata-store.js";

export interface TenantRow {
  id: string;
  display_name: string;
  create_time: number;
  mac: string | null;
}

export interface SecretRow {
  tenant_id: string;
  id: string;
  name: string;
  name_key: string;
  display_name: string;
  description: string;
  labels: string;
  type: SecretType;
  state: SecretState;
  version: number;
  revision: number;
  create_time: number;
  update_time: number;
  last_access_time: number | null;
  archive_time: number | null;
  usage_count: number;
  identity_mac: string | null;
  state_mac: string | null;
  version_mac: string | null;
}

export interface SecretWithCiphertextRow extends SecretRow {
  ciphertext: Buffer;
  key_version: number;
}

export interface SecretVersionRow {
  version: number;
  create_time: number;
  created_by: string;
  retained: 0 | 1;
  key_version: number;
}

export interface StoredCiphertextRow {
  secret_id: string;
  name_key: string;
  version: number;
  ciphertext: Buffer;
  key_version: number;
}

export interface ConsumerOwnerRow {
  owner_token_id: string | null;
  owner_mac: string | null;
}

export interface ConsumerReferenceRow extends ConsumerOwnerRow {
  consumer_id: string;
  update_time: number;
  reference: string;
  name_key: string;
}

export interface ApiTokenRow {
  tenant_id: string;
  id: string;
  hash: string;
  display_name: string;
  role: Role;
  allowed_secret_patterns: string;
  allowed_consumer_patterns: string | null;
  create_time: number;
  expire_time: number | null;
  revoke_time: number | null;
  created_by: string;
  identity_mac: string | null;
  revocation_mac: string | null;
}

export interface AuditEventRow {
  tenant_id: string;
  id: string;
  time: number;
  actor_token_id: string;
  action: string;
  resources: string;
  outcome: AuditOutcome;
  status_code: string;
  version: number | null;
  consumer_id: string | null;
}

export function toTenant(row: TenantRow): TenantRecord {
  const tenant: TenantRecord = { id: row.id, displayName: row.display_name, createTime: new Date(row.create_time) };
  if (row.mac !== null) tenant.mac = row.mac;
  return tenant;
}

export function toSecret(row: SecretRow): SecretRecord {
  const secret: SecretRecord = {
    tenantId: row.tenant_id,
    id: row.id,
    name: row.name,
    nameKey: row.name_key,
    displayName: row.display_name,
    description: row.description,
    labels: JSON.parse(row.labels) as Record<string, string>,
    type: row.type,
    state: row.state,
    version: row.version,
    revision: row.revision,
    createTime: new Date(row.create_time),
    updateTime: new Date(row.update_time),
    usageCount: row.usage_count,
  };
  if (row.last_access_time !== null) secret.lastAccessTime = new Date(row.last_access_time);
  if (row.archive_time !== null) secret.archiveTime = new Date(row.archive_time);
  if (row.identity_mac !== null && row.state_mac !== null && row.version_mac !== null)
    secret.macs = { identity: row.identity_mac, state: row.state_mac, version: row.version_mac };
  return secret;
}

export function toVersionInfo(row: SecretVersionRow): SecretVersionInfo {
  return {
    version: row.version,
    createTime: new Date(row.create_time),
    createdBy: row.created_by,
    valueRetained: row.retained === 1,
    keyVersion: row.key_version,
  };
}

export function toConsumerOwner(row: ConsumerOwnerRow | undefined): ConsumerOwner | undefined {
  if (!row || row.owner_token_id === null) return undefined;
  return row.owner_mac === null ? { tokenId: row.owner_token_id } : { tokenId: row.owner_token_id, mac: row.owner_mac };
}

export function toApiToken(row: ApiTokenRow): ApiTokenRecord {
  const token: ApiTokenRecord = {
    tenantId: row.tenant_id,
    id: row.id,
    hash: row.hash,
    displayName: row.display_name,
    role: row.role,
    allowedSecretPatterns: JSON.parse(row.allowed_secret_patterns) as string[],
    createTime: new Date(row.create_time),
    createdBy: row.created_by,
  };
  if (row.allowed_consumer_patterns !== null) token.allowedConsumerPatterns = JSON.parse(row.allowed_consumer_patterns) as string[];
  if (row.expire_time !== null) token.expireTime = new Date(row.expire_time);
  if (row.revoke_time !== null) token.revokeTime = new Date(row.revoke_time);
  if (row.identity_mac !== null && row.revocation_mac !== null) token.macs = { identity: row.identity_mac, revocation: row.revocation_mac };
  return token;
}

export function toAuditEvent(row: AuditEventRow): AuditEventRecord {
  const event: AuditEventRecord = {
    tenantId: row.tenant_id,
    id: row.id,
    time: new Date(row.time),
    actorTokenId: row.actor_token_id,
    action: row.action,
    resources: JSON.parse(row.resources) as string[],
    outcome: row.outcome,
    statusCode: row.status_code,
  };
  if (row.version !== null) event.version = row.version;
  if (row.consumer_id !== null) event.consumerId = row.consumer_id;
  return event;
}

/** A view of SQLite's Buffer as a plain Uint8Array, the port's byte type. */
export function toBytes(blob: Buffer): Uint8Array {
  return new Uint8Array(blob.buffer, blob.byteOffset, blob.byteLength);
}

/** better-sqlite3 binds Buffers as BLOBs. */
export function toBlob(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
