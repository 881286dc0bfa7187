/**
 * AIP-158 pagination: page sizes, and page tokens that wrap a store's opaque
 * cursor together with a fingerprint of the request's filters, so a token is
 * refused when the filters change between pages.
 */
import { createHash } from "node:crypto";
import { invalidArgument } from "./errors.js";

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 1000;

/** 0 means the default; above the maximum is coerced to it (AIP-158); negative is invalid. */
export function effectivePageSize(requested: number): number {
  if (requested < 0)
    throw invalidArgument([{ field: "page_size", description: "page_size must not be negative", reason: "INVALID_PAGE_SIZE" }]);
  if (requested === 0) return DEFAULT_PAGE_SIZE;
  return Math.min(requested, MAX_PAGE_SIZE);
}

function fingerprint(filters: unknown): string {
  return createHash("sha256").update(JSON.stringify(filters)).digest("base64url").slice(0, 16);
}

export function encodePageToken(cursor: string | undefined, filters: unknown): string {
  if (cursor === undefined) return "";
  return Buffer.from(JSON.stringify({ c: cursor, f: fingerprint(filters) }), "utf8").toString("base64url");
}

/** The store cursor inside a page token; undefined for the first page. */
export function decodePageToken(token: string, filters: unknown): string | undefined {
  if (token === "") return undefined;
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
  } catch {
    decoded = undefined;
  }
  const fields = decoded as { c?: unknown; f?: unknown } | undefined;
  if (!fields || typeof fields.c !== "string" || typeof fields.f !== "string")
    throw invalidArgument([
      { field: "page_token", description: "page_token is not one this service issued", reason: "INVALID_PAGE_TOKEN" },
    ]);
  if (fields.f !== fingerprint(filters))
    throw invalidArgument([
      { field: "page_token", description: "page_token was issued for a request with other filters", reason: "PAGE_TOKEN_MISMATCH" },
    ]);
  return fields.c;
}

/** What a list request says about its page. */
export interface PageRequest {
  pageSize: number;
  pageToken: string;
}

/** One page of a list, with the token of the next (empty on the last page). */
export interface ListedPage<T> {
  items: T[];
  nextPageToken: string;
}

/** The page a list request asks for: its size, and the cursor inside its token (checked against `filters`). */
export function requestedPage(request: PageRequest, filters: unknown): { limit: number; cursor?: string } {
  const limit = effectivePageSize(request.pageSize);
  const cursor = decodePageToken(request.pageToken, filters);
  return { limit, ...(cursor !== undefined && { cursor }) };
}
