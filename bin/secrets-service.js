#!/usr/bin/env node
// Plain node entry of the secrets service (its build in dist/, see entry.js); it runs when imported.
import { importEntry } from "./entry.js";

await importEntry("dist/service/secrets-service.mjs", "services/main.ts");
