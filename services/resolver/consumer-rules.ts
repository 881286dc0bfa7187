/** Consumer ids and the errors that tell a workload why it may not change a consumer. */
import type { FieldViolation } from "../../kernel/field-violation.js";
import { checkConsumerId } from "../../kernel/names.js";
import type { ConsumerRefusal } from "../domain/consumer-ownership.js";
import { ServiceError, permissionDenied, throwIfInvalid } from "../domain/errors.js";
import type { ServiceCall } from "../domain/service-call.js";

/** Checks a consumer id and records it for the audit. */
export function noteConsumerId(call: ServiceCall, consumerId: string): void {
  const violations: FieldViolation[] = [];
  checkConsumerId("consumer_id", consumerId, violations);
  throwIfInvalid(violations);
  call.audit.consumerId = consumerId;
}

/** ABORTED: the consumer's owner changed under every attempt. */
export function ownerKeptChanging(consumerId: string): ServiceError {
  return new ServiceError(`consumer "${consumerId}" kept changing owner meanwhile; retry`, { reason: "CONSUMER_OWNER_CHANGED" });
}

/** PERMISSION_DENIED for a consumer the caller may not change: whose it is, and what an admin can do. */
export function consumerRefused(consumerId: string, callerTokenId: string, refusal: ConsumerRefusal): ServiceError {
  const adminCan =
    `an admin can give it to this token (secretsctl consumer reassign ${consumerId} --to-token ${callerTokenId}) ` +
    `or delete it (secretsctl consumer delete ${consumerId})`;
  switch (refusal.reason) {
    case "CONSUMER_ID_NOT_ALLOWED":
      return permissionDenied(
        `register consumer "${consumerId}": this token's consumer patterns do not cover that id ` +
          "(an admin sets them with secretsctl tokens create --consumers PATTERN)",
        { reason: refusal.reason, metadata: { consumer_id: consumerId } },
      );
    case "CONSUMER_OWNED":
      return permissionDenied(
        `change consumer "${consumerId}": it belongs to API token ${refusal.ownerTokenId}, and this token may not take it ` +
          `over (that needs consumer patterns covering the id and a grant covering every secret it references); ${adminCan}`,
        { reason: refusal.reason, metadata: { consumer_id: consumerId, owner_token_id: refusal.ownerTokenId } },
      );
    case "CONSUMER_REFERENCES_NOT_GRANTED":
      return permissionDenied(`change consumer "${consumerId}": it holds references outside this token's granted names; ${adminCan}`, {
        reason: refusal.reason,
        metadata: { consumer_id: consumerId },
      });
  }
}
