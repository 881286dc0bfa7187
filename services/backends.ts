/**
 * Opens the two ports' adapters that the configuration names. The embedded
 * default (SQLite + local keyring) lives in the data directory.
 */
import { mkdir } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { LocalKeyringCipher } from "./adapters/local-keyring/local-keyring-cipher.js";
import { loadMasterKey } from "./adapters/local-keyring/master-key.js";
import { SqliteMetadataStore } from "./adapters/sqlite/sqlite-metadata-store.js";
import type { ServiceConfig } from "./config.js";
import type { Logger } from "./logger.js";
import type { Cipher } from "./ports/cipher.js";
import type { MetadataStore } from "./ports/metadata-store.js";

export const SQLITE_FILE = "secrets.db";
export const KEYRING_FILE = "keyring.json";

export interface Backends {
  store: MetadataStore;
  cipher: Cipher;
}

export async function openBackends(config: ServiceConfig, logger: Logger): Promise<Backends> {
  await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
  const store = await openStore(config, logger);
  try {
    return { store, cipher: await openCipher(config, logger) };
  } catch (error) {
    await store.close();
    throw error;
  }
}

async function openStore(config: ServiceConfig, logger: Logger): Promise<MetadataStore> {
  switch (config.store) {
    case "sqlite":
      return SqliteMetadataStore.open(join(config.dataDir, SQLITE_FILE), {
        onListenerError: (error) => logger.error({ err: error }, "a secret change listener failed"),
      });
    case "mongodb":
      throw new Error("the MongoDB store is not wired in yet");
  }
}

async function openCipher(config: ServiceConfig, logger: Logger): Promise<Cipher> {
  switch (config.cipher) {
    case "local": {
      const master = await loadMasterKey({
        ...(config.masterKey !== undefined && { masterKey: config.masterKey }),
        ...(config.masterKeyFile !== undefined && { masterKeyFile: config.masterKeyFile }),
        dataDir: config.dataDir,
      });
      if (master.path && !relative(config.dataDir, dirname(master.path)).startsWith(".."))
        logger.warn(
          { masterKeyFile: master.path },
          "the local keyring's master key sits in the data directory: whoever copies the directory can read every secret. " +
            "For more than a single machine, give the key from elsewhere (SECRETS_MASTER_KEY or --master-key-file) or use Vault (--cipher vault)",
        );
      return LocalKeyringCipher.open({ masterKey: master.key, keyringPath: join(config.dataDir, KEYRING_FILE) });
    }
    case "vault":
      throw new Error("the Vault cipher is not wired in yet");
  }
}
