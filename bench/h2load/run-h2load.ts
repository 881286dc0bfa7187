/**
 * One h2load run (a fixed duration or number of requests) of one unary gRPC call: the same pre-encoded
 * request on every stream, `connections` HTTP/2 connections with `streams`
 * concurrent streams each, one h2load thread. Returns h2load's figures, every
 * request's latency (from its log file) and the CPU h2load used.
 */
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { exitedChildrenCpuMs } from "../cpu-time.js";
import type { EncodedRequest } from "../grpc-request.js";
import { parseH2loadLog, parseH2loadSummary, type H2loadSummary } from "./h2load-output.js";

export interface H2loadRun {
  h2load: string;
  address: string;
  token: string;
  request: EncodedRequest;
  connections: number;
  streams: number;
  /** How long it runs, or how many requests it sends. */
  length: { durationMs: number } | { requests: number };
  /** Requests each connection starts per second (h2load's `--rps`); absent: as fast as the service answers. */
  ratePerConnection?: number;
}

export interface H2loadResult extends H2loadSummary {
  latenciesMs: Float64Array;
  /** Responses whose HTTP status was not 200 (gRPC errors are 200 too: see the service's call counts). */
  non200: number;
  elapsedMs: number;
  /** CPU h2load used (user + system), ms. */
  cpuMs: number;
}

export async function runH2load(run: H2loadRun): Promise<H2loadResult> {
  const scratch = await mkdtemp(join(tmpdir(), "bench-h2load-"));
  try {
    const body = join(scratch, "request.bin");
    const log = join(scratch, "requests.log");
    await writeFile(body, run.request.frame);
    const args = [
      "--clients",
      String(run.connections),
      "--max-concurrent-streams",
      String(run.streams),
      "--threads",
      "1",
      ...("requests" in run.length
        ? ["--requests", String(run.length.requests)]
        : ["--duration", `${Math.round(run.length.durationMs)}ms`]),
      ...(run.ratePerConnection === undefined ? [] : ["--rps", String(run.ratePerConnection)]),
      "--data",
      body,
      "--header",
      "content-type: application/grpc",
      "--header",
      "te: trailers",
      "--header",
      `authorization: Bearer ${run.token}`,
      "--log-file",
      log,
      `http://${run.address}${run.request.path}`,
    ];
    const cpuBefore = exitedChildrenCpuMs();
    const started = performance.now();
    const { code, stdout, stderr } = await exec(run.h2load, args);
    const elapsedMs = performance.now() - started;
    // The child has been waited for, so its CPU is now in this process's children's total.
    const cpuMs = exitedChildrenCpuMs() - cpuBefore;
    if (code !== 0) throw new Error(`h2load exited with ${code}: ${stderr.slice(-2000)}`);
    const summary = parseH2loadSummary(stdout);
    const { latenciesMs, non200 } = parseH2loadLog(await readFile(log, "utf8"));
    return { ...summary, latenciesMs, non200, elapsedMs, cpuMs };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

function exec(command: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr = (stderr + chunk).slice(-4000)));
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stdout, stderr }));
  });
}
