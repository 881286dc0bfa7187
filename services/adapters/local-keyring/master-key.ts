/**
 * The local keyring's master key (256 bits), which wraps every tenant's data
 * key. Taken, in order of preference, from the SECRETS_MASTER_KEY value, from
 * a key file named by the operator, or from `<dataDir>/master.key`, generated
 * on first start. Errors name where the key came from, never its bytes.
 */
import { randomBytes } from "node:crypto";
import { mkdir, open } from "node:fs/promises";
import { join } from "node:path";
import { KEY_BYTES } from "./aes-gcm.js";
import { createFileExclusively } from "../../../kernel/private-files.js";

export interface MasterKeyOptions {
  /** SECRETS_MASTER_KEY: 32 bytes as base64 (44 characters) or hex (64). */
  masterKey?: string;
  /** A file holding the key: 32 raw bytes, or its base64 or hex text. */
  masterKeyFile?: string;
  /** Where the generated key lives when neither of the above is given. */
  dataDir: string;
}

export interface MasterKey {
  key: Buffer;
  source: "env" | "file" | "generated";
  /** The key file, when the key came from one (source "file" or "generated"). */
  path?: string;
}

export const GENERATED_MASTER_KEY_FILE = "master.key";

const ENCODING_HINT = "32 bytes as base64 (44 characters) or hex (64 characters)";

export async function loadMasterKey(options: MasterKeyOptions): Promise<MasterKey> {
  if (options.masterKey !== undefined && options.masterKey !== "") {
    const key = decodeKeyText(options.masterKey);
    if (!key) throw new Error(`SECRETS_MASTER_KEY must be ${ENCODING_HINT}; the value given is not (not shown)`);
    return { key, source: "env" };
  }
  if (options.masterKeyFile !== undefined && options.masterKeyFile !== "") {
    return { key: await readKeyFile(options.masterKeyFile), source: "file", path: options.masterKeyFile };
  }
  const path = join(options.dataDir, GENERATED_MASTER_KEY_FILE);
  await mkdir(options.dataDir, { recursive: true, mode: 0o700 });
  const fresh = randomBytes(KEY_BYTES);
  // Stored as base64 text so an operator can move it into SECRETS_MASTER_KEY as is.
  const created = await createFileExclusively(path, Buffer.from(`${fresh.toString("base64")}\n`, "utf8"));
  if (created) return { key: fresh, source: "generated", path };
  // It existed already (an earlier start, or a concurrent starter won the race).
  return { key: await readKeyFile(path), source: "generated", path };
}

/** Accepts exactly 32 bytes as hex or (url-safe or standard) base64; anything else is undefined. */
function decodeKeyText(text: string): Buffer | undefined {
  const trimmed = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) return Buffer.from(trimmed, "hex");
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(trimmed)) {
    const key = Buffer.from(trimmed, "base64");
    return key.length === KEY_BYTES ? key : undefined;
  }
  return undefined;
}

async function readKeyFile(path: string): Promise<Buffer> {
  const handle = await open(path, "r");
  try {
    // Checked on the open descriptor, so the mode is that of the file actually read.
    const { mode } = await handle.stat();
    if ((mode & 0o077) !== 0) {
      throw new Error(
        `master key file ${path} is accessible by group or others (mode ${(mode & 0o777).toString(8)}); ` +
          "restrict it to its owner (chmod 600)",
      );
    }
    const content = await handle.readFile();
    const key = content.length === KEY_BYTES ? content : decodeKeyText(content.toString("utf8"));
    if (!key) throw new Error(`master key file ${path} does not hold a 256-bit key (32 raw bytes, or ${ENCODING_HINT})`);
    return key;
  } finally {
    await handle.close();
  }
}
