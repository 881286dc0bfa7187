/**
 * Secret name patterns, as a workload token's grant holds them: letters,
 * digits, `_`, `-` and `*` (any run of characters), matched
 * case-insensitively. The service checks grants with them; the console
 * previews what a pattern would match.
 */
import type { FieldViolationReason } from "./error-reasons.js";
import { secretNameKey } from "./names.js";

/** Wildcards one pattern may hold: enough for `*_DB_*`, few enough that no pattern is a puzzle. */
export const MAX_WILDCARDS_PER_PATTERN = 4;

/** A pattern in a workload token's grant: letters, digits, `_`, `-` and `*` (any run of characters). */
const PATTERN = /^[A-Za-z0-9_*-]{1,128}$/;

/** What is wrong with a grant pattern, or undefined if it is fine. */
export function secretPatternProblem(pattern: string): { description: string; reason: FieldViolationReason } | undefined {
  if (!PATTERN.test(pattern)) return { description: "pattern must be 1-128 letters, digits, '_', '-' or '*'", reason: "INVALID_PATTERN" };
  if (pattern.split("*").length - 1 > MAX_WILDCARDS_PER_PATTERN)
    return { description: `pattern may hold at most ${MAX_WILDCARDS_PER_PATTERN} '*'`, reason: "TOO_MANY_WILDCARDS" };
  return undefined;
}

/** Whether a token limited to `patterns` may touch the secret called `name` (case-insensitive). */
export function patternsGrantSecret(patterns: readonly string[], name: string): boolean {
  const key = secretNameKey(name);
  return patterns.some((pattern) => globMatches(secretNameKey(pattern), key));
}

/**
 * Glob match in time linear in the name, whatever the pattern (a regular
 * expression backtracks on `*a*a*a*b`): the text between stars must appear in
 * order, the first at the start and the last at the end; taking each at its
 * earliest place is always right, since a later star can absorb anything.
 */
export function globMatches(pattern: string, text: string): boolean {
  const parts = pattern.split("*");
  const first = parts[0]!;
  if (parts.length === 1) return pattern === text;
  const last = parts[parts.length - 1]!;
  if (first.length + last.length > text.length || !text.startsWith(first) || !text.endsWith(last)) return false;
  let at = first.length;
  const end = text.length - last.length;
  for (const part of parts.slice(1, -1)) {
    const found = text.indexOf(part, at);
    if (found < 0 || found + part.length > end) return false;
    at = found + part.length;
  }
  return true;
}
