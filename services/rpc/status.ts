/**
 * Turning any error a call can end with into the status a client sees: a
 * canonical code, a message, and (AIP-193) a `google.rpc.Status` with
 * ErrorInfo, BadRequest, PreconditionFailure and ReferenceErrors details for
 * the `grpc-status-details-bin` trailer.
 */
import { create, toBinary, type DescMessage, type Message } from "@bufbuild/protobuf";
import { anyPack } from "@bufbuild/protobuf/wkt";
import { BadRequestSchema, ErrorInfoSchema, PreconditionFailureSchema } from "../../gen/google/rpc/error_details_pb.js";
import { StatusSchema } from "../../gen/google/rpc/status_pb.js";
import { ReferenceErrorReason, ReferenceErrorsSchema } from "../../gen/secrets/v1/resolver_service_pb.js";
import { DecryptionFailedError, TenantKeyNotFoundError } from "../ports/cipher.js";
import { BackendMisconfiguredError, BackendUnavailableError, ServiceError } from "../domain/errors.js";
import { statusCodeNumber, statusCodeOf } from "./status-codes.js";
import type { ReferenceFailureReason } from "../../kernel/error-reasons.js";

/** ErrorInfo.domain of every error this service raises. */
export const ERROR_DOMAIN = "secrets.v1";

/**
 * Any thrown thing as a ServiceError. Errors the service did not raise on
 * purpose become INTERNAL with only the request id: their messages are for
 * the log, not the client. `unexpected` tells the caller to log it.
 */
export function toServiceError(error: unknown, requestId: string): { error: ServiceError; unexpected: boolean } {
  if (error instanceof ServiceError) return { error, unexpected: false };
  if (error instanceof BackendUnavailableError)
    return {
      error: new ServiceError(`${error.backend} is unavailable; retry later`, {
        reason: "BACKEND_UNAVAILABLE",
        metadata: { backend: error.backend },
      }),
      unexpected: true,
    };
  if (error instanceof BackendMisconfiguredError)
    return {
      error: new ServiceError(`${error.message} (request id ${requestId})`, {
        reason: "BACKEND_MISCONFIGURED",
        metadata: { backend: error.backend },
      }),
      unexpected: true,
    };
  if (error instanceof DecryptionFailedError)
    return {
      error: new ServiceError(`a stored value failed to decrypt (request id ${requestId})`, {
        reason: "CIPHERTEXT_INVALID",
      }),
      unexpected: true,
    };
  if (error instanceof TenantKeyNotFoundError)
    return {
      error: new ServiceError("the tenant has no encryption key in the cipher backend", {
        reason: "TENANT_KEY_MISSING",
      }),
      unexpected: true,
    };
  return {
    error: new ServiceError(`internal error (request id ${requestId})`, { reason: "INTERNAL" }),
    unexpected: true,
  };
}

const REFERENCE_REASONS = {
  MALFORMED: ReferenceErrorReason.MALFORMED,
  NOT_GRANTED: ReferenceErrorReason.NOT_GRANTED,
  NOT_FOUND: ReferenceErrorReason.NOT_FOUND,
  ARCHIVED: ReferenceErrorReason.ARCHIVED,
  FIELD_NOT_FOUND: ReferenceErrorReason.FIELD_NOT_FOUND,
} as const satisfies Record<ReferenceFailureReason, ReferenceErrorReason>;

/** A packed-able detail: a message with its descriptor. */
export interface RichDetail {
  desc: DescMessage;
  value: Message;
}

/** The google.rpc error details of an error, for any transport to attach. */
export function richDetails(error: ServiceError): RichDetail[] {
  const details: RichDetail[] = [
    { desc: ErrorInfoSchema, value: create(ErrorInfoSchema, { reason: error.reason, domain: ERROR_DOMAIN, metadata: error.metadata }) },
  ];
  if (error.fieldViolations.length > 0)
    details.push({ desc: BadRequestSchema, value: create(BadRequestSchema, { fieldViolations: error.fieldViolations }) });
  if (error.preconditionViolations.length > 0)
    details.push({
      desc: PreconditionFailureSchema,
      value: create(PreconditionFailureSchema, { violations: error.preconditionViolations }),
    });
  if (error.referenceFailures.length > 0)
    details.push({
      desc: ReferenceErrorsSchema,
      value: create(ReferenceErrorsSchema, {
        errors: error.referenceFailures.map((f) => ({
          index: f.index,
          reference: f.reference,
          reason: REFERENCE_REASONS[f.reason],
          message: f.message,
        })),
      }),
    });
  return details;
}

/** The serialized google.rpc.Status for the `grpc-status-details-bin` trailer. */
export function statusDetailsBin(error: ServiceError): Uint8Array {
  const details = richDetails(error).map(({ desc, value }) => anyPack(desc, value));
  return toBinary(StatusSchema, create(StatusSchema, { code: statusCodeNumber(statusCodeOf(error)), message: error.message, details }));
}
