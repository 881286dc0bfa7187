/**
 * The service's configuration: command-line flags, each with a `SECRETS_*`
 * environment variable behind it (flags win). The master key itself is read
 * from the environment only, never from a flag, so it stays out of `ps`.
 */
import { Command, InvalidArgumentError, Option } from "commander";
import { resolve } from "node:path";
import { nonNegativeInt, positiveInt } from "../kernel/int-flags.js";
import { PLAINTEXT_CACHE_MAX_TTL_MS, PLAINTEXT_CACHE_TTL_MS } from "./resolver/plaintext-cache.js";
import type { StreamLimitConfig } from "./rpc/call-policy.js";
import type { RateLimitConfig } from "./rpc/rate-limits.js";

export interface ServiceConfig {
  /** host:port for gRPC. */
  listen: string;
  dataDir: string;
  logLevel: string;
  keepVersions: number;
  /** Milliseconds in-flight calls get to finish on shutdown. */
  shutdownGraceMs: number;
  /** host:port of the Prometheus /metrics endpoint; empty for none. */
  metricsListen: string;
  /** host:port of the Connect-protocol (HTTP/1.1, JSON) endpoint and the web console; empty for none. */
  connectListen: string;
  /** Milliseconds between backend health probes. */
  healthIntervalMs: number;
  tls?: { certFile: string; keyFile: string; clientCaFile?: string };
  /** Largest request message accepted, in bytes. */
  maxMessageBytes: number;
  /** Calls per second per token in each rate-limit class of the call-policy table. */
  rateLimits: RateLimitConfig;
  streamLimits: StreamLimitConfig;
  /** Milliseconds between open streams' re-reads of their token (revocations through other replicas). */
  tokenRecheckMs: number;
  /** Milliseconds a resolved value is kept opened in memory (services/resolver/plaintext-cache.ts); 0: never. */
  plaintextCacheMs: number;
  /** Failed authentications per second per peer address. */
  authFailuresPerPeer: number;
  /** HTTP/2 and HTTP/1.1 connections idle this long are closed. */
  connectionIdleMs: number;
  /** gRPC connections are asked to reconnect after this long (streams get a grace period). */
  connectionMaxAgeMs: number;
  callTimeoutMs: number;
  store: "sqlite" | "mongodb";
  cipher: "local" | "vault";
  /** Base64 or hex; from SECRETS_MASTER_KEY only. */
  masterKey?: string;
  masterKeyFile?: string;
  mongodb: { uri?: string; database: string };
  /** Audit events older than this many days are deleted (both stores). */
  auditRetentionDays: number;
  vault: {
    address?: string;
    /** From SECRETS_VAULT_TOKEN or VAULT_TOKEN only, never a flag. */
    token?: string;
    tokenFile?: string;
    roleIdFile?: string;
    secretIdFile?: string;
    mount: string;
    keyPrefix: string;
    caFile?: string;
    /** Vault Enterprise namespace. */
    namespace?: string;
  };
}

export function serviceCommand(): Command {
  return new Command("secrets-service")
    .description("Write-only secrets service (gRPC). Every flag can also be set by the environment variable shown.")
    .addOption(new Option("--listen <host:port>", "gRPC listen address").env("SECRETS_LISTEN").default("127.0.0.1:50051"))
    .addOption(
      new Option("--data-dir <dir>", "data directory (SQLite file, keyring, bootstrap token)").env("SECRETS_DATA_DIR").default("./data"),
    )
    .addOption(new Option("--log-level <level>", "trace|debug|info|warn|error").env("SECRETS_LOG_LEVEL").default("info"))
    .addOption(
      new Option("--keep-versions <n>", "versions whose ciphertext is kept per secret")
        .env("SECRETS_KEEP_VERSIONS")
        .default(10)
        .argParser(positiveInt),
    )
    .addOption(
      new Option("--shutdown-grace-ms <ms>", "time in-flight calls get on SIGTERM")
        .env("SECRETS_SHUTDOWN_GRACE_MS")
        .default(10_000)
        .argParser(positiveInt),
    )
    .addOption(
      new Option("--metrics-listen <host:port>", "Prometheus /metrics endpoint ('' for none)")
        .env("SECRETS_METRICS_LISTEN")
        .default("127.0.0.1:9464"),
    )
    .addOption(
      new Option("--connect-listen <host:port>", "the web console and the API over the Connect protocol (JSON over HTTP/1.1) ('' for none)")
        .env("SECRETS_CONNECT_LISTEN")
        .default("127.0.0.1:8080"),
    )
    .addOption(
      new Option("--health-interval-ms <ms>", "interval of backend health probes")
        .env("SECRETS_HEALTH_INTERVAL_MS")
        .default(5000)
        .argParser(positiveInt),
    )
    .addOption(new Option("--tls-cert <path>", "server certificate (PEM); enables TLS").env("SECRETS_TLS_CERT"))
    .addOption(new Option("--tls-key <path>", "server private key (PEM)").env("SECRETS_TLS_KEY"))
    .addOption(
      new Option("--tls-client-ca <path>", "CA (PEM) that client certificates must chain to; enables mTLS").env("SECRETS_TLS_CLIENT_CA"),
    )
    .addOption(
      new Option("--max-message-bytes <n>", "largest request message accepted")
        .env("SECRETS_MAX_MESSAGE_BYTES")
        .default(4 * 1024 * 1024)
        .argParser(positiveInt),
    )
    .addOption(
      new Option("--resolve-rate-limit <n>", "ResolveSecrets calls per second per token (0: no limit)")
        .env("SECRETS_RESOLVE_RATE_LIMIT")
        .default(500)
        .argParser(nonNegativeInt),
    )
    .addOption(
      new Option("--write-rate-limit <n>", "write calls per second per token (0: no limit)")
        .env("SECRETS_WRITE_RATE_LIMIT")
        .default(100)
        .argParser(nonNegativeInt),
    )
    .addOption(
      new Option("--read-rate-limit <n>", "metadata reads (get, list) per second per token (0: no limit)")
        .env("SECRETS_READ_RATE_LIMIT")
        .default(200)
        .argParser(nonNegativeInt),
    )
    .addOption(
      new Option("--stream-rate-limit <n>", "WatchSecrets streams opened per second per token (0: no limit)")
        .env("SECRETS_STREAM_RATE_LIMIT")
        .default(10)
        .argParser(nonNegativeInt),
    )
    .addOption(
      new Option("--max-streams-per-token <n>", "WatchSecrets streams one token may hold open")
        .env("SECRETS_MAX_STREAMS_PER_TOKEN")
        .default(32)
        .argParser(positiveInt),
    )
    .addOption(
      new Option("--auth-failures-per-peer <n>", "failed authentications per second per client address, burst twice that (0: no limit)")
        .env("SECRETS_AUTH_FAILURES_PER_PEER")
        .default(50)
        .argParser(nonNegativeInt),
    )
    .addOption(
      new Option("--connection-idle-ms <ms>", "close connections idle this long")
        .env("SECRETS_CONNECTION_IDLE_MS")
        .default(300_000)
        .argParser(positiveInt),
    )
    .addOption(
      new Option("--connection-max-age-ms <ms>", "ask gRPC clients to reconnect after this long (open streams get 10 more minutes)")
        .env("SECRETS_CONNECTION_MAX_AGE_MS")
        .default(3_600_000)
        .argParser(positiveInt),
    )
    .addOption(
      new Option("--token-recheck-ms <ms>", "how often open streams re-read their token, so a revocation anywhere ends them")
        .env("SECRETS_TOKEN_RECHECK_MS")
        .default(5000)
        .argParser(positiveInt),
    )
    .addOption(
      new Option(
        "--plaintext-cache-ms <ms>",
        "how long a resolved value is kept decrypted in memory, to skip decrypting it again (0: never)",
      )
        .env("SECRETS_PLAINTEXT_CACHE_MS")
        .default(PLAINTEXT_CACHE_TTL_MS)
        .argParser(plaintextCacheMs),
    )
    .addOption(
      new Option("--max-names-per-stream <n>", "secret names one WatchSecrets stream may watch")
        .env("SECRETS_MAX_NAMES_PER_STREAM")
        .default(1000)
        .argParser(positiveInt),
    )
    .addOption(
      new Option("--call-timeout-ms <ms>", "longest a unary call may run (0: no limit)")
        .env("SECRETS_CALL_TIMEOUT_MS")
        .default(30_000)
        .argParser(nonNegativeInt),
    )
    .addOption(new Option("--store <kind>", "metadata store").choices(["sqlite", "mongodb"]).env("SECRETS_STORE").default("sqlite"))
    .addOption(new Option("--cipher <kind>", "cipher backend").choices(["local", "vault"]).env("SECRETS_CIPHER").default("local"))
    .addOption(
      new Option(
        "--master-key-file <path>",
        "local keyring master key file (default: <data-dir>/master.key; or set SECRETS_MASTER_KEY)",
      ).env("SECRETS_MASTER_KEY_FILE"),
    )
    .addOption(new Option("--mongodb-uri <uri>", "MongoDB connection string (replica set)").env("SECRETS_MONGODB_URI"))
    .addOption(new Option("--mongodb-database <name>", "MongoDB database").env("SECRETS_MONGODB_DATABASE").default("secrets"))
    .addOption(new Option("--vault-addr <url>", "Vault address (or VAULT_ADDR)").env("SECRETS_VAULT_ADDR"))
    .addOption(new Option("--vault-token-file <path>", "file holding a Vault token").env("SECRETS_VAULT_TOKEN_FILE"))
    .addOption(new Option("--vault-role-id-file <path>", "AppRole role id file").env("SECRETS_VAULT_ROLE_ID_FILE"))
    .addOption(new Option("--vault-secret-id-file <path>", "AppRole secret id file").env("SECRETS_VAULT_SECRET_ID_FILE"))
    .addOption(new Option("--vault-mount <path>", "transit engine mount path").env("SECRETS_VAULT_MOUNT").default("transit"))
    .addOption(
      new Option("--vault-key-prefix <prefix>", "prefix of per-tenant transit key names")
        .env("SECRETS_VAULT_KEY_PREFIX")
        .default("secrets-tenant-"),
    )
    .addOption(new Option("--vault-ca-file <path>", "CA certificate for Vault's TLS (or VAULT_CACERT)").env("SECRETS_VAULT_CA_FILE"))
    .addOption(new Option("--vault-namespace <ns>", "Vault Enterprise namespace (or VAULT_NAMESPACE)").env("SECRETS_VAULT_NAMESPACE"))
    .addOption(
      new Option("--audit-retention-days <n>", "audit events older than this many days are deleted")
        .env("SECRETS_AUDIT_RETENTION_DAYS")
        .default(365)
        .argParser(positiveInt),
    );
}

function plaintextCacheMs(text: string): number {
  const ms = nonNegativeInt(text);
  if (ms > PLAINTEXT_CACHE_MAX_TTL_MS)
    throw new InvalidArgumentError(`must be at most ${PLAINTEXT_CACHE_MAX_TTL_MS}: a decrypted value is kept briefly or not at all`);
  return ms;
}

function requiredWith(value: string | undefined, flag: string, because: string): string {
  if (value === undefined) throw new InvalidArgumentError(`${flag} is required with ${because}`);
  return value;
}

/** Parses argv (without node and script) and the environment into a config; exits with usage on bad flags. */
export function parseServiceConfig(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): ServiceConfig {
  const options = serviceCommand()
    .parse(argv as string[], { from: "user" })
    .opts();
  if (options.tlsClientCa !== undefined && options.tlsCert === undefined)
    throw new InvalidArgumentError("--tls-client-ca needs --tls-cert and --tls-key");
  return {
    listen: options.listen,
    dataDir: resolve(options.dataDir),
    logLevel: options.logLevel,
    keepVersions: options.keepVersions,
    shutdownGraceMs: options.shutdownGraceMs,
    metricsListen: options.metricsListen,
    connectListen: options.connectListen,
    healthIntervalMs: options.healthIntervalMs,
    ...(options.tlsCert !== undefined && {
      tls: {
        certFile: resolve(options.tlsCert),
        keyFile: resolve(requiredWith(options.tlsKey, "--tls-key", "--tls-cert")),
        ...(options.tlsClientCa !== undefined && { clientCaFile: resolve(options.tlsClientCa) }),
      },
    }),
    maxMessageBytes: options.maxMessageBytes,
    rateLimits: {
      read: options.readRateLimit,
      write: options.writeRateLimit,
      resolve: options.resolveRateLimit,
      stream: options.streamRateLimit,
    },
    streamLimits: { streamsPerToken: options.maxStreamsPerToken, namesPerStream: options.maxNamesPerStream },
    tokenRecheckMs: options.tokenRecheckMs,
    plaintextCacheMs: options.plaintextCacheMs,
    authFailuresPerPeer: options.authFailuresPerPeer,
    connectionIdleMs: options.connectionIdleMs,
    connectionMaxAgeMs: options.connectionMaxAgeMs,
    callTimeoutMs: options.callTimeoutMs,
    store: options.store,
    cipher: options.cipher,
    ...(env.SECRETS_MASTER_KEY && { masterKey: env.SECRETS_MASTER_KEY }),
    ...(options.masterKeyFile && { masterKeyFile: resolve(options.masterKeyFile) }),
    mongodb: { uri: options.mongodbUri, database: options.mongodbDatabase },
    auditRetentionDays: options.auditRetentionDays,
    vault: {
      address: options.vaultAddr ?? env.VAULT_ADDR,
      token: env.SECRETS_VAULT_TOKEN ?? env.VAULT_TOKEN,
      tokenFile: options.vaultTokenFile,
      roleIdFile: options.vaultRoleIdFile,
      secretIdFile: options.vaultSecretIdFile,
      mount: options.vaultMount,
      keyPrefix: options.vaultKeyPrefix,
      caFile: options.vaultCaFile ?? env.VAULT_CACERT,
      namespace: options.vaultNamespace ?? env.VAULT_NAMESPACE,
    },
  };
}
