#!/usr/bin/env node
// Plain node entry for secretsctl: register tsx's ESM loader, then run the TypeScript CLI.
import { register } from "tsx/esm/api";

register();
await import("../cli/main.ts");
