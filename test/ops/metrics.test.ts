/**
 * The Prometheus endpoint on the admin port, scraped after real calls: RPC
 * counts by method and code (a failure included), latency histograms, store
 * and cipher latency, resolved secrets, the open-stream gauge following a
 * WatchSecrets stream; never a value, a token or a secret name; 404 elsewhere.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WatchEventType } from "../../gen/secrets/v1/resolver_service_pb.js";
import { Role, SecretType } from "../../gen/secrets/v1/types_pb.js";
import { connectClients, startTestService, type ConnectClients, type TestService } from "../support/service.js";

// Distinctive, so a leak cannot pass unnoticed.
const SECRET_NAME = "METRICS_MARKER_NAME_7731";
const SECRET_VALUE = "metrics-Vv3MARKER-value-5582";
const OTHER_NAME = "METRICS_OTHER_MARKER_6620";
const MISSING_NAME = "METRICS_MISSING_MARKER_0417";
const WATCHED_METHOD = "secrets.v1.ResolverService/WatchSecrets";

let svc: TestService;
let admin: ConnectClients;
let workload: ConnectClients;
let workloadToken: string;

async function scrape(path = "/metrics"): Promise<{ status: number; text: string }> {
  const response = await fetch(`http://127.0.0.1:${svc.service.metricsPort}${path}`);
  return { status: response.status, text: await response.text() };
}

/** The value of one sample whose labels include `labels`, or undefined. */
function sample(page: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of page.split("\n")) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const present = Object.fromEntries([...(match[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([key, value]) => present[key] === value)) return Number(match[3]);
  }
  return undefined;
}

beforeAll(async () => {
  svc = await startTestService();
  admin = connectClients(svc.address, svc.adminToken);
  const token = await admin.admin.createApiToken({ displayName: "metrics", role: Role.WORKLOAD, allowedSecretPatterns: ["METRICS_*"] });
  workloadToken = token.tokenSecret;
  workload = connectClients(svc.address, workloadToken);
  await admin.secrets.createSecret({ name: SECRET_NAME, type: SecretType.TOKEN, value: { kind: { case: "token", value: SECRET_VALUE } } });
  const resolved = await workload.resolver.resolveSecrets({ references: [`$<secret.${SECRET_NAME}>`], consumerId: "metrics/app" });
  expect(resolved.values[0]!.value).toBe(SECRET_VALUE);
  const missing = await admin.secrets.getSecret({ name: MISSING_NAME }).catch((error: unknown) => error);
  expect(ConnectError.from(missing).code).toBe(Code.NotFound);
});

afterAll(async () => {
  await svc?.cleanup();
});

describe("metrics", () => {
  it("counts RPCs by method and status code, failures included", async () => {
    const { status, text } = await scrape();
    expect(status).toBe(200);
    expect(sample(text, "secrets_rpc_calls_total", { method: "secrets.v1.SecretsService/CreateSecret", code: "OK" })).toBe(1);
    expect(sample(text, "secrets_rpc_calls_total", { method: "secrets.v1.ResolverService/ResolveSecrets", code: "OK" })).toBe(1);
    expect(sample(text, "secrets_rpc_calls_total", { method: "secrets.v1.SecretsService/GetSecret", code: "NOT_FOUND" })).toBe(1);
  });

  it("has latency histograms for RPCs", async () => {
    const { text } = await scrape();
    const labels = { method: "secrets.v1.SecretsService/CreateSecret", code: "OK" };
    expect(sample(text, "secrets_rpc_duration_seconds_count", labels)).toBe(1);
    expect(sample(text, "secrets_rpc_duration_seconds_bucket", { ...labels, le: "+Inf" })).toBe(1);
    expect(sample(text, "secrets_rpc_duration_seconds_sum", labels)).toBeGreaterThan(0);
  });

  it("has latency histograms for the store and the cipher", async () => {
    const { text } = await scrape();
    expect(
      sample(text, "secrets_backend_duration_seconds_count", { backend: "store", operation: "createSecret", outcome: "ok" }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      sample(text, "secrets_backend_duration_seconds_count", { backend: "cipher", operation: "encrypt", outcome: "ok" }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      sample(text, "secrets_backend_duration_seconds_count", { backend: "cipher", operation: "decrypt", outcome: "ok" }),
    ).toBeGreaterThanOrEqual(1);
  });

  it("counts resolved secrets (each secret once per call, however often it is referenced)", async () => {
    await admin.secrets.createSecret({ name: OTHER_NAME, type: SecretType.TOKEN, value: { kind: { case: "token", value: SECRET_VALUE } } });
    const before = sample((await scrape()).text, "secrets_resolved_secrets_total");
    expect(before).toBe(1);
    await workload.resolver.resolveSecrets({
      references: [`$<secret.${SECRET_NAME}>`, `$<secret.${SECRET_NAME.toLowerCase()}>`, `$<secret.${OTHER_NAME}>`],
    });
    expect(sample((await scrape()).text, "secrets_resolved_secrets_total")).toBe(before! + 2);
  });

  it("follows an open WatchSecrets stream with the open-streams gauge", async () => {
    const openStreams = async () => sample((await scrape()).text, "secrets_open_streams", { method: WATCHED_METHOD }) ?? 0;
    expect(await openStreams()).toBe(0);
    const abort = new AbortController();
    let subscribed = false;
    const done = (async () => {
      try {
        for await (const event of workload.resolver.watchSecrets({ names: [SECRET_NAME] }, { signal: abort.signal }))
          if (event.type === WatchEventType.SUBSCRIBED) subscribed = true;
      } catch (error) {
        if (!abort.signal.aborted) throw error;
      }
    })();
    await expect.poll(() => subscribed, { timeout: 5000, interval: 20 }).toBe(true);
    expect(await openStreams()).toBe(1);
    abort.abort();
    await done;
    await expect.poll(openStreams, { timeout: 5000, interval: 20 }).toBe(0);
  });

  it("never shows a value, a token or a secret name", async () => {
    const { text } = await scrape();
    for (const secret of [SECRET_VALUE, workloadToken, svc.adminToken, SECRET_NAME, OTHER_NAME, MISSING_NAME])
      for (const form of [secret, secret.toLowerCase(), Buffer.from(secret).toString("base64")])
        expect(text.includes(form), "the metrics page holds a value, token or name").toBe(false);
  });

  it("answers 404 on any other path", async () => {
    for (const path of ["/", "/metrics/", "/metricsx", "/debug", "/secrets"]) expect((await scrape(path)).status, path).toBe(404);
  });
});
