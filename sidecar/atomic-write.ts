/**
 * Writes a rendered file so that a reader sees the old bytes or the new ones,
 * never a mix: a temporary file in the same directory (same filesystem),
 * written with mode 0600, flushed to disk, then renamed over the target.
 * Unchanged bytes are not written at all, so the workload is not reloaded for
 * nothing.
 */
import { randomBytes } from "node:crypto";
import { chmod, mkdir, open, readFile, rename, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

export const RENDERED_FILE_MODE = 0o600;

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
  const dir = dirname(path);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const temp = join(dir, `.${basename(path)}.${randomBytes(6).toString("hex")}.tmp`);
  try {
    const handle = await open(temp, "wx", RENDERED_FILE_MODE);
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  await syncDirectory(dir);
  return true;
}

/** Makes the rename itself durable. */
async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
