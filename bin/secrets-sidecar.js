#!/usr/bin/env node
// Plain node entry of the sidecar. It runs the bundle that `npm run build` (run by `npm ci`) makes,
// for a fast cold start (about 0.15 s instead of 0.6 s), when the bundle is newer than every source
// it is built from; otherwise it compiles the TypeScript on the fly with tsx, so an edit is never
// hidden by a stale bundle.
import { readdirSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const bundle = `${root}dist/secrets-sidecar.mjs`;
// What the sidecar imports: its own code, the shared domain rules, the generated API.
const SOURCES = ["sidecar", "services/domain", "gen", "package-lock.json"];

function newestMtime(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((entry) => newestMtime(`${path}/${entry}`)));
}

function bundleIsFresh() {
  try {
    return statSync(bundle).mtimeMs >= Math.max(...SOURCES.map((source) => newestMtime(`${root}${source}`)));
  } catch {
    return false;
  }
}

let runSidecar;
if (bundleIsFresh()) ({ runSidecar } = await import(bundle));
else {
  const { register } = await import("tsx/esm/api");
  register();
  ({ runSidecar } = await import("../sidecar/main.ts"));
}
const status = await runSidecar(process.argv.slice(2));
// Open HTTP/2 sessions would keep the process alive; the status is final here.
process.stdout.write("", () => process.exit(status));
