/**
 * The service's configuration: command-line flags, each with a `SECRETS_*`
 * environment variable behind it (flags win). The master key itself is read
 * from the environment only, never from a flag, so it stays out of `ps`.
 */
import { Command, InvalidArgumentError, Option } from "commander";
import { resolve } from "node:path";

export interface ServiceConfig {
  /** host:port for gRPC. */
  listen: string;
  dataDir: string;
  logLevel: string;
  keepVersions: number;
  /** Milliseconds in-flight calls get to finish on shutdown. */
  shutdownGraceMs: number;
  store: "sqlite" | "mongodb";
  cipher: "local" | "vault";
  /** Base64 or hex; from SECRETS_MASTER_KEY only. */
  masterKey?: string;
  masterKeyFile?: string;
  mongodb: { uri?: string; database: string };
  vault: {
    address?: string;
    tokenFile?: string;
    roleIdFile?: string;
    secretIdFile?: string;
    mount: string;
    keyPrefix: string;
    caFile?: string;
  };
}

function positiveInt(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError("must be a positive integer");
  return n;
}

export function serviceCommand(): Command {
  return new Command("secrets-service")
    .description("Write-only secrets service (gRPC). Every flag can also be set by the environment variable shown.")
    .addOption(new Option("--listen <host:port>", "gRPC listen address").env("SECRETS_LISTEN").default("127.0.0.1:50051"))
    .addOption(new Option("--data-dir <dir>", "data directory (SQLite file, keyring, bootstrap token)").env("SECRETS_DATA_DIR").default("./data"))
    .addOption(new Option("--log-level <level>", "trace|debug|info|warn|error").env("SECRETS_LOG_LEVEL").default("info"))
    .addOption(
      new Option("--keep-versions <n>", "versions whose ciphertext is kept per secret").env("SECRETS_KEEP_VERSIONS").default(10).argParser(positiveInt),
    )
    .addOption(
      new Option("--shutdown-grace-ms <ms>", "time in-flight calls get on SIGTERM").env("SECRETS_SHUTDOWN_GRACE_MS").default(10_000).argParser(positiveInt),
    )
    .addOption(new Option("--store <kind>", "metadata store").choices(["sqlite", "mongodb"]).env("SECRETS_STORE").default("sqlite"))
    .addOption(new Option("--cipher <kind>", "cipher backend").choices(["local", "vault"]).env("SECRETS_CIPHER").default("local"))
    .addOption(
      new Option("--master-key-file <path>", "local keyring master key file (default: <data-dir>/master.key; or set SECRETS_MASTER_KEY)").env(
        "SECRETS_MASTER_KEY_FILE",
      ),
    )
    .addOption(new Option("--mongodb-uri <uri>", "MongoDB connection string (replica set)").env("SECRETS_MONGODB_URI"))
    .addOption(new Option("--mongodb-database <name>", "MongoDB database").env("SECRETS_MONGODB_DATABASE").default("secrets"))
    .addOption(new Option("--vault-addr <url>", "Vault address").env("SECRETS_VAULT_ADDR"))
    .addOption(new Option("--vault-token-file <path>", "file holding a Vault token").env("SECRETS_VAULT_TOKEN_FILE"))
    .addOption(new Option("--vault-role-id-file <path>", "AppRole role id file").env("SECRETS_VAULT_ROLE_ID_FILE"))
    .addOption(new Option("--vault-secret-id-file <path>", "AppRole secret id file").env("SECRETS_VAULT_SECRET_ID_FILE"))
    .addOption(new Option("--vault-mount <path>", "transit engine mount path").env("SECRETS_VAULT_MOUNT").default("transit"))
    .addOption(new Option("--vault-key-prefix <prefix>", "prefix of per-tenant transit key names").env("SECRETS_VAULT_KEY_PREFIX").default("secrets-tenant-"))
    .addOption(new Option("--vault-ca-file <path>", "CA certificate for Vault's TLS").env("SECRETS_VAULT_CA_FILE"));
}

/** Parses argv (without node and script) and the environment into a config; exits with usage on bad flags. */
export function parseServiceConfig(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): ServiceConfig {
  const options = serviceCommand().parse(argv as string[], { from: "user" }).opts();
  return {
    listen: options.listen,
    dataDir: resolve(options.dataDir),
    logLevel: options.logLevel,
    keepVersions: options.keepVersions,
    shutdownGraceMs: options.shutdownGraceMs,
    store: options.store,
    cipher: options.cipher,
    ...(env.SECRETS_MASTER_KEY && { masterKey: env.SECRETS_MASTER_KEY }),
    ...(options.masterKeyFile && { masterKeyFile: resolve(options.masterKeyFile) }),
    mongodb: { uri: options.mongodbUri, database: options.mongodbDatabase },
    vault: {
      address: options.vaultAddr,
      tokenFile: options.vaultTokenFile,
      roleIdFile: options.vaultRoleIdFile,
      secretIdFile: options.vaultSecretIdFile,
      mount: options.vaultMount,
      keyPrefix: options.vaultKeyPrefix,
      caFile: options.vaultCaFile,
    },
  };
}
