/**
 * What h2load prints: its summary (requests/s, request counts, HTTP status
 * classes, bytes of DATA received) and its per-request log (`--log-file`:
 * start time, HTTP status, duration in µs, tab-separated), from which the
 * latency percentiles come, since its summary has none.
 */

export interface H2loadSummary {
  requestsPerSec: number;
  /** Requests h2load started, finished, and finished with HTTP 2xx/3xx (its "succeeded"). */
  started: number;
  done: number;
  succeeded: number;
  /** failed + errored + timeout */
  failed: number;
  status2xx: number;
  /** Bytes of response DATA frames received (gRPC messages, frame headers included). */
  dataBytes: number;
}

function match(text: string, pattern: RegExp, what: string): RegExpExecArray {
  const found = pattern.exec(text);
  if (!found) throw new Error(`h2load printed no ${what} line:\n${text.slice(-2000)}`);
  return found;
}

export function parseH2loadSummary(text: string): H2loadSummary {
  const finished = match(text, /^finished in [\d.]+m?s, ([\d.]+) req\/s/m, "'finished in'");
  const requests = match(
    text,
    /^requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored, (\d+) timeout/m,
    "'requests:'",
  );
  const status = match(text, /^status codes: (\d+) 2xx/m, "'status codes:'");
  const traffic = match(text, /^traffic: .*\((\d+)\) data$/m, "'traffic:'");
  const n = (s: string | undefined) => Number(s);
  return {
    requestsPerSec: n(finished[1]),
    started: n(requests[2]),
    done: n(requests[3]),
    succeeded: n(requests[4]),
    failed: n(requests[5]) + n(requests[6]) + n(requests[7]),
    status2xx: n(status[1]),
    dataBytes: n(traffic[1]),
  };
}

/** Latencies in ms of every request in an h2load `--log-file`, and how many had an HTTP status other than 200. */
export function parseH2loadLog(text: string): { latenciesMs: Float64Array; non200: number } {
  const lines = text.split("\n").filter((line) => line !== "");
  const latenciesMs = new Float64Array(lines.length);
  let non200 = 0;
  lines.forEach((line, i) => {
    const [, status, durationUs] = line.split("\t");
    if (status !== "200") non200++;
    latenciesMs[i] = Number(durationUs) / 1000;
  });
  return { latenciesMs, non200 };
}
