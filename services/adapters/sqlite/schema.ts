/**
 * The SQLite schema as forward migrations. `MIGRATIONS[i]` takes the file from
 * schema version i to i + 1; a released migration is never edited, only
 * followed by a new one.
 *
 * Dates are integer milliseconds since the epoch; ciphertexts are BLOBs (the
 * store never sees a plaintext value); labels, resources and patterns are JSON.
 */
import type Database from "better-sqlite3";

export const MIGRATIONS: readonly string[] = [
  // 1: the initial schema.
  `
  CREATE TABLE tenants (
    id TEXT PRIMARY KEY,
    display_name TEXT NOT NULL,
    create_time INTEGER NOT NULL
  ) STRICT;

  CREATE TABLE secrets (
    tenant_id TEXT NOT NULL,
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,
    display_name TEXT NOT NULL,
    description TEXT NOT NULL,
    labels TEXT NOT NULL CHECK (json_type(labels) = 'object'),
    type TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('ACTIVE', 'ARCHIVED')),
    version INTEGER NOT NULL,
    revision INTEGER NOT NULL,
    create_time INTEGER NOT NULL,
    update_time INTEGER NOT NULL,
    last_access_time INTEGER,
    archive_time INTEGER,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, name_key)
  ) STRICT;

  -- A pruned version keeps its row with ciphertext and key_version NULL.
  CREATE TABLE secret_versions (
    tenant_id TEXT NOT NULL,
    secret_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    ciphertext BLOB,
    key_version INTEGER,
    create_time INTEGER NOT NULL,
    created_by TEXT NOT NULL,
    PRIMARY KEY (tenant_id, secret_id, version),
    FOREIGN KEY (tenant_id, secret_id) REFERENCES secrets (tenant_id, id) ON DELETE CASCADE,
    CHECK ((ciphertext IS NULL) = (key_version IS NULL))
  ) STRICT;

  -- Rewrap scans retained ciphertexts by key version.
  CREATE INDEX secret_versions_by_key_version
    ON secret_versions (tenant_id, key_version) WHERE ciphertext IS NOT NULL;

  CREATE TABLE consumers (
    tenant_id TEXT NOT NULL,
    id TEXT NOT NULL,
    update_time INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, id)
  ) STRICT;

  -- The foreign key to secrets backs the service's rule at the database level:
  -- a referenced secret cannot be deleted, a reference needs an existing secret.
  CREATE TABLE consumer_references (
    tenant_id TEXT NOT NULL,
    consumer_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    reference TEXT NOT NULL,
    name_key TEXT NOT NULL,
    PRIMARY KEY (tenant_id, consumer_id, position),
    FOREIGN KEY (tenant_id, consumer_id) REFERENCES consumers (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, name_key) REFERENCES secrets (tenant_id, name_key) ON DELETE RESTRICT
  ) STRICT;

  -- Usage counts and consumer listings go by name key.
  CREATE INDEX consumer_references_by_name_key
    ON consumer_references (tenant_id, name_key, consumer_id);

  CREATE TABLE api_tokens (
    tenant_id TEXT NOT NULL,
    id TEXT NOT NULL,
    hash TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL,
    allowed_secret_patterns TEXT NOT NULL CHECK (json_type(allowed_secret_patterns) = 'array'),
    create_time INTEGER NOT NULL,
    expire_time INTEGER,
    revoke_time INTEGER,
    created_by TEXT NOT NULL,
    PRIMARY KEY (tenant_id, id)
  ) STRICT;

  CREATE INDEX api_tokens_by_creation ON api_tokens (tenant_id, create_time, id);

  CREATE TABLE audit_events (
    tenant_id TEXT NOT NULL,
    id TEXT NOT NULL,
    time INTEGER NOT NULL,
    actor_token_id TEXT NOT NULL,
    action TEXT NOT NULL,
    resources TEXT NOT NULL CHECK (json_type(resources) = 'array'),
    outcome TEXT NOT NULL,
    status_code TEXT NOT NULL,
    version INTEGER,
    consumer_id TEXT,
    PRIMARY KEY (tenant_id, id)
  ) STRICT;
  `,
  // 2: audit retention deletes by time.
  `
  CREATE INDEX audit_events_by_time ON audit_events (time);
  `,
  // 3: record authentication. MACs made by the service over the rows that carry authority
  // (see ports/metadata-store.ts); NULL on rows an earlier release wrote, which the service refuses.
  `
  ALTER TABLE tenants ADD COLUMN mac TEXT;
  ALTER TABLE secrets ADD COLUMN identity_mac TEXT;
  ALTER TABLE secrets ADD COLUMN state_mac TEXT;
  ALTER TABLE secrets ADD COLUMN version_mac TEXT;
  ALTER TABLE api_tokens ADD COLUMN identity_mac TEXT;
  ALTER TABLE api_tokens ADD COLUMN revocation_mac TEXT;
  `,
  // 4: consumer ownership. NULL owner: registered by an earlier release; NULL consumer patterns:
  // a token made before them (see the README's Security section for what each may do).
  `
  ALTER TABLE consumers ADD COLUMN owner_token_id TEXT;
  ALTER TABLE consumers ADD COLUMN owner_mac TEXT;
  ALTER TABLE api_tokens ADD COLUMN allowed_consumer_patterns TEXT
    CHECK (allowed_consumer_patterns IS NULL OR json_type(allowed_consumer_patterns) = 'array');
  `,
  // 5: the lowest key version a write may still be sealed with, raised by key rotation before it
  // counts what to rewrap (see RewrapStore.raiseMinKeyVersion).
  `
  ALTER TABLE tenants ADD COLUMN min_key_version INTEGER NOT NULL DEFAULT 0;
  `,
  // 6: the secrets list in other orders than by name, keyset-paged through an index each (the
  // name key breaks ties). The usage count is stored, so it can be indexed: triggers keep it at
  // the number of distinct consumers referencing the name key, whichever statement (or foreign
  // key cascade) adds or removes a reference. A never-accessed secret sorts as last access 0, through
  // a generated column (the planner uses an index on a column for a row-value keyset, not on an expression).
  `
  ALTER TABLE secrets ADD COLUMN usage_count INTEGER NOT NULL DEFAULT 0;
  UPDATE secrets SET usage_count = (
    SELECT count(DISTINCT r.consumer_id) FROM consumer_references r
    WHERE r.tenant_id = secrets.tenant_id AND r.name_key = secrets.name_key);

  CREATE TRIGGER consumer_reference_added AFTER INSERT ON consumer_references
  WHEN NOT EXISTS (
    SELECT 1 FROM consumer_references r
    WHERE r.tenant_id = NEW.tenant_id AND r.name_key = NEW.name_key AND r.consumer_id = NEW.consumer_id
      AND r.position <> NEW.position)
  BEGIN
    UPDATE secrets SET usage_count = usage_count + 1 WHERE tenant_id = NEW.tenant_id AND name_key = NEW.name_key;
  END;

  CREATE TRIGGER consumer_reference_removed AFTER DELETE ON consumer_references
  WHEN NOT EXISTS (
    SELECT 1 FROM consumer_references r
    WHERE r.tenant_id = OLD.tenant_id AND r.name_key = OLD.name_key AND r.consumer_id = OLD.consumer_id)
  BEGIN
    UPDATE secrets SET usage_count = usage_count - 1 WHERE tenant_id = OLD.tenant_id AND name_key = OLD.name_key;
  END;

  CREATE INDEX secrets_by_update_time ON secrets (tenant_id, update_time, name_key);
  ALTER TABLE secrets ADD COLUMN last_access_order INTEGER GENERATED ALWAYS AS (ifnull(last_access_time, 0)) VIRTUAL;
  CREATE INDEX secrets_by_last_access ON secrets (tenant_id, last_access_order, name_key);
  CREATE INDEX secrets_by_usage_count ON secrets (tenant_id, usage_count, name_key);
  CREATE INDEX secrets_by_type ON secrets (tenant_id, type, name_key);
  CREATE INDEX secrets_by_state ON secrets (tenant_id, state, name_key);
  `,
  // 7: each new version clears the ciphertexts that fell out of retention. Through the primary key
  // that visits every version the secret ever had (2 ms per write at 20,000 versions); this index
  // holds only the retained ones, a handful per secret.
  `
  CREATE INDEX secret_versions_retained ON secret_versions (tenant_id, secret_id, version) WHERE ciphertext IS NOT NULL;
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/** Brings the file's schema up to SCHEMA_VERSION; refuses a file written by a newer release. */
export function migrate(db: Database.Database): void {
  db.exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL) STRICT");
  const readVersion = db.prepare<[], { version: number | null }>("SELECT max(version) AS version FROM schema_version");
  const recordVersion = db.prepare<[number]>("INSERT INTO schema_version (version) VALUES (?)");

  // Immediate: two processes opening a fresh file must not both run a migration.
  db.transaction(() => {
    const current = readVersion.get()?.version ?? 0;
    if (current > SCHEMA_VERSION) throw new Error(`schema version ${current} is newer than this release supports (${SCHEMA_VERSION})`);
    for (let version = current + 1; version <= SCHEMA_VERSION; version++) {
      db.exec(MIGRATIONS[version - 1]!);
      recordVersion.run(version);
    }
  }).immediate();
}
