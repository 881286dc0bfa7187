/**
 * Writes a rendered file so that a reader sees the old bytes or the new ones,
 * never a mix: a temporary file in the same directory (same filesystem),
 * written with mode 0600, flushed to disk, then renamed over the target.
 * Unchanged bytes are not written at all, so the workload is not reloaded for
 * nothing.
 */
import { chmod, mkdir, readFile } from "node:fs/promises";
import { dirname } from "node:path";
import { OWNER_ONLY, replaceFileAtomically } from "../kernel/private-files.js";

export const RENDERED_FILE_MODE = OWNER_ONLY;

async function currentBytes(path: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

/** Returns whether the file changed. */
export async function writeFileAtomic(path: string, content: string): Promise<boolean> {
  const bytes = Buffer.from(content, "utf8");
  const existing = await currentBytes(path);
  if (existing?.equals(bytes)) {
    await chmod(path, RENDERED_FILE_MODE);
    return false;
  }
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await replaceFileAtomically(path, bytes);
  return true;
}
