/**
 * Keyset pagination shared by the MetadataStore adapters. Cursors are opaque:
 * the base64url of the last row's sort key. A cursor that does not decode is
 * the caller's bad page token, not a store failure.
 */
import { invalidArgument } from "../domain/errors.js";
import type { Page } from "../ports/metadata-store.js";

export function checkLimit(limit: number): number {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`page limit must be a positive integer, got ${limit}`);
  return limit;
}

/** `rows` holds up to limit + 1 items (a query asks for one more): the extra one only says another page exists. */
export function toPage<T>(rows: T[], limit: number, cursorOf: (item: T) => string): Page<T> {
  if (rows.length <= limit) return { items: rows };
  const items = rows.slice(0, limit);
  return { items, nextCursor: cursorOf(items[limit - 1]!) };
}

export function encodeCursor(key: string): string {
  return Buffer.from(key, "utf8").toString("base64url");
}

/** The key inside a cursor; INVALID_ARGUMENT if it is not one this store made. */
export function decodeCursor(cursor: string): string {
  const key = Buffer.from(cursor, "base64url").toString("utf8");
  // Node's decoder skips invalid characters: only an exact round trip is a cursor.
  if (cursor.length === 0 || encodeCursor(key) !== cursor) throw invalidPageToken();
  return key;
}

/** A cursor over a non-negative integer key (versions). */
export function decodeIntegerCursor(cursor: string): number {
  const key = decodeCursor(cursor);
  if (!/^(0|[1-9][0-9]{0,15})$/.test(key)) throw invalidPageToken();
  return Number(key);
}

/** A cursor over a (time in ms, id) key (tokens, oldest first). */
export function encodeTimeIdCursor(time: number, id: string): string {
  return encodeCursor(`${time}:${id}`);
}

export function decodeTimeIdCursor(cursor: string): { time: number; id: string } {
  const key = decodeCursor(cursor);
  const match = /^(-?[0-9]{1,16}):(.+)$/s.exec(key);
  if (!match) throw invalidPageToken();
  return { time: Number(match[1]), id: match[2]! };
}

function invalidPageToken() {
  return invalidArgument([
    { field: "page_token", description: "is not a page token from this list", reason: "INVALID_PAGE_TOKEN" },
  ]);
}
