/**
 * The catalogue of reasons: every stable UPPER_SNAKE_CASE word the service
 * gives for a refusal, defined once, with what it means, so clients act on
 * them without parsing messages. Three kinds, each sent in its own place:
 *
 * - `ErrorReason`: google.rpc.ErrorInfo.reason of a failed call. Its status
 *   code is chosen in `services/rpc/status-codes.ts` only, by a table the
 *   compiler holds complete: a reason added here without a code fails tsc.
 * - `FieldViolationReason`: BadRequest.FieldViolation.reason of one invalid
 *   request field (the call fails with reason INVALID_ARGUMENT).
 * - `ReferenceFailureReason`: why one reference of a batch failed (the
 *   ReferenceErrors detail of REFERENCES_FAILED); its text is the words used
 *   in messages about that reference.
 */

export const ERROR_REASONS = {
  // The request
  INVALID_ARGUMENT: "one or more request fields are invalid; the BadRequest detail lists each",
  MALFORMED_REQUEST: "the request bytes do not decode as the method's message",
  MESSAGE_TOO_LARGE: "the request is larger than the service accepts",
  // Who calls
  UNAUTHENTICATED: "no valid, unexpired, unrevoked API token",
  PERMISSION_DENIED: "the caller's token may not make this call; says nothing about whether the resource exists",
  CONSUMER_ID_NOT_ALLOWED: "the token's consumer patterns do not cover this consumer id",
  CONSUMER_OWNED: "another token owns the consumer, and this one may not take it over",
  CONSUMER_REFERENCES_NOT_GRANTED: "the consumer holds references outside this token's granted names",
  // Limits
  RATE_LIMITED: "the token or peer exceeded its calls per second; metadata says when to retry",
  TOO_MANY_STREAMS: "the token holds as many open streams of this method as it may",
  CALL_TIMEOUT: "the call took longer than the service's limit",
  RESPONSE_TOO_LARGE: "the answer would exceed the response bound",
  WATCHER_TOO_SLOW: "a watch stream fell too far behind its events; subscribe again",
  // Secrets
  SECRET_NOT_FOUND: "no secret of that name in the tenant",
  SECRET_EXISTS: "a secret of that name (case-insensitively) exists, archived or not",
  SECRET_ARCHIVED: "the secret is archived; restore it first",
  SECRET_NOT_ARCHIVED: "the secret is not archived, so there is nothing to restore",
  SECRET_IN_USE: "consumers reference the secret; the PreconditionFailure detail names them",
  VERSION_NOT_FOUND: "the secret has no such version",
  VERSION_NOT_RETAINED: "that version's value has left the bounded history",
  VERSION_MISMATCH: "the secret is not at the expected version",
  ETAG_MISMATCH: "the secret changed since its etag was read",
  CONTENTION: "the secret is changing too fast for this write; retry",
  REFERENCES_FAILED: "references of the batch failed; the ReferenceErrors detail lists each",
  // Consumers, tokens, tenants
  CONSUMER_NOT_FOUND: "no consumer of that id in the tenant",
  CONSUMER_OWNER_CHANGED: "the consumer kept changing owner during the call; retry",
  TOKEN_NOT_FOUND: "no such (active) API token in the tenant",
  TENANT_EXISTS: "a tenant of that id exists",
  TENANT_KEY_MISSING: "the tenant has no key in the cipher backend",
  // The service and its backends
  BACKEND_UNAVAILABLE: "the store or cipher backend cannot be reached; retry later",
  BACKEND_MISCONFIGURED: "a backend refused the service for a reason only an operator can fix",
  CIPHERTEXT_INVALID: "a stored value failed to decrypt",
  RECORD_TAMPERED: "a stored record failed its integrity check: it was changed outside the service",
  INTERNAL: "an error the service did not expect; the log has it under the request id",
} as const;

export type ErrorReason = keyof typeof ERROR_REASONS;

export const FIELD_VIOLATION_REASONS = {
  // Names and ids
  INVALID_SECRET_NAME: "not a secret name (letters, digits, _ and -, starting with a letter or _)",
  INVALID_TENANT_ID: "not a tenant id",
  INVALID_CONSUMER_ID: "not a consumer id",
  // Values
  TYPE_REQUIRED: "the secret type is missing or unknown",
  VALUE_REQUIRED: "a value, or a part of it, is missing or empty",
  VALUE_TYPE_MISMATCH: "the value's kind is not the secret's type",
  INVALID_JSON: "a JSON secret's value is not a JSON object",
  VALUE_TOO_LARGE: "the value is over the size bound",
  // Metadata
  TOO_LONG: "the text is over its length bound",
  CONTROL_CHARACTER: "the text holds control characters",
  TOO_MANY_LABELS: "more labels than a secret may have",
  INVALID_LABEL_KEY: "not a label key",
  // Versions and writes
  NOT_AN_EARLIER_VERSION: "a rollback must name an earlier version",
  UPDATE_MASK_REQUIRED: "the update mask names no field",
  INVALID_UPDATE_MASK: "the update mask names a field that cannot be changed here",
  INVALID_ETAG: "not an etag this service issued",
  // Tokens and grants
  INVALID_ROLE: "not a role a token can be given",
  PATTERNS_REQUIRED: "a workload token needs at least one secret name pattern",
  PATTERNS_NOT_ALLOWED: "only workload tokens are limited by patterns",
  TOO_MANY_PATTERNS: "more patterns than a token may hold",
  INVALID_PATTERN: "not a name pattern",
  TOO_MANY_WILDCARDS: "a pattern with more '*' than allowed",
  EXPIRY_IN_PAST: "the expiry time is not in the future",
  TOKEN_REQUIRED: "the token id is missing",
  // Batches and lists
  TOO_MANY_REFERENCES: "more references than one call may hold",
  INVALID_NAME_COUNT: "a watch names too few or too many secrets",
  INVALID_PAGE_SIZE: "the page size is negative",
  INVALID_PAGE_TOKEN: "not a page token from this list",
  PAGE_TOKEN_MISMATCH: "the page token was issued for other filters",
  INVALID_ORDER_BY: "not an order the list can be sorted in",
} as const;

export type FieldViolationReason = keyof typeof FIELD_VIOLATION_REASONS;

export const REFERENCE_FAILURE_REASONS = {
  MALFORMED: "malformed",
  NOT_GRANTED: "not granted to this token",
  NOT_FOUND: "no such secret",
  FIELD_NOT_FOUND: "no such field in the secret",
  ARCHIVED: "the secret is archived",
} as const;

export type ReferenceFailureReason = keyof typeof REFERENCE_FAILURE_REASONS;
