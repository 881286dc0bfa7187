/**
 * The ready file of `watch --ready-file`: absent until the first complete
 * render, so a Kubernetes startup probe (`test -f FILE`) holds the app
 * containers back until their configs are in place. A stale file from an
 * earlier run of the container is removed first.
 */
import { rm, writeFile } from "node:fs/promises";

export async function clearReady(path: string): Promise<void> {
  await rm(path, { force: true });
}

export async function markReady(path: string): Promise<void> {
  await writeFile(path, `rendered ${new Date().toISOString()}\n`, { mode: 0o644 });
}
