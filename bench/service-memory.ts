/**
 * What the service child's resident memory is made of: the kernel's split
 * (`/proc/<pid>/status`: anonymous memory vs mapped files) and V8's own view
 * (the heap it has committed and uses, and the memory held outside it by
 * Buffers), from the service's /metrics (prom-client's default metrics). The
 * rest of the anonymous memory is native: SQLite's page cache, OpenSSL,
 * gRPC's buffers, the allocator's free lists.
 */
import { readFileSync } from "node:fs";

export interface ServiceMemory {
  rssBytes: number;
  rssAnonBytes: number;
  rssFileBytes: number;
  /** V8 heap committed (total) and in use. */
  heapTotalBytes: number;
  heapUsedBytes: number;
  /** Memory V8 accounts for outside its heap (Buffers, ArrayBuffers). */
  externalBytes: number;
}

function statusKb(status: string, field: string): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status);
  if (!match) throw new Error(`no ${field} in /proc status`);
  return Number(match[1]) * 1024;
}

function metric(exposition: string, name: string): number {
  const match = new RegExp(`^${name} ([\\d.e+]+)$`, "m").exec(exposition);
  if (!match) throw new Error(`no ${name} on /metrics`);
  return Number(match[1]);
}

export async function serviceMemory(pid: number, metricsAddress: string): Promise<ServiceMemory> {
  const response = await fetch(`http://${metricsAddress}/metrics`);
  if (!response.ok) throw new Error(`GET /metrics answered ${response.status}`);
  const exposition = await response.text();
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return {
    rssBytes: statusKb(status, "VmRSS"),
    rssAnonBytes: statusKb(status, "RssAnon"),
    rssFileBytes: statusKb(status, "RssFile"),
    heapTotalBytes: metric(exposition, "nodejs_heap_size_total_bytes"),
    heapUsedBytes: metric(exposition, "nodejs_heap_size_used_bytes"),
    externalBytes: metric(exposition, "nodejs_external_memory_bytes"),
  };
}
