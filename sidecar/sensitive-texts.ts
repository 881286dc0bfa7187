/**
 * What a render puts in the workload's hands, as plain texts for the output
 * mask (which adds their encodings): each value as served; the value before
 * its filters (a workload given `| base64` can decode and print it); each
 * string leaf of a JSON value; and `username:password` of a username-password
 * secret, as HTTP basic authentication joins them before base64.
 */
import type { ResolvedValue } from "../gen/secrets/v1/resolver_service_pb.js";
import { undoFilters } from "../kernel/reference-filters.js";
import type { Reference } from "../kernel/references.js";

export interface ResolvedReference {
  reference: Reference;
  resolved: ResolvedValue;
}

function stringLeaves(json: unknown): string[] {
  if (typeof json === "string") return [json];
  if (json === null || typeof json !== "object") return [];
  return Object.values(json as Record<string, unknown>).flatMap(stringLeaves);
}

function parsedJson(text: string): unknown {
  if (!/^\s*[{[]/.test(text)) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** `username:password` when `json` is a username-password secret's value. */
function basicAuthPair(json: unknown): string | undefined {
  const { username, password } = (json ?? {}) as Record<string, unknown>;
  return typeof username === "string" && typeof password === "string" ? `${username}:${password}` : undefined;
}

export function sensitiveTexts(resolved: Iterable<ResolvedReference>): string[] {
  const texts = new Set<string>();
  // Fields referenced one by one, by secret and version, so their pair is hidden too.
  const fields = new Map<string, Record<string, unknown>>();
  for (const { reference, resolved: value } of resolved) {
    texts.add(value.value);
    const raw = undoFilters(value.value, reference.filters);
    texts.add(raw);
    const json = parsedJson(raw);
    for (const leaf of stringLeaves(json)) texts.add(leaf);
    const pair = basicAuthPair(json);
    if (pair !== undefined) texts.add(pair);
    const [field, ...deeper] = reference.path;
    if (field !== undefined && deeper.length === 0) {
      const key = `${reference.nameKey}@${value.version}`;
      fields.set(key, { ...fields.get(key), [field]: raw });
    }
  }
  for (const secret of fields.values()) {
    const pair = basicAuthPair(secret);
    if (pair !== undefined) texts.add(pair);
  }
  return [...texts];
}
