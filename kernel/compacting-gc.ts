/**
 * One compacting full garbage collection, on demand. V8 keeps the old-space
 * pages a burst of work filled committed while the process idles, and a plain
 * full GC leaves them fragmented: compacting frees them. `gc()` is exposed at
 * run time in a new context, so the caller's global stays without it, and the
 * compaction flag is set for this one collection only (every full GC of a busy
 * process compacting would cost CPU).
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

export function compactHeap(): void {
  collect ??= garbageCollector();
  setFlagsFromString("--compact-on-every-full-gc");
  try {
    collect();
  } finally {
    setFlagsFromString("--no-compact-on-every-full-gc");
  }
}
