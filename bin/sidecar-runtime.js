// The sidecar's V8 set-up, imported first by its bin and by the build's code-cache run
// (scripts/sidecar-code-cache.mjs): V8 accepts a code cache only under the flags it was made with.
//
// Node's built-in modules that every mode uses are loaded before the flags: setting V8 flags
// changes V8's flag hash, and Node's code cache of its built-in modules (made with the default
// flags) is then rejected for every module loaded afterwards, which are compiled from source
// (~65 modules, ~20-40 ms of a render). BENCHMARKS.md, "Sidecar start-up and idle memory, second round".
import "node:http2";
import "node:crypto";
import "node:fs/promises";
import { setFlagsFromString } from "node:v8";

// The sidecar runs beside every workload, so its memory is paid per pod. No optimizing or baseline
// compiler (their code and zones cost ~7 MB; the sidecar's own work is a short render per change, and
// masking runs in regular expressions, which still compile), and a young generation that stays at its
// initial size (~5 MB). BENCHMARKS.md, "Sidecar footprint".
setFlagsFromString("--no-turbofan --no-maglev --no-sparkplug --semi-space-growth-factor=1");
