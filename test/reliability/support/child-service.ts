/**
 * The service as a child process (`node --import tsx services/main.ts`), for
 * suites that must kill it or measure its memory and descriptors. Ports are chosen by the OS (port 0) and read back from the
 * "listening" log line (so the log level must stay at info or below);
 * everything the child prints is kept for assertions.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { BOOTSTRAP_TOKEN_FILE } from "../../../services/admin/tenant-setup.js";

const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const START_TIMEOUT_MS = 20_000;
const HEAP_PROBE = fileURLToPath(new URL("./heap-probe.mjs", import.meta.url));
const HEAP_PROBE_LINE = /^heap-probe (\{.*\})$/gm;

export interface ChildServiceOptions {
  dataDir: string;
  /** Extra flags after --listen/--data-dir/--metrics-listen/--connect-listen. */
  args?: string[];
  /** Environment additions (PATH and HOME are inherited). */
  env?: NodeJS.ProcessEnv;
  /** Serve /metrics on a loopback port chosen by the OS. */
  metrics?: boolean;
  /** Load the heap probe (support/heap-probe.mjs), for liveHeap(). */
  heapProbe?: boolean;
}

/** The child's memory right after a forced full garbage collection, in bytes. */
export interface LiveHeap {
  heapUsed: number;
  /** Memory of C++ objects bound to JavaScript ones, buffers included. */
  external: number;
  arrayBuffers: number;
  rss: number;
}

export interface ChildService {
  process: ChildProcess;
  pid: number;
  address: string;
  metricsPort?: number;
  adminToken: string;
  output(): string;
  /** Forces a full garbage collection in the child and reads its memory (needs `heapProbe`). */
  liveHeap(): Promise<LiveHeap>;
  /** SIGKILL, then wait for the exit. */
  kill9(): Promise<void>;
  /** SIGTERM (graceful shutdown), then wait for the exit. */
  stop(): Promise<void>;
}

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
}

function spawnService(options: ChildServiceOptions): { child: ChildProcess; output: () => string; exited: Promise<ChildExit> } {
  const args = [
    ...(options.heapProbe ? ["--expose-gc", "--import", HEAP_PROBE] : []),
    "--import",
    "tsx",
    "services/main.ts",
    "--listen",
    "127.0.0.1:0",
    "--data-dir",
    options.dataDir,
    "--metrics-listen",
    options.metrics ? "127.0.0.1:0" : "",
    "--connect-listen",
    "",
    "--health-interval-ms",
    "500",
    ...(options.args ?? []),
  ];
  const child = spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const chunks: string[] = [];
  child.stdout!.on("data", (chunk: Buffer) => chunks.push(chunk.toString("utf8")));
  child.stderr!.on("data", (chunk: Buffer) => chunks.push(chunk.toString("utf8")));
  const output = () => chunks.join("");
  const exited = new Promise<ChildExit>((resolve) =>
    child.once("exit", (code, signal) => {
      // Let the pipes drain so the last line is in the output.
      setTimeout(() => resolve({ code, signal, output: output() }), 50);
    }),
  );
  return { child, output, exited };
}

/** Starts the service and waits until it listens; rejects with its output if it exits first. */
export async function startChildService(options: ChildServiceOptions): Promise<ChildService> {
  const { child, output, exited } = spawnService(options);
  const listening = await new Promise<{ port: number; metricsPort?: number }>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`the service did not start within ${START_TIMEOUT_MS} ms:\n${output()}`));
    }, START_TIMEOUT_MS);
    const onData = () => {
      for (const line of output().split("\n")) {
        if (!line.includes('"secrets service listening"')) continue;
        const parsed = JSON.parse(line) as { port: number; metricsPort?: number };
        clearTimeout(timer);
        child.stdout!.off("data", onData);
        resolve(parsed);
        return;
      }
    };
    child.stdout!.on("data", onData);
    void exited.then((exit) => {
      clearTimeout(timer);
      reject(new Error(`the service exited (code ${exit.code}, signal ${exit.signal}) before listening:\n${exit.output}`));
    });
  });
  const adminToken = readFileSync(join(options.dataDir, BOOTSTRAP_TOKEN_FILE), "utf8").trim();
  const pid = child.pid!;
  return {
    process: child,
    pid,
    address: `127.0.0.1:${listening.port}`,
    ...(listening.metricsPort !== undefined && { metricsPort: listening.metricsPort }),
    adminToken,
    output,
    async liveHeap() {
      if (!options.heapProbe) throw new Error("liveHeap() needs the service started with heapProbe");
      const seen = [...output().matchAll(HEAP_PROBE_LINE)].length;
      return new Promise<LiveHeap>((resolve, reject) => {
        const onData = () => {
          const lines = [...output().matchAll(HEAP_PROBE_LINE)];
          if (lines.length <= seen) return;
          child.stderr!.off("data", onData);
          resolve(JSON.parse(lines[seen]![1]!) as LiveHeap);
        };
        child.stderr!.on("data", onData);
        void exited.then((exit) => reject(new Error(`the service exited before reporting its heap:\n${exit.output}`)));
        child.kill("SIGUSR2");
      });
    },
    async kill9() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await exited;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}

/** Runs the service expecting it to refuse to start; resolves with how it exited. */
export async function runChildServiceToExit(options: ChildServiceOptions, timeoutMs = START_TIMEOUT_MS): Promise<ChildExit> {
  const { child, exited } = spawnService(options);
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  const exit = await exited;
  clearTimeout(timer);
  return exit;
}

/** Resident set size of a process, in bytes (Linux /proc). */
export function residentBytes(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  if (!match) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(match[1]) * 1024;
}

/** Open file descriptors of a process (Linux /proc). */
export function openDescriptors(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}
