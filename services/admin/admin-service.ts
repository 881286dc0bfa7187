/**
 * The rules of administration, free of any transport: tenants, API tokens
 * (minted once, only roles the caller may manage), the audit trail, consumer
 * reassignment and key rotation. `admin-handlers.ts` maps the wire to this.
 */
import { consumerPatternProblem } from "../../kernel/consumer-patterns.js";
import type { FieldViolation } from "../../kernel/field-violation.js";
import { checkConsumerId, checkTenantId } from "../../kernel/names.js";
import { secretPatternProblem } from "../../kernel/secret-patterns.js";
import { isTokenActive, mintApiToken } from "../auth/api-tokens.js";
import { ServiceError, throwIfInvalid } from "../domain/errors.js";
import { encodePageToken, requestedPage, type ListedPage, type PageRequest } from "../domain/pagination.js";
import { ASSIGNABLE_ROLES, MAX_PATTERNS_PER_TOKEN, mayManageTokenRole, type Role } from "../domain/permissions.js";
import { checkDisplayName } from "../domain/secret-metadata.js";
import type { ServiceCall } from "../domain/service-call.js";
import type { ApiTokenRecord, ApiTokenStore } from "../ports/api-token-store.js";
import type { AuditEventRecord, AuditOutcome, AuditStore } from "../ports/audit-store.js";
import type { Cipher } from "../ports/cipher.js";
import type { ConsumerRecord, ConsumerStore } from "../ports/consumer-store.js";
import type { RewrapStore } from "../ports/rewrap-store.js";
import type { TenantRecord } from "../ports/tenant-store.js";
import { rotateTenantKey, type RotationProgress } from "./key-rotation.js";
import { createTenant, type NewTenant, type TenantSetupStore } from "./tenants.js";

export interface AdminServiceDependencies {
  store: TenantSetupStore & ApiTokenStore & Pick<AuditStore, "listAuditEvents"> & RewrapStore & Pick<ConsumerStore, "setConsumerOwner">;
  cipher: Pick<Cipher, "createTenantKey" | "rotateTenantKey" | "minDecryptionVersion" | "rewrap" | "retireKeyVersionsBelow">;
  /** Told of each revocation, so the token's open streams end at once. */
  onTokenRevoked?: (tokenId: string) => void;
}

export interface NewApiTokenInput {
  displayName: string;
  /** Undefined when the request named no known role. */
  role: Role | undefined;
  allowedSecretPatterns: readonly string[];
  allowedConsumerPatterns: readonly string[];
  expireTime?: Date;
}

export interface AuditFilterInput {
  action: string;
  resource: string;
  actorTokenId: string;
  outcome?: AuditOutcome;
  startTime?: Date;
  endTime?: Date;
}

export type AdminService = ReturnType<typeof adminService>;

export function adminService(deps: AdminServiceDependencies) {
  const { store, cipher } = deps;
  return {
    /** A tenant with its key and first admin token (whose secret is returned once). */
    async createTenant(call: ServiceCall, tenantId: string, displayName: string): Promise<NewTenant> {
      call.audit.resources = [tenantId];
      const violations: FieldViolation[] = [];
      checkTenantId("tenant_id", tenantId, violations);
      checkDisplayName("display_name", displayName, violations);
      throwIfInvalid(violations);
      const created = await createTenant(store, cipher, { id: tenantId, displayName, adminRole: "ADMIN", createdBy: call.tokenId });
      if (!created) throw new ServiceError(`tenant "${tenantId}" already exists`, { reason: "TENANT_EXISTS" });
      return created;
    },

    async listTenants(request: PageRequest): Promise<ListedPage<TenantRecord>> {
      const page = await store.listTenants(requestedPage(request, {}));
      return { items: page.items, nextPageToken: encodePageToken(page.nextCursor, {}) };
    },

    /** A token of an assignable role; its bearer secret is returned once and only its hash is kept. */
    async createApiToken(call: ServiceCall, input: NewApiTokenInput): Promise<{ token: ApiTokenRecord; secret: string }> {
      const violations: FieldViolation[] = [];
      checkDisplayName("display_name", input.displayName, violations);
      const role = input.role;
      if (!role || !ASSIGNABLE_ROLES.includes(role))
        violations.push({ field: "role", description: "role must be ADMIN, VIEWER or WORKLOAD", reason: "INVALID_ROLE" });
      const patterns = input.allowedSecretPatterns;
      if (role === "WORKLOAD" && patterns.length === 0)
        violations.push({
          field: "allowed_secret_patterns",
          description: "a WORKLOAD token needs at least one secret name pattern",
          reason: "PATTERNS_REQUIRED",
        });
      checkTokenPatterns("allowed_secret_patterns", "patterns", role, patterns, secretPatternProblem, violations);
      checkTokenPatterns(
        "allowed_consumer_patterns",
        "consumer patterns",
        role,
        input.allowedConsumerPatterns,
        consumerPatternProblem,
        violations,
      );
      const now = new Date();
      const expireTime = input.expireTime;
      if (expireTime && expireTime <= now)
        violations.push({ field: "expire_time", description: "expire_time must be in the future", reason: "EXPIRY_IN_PAST" });
      throwIfInvalid(violations);

      const minted = mintApiToken();
      const token: ApiTokenRecord = {
        tenantId: call.tenantId,
        id: minted.id,
        hash: minted.hash,
        displayName: input.displayName,
        role: role!,
        allowedSecretPatterns: [...patterns],
        ...(input.allowedConsumerPatterns.length > 0 && { allowedConsumerPatterns: [...input.allowedConsumerPatterns] }),
        createTime: now,
        ...(expireTime && { expireTime }),
        createdBy: call.tokenId,
      };
      await store.createApiToken(token);
      call.audit.resources = [token.id];
      return { token, secret: minted.secret };
    },

    /** The tenant's tokens of the roles the caller may manage. */
    async listApiTokens(call: ServiceCall, request: PageRequest & { includeInactive: boolean }): Promise<ListedPage<ApiTokenRecord>> {
      const filters = { inactive: request.includeInactive };
      const page = await store.listApiTokens(call.tenantId, {
        ...requestedPage(request, filters),
        includeInactive: request.includeInactive,
        now: new Date(),
      });
      const manageable = page.items.filter((token) => mayManageTokenRole(call.role, token.role));
      return { items: manageable, nextPageToken: encodePageToken(page.nextCursor, filters) };
    },

    async revokeApiToken(call: ServiceCall, tokenId: string): Promise<ApiTokenRecord> {
      call.audit.resources = [tokenId];
      const target = await store.getApiToken(call.tenantId, tokenId);
      // A token the caller may not manage reads as missing, as it is missing from its list.
      const revoked =
        target && mayManageTokenRole(call.role, target.role) ? await store.revokeApiToken(call.tenantId, tokenId, new Date()) : undefined;
      if (!revoked) throw new ServiceError(`API token "${tokenId}" not found`, { reason: "TOKEN_NOT_FOUND" });
      deps.onTokenRevoked?.(revoked.id);
      return revoked;
    },

    async listAuditEvents(call: ServiceCall, request: PageRequest & AuditFilterInput): Promise<ListedPage<AuditEventRecord>> {
      const { outcome, startTime, endTime } = request;
      const filters = {
        action: request.action,
        resource: request.resource.toLowerCase(),
        actor: request.actorTokenId,
        outcome,
        start: startTime?.getTime(),
        end: endTime?.getTime(),
      };
      const page = await store.listAuditEvents(call.tenantId, {
        ...requestedPage(request, filters),
        ...(request.action !== "" && { action: request.action }),
        ...(request.resource !== "" && { resource: request.resource }),
        ...(request.actorTokenId !== "" && { actorTokenId: request.actorTokenId }),
        ...(outcome && { outcome }),
        ...(startTime && { startTime }),
        ...(endTime && { endTime }),
      });
      return { items: page.items, nextPageToken: encodePageToken(page.nextCursor, filters) };
    },

    /** Gives a consumer to an active token of the tenant. */
    async reassignConsumer(call: ServiceCall, consumerId: string, ownerTokenId: string): Promise<ConsumerRecord> {
      const violations: FieldViolation[] = [];
      checkConsumerId("consumer_id", consumerId, violations);
      if (ownerTokenId === "")
        violations.push({ field: "owner_token_id", description: "owner_token_id is required", reason: "TOKEN_REQUIRED" });
      throwIfInvalid(violations);
      call.audit.consumerId = consumerId;
      call.audit.resources = [ownerTokenId];
      const now = new Date();
      const owner = await store.getApiToken(call.tenantId, ownerTokenId);
      if (!owner || !isTokenActive(owner, now))
        throw new ServiceError(`no active API token "${ownerTokenId}" in this tenant`, { reason: "TOKEN_NOT_FOUND" });
      const consumer = await store.setConsumerOwner(call.tenantId, consumerId, { tokenId: owner.id }, now);
      if (!consumer) throw new ServiceError(`consumer "${consumerId}" not found`, { reason: "CONSUMER_NOT_FOUND" });
      return consumer;
    },

    /** Rotates the caller's tenant key, noting each step's key version for the audit. */
    async *rotateTenantKey(call: ServiceCall, signal: AbortSignal): AsyncIterable<RotationProgress> {
      for await (const progress of rotateTenantKey(store, cipher, call.tenantId, signal)) {
        call.audit.resources = [`key-version:${progress.keyVersion}`];
        yield progress;
      }
    },
  };
}

/** A token's secret or consumer patterns: only for workloads, at most MAX_PATTERNS_PER_TOKEN, each checked by its rule. */
function checkTokenPatterns(
  field: "allowed_secret_patterns" | "allowed_consumer_patterns",
  noun: string,
  role: Role | undefined,
  patterns: readonly string[],
  problemOf: (pattern: string) => Omit<FieldViolation, "field"> | undefined,
  violations: FieldViolation[],
): void {
  if (role && role !== "WORKLOAD" && patterns.length > 0)
    violations.push({ field, description: `only WORKLOAD tokens are limited by ${noun}`, reason: "PATTERNS_NOT_ALLOWED" });
  if (patterns.length > MAX_PATTERNS_PER_TOKEN)
    violations.push({ field, description: `at most ${MAX_PATTERNS_PER_TOKEN} patterns`, reason: "TOO_MANY_PATTERNS" });
  patterns.forEach((pattern, i) => {
    const problem = problemOf(pattern);
    if (problem) violations.push({ field: `${field}[${i}]`, ...problem });
  });
}
