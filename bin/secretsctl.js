#!/usr/bin/env node
// Plain node entry of secretsctl (its build in dist/, see entry.js); the CLI runs when imported.
import { importEntry } from "./entry.js";

await importEntry("dist/secretsctl.mjs", "cli/main.ts");
