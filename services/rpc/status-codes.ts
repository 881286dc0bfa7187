/**
 * The one place a reason becomes a status code. Each table is checked
 * complete by the compiler: a reason added to the catalogue
 * (kernel/error-reasons.ts) without a code here fails tsc.
 */
import type { ErrorReason, ReferenceFailureReason } from "../../kernel/error-reasons.js";
import type { StatusCodeName } from "../../kernel/status-code-names.js";
import type { ServiceError } from "../domain/errors.js";

/**
 * The status of a failed batch is that of its most fundamental failure, in
 * this order: a malformed request, a denial, what is missing, what is archived.
 */
const REFERENCE_FAILURE_CODES = {
  MALFORMED: "INVALID_ARGUMENT",
  NOT_GRANTED: "PERMISSION_DENIED",
  NOT_FOUND: "NOT_FOUND",
  FIELD_NOT_FOUND: "NOT_FOUND",
  ARCHIVED: "FAILED_PRECONDITION",
} as const satisfies Record<ReferenceFailureReason, StatusCodeName>;

const PRECEDENCE = Object.keys(REFERENCE_FAILURE_CODES) as ReferenceFailureReason[];

function batchCode(error: ServiceError): StatusCodeName {
  const first = PRECEDENCE.find((reason) => error.referenceFailures.some((f) => f.reason === reason));
  return first ? REFERENCE_FAILURE_CODES[first] : "INVALID_ARGUMENT";
}

const REASON_CODES = {
  INVALID_ARGUMENT: "INVALID_ARGUMENT",
  MALFORMED_REQUEST: "INVALID_ARGUMENT",
  MESSAGE_TOO_LARGE: "RESOURCE_EXHAUSTED",
  UNAUTHENTICATED: "UNAUTHENTICATED",
  PERMISSION_DENIED: "PERMISSION_DENIED",
  CONSUMER_ID_NOT_ALLOWED: "PERMISSION_DENIED",
  CONSUMER_OWNED: "PERMISSION_DENIED",
  CONSUMER_REFERENCES_NOT_GRANTED: "PERMISSION_DENIED",
  RATE_LIMITED: "RESOURCE_EXHAUSTED",
  TOO_MANY_STREAMS: "RESOURCE_EXHAUSTED",
  CALL_TIMEOUT: "DEADLINE_EXCEEDED",
  RESPONSE_TOO_LARGE: "RESOURCE_EXHAUSTED",
  WATCHER_TOO_SLOW: "RESOURCE_EXHAUSTED",
  SECRET_NOT_FOUND: "NOT_FOUND",
  SECRET_EXISTS: "ALREADY_EXISTS",
  SECRET_ARCHIVED: "FAILED_PRECONDITION",
  SECRET_NOT_ARCHIVED: "FAILED_PRECONDITION",
  SECRET_IN_USE: "FAILED_PRECONDITION",
  VERSION_NOT_FOUND: "NOT_FOUND",
  VERSION_NOT_RETAINED: "FAILED_PRECONDITION",
  VERSION_MISMATCH: "ABORTED",
  ETAG_MISMATCH: "ABORTED",
  CONTENTION: "ABORTED",
  REFERENCES_FAILED: batchCode,
  CONSUMER_NOT_FOUND: "NOT_FOUND",
  CONSUMER_OWNER_CHANGED: "ABORTED",
  TOKEN_NOT_FOUND: "NOT_FOUND",
  TENANT_EXISTS: "ALREADY_EXISTS",
  TENANT_KEY_MISSING: "FAILED_PRECONDITION",
  BACKEND_UNAVAILABLE: "UNAVAILABLE",
  BACKEND_MISCONFIGURED: "INTERNAL",
  CIPHERTEXT_INVALID: "DATA_LOSS",
  RECORD_TAMPERED: "DATA_LOSS",
  INTERNAL: "INTERNAL",
} as const satisfies Record<ErrorReason, StatusCodeName | ((error: ServiceError) => StatusCodeName)>;

/** The status code a client sees for this error. */
export function statusCodeOf(error: ServiceError): StatusCodeName {
  const code: StatusCodeName | ((error: ServiceError) => StatusCodeName) = REASON_CODES[error.reason];
  return typeof code === "function" ? code(error) : code;
}

const CODE_NUMBERS = {
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const satisfies Record<StatusCodeName, number>;

export function statusCodeNumber(code: StatusCodeName): number {
  return CODE_NUMBERS[code];
}
