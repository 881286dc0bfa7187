/**
 * Starts the real service in-process on a loopback port with a fresh data
 * directory, captures its log output, and builds clients for it: the
 * generated Connect clients, and an independent @grpc/grpc-js client loaded
 * from the .proto files.
 */
import { createClient, type Client, type Interceptor } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { AdminService } from "../../gen/secrets/v1/admin_service_pb.js";
import { ResolverService } from "../../gen/secrets/v1/resolver_service_pb.js";
import { SecretsService } from "../../gen/secrets/v1/secrets_service_pb.js";
import { BOOTSTRAP_TOKEN_FILE } from "../../services/admin/tenant-setup.js";
import { parseServiceConfig, type ServiceConfig } from "../../services/config.js";
import { createLogger } from "../../services/logger.js";
import { startService, type RunningService } from "../../services/server.js";

export interface TestService {
  service: RunningService;
  config: ServiceConfig;
  dataDir: string;
  address: string;
  /** The bootstrap platform-admin token. */
  adminToken: string;
  /** Everything the service logged so far. */
  logs(): string;
  /** Stops the service (the data directory stays). */
  stop(): Promise<void>;
  /** Stops the service and deletes the data directory. */
  cleanup(): Promise<void>;
}

export interface StartOptions {
  /** Reuse a data directory (restart tests). */
  dataDir?: string;
  /** Extra flags for the service. */
  args?: string[];
  env?: NodeJS.ProcessEnv;
}

export async function startTestService(options: StartOptions = {}): Promise<TestService> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), "secrets-test-")));
  const config = parseServiceConfig(
    [
      "--listen",
      "127.0.0.1:0",
      "--data-dir",
      dataDir,
      "--log-level",
      "debug",
      "--shutdown-grace-ms",
      "2000",
      "--metrics-listen",
      "127.0.0.1:0",
      "--connect-listen",
      "",
      ...(options.args ?? []),
    ],
    options.env ?? {},
  );
  const chunks: string[] = [];
  const logger = createLogger({
    level: config.logLevel,
    destination: new Writable({
      write(chunk, _encoding, callback) {
        chunks.push(String(chunk));
        callback();
      },
    }),
  });
  const service = await startService(config, logger);
  const adminToken = (await readFile(join(dataDir, BOOTSTRAP_TOKEN_FILE), "utf8")).trim();
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await service.shutdown();
  };
  return {
    service,
    config,
    dataDir,
    address: `127.0.0.1:${service.port}`,
    adminToken,
    logs: () => chunks.join(""),
    stop,
    async cleanup() {
      await stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export interface ConnectClients {
  secrets: Client<typeof SecretsService>;
  resolver: Client<typeof ResolverService>;
  admin: Client<typeof AdminService>;
}

/** Generated Connect clients over gRPC (HTTP/2) sending `token` (or none); over TLS when given the CA. */
export function connectClients(address: string, token?: string, tls?: { ca: Buffer }): ConnectClients {
  const auth: Interceptor = (next) => (req) => {
    if (token !== undefined) req.header.set("authorization", `Bearer ${token}`);
    return next(req);
  };
  const transport = createGrpcTransport({
    baseUrl: `${tls ? "https" : "http"}://${address}`,
    interceptors: [auth],
    ...(tls && { nodeOptions: { ca: tls.ca } }),
  });
  return {
    secrets: createClient(SecretsService, transport),
    resolver: createClient(ResolverService, transport),
    admin: createClient(AdminService, transport),
  };
}
