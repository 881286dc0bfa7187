/**
 * Opens the two ports' adapters that the configuration names. The embedded
 * default (SQLite + local keyring) lives in the data directory. Each adapter is
 * imported only when configured: the MongoDB and Vault clients take longer to
 * load than the embedded default takes to start. The store is handed out only
 * behind record authentication (integrity/), keyed by the cipher: nothing in
 * the service reads an unchecked record.
 */
import { mkdir } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import type { VaultAuthOptions } from "./adapters/vault-transit/vault-auth.js";
import type { ServiceConfig } from "./config.js";
import { AuthenticatedStore } from "./integrity/authenticated-store.js";
import { RecordMacs } from "./integrity/record-macs.js";
import type { Logger } from "./logger.js";
import type { Cipher } from "./ports/cipher.js";
import type { MetadataStore } from "./ports/metadata-store.js";

export const SQLITE_FILE = "secrets.db";
export const KEYRING_FILE = "keyring.json";

export interface Backends {
  store: MetadataStore;
  cipher: Cipher;
}

/** What the service observes of the backends beyond their calls. */
export interface BackendObserver {
  changeFeedHealthChanged(up: boolean): void;
}

export async function openBackends(config: ServiceConfig, logger: Logger, observer?: BackendObserver): Promise<Backends> {
  await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
  const store = await openStore(config, logger, observer);
  try {
    const cipher = await openCipher(config, logger);
    const authenticated = new AuthenticatedStore(store, new RecordMacs(cipher), (report) =>
      logger.error(
        { record: report.kind, tenantId: report.tenantId, recordId: report.id, failure: report.failure },
        "a metadata record failed its integrity check (changed outside the service); refused",
      ),
    );
    return { store: authenticated, cipher };
  } catch (error) {
    await store.close();
    throw error;
  }
}

async function openStore(config: ServiceConfig, logger: Logger, observer?: BackendObserver): Promise<MetadataStore> {
  switch (config.store) {
    case "sqlite": {
      const { SqliteMetadataStore } = await import("./adapters/sqlite/sqlite-metadata-store.js");
      return SqliteMetadataStore.open(join(config.dataDir, SQLITE_FILE), {
        auditRetentionDays: config.auditRetentionDays,
        onBackgroundError: (error) => logger.error({ err: error }, "metadata store background work failed"),
      });
    }
    case "mongodb": {
      if (!config.mongodb.uri) throw new Error("--store mongodb needs --mongodb-uri (or SECRETS_MONGODB_URI)");
      const { MongoMetadataStore } = await import("./adapters/mongodb/mongo-metadata-store.js");
      return MongoMetadataStore.connect({
        uri: config.mongodb.uri,
        database: config.mongodb.database,
        auditRetentionDays: config.auditRetentionDays,
        // 0 (no call limit) falls back to the store's default.
        transactionTimeoutMs: config.callTimeoutMs,
        onChangeFeedError: (error) => logger.warn({ err: error }, "MongoDB change stream interrupted; resuming"),
        onChangeFeedHealth: (up) => {
          observer?.changeFeedHealthChanged(up);
          if (up) logger.info("MongoDB change stream open again");
        },
      });
    }
  }
}

async function openCipher(config: ServiceConfig, logger: Logger): Promise<Cipher> {
  switch (config.cipher) {
    case "local": {
      const { loadMasterKey } = await import("./adapters/local-keyring/master-key.js");
      const { LocalKeyringCipher } = await import("./adapters/local-keyring/local-keyring-cipher.js");
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
    case "vault": {
      if (process.env.VAULT_SKIP_VERIFY)
        logger.warn(
          "VAULT_SKIP_VERIFY is ignored: the service always verifies Vault's certificate (give a private CA with --vault-ca-file)",
        );
      const address = required(config.vault.address, "--cipher vault needs --vault-addr (or VAULT_ADDR)");
      const auth = vaultAuth(config);
      const { VaultTransitCipher } = await import("./adapters/vault-transit/vault-transit-cipher.js");
      return VaultTransitCipher.connect({
        address,
        auth,
        mountPath: config.vault.mount,
        keyPrefix: config.vault.keyPrefix,
        ...(config.vault.caFile && { caFile: config.vault.caFile }),
        ...(config.vault.namespace && { namespace: config.vault.namespace }),
        onRenewalError: (error) => logger.warn({ err: error }, "Vault token renewal failed"),
      });
    }
  }
}

function required(value: string | undefined, message: string): string {
  if (!value) throw new Error(message);
  return value;
}

/** AppRole when both id files are given; otherwise a token from the environment or a file. */
function vaultAuth(config: ServiceConfig): VaultAuthOptions {
  const { roleIdFile, secretIdFile, tokenFile, token } = config.vault;
  if (roleIdFile && secretIdFile) return { method: "approle", roleIdFile, secretIdFile };
  if (roleIdFile || secretIdFile) throw new Error("AppRole needs both --vault-role-id-file and --vault-secret-id-file");
  if (token) return { method: "token", token };
  if (tokenFile) return { method: "token-file", tokenFile };
  throw new Error("--cipher vault needs a token (VAULT_TOKEN or --vault-token-file) or AppRole id files");
}
