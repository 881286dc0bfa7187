/**
 * Parsers for flag values (commander argParsers): a bad value is a usage
 * error naming the flag's rule, raised before anything is sent.
 */
import { InvalidArgumentError } from "commander";

const DURATION = /^(\d+)(s|m|h|d)$/;
const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** A duration such as `90s`, `15m`, `12h`, `30d`, in milliseconds. */
export function parseDuration(text: string): number {
  const match = DURATION.exec(text);
  if (!match) throw new InvalidArgumentError("expected a duration such as 90s, 15m, 12h or 30d");
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}

/** An ISO 8601 time, or a duration counted back from now (`1h` = an hour ago). */
export function parsePastTime(text: string): Date {
  return DURATION.test(text) ? new Date(Date.now() - parseDuration(text)) : parseIsoTime(text);
}

/** An ISO 8601 time, or a duration counted forward from now (`30d` = in thirty days). */
export function parseFutureTime(text: string): Date {
  return DURATION.test(text) ? new Date(Date.now() + parseDuration(text)) : parseIsoTime(text);
}

function parseIsoTime(text: string): Date {
  const date = new Date(text);
  if (!/^\d{4}-\d{2}-\d{2}/.test(text) || Number.isNaN(date.getTime()))
    throw new InvalidArgumentError("expected an ISO 8601 time (2025-01-31T12:00:00Z) or a duration (15m, 12h, 30d)");
  return date;
}

/** Repeatable `key=value`, collected into a record. */
export function collectLabel(text: string, labels: Record<string, string> = {}): Record<string, string> {
  const at = text.indexOf("=");
  if (at <= 0) throw new InvalidArgumentError("expected key=value");
  return { ...labels, [text.slice(0, at)]: text.slice(at + 1) };
}

/** Repeatable flag collected into a list. */
export function collect(text: string, list: string[] = []): string[] {
  return [...list, text];
}
