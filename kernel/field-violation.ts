import type { FieldViolationReason } from "./error-reasons.js";

/** One invalid field of a request, as google.rpc.BadRequest reports it. */
export interface FieldViolation {
  /** Path of the field in the request, e.g. `value.username_password.password`. */
  field: string;
  /** What rule the field breaks. */
  description: string;
  /** Stable reason from the catalogue. */
  reason: FieldViolationReason;
}
