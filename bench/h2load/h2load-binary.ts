/**
 * Finds h2load (Debian package nghttp2-client) and, when it is missing and
 * this process may, installs it with apt-get. Otherwise says why not, so the
 * bench can fall back to its in-process driver and print the reason.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { delimiter, join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

function findOnPath(command: string): string | undefined {
  return (process.env.PATH ?? "")
    .split(delimiter)
    .map((dir) => join(dir, command))
    .find((candidate) => candidate.startsWith("/") && existsSync(candidate));
}

export function findH2load(): string | undefined {
  return findOnPath("h2load");
}

export type H2loadAvailability = { path: string } | { missing: string };

export async function ensureH2load(log: (line: string) => void): Promise<H2loadAvailability> {
  const found = findH2load();
  if (found) return { path: found };
  if (process.getuid?.() !== 0 || !findOnPath("apt-get"))
    return { missing: "h2load is not installed and apt-get cannot install it here (not root, or no apt-get): install nghttp2-client" };
  log("h2load missing: installing nghttp2-client with apt-get ...");
  try {
    await run("apt-get", ["update"], { timeout: 300_000 });
    await run("apt-get", ["install", "-y", "nghttp2-client"], {
      timeout: 300_000,
      env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
    });
  } catch (error) {
    return { missing: `apt-get install nghttp2-client failed: ${(error as Error).message.split("\n")[0]}` };
  }
  const installed = findH2load();
  return installed ? { path: installed } : { missing: "nghttp2-client installed but h2load is not on PATH" };
}
