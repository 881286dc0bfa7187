#!/usr/bin/env node
// Plain node entry of the Kubernetes admission webhook (bundled when fresh, see entry.js).
import { importEntry } from "./entry.js";

const { runInjector } = await importEntry("secrets-injector", "injector/main.ts");
process.exitCode = await runInjector(process.argv.slice(2));
