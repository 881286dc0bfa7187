/**
 * Starts a long-running node process, waits until it writes its ready file,
 * lets it settle idle, and reads its resident memory then (VmRSS): what a
 * process that sits beside every workload costs in memory.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { childCurrentRss, childPeakRss } from "./peak-rss.js";

const READY_TIMEOUT_MS = 120_000;
const POLL_MS = 20;

export interface IdleRun {
  /** Process start until the ready file exists. */
  startToReadyMs: number;
  /** VmRSS after settling idle, and VmHWM (the peak so far, start-up included). */
  idleRssBytes: number;
  peakRssBytes: number;
}

export async function measureIdle(
  args: readonly string[],
  options: { cwd: string; readyFile: string; settleMs: number },
): Promise<IdleRun> {
  const started = performance.now();
  const child = spawn(process.execPath, args, { cwd: options.cwd, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr = (stderr + chunk).slice(-2000)));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  try {
    while (!existsSync(options.readyFile)) {
      if (child.exitCode !== null || child.signalCode !== null)
        throw new Error(`node ${args.join(" ")} exited before it was ready: ${stderr}`);
      if (performance.now() - started > READY_TIMEOUT_MS) throw new Error(`node ${args.join(" ")} was not ready in time: ${stderr}`);
      await sleep(POLL_MS);
    }
    const startToReadyMs = performance.now() - started;
    await sleep(options.settleMs);
    return { startToReadyMs, idleRssBytes: childCurrentRss(child.pid!), peakRssBytes: childPeakRss(child.pid!) };
  } finally {
    child.kill("SIGTERM");
    await exited;
  }
}
