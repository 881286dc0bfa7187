/**
 * Whole-number flag values, as commander argParsers, for the service, the
 * sidecar and the CLI alike: a bad value is a usage error naming the rule.
 */
import { InvalidArgumentError } from "commander";

export function nonNegativeInt(text: string): number {
  const n = Number(text);
  if (text.trim() === "" || !Number.isInteger(n) || n < 0) throw new InvalidArgumentError("must be a whole number, 0 or more");
  return n;
}

export function positiveInt(text: string): number {
  const n = nonNegativeInt(text);
  if (n === 0) throw new InvalidArgumentError("must be a positive integer");
  return n;
}

/** A positive whole number up to `max` (e.g. a delay a Node timer can wait: at most 2^31-1 ms). */
export function positiveIntAtMost(max: number): (text: string) => number {
  return (text) => {
    const n = positiveInt(text);
    if (n > max) throw new InvalidArgumentError(`must be at most ${max}`);
    return n;
  };
}
