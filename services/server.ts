/**
 * Wires the service together: backends, first-start bootstrap, the three
 * gRPC services on one @grpc/grpc-js server, and graceful shutdown.
 */
import * as grpc from "@grpc/grpc-js";
import { AdminService } from "../gen/secrets/v1/admin_service_pb.js";
import { ResolverService } from "../gen/secrets/v1/resolver_service_pb.js";
import { SecretsService } from "../gen/secrets/v1/secrets_service_pb.js";
import { adminHandlers } from "./admin/admin-handlers.js";
import { bootstrapDefaultTenant } from "./admin/tenant-setup.js";
import { openBackends, type Backends } from "./backends.js";
import type { ServiceConfig } from "./config.js";
import type { Logger } from "./logger.js";
import { resolverHandlers } from "./resolver/resolver-handlers.js";
import { WatchHub } from "./resolver/watch-hub.js";
import { CallPipeline } from "./rpc/call-pipeline.js";
import { grpcService } from "./rpc/grpc-service.js";
import { secretsHandlers } from "./secrets/secrets-handlers.js";

export interface RunningService extends Backends {
  /** The bound port (useful with port 0). */
  port: number;
  /** Stops accepting calls, ends watch streams, lets in-flight calls finish within the grace period, closes the backends. */
  shutdown(): Promise<void>;
}

export async function startService(config: ServiceConfig, logger: Logger): Promise<RunningService> {
  const backends = await openBackends(config, logger);
  const { store, cipher } = backends;
  try {
    await bootstrapDefaultTenant(store, cipher, config.dataDir, logger);
  } catch (error) {
    await closeBackends(backends);
    throw error;
  }

  const shutdownSignal = new AbortController();
  const watchHub = new WatchHub(store);
  const pipeline = new CallPipeline(store, logger);
  const server = new grpc.Server();
  for (const { definition, implementation } of [
    grpcService(SecretsService, secretsHandlers({ store, cipher, keepVersions: config.keepVersions }), pipeline),
    grpcService(ResolverService, resolverHandlers({ store, cipher, watchHub, shutdown: shutdownSignal.signal }), pipeline),
    grpcService(AdminService, adminHandlers({ store, cipher }), pipeline),
  ])
    server.addService(definition, implementation);

  let port: number;
  try {
    port = await new Promise<number>((resolve, reject) =>
      server.bindAsync(config.listen, grpc.ServerCredentials.createInsecure(), (error, bound) =>
        error ? reject(new Error(`cannot listen on ${config.listen}: ${error.message}`)) : resolve(bound),
      ),
    );
  } catch (error) {
    server.forceShutdown();
    await closeBackends(backends);
    throw error;
  }
  logger.info({ listen: config.listen, port, store: config.store, cipher: config.cipher }, "secrets service listening");

  let stopping: Promise<void> | undefined;
  return {
    ...backends,
    port,
    shutdown() {
      stopping ??= (async () => {
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
        await closeBackends(backends);
        logger.info("secrets service stopped");
      })();
      return stopping;
    },
  };
}

async function closeBackends({ store, cipher }: Backends): Promise<void> {
  await Promise.allSettled([store.close(), cipher.close()]);
}
