/**
 * The service's own count of finished calls by method and gRPC status
 * (`secrets_rpc_calls_total` on its /metrics endpoint): a load generator that
 * only sees HTTP/2 cannot tell a gRPC error from a success, the service can.
 */

/** method -> gRPC status name -> calls */
export type CallCounts = Map<string, Map<string, number>>;

const CALLS = /^secrets_rpc_calls_total\{([^}]*)\} ([\d.e+]+)$/;

export function parseCallCounts(exposition: string): CallCounts {
  const counts: CallCounts = new Map();
  for (const line of exposition.split("\n")) {
    const found = CALLS.exec(line);
    if (!found) continue;
    const labels = Object.fromEntries([...found[1]!.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (labels.method === undefined || labels.code === undefined) continue;
    const byCode = counts.get(labels.method) ?? new Map<string, number>();
    byCode.set(labels.code, Number(found[2]));
    counts.set(labels.method, byCode);
  }
  return counts;
}

export async function fetchCallCounts(metricsAddress: string): Promise<CallCounts> {
  const response = await fetch(`http://${metricsAddress}/metrics`);
  if (!response.ok) throw new Error(`GET /metrics answered ${response.status}`);
  return parseCallCounts(await response.text());
}

/** Calls of `method` that finished between two readings, by status name. */
export function callsBetween(before: CallCounts, after: CallCounts, method: string): Map<string, number> {
  const delta = new Map<string, number>();
  for (const [code, count] of after.get(method) ?? []) {
    const finished = count - (before.get(method)?.get(code) ?? 0);
    if (finished > 0) delta.set(code, finished);
  }
  return delta;
}
