/**
 * Runs the secrets service under test as a child process (so its RSS and CPU
 * are its own, not the load driver's) on a fresh data directory, learns its
 * port from its start-up log line, and builds Connect clients for it.
 */
import { createClient, type Client, type Interceptor, type Transport } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { AdminService } from "../gen/secrets/v1/admin_service_pb.js";
import { ResolverService } from "../gen/secrets/v1/resolver_service_pb.js";
import { SecretsService } from "../gen/secrets/v1/secrets_service_pb.js";
import { Role } from "../gen/secrets/v1/types_pb.js";
import { BOOTSTRAP_TOKEN_FILE } from "../services/admin/tenant-setup.js";
import { HealthService } from "./health-service.js";

export const REPO_ROOT = new URL("..", import.meta.url).pathname;
const START_TIMEOUT_MS = 30_000;

export interface ServiceChildOptions {
  /** Directory for a V8 CPU profile of the service (written when it stops). */
  cpuProfileDir?: string;
}

export interface Clients {
  transport: Transport;
  secrets: Client<typeof SecretsService>;
  resolver: Client<typeof ResolverService>;
  admin: Client<typeof AdminService>;
  health: Client<typeof HealthService>;
}

export interface ServiceChild {
  pid: number;
  address: string;
  /** host:port of the service's Prometheus /metrics endpoint. */
  metricsAddress: string;
  dataDir: string;
  adminToken: string;
  /** Clients on a new HTTP/2 connection sending `token`. */
  clients(token: string): Clients;
  /** A workload token allowed to resolve every secret. */
  createWorkloadToken(): Promise<string>;
  /** SIGTERM, wait for exit, delete the data directory. */
  stop(): Promise<void>;
}

export async function startServiceChild(options: ServiceChildOptions = {}): Promise<ServiceChild> {
  const dataDir = await mkdtemp(join(tmpdir(), "secrets-bench-"));
  const nodeArgs = ["--import", "tsx", ...(options.cpuProfileDir ? ["--cpu-prof", "--cpu-prof-dir", options.cpuProfileDir] : [])];
  const serviceArgs = [
    "--listen",
    "127.0.0.1:0",
    "--data-dir",
    dataDir,
    // Its call counts by method and gRPC status tell whether load-generator calls succeeded.
    "--metrics-listen",
    "127.0.0.1:0",
    "--connect-listen",
    "",
    "--log-level",
    "info",
    // The benchmark measures the service, not its per-token throttles: one token drives each phase.
    "--write-rate-limit",
    "0",
    "--resolve-rate-limit",
    "0",
    "--read-rate-limit",
    "0",
    "--stream-rate-limit",
    "0",
    "--max-streams-per-token",
    "1000000",
  ];
  const child = spawn(process.execPath, [...nodeArgs, "services/main.ts", ...serviceArgs], {
    cwd: REPO_ROOT,
    env: { ...process.env, NODE_ENV: "production" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (stderr = (stderr + chunk).slice(-4000)));
  try {
    const { port, metricsPort } = await listeningPorts(child, () => stderr);
    const address = `127.0.0.1:${port}`;
    const adminToken = (await readFile(join(dataDir, BOOTSTRAP_TOKEN_FILE), "utf8")).trim();
    const clients = (token: string) => connectClients(address, token);
    return {
      pid: child.pid!,
      address,
      metricsAddress: `127.0.0.1:${metricsPort}`,
      dataDir,
      adminToken,
      clients,
      async createWorkloadToken() {
        const created = await clients(adminToken).admin.createApiToken({
          displayName: "bench workload",
          role: Role.WORKLOAD,
          allowedSecretPatterns: ["*"],
        });
        return created.tokenSecret;
      },
      async stop() {
        await stopChild(child);
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await stopChild(child);
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
}

/** Reads the service's JSON log lines until "secrets service listening" and returns its ports. */
function listeningPorts(child: ChildProcess, stderr: () => string): Promise<{ port: number; metricsPort: number }> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    const timer = setTimeout(() => fail(new Error("service did not start in time")), START_TIMEOUT_MS);
    const fail = (error: Error) => {
      clearTimeout(timer);
      reject(new Error(`${error.message}\n${stderr()}`));
    };
    child.once("exit", (code) => fail(new Error(`service exited with ${code} before listening`)));
    lines.on("line", (line) => {
      let entry: { msg?: string; port?: number; metricsPort?: number };
      try {
        entry = JSON.parse(line);
      } catch {
        return;
      }
      if (entry.msg === "secrets service listening" && typeof entry.port === "number" && typeof entry.metricsPort === "number") {
        clearTimeout(timer);
        child.removeAllListeners("exit");
        resolve({ port: entry.port, metricsPort: entry.metricsPort });
      }
    });
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
  });
}

export function connectClients(address: string, token: string): Clients {
  const auth: Interceptor = (next) => (req) => {
    req.header.set("authorization", `Bearer ${token}`);
    return next(req);
  };
  const transport = createGrpcTransport({ baseUrl: `http://${address}`, interceptors: [auth] });
  return {
    transport,
    secrets: createClient(SecretsService, transport),
    resolver: createClient(ResolverService, transport),
    admin: createClient(AdminService, transport),
    health: createClient(HealthService, transport),
  };
}

/** Starts a service child, runs `body` with it, and always stops it. */
export async function withServiceChild<T>(options: ServiceChildOptions, body: (service: ServiceChild) => Promise<T>): Promise<T> {
  const service = await startServiceChild(options);
  try {
    return await body(service);
  } finally {
    await service.stop();
  }
}
