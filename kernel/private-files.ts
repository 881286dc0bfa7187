/**
 * Durable, atomic writes of small owner-only (0600) files: the content is
 * written to a temporary file beside the target and fsynced, then moved into
 * place, then the directory is fsynced, so a crash leaves the old file or the
 * new one, never a torn one. Used by the service (keyring, bootstrap token),
 * the sidecar (rendered configs) and the CLI (its contexts).
 */
import { randomBytes } from "node:crypto";
import { link, open, rename, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

export const OWNER_ONLY = 0o600;

/** Replaces (or creates) `path` with `data`. */
export async function replaceFileAtomically(path: string, data: Uint8Array): Promise<void> {
  const temp = await writeTempFile(path, data);
  try {
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  await syncDirectory(dirname(path));
}

/**
 * Creates `path` with `data` only if it does not exist yet (`wx` semantics, but
 * atomic: a hard link of the complete temp file, which fails if the target
 * exists). Returns false, writing nothing, when another writer got there first.
 */
export async function createFileExclusively(path: string, data: Uint8Array): Promise<boolean> {
  const temp = await writeTempFile(path, data);
  try {
    await link(temp, path);
  } catch (error) {
    if (isErrorCode(error, "EEXIST")) return false;
    throw error;
  } finally {
    await unlink(temp).catch(() => undefined);
  }
  await syncDirectory(dirname(path));
  return true;
}

export function isErrorCode(error: unknown, code: string): boolean {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === code;
}

async function writeTempFile(path: string, data: Uint8Array): Promise<string> {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`);
  const handle = await open(temp, "wx", OWNER_ONLY);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  await handle.close();
  return temp;
}

async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
