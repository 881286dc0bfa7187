#!/usr/bin/env node
// Plain node entry of the Kubernetes admission webhook (its build in dist/, see entry.js).
import { importEntry } from "./entry.js";

const { runInjector } = await importEntry("dist/secrets-injector.mjs", "injector/main.ts");
process.exitCode = await runInjector(process.argv.slice(2));
