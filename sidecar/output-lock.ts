/**
 * One sidecar writes an output directory at a time: two watches on one
 * directory would both re-render and both reload the workload. The sidecar
 * holds a Unix socket, `.secrets-sidecar.lock`, listening in the directory
 * while it renders (render, exec) or watches. Another sidecar finds it
 * answering and refuses; a socket left by a killed sidecar answers nobody
 * (ECONNREFUSED) and is taken over. The kernel, not a pid file, tells who is
 * alive, so this holds across containers that share the volume (each in its
 * own pid namespace).
 */
import { lstat, unlink } from "node:fs/promises";
import { createConnection, createServer, type Server } from "node:net";
import { join } from "node:path";
import { isErrorCode } from "../kernel/private-files.js";
import { openOutputDirectory } from "./output-directory.js";

export const LOCK_NAME = ".secrets-sidecar.lock";

/** The output directory is in use, or its lock cannot be taken; the message says which and what to do. */
export class OutputLockError extends Error {}

/**
 * Runs `socketCall` with the output directory as working directory, so the
 * socket's path is short: an absolute one may not exceed about 107 bytes.
 * Binding and connecting a Unix socket both resolve the path synchronously.
 */
function inDirectory<T>(directory: string, socketCall: () => T): T {
  const previous = process.cwd();
  process.chdir(directory);
  try {
    return socketCall();
  } finally {
    process.chdir(previous);
  }
}

function listen(directory: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer((socket) => socket.end());
    server.once("error", reject);
    inDirectory(directory, () => server.listen(LOCK_NAME, () => resolve(server)));
  });
}

/** Whether a live process answers on the socket. */
function answers(directory: string): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const socket = inDirectory(directory, () => createConnection(LOCK_NAME));
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", (error) => (isErrorCode(error, "ECONNREFUSED") ? resolve(false) : reject(error)));
  });
}

/** Takes the lock of `directory` (a real path); resolves with its release. */
export async function lockOutputDirectory(directory: string): Promise<() => Promise<void>> {
  const path = join(directory, LOCK_NAME);
  for (let attempt = 0; ; attempt++) {
    try {
      const server = await listen(directory);
      server.unref(); // the lock never keeps the process alive
      // Closing unlinks the socket by the path it was bound with: relative, so from the same directory.
      return () => new Promise<void>((resolve) => inDirectory(directory, () => server.close(() => resolve())));
    } catch (error) {
      if (!isErrorCode(error, "EADDRINUSE") || attempt > 0)
        throw new OutputLockError(`cannot take the lock ${path}: ${(error as Error).message}`);
    }
    const info = await lstat(path);
    if (!info.isSocket())
      throw new OutputLockError(`${path} exists and is not a socket: the output directory's lock cannot be taken; remove it`);
    if (await answers(directory))
      throw new OutputLockError(`another secrets-sidecar is using ${directory} (it holds ${path}): run one sidecar per output directory`);
    await unlink(path); // left by a sidecar that was killed
  }
}

/** Runs `work` holding the lock of the output directory (created if needed). */
export async function withOutputLock<T>(outputDir: string, work: () => Promise<T>): Promise<T> {
  const release = await lockOutputDirectory(await openOutputDirectory(outputDir));
  try {
    return await work();
  } finally {
    await release();
  }
}
