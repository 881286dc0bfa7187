/**
 * In-memory SecretStore and ConsumerStore for unit tests of the services:
 * the ports' rules (check-and-set on version and revision, bounded history,
 * deletes refused while referenced, references only to existing secrets)
 * with none of a database. One tenant's maps per store; not for concurrency.
 */
import type {
  ConsumerOwner,
  ConsumerOwnership,
  ConsumerRecord,
  ConsumerReference,
  ConsumerStore,
  SetReferencesResult,
} from "../../../services/ports/consumer-store.js";
import type { AuditEventRecord } from "../../../services/ports/audit-store.js";
import type { Page, PageQuery } from "../../../services/ports/pages.js";
import type {
  DeleteSecretResult,
  NewSecret,
  NewSecretVersion,
  SecretListQuery,
  SecretRecord,
  SecretState,
  SecretStore,
  SecretVersionInfo,
  SecretVersionWithCiphertext,
  SecretWithCiphertext,
  WriteResult,
} from "../../../services/ports/secret-store.js";

interface StoredVersion extends SecretVersionInfo {
  ciphertext?: Uint8Array;
}

export class InMemorySecrets implements SecretStore, ConsumerStore {
  private readonly secrets = new Map<string, SecretRecord>();
  private readonly versions = new Map<string, StoredVersion[]>();
  private readonly consumers = new Map<string, ConsumerRecord>();

  /** Every write call by method name, for tests that count attempts. */
  readonly writes: string[] = [];
  /** The audit events stored with versions (NewSecretVersion.auditEvent). */
  readonly auditEvents: AuditEventRecord[] = [];

  async createSecret(secret: NewSecret, firstVersion: NewSecretVersion): Promise<SecretRecord | undefined> {
    this.writes.push("createSecret");
    if (this.byNameKey(secret.tenantId, secret.nameKey)) return undefined;
    const record: SecretRecord = { ...secret, state: "ACTIVE", version: 1, revision: 1, updateTime: secret.createTime, usageCount: 0 };
    this.secrets.set(secret.id, record);
    this.versions.set(secret.id, [stored(firstVersion)]);
    if (firstVersion.auditEvent) this.auditEvents.push(firstVersion.auditEvent);
    return this.read(secret.id);
  }

  async getSecret(tenantId: string, nameKey: string): Promise<SecretRecord | undefined> {
    const found = this.byNameKey(tenantId, nameKey);
    return found && this.read(found.id);
  }

  async getSecretsWithCiphertext(tenantId: string, nameKeys: readonly string[]): Promise<SecretWithCiphertext[]> {
    return [...new Set(nameKeys)].flatMap((nameKey) => {
      const secret = this.byNameKey(tenantId, nameKey);
      const current = secret && this.versions.get(secret.id)!.find((v) => v.version === secret.version);
      return secret && current?.ciphertext
        ? [{ secret: this.read(secret.id)!, ciphertext: current.ciphertext, keyVersion: current.keyVersion }]
        : [];
    });
  }

  async listSecrets(tenantId: string, query: SecretListQuery): Promise<Page<SecretRecord>> {
    const matching = [...this.secrets.values()]
      .filter((s) => s.tenantId === tenantId && (query.includeArchived || s.state === "ACTIVE"))
      .filter((s) => s.nameKey.startsWith(query.nameKeyPrefix ?? ""))
      .filter((s) => Object.entries(query.labels ?? {}).every(([k, v]) => s.labels[k] === v))
      .sort((a, b) => (a.nameKey < b.nameKey ? -1 : 1))
      .map((s) => this.read(s.id)!);
    return pageOf(matching, query, (s) => s.nameKey);
  }

  async addSecretVersion(
    tenantId: string,
    secretId: string,
    newVersion: NewSecretVersion,
    keepVersions: number,
  ): Promise<WriteResult<SecretRecord>> {
    this.writes.push("addSecretVersion");
    const current = this.find(tenantId, secretId);
    if (!current) return { outcome: "NOT_FOUND" };
    if (current.version !== newVersion.version - 1) return { outcome: "CONFLICT", current: this.read(secretId)! };
    const versions = this.versions.get(secretId)!;
    versions.push(stored(newVersion));
    if (newVersion.auditEvent) this.auditEvents.push(newVersion.auditEvent);
    for (const version of versions)
      if (version.version <= newVersion.version - keepVersions)
        Object.assign(version, { ciphertext: undefined, valueRetained: false, keyVersion: 0 });
    this.secrets.set(secretId, {
      ...current,
      version: newVersion.version,
      revision: current.revision + 1,
      updateTime: newVersion.createTime,
    });
    return { outcome: "OK", value: this.read(secretId)! };
  }

  async updateSecretMetadata(
    tenantId: string,
    secretId: string,
    expectedRevision: number | undefined,
    patch: { displayName?: string; description?: string; labels?: Record<string, string> },
    time: Date,
  ): Promise<WriteResult<SecretRecord>> {
    this.writes.push("updateSecretMetadata");
    return this.guarded(tenantId, secretId, expectedRevision, (current) => ({
      ...current,
      ...patch,
      revision: current.revision + 1,
      updateTime: time,
    }));
  }

  async setSecretState(
    tenantId: string,
    secretId: string,
    expectedRevision: number | undefined,
    state: SecretState,
    time: Date,
  ): Promise<WriteResult<SecretRecord>> {
    this.writes.push("setSecretState");
    return this.guarded(tenantId, secretId, expectedRevision, (current) =>
      current.state === state
        ? current
        : {
            ...current,
            state,
            revision: current.revision + 1,
            updateTime: time,
            ...(state === "ARCHIVED" ? { archiveTime: time } : { archiveTime: undefined }),
          },
    );
  }

  async deleteSecret(tenantId: string, secretId: string, expectedRevision: number | undefined): Promise<DeleteSecretResult> {
    this.writes.push("deleteSecret");
    const current = this.find(tenantId, secretId) && this.read(secretId)!;
    if (!current) return { outcome: "NOT_FOUND" };
    if (expectedRevision !== undefined && current.revision !== expectedRevision) return { outcome: "CONFLICT", current };
    const consumerIds = this.referencing(tenantId, current.nameKey).map((c) => c.id);
    if (consumerIds.length > 0) return { outcome: "IN_USE", consumerIds: consumerIds.slice(0, 100), usageCount: consumerIds.length };
    this.secrets.delete(secretId);
    this.versions.delete(secretId);
    return { outcome: "DELETED", secret: current };
  }

  async getSecretVersion(tenantId: string, secretId: string, version: number): Promise<SecretVersionWithCiphertext | undefined> {
    if (!this.find(tenantId, secretId)) return undefined;
    const found = this.versions.get(secretId)!.find((v) => v.version === version);
    if (!found) return undefined;
    const { ciphertext, ...info } = found;
    return ciphertext ? { ...info, ciphertext: { ciphertext, keyVersion: info.keyVersion } } : info;
  }

  async listSecretVersions(tenantId: string, secretId: string, query: PageQuery): Promise<Page<SecretVersionInfo>> {
    if (!this.find(tenantId, secretId)) return { items: [] };
    const newestFirst = [...this.versions.get(secretId)!].reverse().map(({ ciphertext: _, ...info }) => info);
    return pageOf(newestFirst, query, (v) => String(v.version).padStart(12, "0"), "descending");
  }

  async recordSecretAccess(tenantId: string, secretIds: readonly string[], time: Date): Promise<void> {
    this.writes.push("recordSecretAccess");
    for (const id of secretIds) {
      const secret = this.find(tenantId, id);
      if (secret && !(secret.lastAccessTime && secret.lastAccessTime >= time)) this.secrets.set(id, { ...secret, lastAccessTime: time });
    }
  }

  async setConsumerReferences(
    tenantId: string,
    consumerId: string,
    references: readonly ConsumerReference[],
    time: Date,
    ownership?: ConsumerOwnership,
  ): Promise<SetReferencesResult> {
    this.writes.push("setConsumerReferences");
    const previous = this.consumers.get(`${tenantId}/${consumerId}`);
    if (ownership && (previous ? (previous.owner?.tokenId ?? "") : null) !== ownership.expectedOwnerTokenId)
      return { outcome: "OWNER_CHANGED" };
    const missing = [...new Set(references.map((r) => r.nameKey))].filter((k) => !this.byNameKey(tenantId, k)).sort();
    if (missing.length > 0) return { outcome: "MISSING", nameKeys: missing };
    const owner = ownership?.owner ?? previous?.owner;
    const consumer: ConsumerRecord = {
      tenantId,
      id: consumerId,
      references: references.map((r) => ({ ...r })),
      updateTime: time,
      ...(owner && { owner }),
    };
    if (references.length === 0) this.consumers.delete(`${tenantId}/${consumerId}`);
    else this.consumers.set(`${tenantId}/${consumerId}`, consumer);
    return { outcome: "OK", consumer };
  }

  async setConsumerOwner(tenantId: string, consumerId: string, owner: ConsumerOwner, time: Date): Promise<ConsumerRecord | undefined> {
    this.writes.push("setConsumerOwner");
    const previous = this.consumers.get(`${tenantId}/${consumerId}`);
    if (!previous) return undefined;
    const consumer = { ...previous, owner, updateTime: time };
    this.consumers.set(`${tenantId}/${consumerId}`, consumer);
    return consumer;
  }

  async getConsumer(tenantId: string, consumerId: string): Promise<ConsumerRecord | undefined> {
    return this.consumers.get(`${tenantId}/${consumerId}`);
  }

  async deleteConsumer(tenantId: string, consumerId: string): Promise<boolean> {
    this.writes.push("deleteConsumer");
    return this.consumers.delete(`${tenantId}/${consumerId}`);
  }

  async listSecretConsumers(tenantId: string, nameKey: string, query: PageQuery): Promise<Page<ConsumerRecord>> {
    const referencing = this.referencing(tenantId, nameKey).map((c) => ({
      ...c,
      references: c.references.filter((r) => r.nameKey === nameKey),
    }));
    return pageOf(referencing, query, (c) => c.id);
  }

  private byNameKey(tenantId: string, nameKey: string): SecretRecord | undefined {
    return [...this.secrets.values()].find((s) => s.tenantId === tenantId && s.nameKey === nameKey);
  }

  private find(tenantId: string, secretId: string): SecretRecord | undefined {
    const secret = this.secrets.get(secretId);
    return secret?.tenantId === tenantId ? secret : undefined;
  }

  private referencing(tenantId: string, nameKey: string): ConsumerRecord[] {
    return [...this.consumers.values()]
      .filter((c) => c.tenantId === tenantId && c.references.some((r) => r.nameKey === nameKey))
      .sort((a, b) => (a.id < b.id ? -1 : 1));
  }

  /** A copy with the usage count computed, as the ports' reads return it. */
  private read(secretId: string): SecretRecord | undefined {
    const secret = this.secrets.get(secretId);
    return secret && { ...secret, usageCount: this.referencing(secret.tenantId, secret.nameKey).length };
  }

  private guarded(
    tenantId: string,
    secretId: string,
    expectedRevision: number | undefined,
    change: (current: SecretRecord) => SecretRecord,
  ): WriteResult<SecretRecord> {
    const current = this.find(tenantId, secretId);
    if (!current) return { outcome: "NOT_FOUND" };
    if (expectedRevision !== undefined && current.revision !== expectedRevision)
      return { outcome: "CONFLICT", current: this.read(secretId)! };
    this.secrets.set(secretId, change(current));
    return { outcome: "OK", value: this.read(secretId)! };
  }
}

function stored(version: NewSecretVersion): StoredVersion {
  return {
    version: version.version,
    createTime: version.createTime,
    createdBy: version.createdBy,
    valueRetained: true,
    keyVersion: version.keyVersion,
    ciphertext: version.ciphertext,
  };
}

/** Keyset pages over sorted items, the cursor being the last item's key. */
function pageOf<T>(sorted: T[], query: PageQuery, keyOf: (item: T) => string, order: "ascending" | "descending" = "ascending"): Page<T> {
  const after = sorted.filter((item) =>
    query.cursor === undefined ? true : order === "ascending" ? keyOf(item) > query.cursor : keyOf(item) < query.cursor,
  );
  const items = after.slice(0, query.limit);
  return after.length > query.limit ? { items, nextCursor: keyOf(items.at(-1)!) } : { items };
}
