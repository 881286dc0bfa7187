/** Reading h2load's summary and per-request log, and telling from them and the service's call counts whether every call succeeded. */
import { describe, expect, it } from "vitest";
import { parseH2loadLog, parseH2loadSummary } from "../../bench/h2load/h2load-output.js";
import type { H2loadResult } from "../../bench/h2load/run-h2load.js";
import { h2loadFailure } from "../../bench/measure.js";
import { callsBetween, parseCallCounts } from "../../bench/service-metrics.js";

// h2load 1.52 (Debian 12), one GetSecret run.
const SUMMARY = `finished in 3.00s, 213.33 req/s, 19.64KB/s
requests: 640 total, 672 started, 640 done, 640 succeeded, 0 failed, 0 errored, 0 timeout
status codes: 648 2xx, 0 3xx, 0 4xx, 0 5xx
traffic: 58.92KB (60332) total, 3.79KB (3876) headers (space savings 95.70%), 36.70KB (37584) data
                     min         max         mean         sd        +/- sd
time for request:    33.41ms    410.45ms    146.66ms     69.83ms    83.75%
`;

function result(overrides: Partial<H2loadResult> = {}): H2loadResult {
  return { ...parseH2loadSummary(SUMMARY), latenciesMs: new Float64Array([1]), non200: 0, elapsedMs: 3000, cpuMs: 10, ...overrides };
}

describe("h2load output", () => {
  it("parses the summary's rate, counts and DATA bytes", () => {
    expect(parseH2loadSummary(SUMMARY)).toEqual({
      requestsPerSec: 213.33,
      started: 672,
      done: 640,
      succeeded: 640,
      failed: 0,
      status2xx: 648,
      dataBytes: 37584,
    });
    expect(parseH2loadSummary(SUMMARY.replace("3.00s", "511.41ms")).requestsPerSec).toBe(213.33);
  });

  it("says which line is missing when the output is not h2load's", () => {
    expect(() => parseH2loadSummary("connect: Connection refused\n")).toThrow(/'finished in'/);
  });

  it("takes each request's latency in ms from the log and counts non-200 statuses", () => {
    const log = "1796284330232422\t200\t270185\n1796284330232423\t503\t1500\n";
    const parsed = parseH2loadLog(log);
    expect([...parsed.latenciesMs]).toEqual([270.185, 1.5]);
    expect(parsed.non200).toBe(1);
  });
});

describe("h2loadFailure", () => {
  const method = "secrets.v1.SecretsService/GetSecret";
  const counted = { countedAs: method };

  it("accepts a phase whose every finished call the service counted OK (abandoned ones may be CANCELLED)", () => {
    expect(
      h2loadFailure(
        result(),
        counted,
        new Map([
          ["OK", 640],
          ["CANCELLED", 32],
        ]),
      ),
    ).toBeUndefined();
  });

  it("rejects gRPC errors that h2load counted as HTTP 200 successes", () => {
    expect(
      h2loadFailure(
        result(),
        counted,
        new Map([
          ["OK", 600],
          ["PERMISSION_DENIED", 40],
        ]),
      ),
    ).toMatch(/40 PERMISSION_DENIED/);
    expect(h2loadFailure(result(), counted, new Map([["OK", 600]]))).toMatch(/600 OK calls .* finished 640/);
  });

  it("rejects HTTP-level failures and a phase where nothing finished", () => {
    expect(h2loadFailure(result({ failed: 3 }), counted, new Map([["OK", 640]]))).toMatch(/3 requests failed/);
    expect(h2loadFailure(result({ done: 0 }), counted, new Map())).toMatch(/no request finished/);
  });

  it("checks uncounted calls by their exact response size: a gRPC error carries no message", () => {
    expect(h2loadFailure(result({ status2xx: 100, dataBytes: 700 }), { responseBytes: 7 }, new Map())).toBeUndefined();
    expect(h2loadFailure(result({ status2xx: 100, dataBytes: 693 }), { responseBytes: 7 }, new Map())).toMatch(/693 bytes/);
  });
});

describe("service call counts", () => {
  const method = () => "secrets.v1.ResolverService/ResolveSecrets";
  it("reads secrets_rpc_calls_total by method and code, and the calls finished between two readings", () => {
    const before = parseCallCounts(`# HELP secrets_rpc_calls_total x\nsecrets_rpc_calls_total{method="${method()}",code="OK"} 10\n`);
    const after = parseCallCounts(
      `secrets_rpc_calls_total{method="${method()}",code="OK"} 25\nsecrets_rpc_calls_total{method="${method()}",code="NOT_FOUND"} 2\nsecrets_rpc_duration_seconds_bucket{le="0.1"} 3\n`,
    );
    expect(callsBetween(before, after, method())).toEqual(
      new Map([
        ["OK", 15],
        ["NOT_FOUND", 2],
      ]),
    );
    expect(callsBetween(before, after, "other/Method")).toEqual(new Map());
  });
});
