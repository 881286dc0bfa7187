/**
 * Files the sidecar reads on this host to reach the service: the token file
 * (read for every call, so a rotated, re-mounted token is picked up) and the
 * CA file. A fault there is not the service's: it is reported once, as local,
 * with the flag that fixes it.
 */
import { readFileSync } from "node:fs";

export class LocalFault extends Error {}

const CODE_WORDS: Record<string, string> = {
  ENOENT: "no such file",
  EACCES: "permission denied",
  EISDIR: "is a directory",
  ENOTDIR: "a part of the path is not a directory",
};

function readLocalFile(path: string, what: string, flag: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "error";
    const words = CODE_WORDS[code];
    throw new LocalFault(`cannot read the ${what} ${path} (${code}${words ? `: ${words}` : ""}); give its path with ${flag}`);
  }
}

export function readToken(path: string): string {
  const token = readLocalFile(path, "token file", "--token-file or SECRETS_TOKEN_FILE").toString("utf8").trim();
  if (token === "")
    throw new LocalFault(`the token file ${path} is empty; give the workload token's file with --token-file or SECRETS_TOKEN_FILE`);
  return token;
}

export function readCaFile(path: string): Buffer {
  return readLocalFile(path, "CA file", "--ca-file or SECRETS_CA_FILE");
}
