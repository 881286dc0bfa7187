/**
 * Output formatting: aligned tables for people, proto3 JSON for scripts.
 * Every response printed here is metadata; none carries a secret value.
 */
import { toJson, type DescMessage, type JsonValue, type MessageShape } from "@bufbuild/protobuf";
import { timestampDate, type Timestamp } from "@bufbuild/protobuf/wkt";

export const OUTPUT_FORMATS = ["table", "json"] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** Columns padded to their widest cell, two spaces apart. */
export function renderTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  return [line(headers), ...rows.map(line)].join("\n");
}

/** `key: value` lines, keys aligned: one record in table mode. */
export function renderRecord(fields: readonly (readonly [string, string])[]): string {
  const width = Math.max(...fields.map(([k]) => k.length)) + 1;
  return fields.map(([k, v]) => `${`${k}:`.padEnd(width)} ${v}`).join("\n");
}

/** UTC to the second, or `fallback` when unset. */
export function formatTime(time: Timestamp | undefined, fallback = "-"): string {
  if (!time) return fallback;
  return timestampDate(time)
    .toISOString()
    .replace(/\.\d{3}Z$/, "Z");
}

/** A message as proto3 JSON, with zero values shown so scripts find every field. */
export function messageJson<Desc extends DescMessage>(schema: Desc, message: MessageShape<Desc>): JsonValue {
  return toJson(schema, message, { alwaysEmitImplicit: true });
}

export function printLine(text: string): void {
  process.stdout.write(`${text}\n`);
}

export function printJson(value: unknown): void {
  printLine(JSON.stringify(value, null, 2));
}

/** Diagnostics and prompts go to stderr so stdout stays parseable. */
export function printNotice(text: string): void {
  process.stderr.write(`${text}\n`);
}
