/**
 * The keyring file (`<dataDir>/keyring.json`, mode 0600): the master key's
 * check value and every tenant's data keys, each wrapped by the master key.
 * It never holds a data key in the clear. Rewritten whole and atomically.
 *
 *   { "format": "secrets.local-keyring.v1",
 *     "keyCheck": "<base64>",
 *     "keys": [{ "tenantId": "...", "version": 1, "wrappedKey": "<base64>", "createTime": "<ISO 8601>" }] }
 *
 * A retired key version (every ciphertext it sealed has been rewrapped) keeps
 * its entry, `"retired": true`, without `wrappedKey`: its key material is gone
 * from the file, so nothing sealed with it opens again.
 *
 * Keys are a flat list (not an object keyed by tenant) so that no tenant id
 * can collide with an object property such as `__proto__`.
 */
import { readFile } from "node:fs/promises";
import { createFileExclusively, isErrorCode, replaceFileAtomically } from "../../../kernel/private-files.js";

const FORMAT = "secrets.local-keyring.v1";

export interface WrappedKeyEntry {
  tenantId: string;
  version: number;
  /** Absent once the version is retired. */
  wrappedKey?: Buffer;
  createTime: string;
}

export interface KeyringDocument {
  keyCheck: Buffer;
  keys: readonly WrappedKeyEntry[];
}

/** The parsed keyring, or undefined if the file does not exist. */
export async function readKeyringFile(path: string): Promise<KeyringDocument | undefined> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if (isErrorCode(error, "ENOENT")) return undefined;
    throw error;
  }
  return parseKeyring(path, text);
}

export async function writeKeyringFile(path: string, document: KeyringDocument): Promise<void> {
  await replaceFileAtomically(path, serialize(document));
}

/** Writes a new keyring unless one exists already; returns false if it did. */
export async function createKeyringFile(path: string, document: KeyringDocument): Promise<boolean> {
  return createFileExclusively(path, serialize(document));
}

function serialize(document: KeyringDocument): Buffer {
  const json = {
    format: FORMAT,
    keyCheck: document.keyCheck.toString("base64"),
    keys: document.keys.map((entry) => ({
      tenantId: entry.tenantId,
      version: entry.version,
      ...(entry.wrappedKey ? { wrappedKey: entry.wrappedKey.toString("base64") } : { retired: true }),
      createTime: entry.createTime,
    })),
  };
  return Buffer.from(`${JSON.stringify(json, null, 2)}\n`, "utf8");
}

function parseKeyring(path: string, text: string): KeyringDocument {
  const invalid = (why: string) => new Error(`keyring file ${path} is not a valid keyring: ${why}`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw invalid("not JSON");
  }
  if (!isObject(json) || json.format !== FORMAT) throw invalid(`format is not "${FORMAT}"`);
  if (typeof json.keyCheck !== "string" || !Array.isArray(json.keys)) throw invalid("keyCheck or keys missing");
  const keys = json.keys.map((entry: unknown, index: number): WrappedKeyEntry => {
    if (
      !isObject(entry) ||
      typeof entry.tenantId !== "string" ||
      !Number.isSafeInteger(entry.version) ||
      (entry.retired === true ? entry.wrappedKey !== undefined : typeof entry.wrappedKey !== "string") ||
      typeof entry.createTime !== "string"
    ) {
      throw invalid(`key entry ${index} is malformed`);
    }
    return {
      tenantId: entry.tenantId,
      version: entry.version as number,
      ...(typeof entry.wrappedKey === "string" && { wrappedKey: Buffer.from(entry.wrappedKey, "base64") }),
      createTime: entry.createTime,
    };
  });
  return { keyCheck: Buffer.from(json.keyCheck, "base64"), keys };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
