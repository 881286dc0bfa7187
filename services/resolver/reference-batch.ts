/**
 * The rules of a batch of references (ResolveSecrets, SetConsumerReferences):
 * each reference parsed and grant-checked on its own, every failure collected
 * so that a failed batch names every failing reference (never a value), and a
 * response kept within its size bound.
 */
import { REFERENCE_FAILURE_REASONS as REASON_WORDS } from "../../kernel/error-reasons.js";
import type { Reference } from "../../kernel/references.js";
import { MAX_REFERENCES_PER_CALL } from "../domain/batch-limits.js";
import { ServiceError, invalidArgument, type ReferenceFailure } from "../domain/errors.js";
import { callerMayAccessSecret, type Role } from "../domain/permissions.js";
import type { ParsedReferences } from "./parsed-references.js";

export { REASON_WORDS };

export interface ParsedReference {
  /** Its position in the request: errors name it. */
  index: number;
  text: string;
  reference: Reference;
}

/** Parses and grant-checks a batch; every failure is collected, none stops the others. */
export function parseBatch(
  references: ParsedReferences,
  caller: { role: Role; allowedSecretPatterns: readonly string[] },
  texts: readonly string[],
  field: string,
): { parsed: ParsedReference[]; failures: ReferenceFailure[] } {
  if (texts.length > MAX_REFERENCES_PER_CALL)
    throw invalidArgument([
      { field, description: `at most ${MAX_REFERENCES_PER_CALL} references per call`, reason: "TOO_MANY_REFERENCES" },
    ]);
  const parsed: ParsedReference[] = [];
  const failures: ReferenceFailure[] = [];
  texts.forEach((text, index) => {
    const result = references.parse(text);
    if (!("nameKey" in result)) failures.push({ index, reference: text, reason: "MALFORMED", message: result.message });
    else if (!callerMayAccessSecret(caller, result.name))
      failures.push({ index, reference: text, reason: "NOT_GRANTED", message: REASON_WORDS.NOT_GRANTED });
    else parsed.push({ index, text, reference: result });
  });
  return { parsed, failures };
}

/** Bytes left for a response's values (with a little for each value's framing). */
export class ResponseBudget {
  constructor(private left: number) {}

  take(bytes: number): boolean {
    this.left -= bytes + 32;
    return this.left >= 0;
  }
}

/** RESOURCE_EXHAUSTED naming the reference (never its value) that took the response over a bound. */
export function responseTooLarge(p: ParsedReference, why: string): ServiceError {
  return new ServiceError(`reference #${p.index} ${p.text}: ${why}`, {
    reason: "RESPONSE_TOO_LARGE",
    metadata: { reference_index: String(p.index) },
  });
}

/** Throws the batch's error, naming every failing reference, if there is any. */
export function throwIfFailed(failures: ReferenceFailure[]): void {
  if (failures.length > 0) throw referencesFailed(failures);
}

/** The error of a failed batch: every failing reference in the details (rpc/ picks the status of the most fundamental). */
export function referencesFailed(failures: ReferenceFailure[]): ServiceError {
  failures.sort((a, b) => a.index - b.index);
  const listed = failures
    .slice(0, 10)
    .map((f) => `${f.reference} (${f.reason === "MALFORMED" ? f.message : REASON_WORDS[f.reason]})`)
    .join("; ");
  const more = failures.length > 10 ? `; and ${failures.length - 10} more` : "";
  return new ServiceError(`${failures.length} reference(s) failed: ${listed}${more}`, {
    reason: "REFERENCES_FAILED",
    referenceFailures: failures,
  });
}
