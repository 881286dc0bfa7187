/**
 * The metadata store as the service uses it: every authority-bearing record
 * is MACed on its way in and checked on its way out (see record-macs.ts), so
 * a row inserted or altered by someone with write access to the database
 * alone (a token, a renamed or rewound secret, an un-archived or un-revoked
 * one) is refused, reported, and never acted on. A tampered secret fails its
 * call with DATA_LOSS; a tampered token authenticates no one; a consumer
 * whose owner was rewritten is refused. Reads that decide nothing (versions'
 * metadata, consumers' references, audit) pass through, and
 * ciphertexts need no MAC: their associated data binds them to their record.
 */
import { ServiceError } from "../domain/errors.js";
import { TenantKeyNotFoundError } from "../ports/cipher.js";
import type {
  ApiTokenRecord,
  AuditEventRecord,
  AuditQuery,
  Ciphertext,
  ConsumerOwner,
  ConsumerOwnership,
  ConsumerRecord,
  ConsumerReference,
  DeleteSecretResult,
  MetadataStore,
  NewSecret,
  NewSecretVersion,
  Page,
  PageQuery,
  SecretChangeEvent,
  SecretListQuery,
  SecretRecord,
  SecretState,
  SecretWithCiphertext,
  SetReferencesResult,
  TenantRecord,
  TokenListQuery,
  WriteResult,
} from "../ports/metadata-store.js";
import type { MacFailure, RecordMacs } from "./record-macs.js";

export interface TamperReport {
  kind: "tenant" | "secret" | "api token" | "consumer";
  tenantId: string;
  id: string;
  failure: MacFailure | "unknown tenant";
}

export class AuthenticatedStore implements MetadataStore {
  constructor(
    private readonly store: MetadataStore,
    private readonly macs: RecordMacs,
    /** Told of every refused record (ids only), to be logged. */
    private readonly onTampered: (report: TamperReport) => void,
  ) {}

  // Tenants

  async createTenant(tenant: TenantRecord): Promise<boolean> {
    return this.store.createTenant({ ...tenant, mac: await this.macs.tenant(tenant.id) });
  }

  async getTenant(tenantId: string): Promise<TenantRecord | undefined> {
    const tenant = await this.store.getTenant(tenantId);
    if (!tenant) return undefined;
    const failure = await this.macs.checkTenant(tenant).catch(unknownTenantAs);
    if (failure) throw this.refuse({ kind: "tenant", tenantId, id: tenant.id, failure });
    return tenant;
  }

  /** Only tenants whose record passes its check; the others are reported and left out (a listing grants nothing). */
  async listTenants(query: PageQuery): Promise<Page<TenantRecord>> {
    const page = await this.store.listTenants(query);
    const failures = await Promise.all(page.items.map((tenant) => this.macs.checkTenant(tenant).catch(unknownTenantAs)));
    for (const [i, failure] of failures.entries())
      if (failure) this.onTampered({ kind: "tenant", tenantId: page.items[i]!.id, id: page.items[i]!.id, failure });
    return { ...page, items: page.items.filter((_tenant, i) => !failures[i]) };
  }

  // Secrets

  async createSecret(secret: NewSecret, firstVersion: NewSecretVersion): Promise<SecretRecord | undefined> {
    const macs = await this.macs.secret(secret, "ACTIVE", firstVersion.version);
    return this.checked(secret.tenantId, await this.store.createSecret({ ...secret, macs }, firstVersion));
  }

  async getSecret(tenantId: string, nameKey: string): Promise<SecretRecord | undefined> {
    return this.checked(tenantId, await this.store.getSecret(tenantId, nameKey));
  }

  async getSecretsWithCiphertext(tenantId: string, nameKeys: readonly string[]): Promise<SecretWithCiphertext[]> {
    const found = await this.store.getSecretsWithCiphertext(tenantId, nameKeys);
    await this.checkSecrets(
      tenantId,
      found.map((entry) => entry.secret),
    );
    return found;
  }

  async listSecrets(tenantId: string, query: SecretListQuery): Promise<Page<SecretRecord>> {
    const page = await this.store.listSecrets(tenantId, query);
    await this.checkSecrets(tenantId, page.items);
    return page;
  }

  async addSecretVersion(
    tenantId: string,
    secretId: string,
    newVersion: NewSecretVersion,
    keepVersions: number,
  ): Promise<WriteResult<SecretRecord>> {
    const currentVersionMac = await this.macs.secretVersion(tenantId, secretId, newVersion.version);
    return this.checkedWrite(
      tenantId,
      await this.store.addSecretVersion(tenantId, secretId, { ...newVersion, currentVersionMac }, keepVersions),
    );
  }

  async updateSecretMetadata(
    tenantId: string,
    secretId: string,
    expectedRevision: number | undefined,
    patch: { displayName?: string; description?: string; labels?: Record<string, string> },
    time: Date,
  ): Promise<WriteResult<SecretRecord>> {
    return this.checkedWrite(tenantId, await this.store.updateSecretMetadata(tenantId, secretId, expectedRevision, patch, time));
  }

  async setSecretState(
    tenantId: string,
    secretId: string,
    expectedRevision: number | undefined,
    state: SecretState,
    time: Date,
  ): Promise<WriteResult<SecretRecord>> {
    const stateMac = await this.macs.secretState(tenantId, secretId, state);
    return this.checkedWrite(tenantId, await this.store.setSecretState(tenantId, secretId, expectedRevision, state, time, stateMac));
  }

  async deleteSecret(tenantId: string, secretId: string, expectedRevision: number | undefined): Promise<DeleteSecretResult> {
    const result = await this.store.deleteSecret(tenantId, secretId, expectedRevision);
    if (result.outcome === "CONFLICT") await this.checkSecrets(tenantId, [result.current]);
    return result;
  }

  getSecretVersion(tenantId: string, secretId: string, version: number) {
    return this.store.getSecretVersion(tenantId, secretId, version);
  }

  listSecretVersions(tenantId: string, secretId: string, query: PageQuery) {
    return this.store.listSecretVersions(tenantId, secretId, query);
  }

  recordSecretAccess(tenantId: string, secretIds: readonly string[], time: Date): Promise<void> {
    return this.store.recordSecretAccess(tenantId, secretIds, time);
  }

  // Consumers: who owns one decides who may change it.

  async setConsumerReferences(
    tenantId: string,
    consumerId: string,
    references: readonly ConsumerReference[],
    time: Date,
    ownership?: ConsumerOwnership,
  ): Promise<SetReferencesResult> {
    const macked = ownership && { ...ownership, owner: await this.ownerWithMac(tenantId, consumerId, ownership.owner.tokenId) };
    const result = await this.store.setConsumerReferences(tenantId, consumerId, references, time, macked);
    if (result.outcome === "OK") await this.checkConsumers(tenantId, [result.consumer]);
    return result;
  }

  async setConsumerOwner(tenantId: string, consumerId: string, owner: ConsumerOwner, time: Date): Promise<ConsumerRecord | undefined> {
    const macked = await this.ownerWithMac(tenantId, consumerId, owner.tokenId);
    return this.checkedConsumer(tenantId, await this.store.setConsumerOwner(tenantId, consumerId, macked, time));
  }

  async getConsumer(tenantId: string, consumerId: string): Promise<ConsumerRecord | undefined> {
    return this.checkedConsumer(tenantId, await this.store.getConsumer(tenantId, consumerId));
  }

  deleteConsumer(tenantId: string, consumerId: string, expectedOwnerTokenId?: string): Promise<boolean> {
    return this.store.deleteConsumer(tenantId, consumerId, expectedOwnerTokenId);
  }

  async listSecretConsumers(tenantId: string, nameKey: string, query: PageQuery): Promise<Page<ConsumerRecord>> {
    const page = await this.store.listSecretConsumers(tenantId, nameKey, query);
    await this.checkConsumers(tenantId, page.items);
    return page;
  }

  // API tokens

  async createApiToken(token: ApiTokenRecord): Promise<void> {
    await this.store.createApiToken({ ...token, macs: await this.macs.token(token) });
  }

  /** A token whose record does not check out authenticates no one: undefined, as if unknown. */
  async findApiTokenByHash(hash: string): Promise<ApiTokenRecord | undefined> {
    const token = await this.store.findApiTokenByHash(hash);
    if (!token) return undefined;
    const [failure] = await this.macs.checkTokens(token.tenantId, [token]).catch((error: unknown) => [unknownTenantAs(error)]);
    if (!failure) return token;
    this.onTampered({ kind: "api token", tenantId: token.tenantId, id: token.id, failure });
    return undefined;
  }

  async getApiToken(tenantId: string, tokenId: string): Promise<ApiTokenRecord | undefined> {
    const token = await this.store.getApiToken(tenantId, tokenId);
    if (token) await this.checkTokens(tenantId, [token]);
    return token;
  }

  async listApiTokens(tenantId: string, query: TokenListQuery): Promise<Page<ApiTokenRecord>> {
    const page = await this.store.listApiTokens(tenantId, query);
    await this.checkTokens(tenantId, page.items);
    return page;
  }

  async revokeApiToken(tenantId: string, tokenId: string, time: Date): Promise<ApiTokenRecord | undefined> {
    const revocationMac = await this.macs.tokenRevocation(tenantId, tokenId, time);
    const revoked = await this.store.revokeApiToken(tenantId, tokenId, time, revocationMac);
    if (revoked) await this.checkTokens(tenantId, [revoked]);
    return revoked;
  }

  // Audit, key rotation, change feed, lifecycle: nothing here grants anything.

  appendAuditEvents(events: readonly AuditEventRecord[]): Promise<void> {
    return this.store.appendAuditEvents(events);
  }

  listAuditEvents(tenantId: string, query: AuditQuery): Promise<Page<AuditEventRecord>> {
    return this.store.listAuditEvents(tenantId, query);
  }

  raiseMinKeyVersion(tenantId: string, keyVersion: number): Promise<void> {
    return this.store.raiseMinKeyVersion(tenantId, keyVersion);
  }

  countCiphertextsBelow(tenantId: string, keyVersion: number): Promise<number> {
    return this.store.countCiphertextsBelow(tenantId, keyVersion);
  }

  listCiphertextsBelow(tenantId: string, keyVersion: number, limit: number) {
    return this.store.listCiphertextsBelow(tenantId, keyVersion, limit);
  }

  replaceCiphertext(tenantId: string, secretId: string, version: number, fromKeyVersion: number, to: Ciphertext) {
    return this.store.replaceCiphertext(tenantId, secretId, version, fromKeyVersion, to);
  }

  onSecretChange(listener: (event: SecretChangeEvent) => void): () => void {
    return this.store.onSecretChange(listener);
  }

  ping(): Promise<void> {
    return this.store.ping();
  }

  close(): Promise<void> {
    return this.store.close();
  }

  private async checked(tenantId: string, secret: SecretRecord | undefined): Promise<SecretRecord | undefined> {
    if (secret) await this.checkSecrets(tenantId, [secret]);
    return secret;
  }

  private async checkedWrite(tenantId: string, result: WriteResult<SecretRecord>): Promise<WriteResult<SecretRecord>> {
    if (result.outcome === "OK") await this.checkSecrets(tenantId, [result.value]);
    if (result.outcome === "CONFLICT") await this.checkSecrets(tenantId, [result.current]);
    return result;
  }

  private async checkSecrets(tenantId: string, secrets: readonly SecretRecord[]): Promise<void> {
    const failures = await this.macs.checkSecrets(tenantId, secrets);
    const index = failures.findIndex((failure) => failure !== undefined);
    if (index >= 0) throw this.refuse({ kind: "secret", tenantId, id: secrets[index]!.id, failure: failures[index]! });
  }

  private async ownerWithMac(tenantId: string, consumerId: string, tokenId: string): Promise<ConsumerOwner> {
    return { tokenId, mac: await this.macs.consumerOwner(tenantId, consumerId, tokenId) };
  }

  private async checkedConsumer(tenantId: string, consumer: ConsumerRecord | undefined): Promise<ConsumerRecord | undefined> {
    if (consumer) await this.checkConsumers(tenantId, [consumer]);
    return consumer;
  }

  private async checkConsumers(tenantId: string, consumers: readonly ConsumerRecord[]): Promise<void> {
    const failures = await this.macs.checkConsumerOwners(tenantId, consumers);
    const index = failures.findIndex((failure) => failure !== undefined);
    if (index >= 0) throw this.refuse({ kind: "consumer", tenantId, id: consumers[index]!.id, failure: failures[index]! });
  }

  private async checkTokens(tenantId: string, tokens: readonly ApiTokenRecord[]): Promise<void> {
    const failures = await this.macs.checkTokens(tenantId, tokens);
    const index = failures.findIndex((failure) => failure !== undefined);
    if (index >= 0) throw this.refuse({ kind: "api token", tenantId, id: tokens[index]!.id, failure: failures[index]! });
  }

  private refuse(report: TamperReport): ServiceError {
    this.onTampered(report);
    const earlier = report.failure === "missing" ? " (it has no MAC: written by an earlier release, or by hand)" : "";
    return new ServiceError(
      `a stored ${report.kind} record failed its integrity check${earlier}; it was changed outside the service and is not used`,
      { reason: "RECORD_TAMPERED", metadata: { record: report.kind } },
    );
  }
}

/** A record naming a tenant with no key was not written by this service. */
function unknownTenantAs(error: unknown): "unknown tenant" {
  if (error instanceof TenantKeyNotFoundError) return "unknown tenant";
  throw error;
}
