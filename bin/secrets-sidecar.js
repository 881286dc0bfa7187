#!/usr/bin/env node
// Plain node entry of the sidecar (its build in dist/, see entry.js).
import { importEntry } from "./entry.js";

const { runSidecar } = await importEntry("dist/secrets-sidecar.mjs", "sidecar/main.ts");
const status = await runSidecar(process.argv.slice(2));
// Open HTTP/2 sessions would keep the process alive; the status is final here.
process.stdout.write("", () => process.exit(status));
