/**
 * AdminService on the wire: each RPC maps its request to the admin service
 * (admin-service.ts, where the rules are) and the records it returns to
 * messages.
 */
import { timestampDate } from "@bufbuild/protobuf/wkt";
import type { AdminService } from "../../gen/secrets/v1/admin_service_pb.js";
import { serviceCallOf } from "../rpc/call-context.js";
import type { ServiceHandlers } from "../rpc/handlers.js";
import { consumerMessage } from "../secrets/secret-messages.js";
import { apiTokenMessage, auditEventMessage, auditOutcomeFromProto, roleFromProto, roleToProto, tenantMessage } from "./admin-messages.js";
import { adminService, type AdminServiceDependencies } from "./admin-service.js";

export type AdminDependencies = AdminServiceDependencies;

export function adminHandlers(deps: AdminDependencies): ServiceHandlers<typeof AdminService> {
  const admin = adminService(deps);
  return {
    async createTenant(request, ctx) {
      const created = await admin.createTenant(serviceCallOf(ctx), request.tenantId, request.displayName);
      return {
        tenant: tenantMessage(created.tenant),
        adminToken: apiTokenMessage(created.adminToken),
        adminTokenSecret: created.adminTokenSecret,
      };
    },

    async listTenants(request) {
      const page = await admin.listTenants(request);
      return { tenants: page.items.map(tenantMessage), nextPageToken: page.nextPageToken };
    },

    async createApiToken(request, ctx) {
      const expireTime = request.expireTime && timestampDate(request.expireTime);
      const created = await admin.createApiToken(serviceCallOf(ctx), {
        displayName: request.displayName,
        role: roleFromProto(request.role),
        allowedSecretPatterns: request.allowedSecretPatterns,
        allowedConsumerPatterns: request.allowedConsumerPatterns,
        ...(expireTime && { expireTime }),
      });
      return { apiToken: apiTokenMessage(created.token), tokenSecret: created.secret };
    },

    async listApiTokens(request, ctx) {
      const page = await admin.listApiTokens(serviceCallOf(ctx), request);
      return { apiTokens: page.items.map(apiTokenMessage), nextPageToken: page.nextPageToken };
    },

    async revokeApiToken(request, ctx) {
      return { apiToken: apiTokenMessage(await admin.revokeApiToken(serviceCallOf(ctx), request.tokenId)) };
    },

    async listAuditEvents(request, ctx) {
      const outcome = auditOutcomeFromProto(request.outcome);
      const startTime = request.startTime && timestampDate(request.startTime);
      const endTime = request.endTime && timestampDate(request.endTime);
      const page = await admin.listAuditEvents(serviceCallOf(ctx), {
        pageSize: request.pageSize,
        pageToken: request.pageToken,
        action: request.action,
        resource: request.resource,
        actorTokenId: request.actorTokenId,
        ...(outcome && { outcome }),
        ...(startTime && { startTime }),
        ...(endTime && { endTime }),
      });
      return { events: page.items.map(auditEventMessage), nextPageToken: page.nextPageToken };
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
      const consumer = await admin.reassignConsumer(serviceCallOf(ctx), request.consumerId, request.ownerTokenId);
      return { consumer: consumerMessage(consumer) };
    },

    async *rotateTenantKey(_request, ctx) {
      for await (const progress of admin.rotateTenantKey(serviceCallOf(ctx), ctx.signal)) {
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
