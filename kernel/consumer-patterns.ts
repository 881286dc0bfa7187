/**
 * Consumer id patterns, as a workload token may hold them: the consumer ids
 * (configs) the token may register, `*` matching any run of characters, with
 * the same linear matcher and wildcard bound as secret name patterns. Consumer
 * ids are matched exactly as written (case-sensitive), like the ids themselves.
 */
import type { FieldViolationReason } from "./error-reasons.js";
import { MAX_CONSUMER_ID_LENGTH } from "./names.js";
import { MAX_WILDCARDS_PER_PATTERN, globMatches } from "./secret-patterns.js";

/** Printable ASCII without spaces, as a consumer id; `*` is the wildcard. */
const PATTERN = /^[\x21-\x7e]+$/;

/** What is wrong with a consumer id pattern, or undefined if it is fine. */
export function consumerPatternProblem(pattern: string): { description: string; reason: FieldViolationReason } | undefined {
  if (pattern.length > MAX_CONSUMER_ID_LENGTH || !PATTERN.test(pattern))
    return {
      description: `consumer pattern must be 1-${MAX_CONSUMER_ID_LENGTH} printable ASCII characters without spaces, '*' matching any run`,
      reason: "INVALID_PATTERN",
    };
  if (pattern.split("*").length - 1 > MAX_WILDCARDS_PER_PATTERN)
    return { description: `pattern may hold at most ${MAX_WILDCARDS_PER_PATTERN} '*'`, reason: "TOO_MANY_WILDCARDS" };
  return undefined;
}

/** Whether one of `patterns` covers the consumer id. */
export function patternsCoverConsumer(patterns: readonly string[], consumerId: string): boolean {
  return patterns.some((pattern) => globMatches(pattern, consumerId));
}
