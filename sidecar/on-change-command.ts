/**
 * `watch --on-change`: the shell command run after a re-render changed a file
 * (without a workload). Its own module, so that only a watch that runs one
 * loads `node:child_process`.
 */
import { spawn } from "node:child_process";
import type { SidecarLog } from "./log.js";

/** Runs `command` through the shell with inherited output; resolves with its exit status. */
export function runOnChangeCommand(command: string, log: SidecarLog): Promise<void> {
  return new Promise((resolve) => {
    const child = spawn(command, { shell: true, stdio: "inherit" });
    child.on("error", (error) => {
      log.info(`--on-change command could not start: ${error.message}`);
      resolve();
    });
    child.on("close", (code) => {
      if (code !== 0) log.info(`--on-change command exited with status ${code}`);
      resolve();
    });
  });
}
