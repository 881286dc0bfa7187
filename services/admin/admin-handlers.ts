/** AdminService: tenants, API tokens, the audit trail, key rotation. */
import type { FieldViolation } from "../../kernel/field-violation.js";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import type { AdminService } from "../../gen/secrets/v1/admin_service_pb.js";
import { isTokenActive, mintApiToken } from "../auth/api-tokens.js";
import { consumerPatternProblem } from "../../kernel/consumer-patterns.js";
import { ServiceError, throwIfInvalid } from "../domain/errors.js";
import { checkConsumerId, checkTenantId } from "../../kernel/names.js";
import { encodePageToken, requestedPage } from "../domain/pagination.js";
import { ASSIGNABLE_ROLES, MAX_PATTERNS_PER_TOKEN, mayManageTokenRole, type Role } from "../domain/permissions.js";
import { secretPatternProblem } from "../../kernel/secret-patterns.js";
import { checkDisplayName } from "../domain/secret-metadata.js";
import type { Cipher } from "../ports/cipher.js";
import type { ApiTokenRecord, ApiTokenStore } from "../ports/api-token-store.js";
import type { AuditStore } from "../ports/audit-store.js";
import type { ConsumerStore } from "../ports/consumer-store.js";
import type { RewrapStore } from "../ports/rewrap-store.js";
import type { ServiceHandlers } from "../rpc/handlers.js";
import { consumerMessage } from "../secrets/secret-messages.js";
import { apiTokenMessage, auditEventMessage, auditOutcomeFromProto, roleFromProto, roleToProto, tenantMessage } from "./admin-messages.js";
import { rotateTenantKey } from "./key-rotation.js";
import { createTenant, type TenantSetupStore } from "./tenant-setup.js";

export interface AdminDependencies {
  store: TenantSetupStore &
    ApiTokenStore &
    Pick<AuditStore, "listAuditEvents"> &
    RewrapStore &
    Pick<ConsumerStore, "setConsumerOwner">;
  cipher: Cipher;
  /** Told of each revocation, so the token's open streams end at once. */
  onTokenRevoked?: (tokenId: string) => void;
}

export function adminHandlers(deps: AdminDependencies): ServiceHandlers<typeof AdminService> {
  const { store, cipher } = deps;
  return {
    async createTenant(request, ctx) {
      ctx.audit.resources = [request.tenantId];
      const violations: FieldViolation[] = [];
      checkTenantId("tenant_id", request.tenantId, violations);
      checkDisplayName("display_name", request.displayName, violations);
      throwIfInvalid(violations);
      const created = await createTenant(store, cipher, {
        id: request.tenantId,
        displayName: request.displayName,
        adminRole: "ADMIN",
        createdBy: ctx.caller.tokenId,
      });
      if (!created)
        throw new ServiceError(`tenant "${request.tenantId}" already exists`, { reason: "TENANT_EXISTS" });
      return {
        tenant: tenantMessage(created.tenant),
        adminToken: apiTokenMessage(created.adminToken),
        adminTokenSecret: created.adminTokenSecret,
      };
    },

    async listTenants(request) {
      const page = await store.listTenants(requestedPage(request, {}));
      return { tenants: page.items.map(tenantMessage), nextPageToken: encodePageToken(page.nextCursor, {}) };
    },

    async createApiToken(request, ctx) {
      const violations: FieldViolation[] = [];
      checkDisplayName("display_name", request.displayName, violations);
      const role = roleFromProto(request.role);
      if (!role || !ASSIGNABLE_ROLES.includes(role))
        violations.push({ field: "role", description: "role must be ADMIN, VIEWER or WORKLOAD", reason: "INVALID_ROLE" });
      const patterns = request.allowedSecretPatterns;
      if (role === "WORKLOAD" && patterns.length === 0)
        violations.push({
          field: "allowed_secret_patterns",
          description: "a WORKLOAD token needs at least one secret name pattern",
          reason: "PATTERNS_REQUIRED",
        });
      if (role && role !== "WORKLOAD" && patterns.length > 0)
        violations.push({
          field: "allowed_secret_patterns",
          description: "only WORKLOAD tokens are limited by patterns",
          reason: "PATTERNS_NOT_ALLOWED",
        });
      if (patterns.length > MAX_PATTERNS_PER_TOKEN)
        violations.push({
          field: "allowed_secret_patterns",
          description: `at most ${MAX_PATTERNS_PER_TOKEN} patterns`,
          reason: "TOO_MANY_PATTERNS",
        });
      patterns.forEach((pattern, i) => {
        const problem = secretPatternProblem(pattern);
        if (problem) violations.push({ field: `allowed_secret_patterns[${i}]`, ...problem });
      });
      checkConsumerPatterns(role, request.allowedConsumerPatterns, violations);
      const now = new Date();
      const expireTime = request.expireTime && timestampDate(request.expireTime);
      if (expireTime && expireTime <= now)
        violations.push({ field: "expire_time", description: "expire_time must be in the future", reason: "EXPIRY_IN_PAST" });
      throwIfInvalid(violations);

      const minted = mintApiToken();
      const token: ApiTokenRecord = {
        tenantId: ctx.caller.tenantId,
        id: minted.id,
        hash: minted.hash,
        displayName: request.displayName,
        role: role!,
        allowedSecretPatterns: [...patterns],
        ...(request.allowedConsumerPatterns.length > 0 && { allowedConsumerPatterns: [...request.allowedConsumerPatterns] }),
        createTime: now,
        ...(expireTime && { expireTime }),
        createdBy: ctx.caller.tokenId,
      };
      await store.createApiToken(token);
      ctx.audit.resources = [token.id];
      return { apiToken: apiTokenMessage(token), tokenSecret: minted.secret };
    },

    async listApiTokens(request, ctx) {
      const filters = { inactive: request.includeInactive };
      const page = await store.listApiTokens(ctx.caller.tenantId, {
        ...requestedPage(request, filters),
        includeInactive: request.includeInactive,
        now: new Date(),
      });
      const manageable = page.items.filter((token) => mayManageTokenRole(ctx.caller.role, token.role));
      return { apiTokens: manageable.map(apiTokenMessage), nextPageToken: encodePageToken(page.nextCursor, filters) };
    },

    async revokeApiToken(request, ctx) {
      ctx.audit.resources = [request.tokenId];
      const target = await findApiToken(store, ctx.caller.tenantId, request.tokenId);
      // A token the caller may not manage reads as missing, as it is missing from its list.
      const revoked =
        target && mayManageTokenRole(ctx.caller.role, target.role)
          ? await store.revokeApiToken(ctx.caller.tenantId, request.tokenId, new Date())
          : undefined;
      if (!revoked)
        throw new ServiceError(`API token "${request.tokenId}" not found`, { reason: "TOKEN_NOT_FOUND" });
      deps.onTokenRevoked?.(revoked.id);
      return { apiToken: apiTokenMessage(revoked) };
    },

    async listAuditEvents(request, ctx) {
      const outcome = auditOutcomeFromProto(request.outcome);
      const startTime = request.startTime && timestampDate(request.startTime);
      const endTime = request.endTime && timestampDate(request.endTime);
      const filters = {
        action: request.action,
        resource: request.resource.toLowerCase(),
        actor: request.actorTokenId,
        outcome,
        start: startTime?.getTime(),
        end: endTime?.getTime(),
      };
      const page = await store.listAuditEvents(ctx.caller.tenantId, {
        ...requestedPage(request, filters),
        ...(request.action !== "" && { action: request.action }),
        ...(request.resource !== "" && { resource: request.resource }),
        ...(request.actorTokenId !== "" && { actorTokenId: request.actorTokenId }),
        ...(outcome && { outcome }),
        ...(startTime && { startTime }),
        ...(endTime && { endTime }),
      });
      return { events: page.items.map(auditEventMessage), nextPageToken: encodePageToken(page.nextCursor, filters) };
    },

    async getCaller(_request, ctx) {
      const { tokenId, tenantId, role, allowedSecretPatterns, allowedConsumerPatterns = [] } = ctx.caller;
      return {
        tokenId,
        tenantId,
        role: roleToProto(role),
        allowedSecretPatterns: [...allowedSecretPatterns],
        allowedConsumerPatterns: [...allowedConsumerPatterns],
      };
    },

    async reassignConsumer(request, ctx) {
      const violations: FieldViolation[] = [];
      checkConsumerId("consumer_id", request.consumerId, violations);
      if (request.ownerTokenId === "")
        violations.push({ field: "owner_token_id", description: "owner_token_id is required", reason: "TOKEN_REQUIRED" });
      throwIfInvalid(violations);
      ctx.audit.consumerId = request.consumerId;
      ctx.audit.resources = [request.ownerTokenId];
      const now = new Date();
      const owner = await findApiToken(store, ctx.caller.tenantId, request.ownerTokenId);
      if (!owner || !isTokenActive(owner, now))
        throw new ServiceError(`no active API token "${request.ownerTokenId}" in this tenant`, { reason: "TOKEN_NOT_FOUND" });
      const consumer = await store.setConsumerOwner(ctx.caller.tenantId, request.consumerId, { tokenId: owner.id }, now);
      if (!consumer)
        throw new ServiceError(`consumer "${request.consumerId}" not found`, { reason: "CONSUMER_NOT_FOUND" });
      return { consumer: consumerMessage(consumer) };
    },

    async *rotateTenantKey(_request, ctx) {
      for await (const progress of rotateTenantKey(store, cipher, ctx.caller.tenantId, ctx.signal)) {
        ctx.audit.resources = [`key-version:${progress.keyVersion}`];
        yield {
          keyVersion: progress.keyVersion,
          rewrapped: BigInt(progress.rewrapped),
          total: BigInt(progress.total),
          done: progress.done,
          minDecryptionVersion: progress.minDecryptionVersion,
          remaining: BigInt(progress.remaining),
        };
      }
    },
  };
}

/** Consumer patterns: only for workloads, bounded like secret patterns. */
function checkConsumerPatterns(role: Role | undefined, patterns: readonly string[], violations: FieldViolation[]): void {
  if (role && role !== "WORKLOAD" && patterns.length > 0)
    violations.push({
      field: "allowed_consumer_patterns",
      description: "only WORKLOAD tokens are limited by consumer patterns",
      reason: "PATTERNS_NOT_ALLOWED",
    });
  if (patterns.length > MAX_PATTERNS_PER_TOKEN)
    violations.push({ field: "allowed_consumer_patterns", description: `at most ${MAX_PATTERNS_PER_TOKEN} patterns`, reason: "TOO_MANY_PATTERNS" });
  patterns.forEach((pattern, i) => {
    const problem = consumerPatternProblem(pattern);
    if (problem) violations.push({ field: `allowed_consumer_patterns[${i}]`, ...problem });
  });
}

/** A tenant's token by id (the store looks tokens up by hash only; a tenant holds few tokens). */
async function findApiToken(store: Pick<ApiTokenStore, "listApiTokens">, tenantId: string, tokenId: string): Promise<ApiTokenRecord | undefined> {
  let cursor: string | undefined;
  do {
    const page = await store.listApiTokens(tenantId, { limit: 1000, includeInactive: true, now: new Date(), ...(cursor && { cursor }) });
    const found = page.items.find((token) => token.id === tokenId);
    if (found) return found;
    cursor = page.nextCursor;
  } while (cursor);
  return undefined;
}
