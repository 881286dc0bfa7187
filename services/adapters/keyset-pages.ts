/**
 * Keyset pagination shared by the MetadataStore adapters. Cursors are opaque:
 * the base64url of the last row's sort key. A cursor that does not decode is
 * the caller's bad page token, not a store failure.
 */
import { invalidArgument } from "../domain/errors.js";
import type { Page } from "../ports/metadata-store.js";
import type { SecretOrderKey, SecretRecord } from "../ports/secret-store.js";

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

/** A secret's value in a list order, as the stores sort it (never accessed: last access 0). */
export function secretOrderValue(secret: SecretRecord, key: SecretOrderKey): number | string {
  switch (key) {
    case "name":
      return secret.nameKey;
    case "updateTime":
      return secret.updateTime.getTime();
    case "lastAccessTime":
      return secret.lastAccessTime?.getTime() ?? 0;
    case "usageCount":
      return secret.usageCount;
    case "type":
      return secret.type;
    case "state":
      return secret.state;
  }
}

/** A cursor over an (order value, name key) key: secrets listed in another order than by name. */
export function encodeOrderedCursor(value: number | string, nameKey: string): string {
  return encodeCursor(JSON.stringify([value, nameKey]));
}

export function decodeOrderedCursor(cursor: string): { value: number | string; nameKey: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(decodeCursor(cursor));
  } catch {
    throw invalidPageToken();
  }
  if (!Array.isArray(parsed) || parsed.length !== 2 || typeof parsed[1] !== "string") throw invalidPageToken();
  const [value, nameKey] = parsed as [unknown, string];
  if (typeof value !== "string" && !(typeof value === "number" && Number.isSafeInteger(value))) throw invalidPageToken();
  return { value, nameKey };
}

function invalidPageToken() {
  return invalidArgument([{ field: "page_token", description: "is not a page token from this list", reason: "INVALID_PAGE_TOKEN" }]);
}
