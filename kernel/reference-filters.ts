/**
 * The filters a reference may chain (`$<secret.NAME | base64>`), applied in
 * order by the service at resolve time, undone by the sidecar's output mask,
 * and bounded so that a short request cannot build a huge value.
 */
export type ReferenceFilter = "urlencode" | "base64";
/** Filters one reference may chain: each can triple a value, so a chain must be short. */
export const MAX_FILTERS_PER_REFERENCE = 4;
/** The longest a filtered value may grow (characters; filters output ASCII): four times the largest secret value. */
export const MAX_FILTERED_VALUE_LENGTH = 256 * 1024;

const FILTERS: Record<ReferenceFilter, (value: string) => string> = {
  // encodeURIComponent throws on a lone surrogate; it becomes U+FFFD, as in the UTF-8 bytes base64 encodes.
  urlencode: (value) => encodeURIComponent(value.replace(/\p{Surrogate}/gu, "\uFFFD")),
  base64: (value) => base64OfUtf8(value),
};

/** Without Buffer, so that browsers (the console) can load this module too. */
function base64OfUtf8(value: string): string {
  let binary = "";
  for (const byte of new TextEncoder().encode(value)) binary += String.fromCharCode(byte);
  return btoa(binary);
}

function utf8OfBase64(value: string): string {
  return new TextDecoder("utf-8", { ignoreBOM: true }).decode(Uint8Array.from(atob(value), (char) => char.charCodeAt(0)));
}

export const REFERENCE_FILTERS = Object.keys(FILTERS) as readonly ReferenceFilter[];

export function isReferenceFilter(name: string): name is ReferenceFilter {
  return Object.hasOwn(FILTERS, name);
}

export function applyFilters(value: string, filters: readonly ReferenceFilter[]): string {
  return filters.reduce((result, filter) => FILTERS[filter](result), value);
}

const INVERSE_FILTERS: Record<ReferenceFilter, (value: string) => string> = {
  urlencode: (value) => decodeURIComponent(value),
  base64: (value) => utf8OfBase64(value),
};

/**
 * The value before `filters` were applied (what the sidecar's output mask must
 * hide: a workload given `| base64` can print the value itself). Exact except
 * where a filter replaced a lone surrogate with U+FFFD.
 */
export function undoFilters(filtered: string, filters: readonly ReferenceFilter[]): string {
  return filters.reduceRight((result, filter) => INVERSE_FILTERS[filter](result), filtered);
}

/** applyFilters, stopping with undefined as soon as the value grows past `maxLength`, so nothing larger is ever built. */
export function applyFiltersWithin(value: string, filters: readonly ReferenceFilter[], maxLength: number): string | undefined {
  let result = value;
  for (const filter of filters) {
    if (result.length > maxLength) return undefined;
    result = FILTERS[filter](result);
  }
  return result.length > maxLength ? undefined : result;
}
