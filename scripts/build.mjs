// Builds the programs to JavaScript in dist/, and the web console into console/dist (run by
// `npm run build`, and so by `npm ci`'s prepare, and by the test suite's global setup): node then
// starts them without a TypeScript loader. Each output file is written beside its final name and renamed into place, so a program
// starting meanwhile never reads half a file.
import { build } from "esbuild";
import { spawnSync } from "node:child_process";
import { mkdir, readdir, rename, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildConsole } from "../console/build.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));

// Bundled code that calls require() (CommonJS dependencies) needs one in an ES module.
const requireShim = "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);";
const common = {
  absWorkingDir: root,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  outExtension: { ".js": ".mjs" },
  banner: { js: requireShim },
  logLevel: "warning",
  write: false,
  // Its UMD main requires its own files at run time, out of esbuild's sight; its ES build does not.
  alias: { "jsonc-parser": "./node_modules/jsonc-parser/lib/esm/main.js" },
};

const builds = [
  // One file each: the sidecar, the CLI and the injector start in a workload's or an operator's
  // path; the compose demo's set-up runs from the image, which has no development dependencies.
  // The sidecar runs beside every workload: minified, its source (kept in memory for lazy
  // compilation) and its parse at start-up are less than half (BENCHMARKS.md, "Sidecar footprint").
  // A CommonJS bundle, which V8 can compile through a code cache (node:vm; ES modules cannot on Node
  // 20), and in which a module imported lazily also requires its built-in modules lazily.
  {
    ...common,
    entryPoints: { "secrets-sidecar": "sidecar/main.ts" },
    outdir: join(root, "dist"),
    minify: true,
    format: "cjs",
    outExtension: { ".js": ".cjs" },
    banner: {},
    codeCache: true,
  },
  {
    ...common,
    entryPoints: {
      secretsctl: "cli/main.ts",
      "secrets-injector": "injector/main.ts",
      "demo-setup": "deploy/demo-setup.ts",
    },
    outdir: join(root, "dist"),
  },
  {
    ...common,
    entryPoints: { "secrets-service": "services/main.ts" },
    outdir: join(root, "dist/service"),
    // Chunks, so that `--help` loads none of the server, and the server none of an unused adapter.
    splitting: true,
    // Native code, and the production adapters' clients (loaded only when configured), stay in
    // node_modules.
    external: ["better-sqlite3", "mongodb", "node-vault"],
  },
];

export async function buildAll() {
  for (const { codeCache, ...options } of builds) {
    const { outputFiles } = await build(options);
    for (const file of outputFiles) {
      await mkdir(dirname(file.path), { recursive: true });
      const partial = `${file.path}.${process.pid}.partial`;
      await writeFile(partial, file.contents);
      await rename(partial, file.path);
    }
    if (options.splitting) await removeStaleChunks(options.outdir, outputFiles);
    if (codeCache) for (const file of outputFiles) makeCodeCache(file.path);
  }
  // The web console the service serves (console/dist).
  await buildConsole();
}

/**
 * The bundle's V8 code cache, beside it (scripts/sidecar-code-cache.mjs; read by bin/code-cached-bundle.js).
 * Without one the bundle compiles from source, as before: a failure is said, not fatal (the cache's
 * run listens on loopback, which a restricted build sandbox may refuse).
 */
function makeCodeCache(bundlePath) {
  // Without the SECRETS_* settings of the shell that builds: the run is the script's own.
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("SECRETS_")));
  const run = spawnSync(process.execPath, [join(root, "scripts/sidecar-code-cache.mjs"), bundlePath], {
    env,
    encoding: "utf8",
    timeout: 60_000,
  });
  if (run.status !== 0)
    process.stderr.write(
      `warning: no code cache for ${bundlePath} (status ${run.status ?? run.signal}): ${(run.stderr ?? "").slice(-2000)}\n`,
    );
}

/** Chunk names carry a content hash, so each build leaves the previous build's chunks behind. */
async function removeStaleChunks(outdir, outputFiles) {
  const current = new Set(outputFiles.map((file) => file.path));
  for (const name of await readdir(outdir))
    if (!current.has(join(outdir, name)) && !name.endsWith(".partial")) await rm(join(outdir, name), { force: true });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildAll();
