/**
 * The workload the sidecar runs (`exec`, or `watch -- CMD`): started with the
 * rendered paths in its environment, sent the termination signals the sidecar
 * receives, optionally with its output masked; its exit status becomes the
 * sidecar's (128 + signal number when a signal ended it, as shells report).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { constants } from "node:os";
import type { OutputMask } from "./output-mask.js";

export const FORWARDED_SIGNALS: NodeJS.Signals[] = ["SIGTERM", "SIGINT", "SIGHUP"];

export interface WorkloadOptions {
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  /** Masks stdout and stderr when set. */
  mask?: OutputMask;
}

export interface Workload {
  child: ChildProcess;
  /** The exit status, once the workload has exited and its output is drained. */
  exited: Promise<number>;
  signal(signal: NodeJS.Signals): void;
}

export function exitStatusOf(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  return 128 + (signal === null ? 0 : (constants.signals[signal] ?? 0));
}

export function startWorkload(options: WorkloadOptions): Workload {
  const masked = options.mask !== undefined;
  const child = spawn(options.command, options.args, {
    env: options.env,
    stdio: ["inherit", masked ? "pipe" : "inherit", masked ? "pipe" : "inherit"],
  });
  const drained: Promise<void>[] = [];
  if (options.mask !== undefined) {
    for (const [from, to] of [
      [child.stdout!, process.stdout],
      [child.stderr!, process.stderr],
    ] as const) {
      const masking = from.pipe(options.mask.stream());
      masking.pipe(to, { end: false });
      drained.push(new Promise((resolve) => masking.once("end", resolve)));
    }
  }
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  for (const signal of FORWARDED_SIGNALS) process.on(signal, forward);
  const exited = new Promise<number>((resolve) => {
    child.on("error", (error) => {
      process.stderr.write(`secrets-sidecar: cannot start ${options.command}: ${error.message}\n`);
      resolve(127);
    });
    child.on("close", (code, signal) => void Promise.all(drained).then(() => resolve(exitStatusOf(code, signal))));
  }).finally(() => {
    for (const signal of FORWARDED_SIGNALS) process.off(signal, forward);
  });
  return { child, exited, signal: (signal) => void child.kill(signal) };
}
