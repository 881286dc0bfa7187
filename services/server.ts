/**
 * Wires the service together: backends, first-start bootstrap, the three API
 * services plus health and reflection on one @grpc/grpc-js server, metrics on
 * an admin port, and graceful shutdown.
 */
import * as grpc from "@grpc/grpc-js";
import { readFile } from "node:fs/promises";
import type { ListeningServer } from "./ops/http-listener.js";
import { listenError } from "./ops/listen-error.js";
import { serveConnect, type TlsFiles } from "./rpc/connect-server.js";
import { addConnectService } from "./rpc/connect-routes.js";
import { AdminService } from "../gen/secrets/v1/admin_service_pb.js";
import { ResolverService } from "../gen/secrets/v1/resolver_service_pb.js";
import { SecretsService } from "../gen/secrets/v1/secrets_service_pb.js";
import { Health } from "../gen/grpc/health/v1/health_pb.js";
import { adminHandlers } from "./admin/admin-handlers.js";
import { bootstrapDefaultTenant } from "./admin/tenant-setup.js";
import { openBackends, type Backends } from "./backends.js";
import type { ServiceConfig } from "./config.js";
import type { Logger } from "./logger.js";
import { keepLeadingByteOrderMarks } from "../kernel/exact-utf8.js";
import { HealthReporter } from "./ops/health.js";
import { startIdleCompaction } from "./ops/idle-memory.js";
import { ServiceMetrics } from "./ops/metrics.js";
import { addReflection } from "./ops/reflection.js";
import { AccessTimes } from "./resolver/access-times.js";
import { resolverHandlers } from "./resolver/resolver-handlers.js";
import { WatchHub } from "./resolver/watch-hub.js";
import { CallPipeline } from "./rpc/call-pipeline.js";
import { grpcService } from "./rpc/grpc-service.js";
import { SecretReadCache } from "./secrets/secret-read-cache.js";
import { PLAINTEXT_CACHE_MAX_BYTES, PLAINTEXT_CACHE_MAX_ENTRIES, PlaintextCache } from "./resolver/plaintext-cache.js";
import { secretsHandlers } from "./secrets/secrets-handlers.js";

export interface RunningService extends Backends {
  /** The bound gRPC port (useful with port 0). */
  port: number;
  /** The bound metrics port, when metrics are served. */
  metricsPort?: number;
  /** The bound Connect-protocol port, when served. */
  connectPort?: number;
  health: HealthReporter;
  /** Stops accepting calls, ends watch streams, lets in-flight calls finish within the grace period, closes the backends. */
  shutdown(): Promise<void>;
}

export async function startService(config: ServiceConfig, logger: Logger): Promise<RunningService> {
  keepLeadingByteOrderMarks();
  const credentialsFiles = await readTlsFiles(config);
  const credentials = credentialsFiles
    ? // With a client CA, a client without a certificate chaining to it is refused at the handshake.
      grpc.ServerCredentials.createSsl(
        credentialsFiles.clientCa ?? null,
        [{ cert_chain: credentialsFiles.cert, private_key: credentialsFiles.key }],
        credentialsFiles.clientCa !== undefined,
      )
    : grpc.ServerCredentials.createInsecure();
  const metrics = new ServiceMetrics();
  const opened = await openBackends(config, logger, metrics);
  const backends: Backends = {
    store: metrics.instrument("store", opened.store),
    cipher: metrics.instrument("cipher", opened.cipher),
  };
  const { store, cipher } = backends;
  const shutdownSignal = new AbortController();
  // Before the watch hub: it forgets a changed secret before any watcher hears of the change.
  const reads = new SecretReadCache(store);
  const plaintexts =
    config.plaintextCacheMs > 0
      ? new PlaintextCache(reads, {
          ttlMs: config.plaintextCacheMs,
          maxEntries: PLAINTEXT_CACHE_MAX_ENTRIES,
          maxBytes: PLAINTEXT_CACHE_MAX_BYTES,
        })
      : undefined;
  const accessTimes = new AccessTimes(store, reads, (error) => logger.warn({ err: error }, "last access times could not be written"));
  const watchHub = new WatchHub(store);
  const server = new grpc.Server({
    "grpc.max_receive_message_length": config.maxMessageBytes,
    // Pings keep long WatchSecrets streams alive through proxies and load balancers, and find dead peers.
    "grpc.keepalive_time_ms": 30_000,
    "grpc.keepalive_timeout_ms": 10_000,
    // Idle and half-open connections do not stay forever; old ones are asked to reconnect (and rebalance).
    "grpc.max_connection_idle_ms": config.connectionIdleMs,
    "grpc.max_connection_age_ms": config.connectionMaxAgeMs,
    "grpc.max_connection_age_grace_ms": 600_000,
    // No channelz service is served: its per-call trackers (four closures per call, a clock read
    // per message) would only cost, most of all on thousands of long-lived watch streams.
    "grpc.enable_channelz": 0,
  });
  const health = new HealthReporter([SecretsService.typeName, ResolverService.typeName, AdminService.typeName], backends, logger);
  let metricsServer: ListeningServer | undefined;
  let connectServer: ListeningServer | undefined;
  try {
    await bootstrapDefaultTenant(store, cipher, config.dataDir, logger);
    const pipeline = new CallPipeline(store, logger, {
      rateLimits: config.rateLimits,
      streamLimits: config.streamLimits,
      tokenRecheckMs: config.tokenRecheckMs,
      authFailuresPerPeer: config.authFailuresPerPeer,
      callTimeoutMs: config.callTimeoutMs,
      observer: metrics,
    });
    const secrets = secretsHandlers({ store, reads, cipher, keepVersions: config.keepVersions, watchHub, shutdown: shutdownSignal.signal });
    const resolver = resolverHandlers({
      store,
      reads,
      ...(plaintexts && { plaintexts }),
      cipher,
      accessTimes,
      watchHub,
      shutdown: shutdownSignal.signal,
      maxResponseBytes: config.maxMessageBytes,
    });
    const admin = adminHandlers({ store, cipher, onTokenRevoked: (tokenId) => pipeline.tokenRevoked(tokenId) });
    for (const { definition, implementation } of [
      grpcService(SecretsService, secrets, pipeline),
      grpcService(ResolverService, resolver, pipeline),
      grpcService(AdminService, admin, pipeline),
    ])
      server.addService(definition, implementation);
    if (config.connectListen !== "")
      connectServer = await serveConnect(config.connectListen, credentialsFiles, { maxMessageBytes: config.maxMessageBytes }, (router) => {
        addConnectService(router, SecretsService, secrets, pipeline);
        addConnectService(router, ResolverService, resolver, pipeline);
        addConnectService(router, AdminService, admin, pipeline);
      });
    health.addToServer(server);
    addReflection(server, [SecretsService, ResolverService, AdminService, Health]);
    await health.start(config.healthIntervalMs);
    if (config.metricsListen !== "") metricsServer = await metrics.serve(config.metricsListen);
  } catch (error) {
    health.stop();
    await metricsServer?.close();
    await connectServer?.close();
    await closeBackends(backends);
    throw error;
  }

  let port: number;
  try {
    port = await new Promise<number>((resolve, reject) =>
      server.bindAsync(config.listen, credentials, (error, bound) =>
        error ? reject(listenError({ name: "gRPC", flag: "--listen" }, config.listen, error)) : resolve(bound),
      ),
    );
  } catch (error) {
    server.forceShutdown();
    health.stop();
    await metricsServer?.close();
    await connectServer?.close();
    await closeBackends(backends);
    throw error;
  }
  logger.info(
    {
      listen: config.listen,
      port,
      connectPort: connectServer?.port,
      tls: config.tls ? (config.tls.clientCaFile ? "mtls" : "tls") : "off",
      metricsPort: metricsServer?.port,
      store: config.store,
      cipher: config.cipher,
    },
    "secrets service listening",
  );
  const stopIdleCompaction = startIdleCompaction((before) =>
    logger.debug({ heapCommittedBytes: before.committedBytes, heapUsedBytes: before.usedBytes }, "idle: heap compacted"),
  );

  let stopping: Promise<void> | undefined;
  return {
    ...backends,
    port,
    ...(metricsServer && { metricsPort: metricsServer.port }),
    ...(connectServer && { connectPort: connectServer.port }),
    health,
    shutdown() {
      stopping ??= (async () => {
        stopIdleCompaction();
        health.stop();
        shutdownSignal.abort();
        await new Promise<void>((resolve) => {
          const force = setTimeout(() => {
            logger.warn("shutdown grace period over; cancelling the calls still running");
            server.forceShutdown();
            resolve();
          }, config.shutdownGraceMs);
          server.tryShutdown(() => {
            clearTimeout(force);
            resolve();
          });
        });
        watchHub.close();
        plaintexts?.close();
        reads.close();
        await connectServer?.close();
        await metricsServer?.close();
        await accessTimes.drained();
        await closeBackends(backends);
        logger.info("secrets service stopped");
      })();
      return stopping;
    },
  };
}

async function readTlsFiles(config: ServiceConfig): Promise<TlsFiles | undefined> {
  if (!config.tls) return undefined;
  const read = (path: string, what: string) =>
    readFile(path).catch((error: Error) => {
      throw new Error(`cannot read the ${what} ${path}: ${error.message}`);
    });
  const [cert, key, clientCa] = await Promise.all([
    read(config.tls.certFile, "TLS certificate"),
    read(config.tls.keyFile, "TLS key"),
    config.tls.clientCaFile ? read(config.tls.clientCaFile, "client CA") : Promise.resolve(undefined),
  ]);
  return { cert, key, ...(clientCa && { clientCa }) };
}

async function closeBackends({ store, cipher }: Backends): Promise<void> {
  await Promise.allSettled([store.close(), cipher.close()]);
}
