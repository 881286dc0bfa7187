// Runs a CommonJS bundle through a V8 code cache that the build made for it (see
// scripts/sidecar-code-cache.mjs): the bundle's functions are then deserialized rather than parsed
// and compiled at start-up. The cache file holds the SHA-256 of the exact source it was made from,
// then V8's cached data. A missing cache, one made for another source, or one V8 refuses (another V8
// version or other flags: `cachedDataRejected`) only means a plain compile.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { Script } from "node:vm";

const DIGEST_BYTES = 32;

/** Where the build puts the code cache of the bundle at `bundlePath`. */
export function codeCachePathOf(bundlePath) {
  return `${bundlePath}.v8-cache`;
}

/** The bundle as V8 compiles it: CommonJS's module wrapper, on the first line so that positions stay. */
function wrappedSource(bundlePath) {
  return `(function (exports, require, module, __filename, __dirname) {${readFileSync(bundlePath, "utf8")}\n})`;
}

function digestOf(source) {
  return createHash("sha256").update(source).digest();
}

/** V8's cached data from `cachePath` when it was made from `source`; otherwise undefined. */
function cachedDataFor(cachePath, source) {
  let file;
  try {
    file = readFileSync(cachePath);
  } catch {
    return undefined;
  }
  if (file.length <= DIGEST_BYTES || !file.subarray(0, DIGEST_BYTES).equals(digestOf(source))) return undefined;
  return file.subarray(DIGEST_BYTES);
}

/**
 * Compiles and runs the bundle, through its code cache when one fits and `useCache` is not false.
 * Returns its exports, and `codeCache()`: a cache file's content for the functions compiled so far.
 */
export function runCodeCachedBundle(bundlePath, { useCache = true } = {}) {
  const source = wrappedSource(bundlePath);
  const cachedData = useCache ? cachedDataFor(codeCachePathOf(bundlePath), source) : undefined;
  const script = new Script(source, { filename: bundlePath, ...(cachedData !== undefined && { cachedData }) });
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(bundlePath), module, bundlePath, dirname(bundlePath));
  return {
    exports: module.exports,
    usedCache: cachedData !== undefined && !script.cachedDataRejected,
    codeCache: () => Buffer.concat([digestOf(source), script.createCachedData()]),
  };
}
