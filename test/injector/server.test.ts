/**
 * The webhook over HTTPS: a review is answered; a bad body, a wrong kind, a
 * huge body, the wrong content type or path get a clear refusal, and the
 * server keeps answering afterwards.
 */
import { spawn } from "node:child_process";
import { copyFile, mkdir, mkdtemp, rm } from "node:fs/promises";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_BODY_BYTES, startInjector, type RunningInjector } from "../../injector/server.js";
import { makeTestCertificates, type TestCertificates } from "../support/certificates.js";
import { CONFIG, deploymentPod, PREFIX, reviewOf } from "./reviews.js";

let dir: string;
let certs: TestCertificates;
let injector: RunningInjector;
const logLines: string[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "injector-test-"));
  certs = makeTestCertificates(dir);
  const log = pino({ level: "debug" }, new Writable({ write: (chunk, _e, done) => (logLines.push(String(chunk)), done()) }));
  // The files it serves are copies, so that a test can replace them as cert-manager does.
  await mkdir(join(dir, "serving"));
  await copyFile(certs.path("server.crt"), join(dir, "serving/tls.crt"));
  await copyFile(certs.path("server.key"), join(dir, "serving/tls.key"));
  const tls = { cert: join(dir, "serving/tls.crt"), key: join(dir, "serving/tls.key"), checkIntervalMs: 100 };
  injector = await startInjector(CONFIG, tls, { host: "127.0.0.1", port: 0 }, log);
});

afterAll(async () => {
  await injector?.close();
  await rm(dir, { recursive: true, force: true });
});

interface Reply {
  status: number;
  body: Record<string, unknown>;
}

/** A list of chunks is sent chunked, without a content-length. */
function call(
  method: string,
  path: string,
  body?: string | Buffer | Buffer[],
  contentType = "application/json",
  ca = certs.pem("ca.crt"),
  port = injector.port,
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: "127.0.0.1", port, method, path, ca, headers: body === undefined ? {} : { "content-type": contentType } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({ status: res.statusCode!, body: JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown> }),
        );
      },
    );
    req.on("error", reject);
    if (Array.isArray(body)) {
      for (const chunk of body) req.write(chunk);
      req.end();
    } else req.end(body);
  });
}

const inject = { [`${PREFIX}/inject`]: "true", [`${PREFIX}/configmap`]: "c" };

describe("secrets-injector over HTTPS", () => {
  it("answers a review with a patch, and logs the outcome", async () => {
    const review = reviewOf(deploymentPod(inject));
    const reply = await call("POST", "/mutate", JSON.stringify(review));
    expect(reply.status).toBe(200);
    const response = reply.body.response as Record<string, unknown>;
    expect(response).toMatchObject({ uid: (review.request as { uid: string }).uid, allowed: true, patchType: "JSONPatch" });
    expect(logLines.join("")).toContain('"result":"injected"');
  });

  it.each([
    ["not JSON", "{not json", 400, "the body is not JSON"],
    ["JSON that is not a review", '{"kind":"Pod"}', 400, "expected an AdmissionReview object"],
    [
      "a review of another version",
      JSON.stringify({ ...reviewOf({}), apiVersion: "admission.k8s.io/v1beta1" }),
      400,
      "expected apiVersion admission.k8s.io/v1",
    ],
    [
      "a review without a uid",
      JSON.stringify({ apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview", request: {} }),
      400,
      "no request.uid",
    ],
  ])("refuses %s with a clear 400", async (_what, body, status, message) => {
    const reply = await call("POST", "/mutate", body);
    expect(reply).toEqual({ status, body: { error: expect.stringContaining(message) } });
  });

  it("answers a review of the wrong kind with allowed: false and the reason", async () => {
    const body = JSON.stringify(reviewOf({ kind: "Deployment" }, { kind: { group: "apps", version: "v1", kind: "Deployment" } }));
    const reply = await call("POST", "/mutate", body);
    expect(reply.status).toBe(200);
    expect(reply.body.response).toMatchObject({
      allowed: false,
      status: { code: 400, message: expect.stringContaining("admits pods only, got apps/v1 Deployment") },
    });
  });

  it("refuses a huge body with 413 without reading it all, and keeps serving", async () => {
    const huge = Buffer.alloc(MAX_BODY_BYTES + 1024 * 1024, "a");
    const reply = await call("POST", "/mutate", huge);
    expect(reply).toEqual({ status: 413, body: { error: `the body is larger than ${MAX_BODY_BYTES} bytes` } });
    expect((await call("GET", "/healthz")).status).toBe(200);
  });

  it("refuses a huge chunked body (no content-length) with 413 too", async () => {
    const chunks = Array.from({ length: 8 }, () => Buffer.alloc(MAX_BODY_BYTES / 4, "b"));
    const reply = await call("POST", "/mutate", chunks);
    expect(reply).toEqual({ status: 413, body: { error: `the body is larger than ${MAX_BODY_BYTES} bytes` } });
  });

  it("refuses another content type, method or path", async () => {
    expect(await call("POST", "/mutate", "x", "text/plain")).toEqual({
      status: 415,
      body: { error: "expected content-type application/json" },
    });
    expect((await call("GET", "/mutate")).status).toBe(404);
    expect((await call("POST", "/other", "{}")).status).toBe(404);
  });

  it("is still healthy after all of that", async () => {
    expect(await call("GET", "/healthz")).toEqual({ status: 200, body: { status: "ok" } });
  });

  it("serves a renewed certificate without a restart", async () => {
    const renewed = makeTestCertificates(await mkdtemp(join(dir, "renewed-")));
    await copyFile(renewed.path("server.key"), join(dir, "serving/tls.key"));
    await copyFile(renewed.path("server.crt"), join(dir, "serving/tls.crt"));
    const healthy = () =>
      call("GET", "/healthz", undefined, undefined, renewed.pem("ca.crt")).then(
        (r) => r.status,
        () => 0,
      );
    await expect.poll(healthy, { timeout: 20_000, interval: 200 }).toBe(200);
  });
});

describe("the secrets-injector bin", () => {
  it("starts from its flags, answers, and stops on SIGTERM", async () => {
    const args = ["--listen", "127.0.0.1:0", "--tls-cert", certs.path("server.crt"), "--tls-key", certs.path("server.key")];
    const env = { ...process.env, INJECTOR_SIDECAR_IMAGE: "registry.example/secrets:1", INJECTOR_SERVICE_ADDRESS: "secrets:50051" };
    const child = spawn(process.execPath, [join(import.meta.dirname, "../../bin/secrets-injector.js"), ...args], {
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
    await expect.poll(() => /"port":(\d+)/.exec(output)?.[1], { timeout: 20_000 }).toBeDefined();
    const port = Number(/"port":(\d+)/.exec(output)![1]);
    expect((await call("GET", "/healthz", undefined, undefined, undefined, port)).status).toBe(200);
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
  });

  it("refuses to start without the sidecar image, naming the flag", async () => {
    const child = spawn(
      process.execPath,
      [join(import.meta.dirname, "../../bin/secrets-injector.js"), "--tls-cert", "c", "--tls-key", "k", "--service-address", "s:1"],
      {
        env: { PATH: process.env.PATH },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let output = "";
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    expect(code).not.toBe(0);
    expect(output).toContain("--sidecar-image");
  });
});
