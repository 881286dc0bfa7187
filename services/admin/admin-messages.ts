/** Conversions between token, tenant and audit records and the API's messages. */
import type { MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import {
  AuditOutcome as ProtoAuditOutcome,
  Role as ProtoRole,
  type ApiTokenSchema,
  type AuditEventSchema,
  type TenantSchema,
} from "../../gen/secrets/v1/types_pb.js";
import type { Role } from "../domain/permissions.js";
import type { ApiTokenRecord, AuditEventRecord, AuditOutcome, TenantRecord } from "../ports/metadata-store.js";

const ROLE_TO_PROTO: Record<Role, ProtoRole> = {
  PLATFORM_ADMIN: ProtoRole.PLATFORM_ADMIN,
  ADMIN: ProtoRole.ADMIN,
  VIEWER: ProtoRole.VIEWER,
  WORKLOAD: ProtoRole.WORKLOAD,
};

const OUTCOME_TO_PROTO: Record<AuditOutcome, ProtoAuditOutcome> = {
  SUCCESS: ProtoAuditOutcome.SUCCESS,
  DENIED: ProtoAuditOutcome.DENIED,
  FAILED: ProtoAuditOutcome.FAILED,
};

export function roleFromProto(role: ProtoRole): Role | undefined {
  return (Object.keys(ROLE_TO_PROTO) as Role[]).find((key) => ROLE_TO_PROTO[key] === role);
}

export function roleToProto(role: Role): ProtoRole {
  return ROLE_TO_PROTO[role];
}

export function auditOutcomeFromProto(outcome: ProtoAuditOutcome): AuditOutcome | undefined {
  return (Object.keys(OUTCOME_TO_PROTO) as AuditOutcome[]).find((key) => OUTCOME_TO_PROTO[key] === outcome);
}

export function apiTokenMessage(token: ApiTokenRecord): MessageInitShape<typeof ApiTokenSchema> {
  return {
    id: token.id,
    displayName: token.displayName,
    role: roleToProto(token.role),
    allowedSecretPatterns: token.allowedSecretPatterns,
    allowedConsumerPatterns: token.allowedConsumerPatterns ?? [],
    createTime: timestampFromDate(token.createTime),
    expireTime: token.expireTime && timestampFromDate(token.expireTime),
    revokeTime: token.revokeTime && timestampFromDate(token.revokeTime),
    tenantId: token.tenantId,
    createdBy: token.createdBy,
  };
}

export function tenantMessage(tenant: TenantRecord): MessageInitShape<typeof TenantSchema> {
  return { id: tenant.id, displayName: tenant.displayName, createTime: timestampFromDate(tenant.createTime) };
}

export function auditEventMessage(event: AuditEventRecord): MessageInitShape<typeof AuditEventSchema> {
  return {
    id: event.id,
    time: timestampFromDate(event.time),
    actorTokenId: event.actorTokenId,
    action: event.action,
    resources: event.resources,
    outcome: OUTCOME_TO_PROTO[event.outcome],
    statusCode: event.statusCode,
    version: BigInt(event.version ?? 0),
    consumerId: event.consumerId ?? "",
  };
}
