#!/usr/bin/env node
// Plain node entry of the sidecar: its build in dist/ (a CommonJS bundle, run through the V8 code
// cache the build made for it), or its sources with SECRETS_RUN_SOURCES=1 (see entry.js).
import "./sidecar-runtime.js";
import { runCodeCachedBundle } from "./code-cached-bundle.js";
import { builtFile, importEntry, runsSources } from "./entry.js";

const { runSidecar } = runsSources()
  ? await importEntry("dist/secrets-sidecar.cjs", "sidecar/main.ts")
  : runCodeCachedBundle(builtFile("dist/secrets-sidecar.cjs")).exports;
const status = await runSidecar(process.argv.slice(2));
// Open HTTP/2 sessions would keep the process alive; the status is final here.
process.stdout.write("", () => process.exit(status));
