/**
 * After a render the sidecar idles beside its workload, so its memory is paid per pod. A render's
 * garbage (YAML documents, the response) is promoted into old-space pages that V8 keeps committed
 * while the process is idle: no full GC comes by itself. So one full GC runs after each render. On
 * V8 11 (Node 20) it also compacts and drops the bytecode of functions not running (a render's code
 * is compiled again from the bundle's source when the next render needs it): the idle watch goes
 * from 54.7 to 51.0 MB, where a plain full GC gives 53.6 (the freed pages stay fragmented). On
 * V8 13 (Node 24) compacting adds ~5 MB of RSS instead, so there the GC is plain: 65.9 to 64.8 MB.
 * BENCHMARKS.md, "Sidecar start-up and idle memory, second round".
 */
import { fullGc } from "../kernel/compacting-gc.js";

/** Where compacting and dropping bytecode was measured to pay: V8 11 and older. */
const COMPACT = Number(process.versions.v8.split(".")[0]) <= 11;

/** Runs the full GC once the current task (the render's end) is done. */
export function releaseRenderMemory(): void {
  setImmediate(() => fullGc({ compact: COMPACT, dropIdleBytecode: COMPACT }));
}
