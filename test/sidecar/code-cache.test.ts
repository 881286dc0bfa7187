/**
 * The sidecar's bundle runs through the V8 code cache the build made for it
 * (bin/code-cached-bundle.js), and a cache that does not fit means a plain
 * compile, never other code: V8 itself only compares the source's length, so a
 * cache made from another source of the same length would run that source's code.
 * Each run is a fresh node process, as at start-up.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const BIN = join(import.meta.dirname, "../../bin");
const SIDECAR_BUNDLE = join(import.meta.dirname, "../../dist/secrets-sidecar.cjs");

/** Runs the bundle in a new process; with `save`, writes its code cache afterwards. */
async function runBundle(bundle: string, options: { save?: boolean; sidecarFlags?: boolean; nodeArgs?: string[] } = {}) {
  const script = `
    ${options.sidecarFlags ? `await import(${JSON.stringify(`${BIN}/sidecar-runtime.js`)});` : ""}
    const { codeCachePathOf, runCodeCachedBundle } = await import(${JSON.stringify(`${BIN}/code-cached-bundle.js`)});
    const { writeFileSync } = await import("node:fs");
    const bundle = ${JSON.stringify(bundle)};
    const run = runCodeCachedBundle(bundle);
    const answer = typeof run.exports.answer === "function" ? run.exports.answer() : typeof run.exports.runSidecar;
    if (${options.save === true}) writeFileSync(codeCachePathOf(bundle), run.codeCache());
    process.stdout.write(JSON.stringify({ usedCache: run.usedCache, answer }));`;
  const { stdout } = await promisify(execFile)(process.execPath, [...(options.nodeArgs ?? []), "--input-type=module", "-e", script]);
  return JSON.parse(stdout) as { usedCache: boolean; answer: unknown };
}

describe("the sidecar's code cache", () => {
  let work: string;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "sidecar-code-cache-"));
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it("the built sidecar runs through the cache the build made, under the bin's V8 flags", async () => {
    expect(await runBundle(SIDECAR_BUNDLE, { sidecarFlags: true })).toEqual({ usedCache: true, answer: "function" });
    // Made under the sidecar's flags, so refused without them: compiled from source instead.
    expect(await runBundle(SIDECAR_BUNDLE)).toEqual({ usedCache: false, answer: "function" });
  });

  it("a cache made from another source of the same length is not used", async () => {
    const bundle = join(work, "same-length.cjs");
    await writeFile(bundle, "module.exports = { answer: () => 41 };\n");
    expect(await runBundle(bundle, { save: true })).toEqual({ usedCache: false, answer: 41 });
    expect(await runBundle(bundle)).toEqual({ usedCache: true, answer: 41 });
    await writeFile(bundle, "module.exports = { answer: () => 42 };\n");
    expect(await runBundle(bundle)).toEqual({ usedCache: false, answer: 42 });
  });

  it("a cache V8 refuses (made under other flags) means a plain compile", async () => {
    const bundle = join(work, "other-flags.cjs");
    await writeFile(bundle, "module.exports = { answer: () => 7 };\n");
    await runBundle(bundle, { save: true, nodeArgs: ["--no-turbofan"] });
    expect(await runBundle(bundle, { nodeArgs: ["--no-turbofan"] })).toEqual({ usedCache: true, answer: 7 });
    expect(await runBundle(bundle)).toEqual({ usedCache: false, answer: 7 });
  });

  it("no cache file: a plain compile", async () => {
    const bundle = join(work, "no-cache.cjs");
    await writeFile(bundle, "module.exports = { answer: () => 3 };\n");
    expect(await runBundle(bundle)).toEqual({ usedCache: false, answer: 3 });
  });
});
