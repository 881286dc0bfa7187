/**
 * Peak resident memory. For a child process: the kernel's high-water mark
 * (VmHWM in /proc/<pid>/status), which can be reset between phases by
 * writing 5 to /proc/<pid>/clear_refs, so each phase reports its own peak.
 * For this process: process.memoryUsage().rss sampled on an interval.
 */
import { readFileSync, writeFileSync } from "node:fs";

function statusField(pid: number, field: "VmHWM" | "VmRSS"): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status);
  if (!match) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(match[1]) * 1024;
}

/** Bytes: the process's peak RSS since start or since the last reset. */
export function childPeakRss(pid: number): number {
  return statusField(pid, "VmHWM");
}

/** Bytes: the process's RSS now. */
export function childCurrentRss(pid: number): number {
  return statusField(pid, "VmRSS");
}

/** Starts a new peak window: VmHWM drops to the current RSS. */
export function resetChildPeakRss(pid: number): void {
  writeFileSync(`/proc/${pid}/clear_refs`, "5");
}

/** Samples this process's RSS until stopped; returns the peak seen, in bytes. */
export function sampleOwnPeakRss(intervalMs = 20): { stop(): number } {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, process.memoryUsage().rss);
    },
  };
}
