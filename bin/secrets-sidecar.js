#!/usr/bin/env node
// Plain node entry of the sidecar (its build in dist/, see entry.js).
// Node's built-in modules that every mode uses, loaded before the flags below: setting V8 flags
// changes V8's flag hash, and Node's code cache of its built-in modules (compiled with the default
// flags) is then rejected for every module loaded afterwards, which are compiled from source
// (~65 modules, ~20-40 ms of a render). BENCHMARKS.md, "Sidecar start-up and idle memory, second round".
import "node:http2";
import "node:crypto";
import "node:fs/promises";
import { setFlagsFromString } from "node:v8";
import { importEntry } from "./entry.js";

// The sidecar runs beside every workload, so its memory is paid per pod. Set before any of its code
// loads: no optimizing or baseline compiler (their code and zones cost ~7 MB; the sidecar's own
// work is a short render per change, and masking runs in regular expressions, which still compile),
// and a young generation that stays at its initial size (~5 MB). BENCHMARKS.md, "Sidecar footprint".
setFlagsFromString("--no-turbofan --no-maglev --no-sparkplug --semi-space-growth-factor=1");

const { runSidecar } = await importEntry("dist/secrets-sidecar.mjs", "sidecar/main.ts");
const status = await runSidecar(process.argv.slice(2));
// Open HTTP/2 sessions would keep the process alive; the status is final here.
process.stdout.write("", () => process.exit(status));
