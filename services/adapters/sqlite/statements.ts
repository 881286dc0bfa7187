/**
 * Every SQL statement the store runs, prepared once per connection. Lists use
 * keyset bounds (`after` / `before`) with sentinels for the first page, so a
 * deep page costs an index seek, not a scan of the pages before it.
 */
import type Database from "better-sqlite3";
import type {
  ApiTokenRow,
  AuditEventRow,
  ConsumerOwnerRow,
  ConsumerReferenceRow,
  SecretRow,
  SecretVersionRow,
  SecretWithCiphertextRow,
  StoredCiphertextRow,
  TenantRow,
} from "./rows.js";

/** Upper bound for the first page of a newest-first list: TEXT compares by UTF-8 bytes, and no id starts with U+10FFFF. */
export const AFTER_EVERY_KEY = "\u{10FFFF}";

// Usage count: distinct consumers referencing the name key, kept by triggers (schema.ts, migration 6).
export const SECRET_COLUMNS = `
  s.tenant_id, s.id, s.name, s.name_key, s.display_name, s.description, s.labels, s.type, s.state,
  s.version, s.revision, s.create_time, s.update_time, s.last_access_time, s.archive_time,
  s.identity_mac, s.state_mac, s.version_mac, s.usage_count`;

/** The same columns as a write's RETURNING clause names them: unqualified. */
const RETURNED_SECRET_COLUMNS = SECRET_COLUMNS.replaceAll("s.", "");

/**
 * The list filters, in the query so LIMIT counts matching rows and a page is never short of
 * matches. Labels: no wanted (key, value) pair may be missing from the secret's labels.
 */
export const SECRET_LIST_FILTERS = `
  s.name_key >= @prefix AND substr(s.name_key, 1, length(@prefix)) = @prefix
  AND (@includeArchived OR s.state = 'ACTIVE')
  AND NOT EXISTS (
    SELECT 1 FROM json_each(@labels) wanted
    WHERE NOT EXISTS (
      SELECT 1 FROM json_each(s.labels) have
      WHERE have.key = wanted.key AND have.value = wanted.value))`;

export type SecretListFilter = { tenantId: string; prefix: string; labels: string; includeArchived: 0 | 1 };

/** What a change event says of a secret. */
const CHANGED_SECRET_COLUMNS = "tenant_id, name_key, name, version";
export type ChangedSecretRow = { tenant_id: string; name_key: string; name: string; version: number };

type TenantKey = { tenantId: string };
type SecretKey = { tenantId: string; secretId: string };

export interface SecretInsert {
  tenantId: string;
  id: string;
  name: string;
  nameKey: string;
  displayName: string;
  description: string;
  labels: string;
  type: string;
  time: number;
  identityMac: string | null;
  stateMac: string | null;
  versionMac: string | null;
}

export interface VersionInsert extends SecretKey {
  version: number;
  ciphertext: Buffer;
  keyVersion: number;
  createTime: number;
  createdBy: string;
}

export interface ApiTokenInsert {
  tenantId: string;
  id: string;
  hash: string;
  displayName: string;
  role: string;
  allowedSecretPatterns: string;
  allowedConsumerPatterns: string | null;
  createTime: number;
  expireTime: number | null;
  revokeTime: number | null;
  createdBy: string;
  identityMac: string | null;
  revocationMac: string | null;
}

export interface AuditEventInsert {
  tenantId: string;
  id: string;
  time: number;
  actorTokenId: string;
  action: string;
  resources: string;
  outcome: string;
  statusCode: string;
  version: number | null;
  consumerId: string | null;
}

export interface AuditFilter extends TenantKey {
  before: string;
  limit: number;
  action: string | null;
  resource: string | null;
  actorTokenId: string | null;
  outcome: string | null;
  startTime: number | null;
  endTime: number | null;
}

export function prepareStatements(db: Database.Database) {
  return {
    ping: db.prepare<[], { ok: number }>("SELECT 1 AS ok"),

    insertTenant: db.prepare<{ id: string; displayName: string; createTime: number; mac: string | null }>(
      `INSERT INTO tenants (id, display_name, create_time, mac) VALUES (@id, @displayName, @createTime, @mac)
       ON CONFLICT (id) DO NOTHING`,
    ),
    tenantById: db.prepare<{ id: string }, TenantRow>("SELECT * FROM tenants WHERE id = @id"),
    minKeyVersion: db.prepare<TenantKey, { min_key_version: number }>("SELECT min_key_version FROM tenants WHERE id = @tenantId"),
    raiseMinKeyVersion: db.prepare<TenantKey & { keyVersion: number }>(
      "UPDATE tenants SET min_key_version = max(min_key_version, @keyVersion) WHERE id = @tenantId",
    ),
    listTenants: db.prepare<{ after: string; limit: number }, TenantRow>(
      "SELECT * FROM tenants WHERE id > @after ORDER BY id LIMIT @limit",
    ),

    secretByNameKey: db.prepare<TenantKey & { nameKey: string }, SecretRow>(
      `SELECT ${SECRET_COLUMNS} FROM secrets s WHERE s.tenant_id = @tenantId AND s.name_key = @nameKey`,
    ),
    secretById: db.prepare<SecretKey, SecretRow>(
      `SELECT ${SECRET_COLUMNS} FROM secrets s WHERE s.tenant_id = @tenantId AND s.id = @secretId`,
    ),
    // One query for the whole batch: the name keys arrive as one JSON array. CROSS JOIN fixes the
    // join order (wanted keys, then one index seek each) so the planner never scans a tenant's versions.
    secretsWithCiphertext: db.prepare<TenantKey & { nameKeys: string }, SecretWithCiphertextRow>(
      `SELECT ${SECRET_COLUMNS}, v.ciphertext, v.key_version
       FROM (SELECT DISTINCT value AS name_key FROM json_each(@nameKeys)) wanted
       CROSS JOIN secrets s ON s.tenant_id = @tenantId AND s.name_key = wanted.name_key
       CROSS JOIN secret_versions v ON v.tenant_id = s.tenant_id AND v.secret_id = s.id AND v.version = s.version`,
    ),
    listSecrets: db.prepare<SecretListFilter & { after: string; limit: number }, SecretRow>(
      `SELECT ${SECRET_COLUMNS} FROM secrets s
       WHERE s.tenant_id = @tenantId AND s.name_key > @after AND ${SECRET_LIST_FILTERS}
       ORDER BY s.name_key LIMIT @limit`,
    ),
    insertSecret: db.prepare<SecretInsert, SecretRow>(
      `INSERT INTO secrets (tenant_id, id, name, name_key, display_name, description, labels, type, state,
                            version, revision, create_time, update_time, identity_mac, state_mac, version_mac)
       VALUES (@tenantId, @id, @name, @nameKey, @displayName, @description, @labels, @type, 'ACTIVE',
               1, 1, @time, @time, @identityMac, @stateMac, @versionMac)
       ON CONFLICT (tenant_id, name_key) DO NOTHING
       RETURNING ${RETURNED_SECRET_COLUMNS}`,
    ),
    insertVersion: db.prepare<VersionInsert>(
      `INSERT INTO secret_versions (tenant_id, secret_id, version, ciphertext, key_version, create_time, created_by)
       VALUES (@tenantId, @secretId, @version, @ciphertext, @keyVersion, @createTime, @createdBy)`,
    ),
    setCurrentVersion: db.prepare<SecretKey & { version: number; versionMac: string | null; time: number }, SecretRow>(
      `UPDATE secrets SET version = @version, version_mac = @versionMac, revision = revision + 1, update_time = @time
       WHERE tenant_id = @tenantId AND id = @secretId AND version = @version - 1
       RETURNING ${RETURNED_SECRET_COLUMNS}`,
    ),
    // Pruning keeps the version row (its metadata) and drops only the ciphertext.
    pruneCiphertexts: db.prepare<SecretKey & { newestDropped: number }>(
      `UPDATE secret_versions SET ciphertext = NULL, key_version = NULL
       WHERE tenant_id = @tenantId AND secret_id = @secretId AND version <= @newestDropped
         AND ciphertext IS NOT NULL`,
    ),
    updateSecretMetadata: db.prepare<SecretKey & { displayName: string; description: string; labels: string; time: number }>(
      `UPDATE secrets SET display_name = @displayName, description = @description, labels = @labels,
                          revision = revision + 1, update_time = @time
       WHERE tenant_id = @tenantId AND id = @secretId`,
    ),
    updateSecretState: db.prepare<SecretKey & { state: string; stateMac: string | null; archiveTime: number | null; time: number }>(
      `UPDATE secrets SET state = @state, state_mac = @stateMac, archive_time = @archiveTime,
                          revision = revision + 1, update_time = @time
       WHERE tenant_id = @tenantId AND id = @secretId`,
    ),
    deleteSecret: db.prepare<SecretKey>("DELETE FROM secrets WHERE tenant_id = @tenantId AND id = @secretId"),
    referencingConsumerIds: db.prepare<TenantKey & { nameKey: string; limit: number }, { consumer_id: string }>(
      `SELECT DISTINCT consumer_id FROM consumer_references
       WHERE tenant_id = @tenantId AND name_key = @nameKey ORDER BY consumer_id LIMIT @limit`,
    ),
    versionWithCiphertext: db.prepare<SecretKey & { version: number }, SecretVersionRow & { ciphertext: Buffer | null }>(
      `SELECT version, create_time, created_by, ciphertext IS NOT NULL AS retained,
              coalesce(key_version, 0) AS key_version, ciphertext
       FROM secret_versions
       WHERE tenant_id = @tenantId AND secret_id = @secretId AND version = @version`,
    ),
    listVersions: db.prepare<SecretKey & { before: number; limit: number }, SecretVersionRow>(
      `SELECT version, create_time, created_by, ciphertext IS NOT NULL AS retained,
              coalesce(key_version, 0) AS key_version
       FROM secret_versions
       WHERE tenant_id = @tenantId AND secret_id = @secretId AND version < @before
       ORDER BY version DESC LIMIT @limit`,
    ),
    // Returns the secrets it changed, for the change feed.
    recordAccess: db.prepare<TenantKey & { secretIds: string; time: number }, ChangedSecretRow>(
      `UPDATE secrets SET last_access_time = @time
       WHERE tenant_id = @tenantId AND id IN (SELECT value FROM json_each(@secretIds))
         AND (last_access_time IS NULL OR last_access_time < @time)
       RETURNING ${CHANGED_SECRET_COLUMNS}`,
    ),
    changedSecretsByNameKey: db.prepare<TenantKey & { nameKeys: string }, ChangedSecretRow>(
      `SELECT ${CHANGED_SECRET_COLUMNS} FROM secrets
       WHERE tenant_id = @tenantId AND name_key IN (SELECT value FROM json_each(@nameKeys))`,
    ),

    missingNameKeys: db.prepare<TenantKey & { nameKeys: string }, { name_key: string }>(
      `SELECT DISTINCT k.value AS name_key FROM json_each(@nameKeys) k
       WHERE NOT EXISTS (SELECT 1 FROM secrets s WHERE s.tenant_id = @tenantId AND s.name_key = k.value)
       ORDER BY 1`,
    ),
    upsertConsumer: db.prepare<TenantKey & { consumerId: string; time: number }>(
      `INSERT INTO consumers (tenant_id, id, update_time) VALUES (@tenantId, @consumerId, @time)
       ON CONFLICT (tenant_id, id) DO UPDATE SET update_time = excluded.update_time`,
    ),
    consumerOwnerRow: db.prepare<TenantKey & { consumerId: string }, ConsumerOwnerRow>(
      "SELECT owner_token_id, owner_mac FROM consumers WHERE tenant_id = @tenantId AND id = @consumerId",
    ),
    setConsumerOwner: db.prepare<TenantKey & { consumerId: string; ownerTokenId: string; ownerMac: string | null; time: number }>(
      `UPDATE consumers SET owner_token_id = @ownerTokenId, owner_mac = @ownerMac, update_time = @time
       WHERE tenant_id = @tenantId AND id = @consumerId`,
    ),
    deleteConsumerReferences: db.prepare<TenantKey & { consumerId: string }>(
      "DELETE FROM consumer_references WHERE tenant_id = @tenantId AND consumer_id = @consumerId",
    ),
    insertReference: db.prepare<TenantKey & { consumerId: string; position: number; reference: string; nameKey: string }>(
      `INSERT INTO consumer_references (tenant_id, consumer_id, position, reference, name_key)
       VALUES (@tenantId, @consumerId, @position, @reference, @nameKey)`,
    ),
    deleteConsumer: db.prepare<TenantKey & { consumerId: string }>(
      "DELETE FROM consumers WHERE tenant_id = @tenantId AND id = @consumerId",
    ),
    consumerReferences: db.prepare<TenantKey & { consumerId: string }, ConsumerReferenceRow>(
      `SELECT c.id AS consumer_id, c.update_time, c.owner_token_id, c.owner_mac, r.reference, r.name_key
       FROM consumers c
       JOIN consumer_references r ON r.tenant_id = c.tenant_id AND r.consumer_id = c.id
       WHERE c.tenant_id = @tenantId AND c.id = @consumerId
       ORDER BY r.position`,
    ),
    // One page of consumer ids, then each one's references to this name only.
    listSecretConsumers: db.prepare<TenantKey & { nameKey: string; after: string; limit: number }, ConsumerReferenceRow>(
      `WITH page AS (
         SELECT DISTINCT consumer_id FROM consumer_references
         WHERE tenant_id = @tenantId AND name_key = @nameKey AND consumer_id > @after
         ORDER BY consumer_id LIMIT @limit)
       SELECT c.id AS consumer_id, c.update_time, c.owner_token_id, c.owner_mac, r.reference, r.name_key
       FROM page
       JOIN consumers c ON c.tenant_id = @tenantId AND c.id = page.consumer_id
       JOIN consumer_references r
         ON r.tenant_id = @tenantId AND r.consumer_id = c.id AND r.name_key = @nameKey
       ORDER BY c.id, r.position`,
    ),

    // In slices, so pruning a large backlog never holds the write lock for long.
    pruneAuditEvents: db.prepare<{ before: number; limit: number }>(
      `DELETE FROM audit_events WHERE rowid IN (SELECT rowid FROM audit_events WHERE time < @before LIMIT @limit)`,
    ),
    insertApiToken: db.prepare<ApiTokenInsert>(
      `INSERT INTO api_tokens (tenant_id, id, hash, display_name, role, allowed_secret_patterns, allowed_consumer_patterns,
                               create_time, expire_time, revoke_time, created_by, identity_mac, revocation_mac)
       VALUES (@tenantId, @id, @hash, @displayName, @role, @allowedSecretPatterns, @allowedConsumerPatterns,
               @createTime, @expireTime, @revokeTime, @createdBy, @identityMac, @revocationMac)`,
    ),
    apiTokenByHash: db.prepare<{ hash: string }, ApiTokenRow>("SELECT * FROM api_tokens WHERE hash = @hash"),
    apiTokenById: db.prepare<TenantKey & { tokenId: string }, ApiTokenRow>(
      "SELECT * FROM api_tokens WHERE tenant_id = @tenantId AND id = @tokenId",
    ),
    // Inactive: revoked, or expired before `now`.
    listApiTokens: db.prepare<
      TenantKey & { afterTime: number; afterId: string; includeInactive: 0 | 1; now: number; limit: number },
      ApiTokenRow
    >(
      `SELECT * FROM api_tokens
       WHERE tenant_id = @tenantId AND (create_time, id) > (@afterTime, @afterId)
         AND (@includeInactive OR (revoke_time IS NULL AND (expire_time IS NULL OR expire_time >= @now)))
       ORDER BY create_time, id LIMIT @limit`,
    ),
    // The time and its MAC together, and only the first time.
    revokeApiToken: db.prepare<TenantKey & { tokenId: string; time: number; revocationMac: string | null }>(
      `UPDATE api_tokens SET revoke_time = @time, revocation_mac = @revocationMac
       WHERE tenant_id = @tenantId AND id = @tokenId AND revoke_time IS NULL`,
    ),

    insertAuditEvent: db.prepare<AuditEventInsert>(
      `INSERT INTO audit_events (tenant_id, id, time, actor_token_id, action, resources, outcome, status_code,
                                 version, consumer_id)
       VALUES (@tenantId, @id, @time, @actorTokenId, @action, @resources, @outcome, @statusCode,
               @version, @consumerId)`,
    ),
    listAuditEvents: db.prepare<AuditFilter, AuditEventRow>(
      `SELECT * FROM audit_events
       WHERE tenant_id = @tenantId AND id < @before
         AND (@action IS NULL OR action = @action)
         AND (@actorTokenId IS NULL OR actor_token_id = @actorTokenId)
         AND (@outcome IS NULL OR outcome = @outcome)
         AND (@startTime IS NULL OR time >= @startTime)
         AND (@endTime IS NULL OR time < @endTime)
         AND (@resource IS NULL OR EXISTS (
           SELECT 1 FROM json_each(audit_events.resources) r WHERE lower(r.value) = lower(@resource)))
       ORDER BY id DESC LIMIT @limit`,
    ),

    countCiphertextsBelow: db.prepare<TenantKey & { keyVersion: number }, { count: number }>(
      `SELECT count(*) AS count FROM secret_versions
       WHERE tenant_id = @tenantId AND key_version < @keyVersion AND ciphertext IS NOT NULL`,
    ),
    listCiphertextsBelow: db.prepare<TenantKey & { keyVersion: number; limit: number }, StoredCiphertextRow>(
      `SELECT v.secret_id, s.name_key, v.version, v.ciphertext, v.key_version
       FROM secret_versions v JOIN secrets s ON s.tenant_id = v.tenant_id AND s.id = v.secret_id
       WHERE v.tenant_id = @tenantId AND v.key_version < @keyVersion AND v.ciphertext IS NOT NULL
       ORDER BY v.key_version LIMIT @limit`,
    ),
    // The fromKeyVersion guard: a concurrent rewrap or prune makes this a no-op.
    replaceCiphertext: db.prepare<SecretKey & { version: number; fromKeyVersion: number; ciphertext: Buffer; keyVersion: number }>(
      `UPDATE secret_versions SET ciphertext = @ciphertext, key_version = @keyVersion
       WHERE tenant_id = @tenantId AND secret_id = @secretId AND version = @version
         AND key_version = @fromKeyVersion AND ciphertext IS NOT NULL`,
    ),
  };
}

export type Statements = ReturnType<typeof prepareStatements>;
