/**
 * The service's error model, independent of the transport: a stable reason
 * from the catalogue (kernel/error-reasons.ts), a message for people, and the
 * structured details of AIP-193 (field violations, precondition failures).
 * The domain never names a status code: services/rpc/ maps each reason to
 * one and turns the error into `google.rpc.Status` with rich details.
 *
 * Messages must never contain a secret value: they are logged and audited.
 */

import type { ErrorReason, ReferenceFailureReason } from "../../kernel/error-reasons.js";
import type { FieldViolation } from "../../kernel/field-violation.js";

export interface PreconditionViolation {
  /** Kind of precondition, e.g. `CONSUMER`. */
  type: string;
  /** What failed it, e.g. the consumer id. */
  subject: string;
  description: string;
}

/** One failing reference of a batch (ResolveSecrets, SetConsumerReferences). */
export interface ReferenceFailure {
  index: number;
  reference: string;
  reason: ReferenceFailureReason;
  message: string;
}

export interface ServiceErrorInit {
  /** Sent as google.rpc.ErrorInfo.reason; it decides the status code. */
  reason: ErrorReason;
  fieldViolations?: FieldViolation[];
  preconditionViolations?: PreconditionViolation[];
  referenceFailures?: ReferenceFailure[];
  /** Extra ErrorInfo metadata. Never a value. */
  metadata?: Record<string, string>;
}

export class ServiceError extends Error {
  override readonly name = "ServiceError";
  readonly reason: ErrorReason;
  readonly fieldViolations: FieldViolation[];
  readonly preconditionViolations: PreconditionViolation[];
  readonly referenceFailures: ReferenceFailure[];
  readonly metadata: Record<string, string>;

  constructor(message: string, init: ServiceErrorInit) {
    super(message);
    this.reason = init.reason;
    this.fieldViolations = init.fieldViolations ?? [];
    this.preconditionViolations = init.preconditionViolations ?? [];
    this.referenceFailures = init.referenceFailures ?? [];
    this.metadata = init.metadata ?? {};
  }
}

/** One or more bad fields; the message lists them all. */
export function invalidArgument(violations: FieldViolation[]): ServiceError {
  const message = violations.map((v) => `${v.field}: ${v.description}`).join("; ");
  return new ServiceError(message, {
    reason: "INVALID_ARGUMENT",
    fieldViolations: violations,
  });
}

/** Throws an INVALID_ARGUMENT error if any violations were collected. */
export function throwIfInvalid(violations: FieldViolation[]): void {
  if (violations.length > 0) throw invalidArgument(violations);
}

export function secretNotFound(name: string): ServiceError {
  return new ServiceError(`secret "${name}" not found`, {
    reason: "SECRET_NOT_FOUND",
    metadata: { name },
  });
}

/**
 * The one answer to any call the caller may not make. It is the same whether
 * or not the resource exists, so a denial reveals nothing.
 */
export function permissionDenied(action: string, init: ServiceErrorInit = { reason: "PERMISSION_DENIED" }): ServiceError {
  return new ServiceError(`the caller's token may not ${action}`, init);
}

export function unauthenticated(message: string): ServiceError {
  return new ServiceError(message, { reason: "UNAUTHENTICATED" });
}

/** A backend (store or cipher) cannot be reached; the call may be retried. */
export class BackendUnavailableError extends Error {
  override readonly name = "BackendUnavailableError";
  constructor(
    readonly backend: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${backend} unavailable: ${message}`, options);
  }
}

/**
 * A backend refused the service for a reason only an operator can fix (a
 * missing Vault policy capability, say). The message says what to fix and
 * never holds a value or credential, so clients see it with INTERNAL.
 */
export class BackendMisconfiguredError extends Error {
  override readonly name: string = "BackendMisconfiguredError";
  constructor(
    readonly backend: string,
    message: string,
  ) {
    super(message);
  }
}
