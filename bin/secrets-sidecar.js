#!/usr/bin/env node
// Plain node entry of the sidecar: registers tsx's ESM loader, then runs the TypeScript CLI.
import { register } from "tsx/esm/api";

register();
const { runSidecar } = await import("../sidecar/main.ts");
const status = await runSidecar(process.argv.slice(2));
// Open HTTP/2 sessions would keep the process alive; the status is final here.
process.stdout.write("", () => process.exit(status));
