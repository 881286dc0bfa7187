/**
 * One full garbage collection on demand, compacting if asked. V8 keeps the
 * old-space pages a burst of work filled committed while the process idles,
 * and a plain full GC leaves them fragmented: compacting frees them (on V8 11,
 * Node 20). `gc()` is exposed at run time in a new context, so the caller's
 * global stays without it, and the flags are set for this one collection only
 * (every full GC of a busy process compacting would cost CPU).
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

let collect: (() => void) | undefined;

function garbageCollector(): () => void {
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  setFlagsFromString("--no-expose-gc");
  return gc;
}

/** `dropIdleBytecode`: also drop the bytecode of functions not running (compiled again from source when next called). */
export function fullGc(options: { compact?: boolean; dropIdleBytecode?: boolean } = {}): void {
  collect ??= garbageCollector();
  const flags = [...(options.compact ? ["compact-on-every-full-gc"] : []), ...(options.dropIdleBytecode ? ["stress-flush-code"] : [])];
  if (flags.length === 0) {
    collect();
    return;
  }
  setFlagsFromString(flags.map((flag) => `--${flag}`).join(" "));
  try {
    collect();
  } finally {
    setFlagsFromString(flags.map((flag) => `--no-${flag}`).join(" "));
  }
}
