#!/usr/bin/env node
// Plain node entry of secretsctl (bundled when fresh, see entry.js); the CLI runs when imported.
import { importEntry } from "./entry.js";

await importEntry("secretsctl", "cli/main.ts");
