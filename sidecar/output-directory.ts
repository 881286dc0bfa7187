/**
 * Writes rendered files into the output directory, and only there. The
 * directory is taken by its real path once; below it nothing is followed: a
 * symbolic link (or anything but a directory) where a directory of the output
 * should be, or a link or special file where a rendered file should be, is
 * refused with an error naming it, because whoever can write into the output
 * directory (another container sharing the volume) could otherwise send the
 * values elsewhere or have a chmod change a file of theirs.
 *
 * A file is replaced so that a reader sees the old bytes or the new ones,
 * never a mix (temporary file beside it, mode 0600, fsync, rename: the rename
 * replaces a link planted meanwhile, never writes through it). Unchanged bytes
 * are not written at all, so the workload is not reloaded for nothing; their
 * mode is set through the open file, which was opened without following links.
 */
import { constants } from "node:fs";
import { lstat, mkdir, open, realpath, type FileHandle } from "node:fs/promises";
import { isAbsolute, join, sep } from "node:path";
import { isErrorCode, OWNER_ONLY, replaceFileAtomically } from "../kernel/private-files.js";

export const RENDERED_FILE_MODE = OWNER_ONLY;
const DIRECTORY_MODE = 0o700;

/** A path in the output directory the sidecar will not write through; the message names it and why. */
export class OutputPathError extends Error {}

function refusal(path: string, why: string, root: string): OutputPathError {
  return new OutputPathError(`refusing to write ${path}: it ${why}; the sidecar writes only inside ${root}, never through a link`);
}

/** Creates the output directory if needed; returns its real path, under which every write stays. */
export async function openOutputDirectory(path: string): Promise<string> {
  await mkdir(path, { recursive: true, mode: DIRECTORY_MODE });
  return realpath(path);
}

/**
 * The absolute path of `relativePath` under `root` (a real path), after
 * creating each directory on the way and checking that none is a link and
 * that the file, if it exists, is a regular file and not a link.
 */
export async function checkedOutputPath(root: string, relativePath: string): Promise<string> {
  const parts = relativePath.split(sep);
  if (isAbsolute(relativePath) || parts.some((part) => part === ".." || part === ""))
    throw refusal(relativePath, "is not a path inside the output directory", root);
  let directory = root;
  for (const part of parts.slice(0, -1)) {
    directory = join(directory, part);
    await mkdir(directory, { mode: DIRECTORY_MODE }).catch((error: unknown) => {
      if (!isErrorCode(error, "EEXIST")) throw error;
    });
    const info = await lstat(directory);
    if (info.isSymbolicLink()) throw refusal(directory, "is a symbolic link", root);
    if (!info.isDirectory()) throw refusal(directory, "is not a directory", root);
  }
  // Had a checked directory been swapped for a link meanwhile, its real path would differ.
  if ((await realpath(directory)) !== directory) throw refusal(directory, "resolves outside the output directory", root);
  const path = join(directory, parts.at(-1)!);
  const existing = await openExisting(path, root);
  await existing?.close();
  return path;
}

/** The file opened for reading without following a link; undefined if there is none. */
async function openExisting(path: string, root: string): Promise<FileHandle | undefined> {
  let handle: FileHandle;
  try {
    // O_NONBLOCK: a FIFO planted there must not hang the sidecar; it is refused below as not a regular file.
    handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    if (isErrorCode(error, "ENOENT")) return undefined;
    if (isErrorCode(error, "ELOOP")) throw refusal(path, "is a symbolic link", root);
    throw error;
  }
  if (!(await handle.stat()).isFile()) {
    await handle.close();
    throw refusal(path, "is not a regular file", root);
  }
  return handle;
}

/** Writes a file at a path from checkedOutputPath; returns whether its bytes changed. */
export async function writeRenderedFile(root: string, path: string, content: string): Promise<boolean> {
  const bytes = Buffer.from(content, "utf8");
  const existing = await openExisting(path, root);
  if (existing !== undefined) {
    try {
      if ((await existing.readFile()).equals(bytes)) {
        await existing.chmod(RENDERED_FILE_MODE); // fchmod: the file opened, never a link's target
        return false;
      }
    } finally {
      await existing.close();
    }
  }
  await replaceFileAtomically(path, bytes);
  return true;
}
