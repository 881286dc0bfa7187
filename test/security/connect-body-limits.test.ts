/**
 * Finding 5: the Connect endpoint read bodies up to ~4 GiB, unauthenticated
 * ones included (a 150 MB body with no token cost 530 MB before its 401).
 * Now it answers before reading the body when the authorization header is
 * missing or malformed, or Content-Length is over the message size limit,
 * and reads no more than that limit of a body without Content-Length.
 */
import { request, type IncomingMessage } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestService, type TestService } from "../support/service.js";

const MAX_MESSAGE_BYTES = 1024 * 1024;
const DECLARED = 150 * 1024 * 1024;

let svc: TestService;

beforeAll(async () => {
  svc = await startTestService({ args: ["--connect-listen", "127.0.0.1:0", "--max-message-bytes", String(MAX_MESSAGE_BYTES)] });
});
afterAll(async () => {
  await svc?.cleanup();
});

/**
 * Starts a POST declaring `contentLength` (or chunked), sends `sent` bytes of
 * it, and resolves with the response and its body without ever sending the
 * rest: the answer must come while the body is still owed.
 */
function postOwingBody(headers: Record<string, string>, sent: number, contentLength?: number) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port: svc.service.connectPort,
        method: "POST",
        path: "/secrets.v1.SecretsService/ListSecrets",
        headers: {
          "content-type": "application/json",
          ...(contentLength !== undefined && { "content-length": contentLength }),
          ...headers,
        },
      },
      (res: IncomingMessage) => {
        let body = "";
        res.on("data", (chunk) => (body += chunk));
        res.on("end", () => {
          resolve({ status: res.statusCode ?? 0, body });
          req.destroy();
        });
      },
    );
    req.on("error", (error) => (req.destroyed ? undefined : reject(error)));
    const chunk = Buffer.alloc(64 * 1024, "x");
    for (let written = 0; written < sent; written += chunk.length) req.write(chunk);
    if (contentLength === undefined) req.end();
  });
}

describe("the Connect endpoint, given a body it should not read", () => {
  it("answers 401 without an authorization header, before the declared 150 MB arrive", async () => {
    const answer = await postOwingBody({}, 256 * 1024, DECLARED);
    expect(answer.status).toBe(401);
    expect(JSON.parse(answer.body)).toMatchObject({ code: "unauthenticated" });
  });

  it("answers 401 to a malformed authorization header the same way", async () => {
    const answer = await postOwingBody({ authorization: "Basic abc" }, 256 * 1024, DECLARED);
    expect(answer.status).toBe(401);
  });

  it("refuses a declared Content-Length over the message size limit, even with a valid token", async () => {
    const answer = await postOwingBody({ authorization: `Bearer ${svc.adminToken}` }, 256 * 1024, DECLARED);
    expect(JSON.parse(answer.body)).toMatchObject({ code: "resource_exhausted" });
  });

  it("stops reading a chunked body at the message size limit", async () => {
    const answer = await postOwingBody({ authorization: `Bearer ${svc.adminToken}` }, 2 * MAX_MESSAGE_BYTES);
    expect(JSON.parse(answer.body)).toMatchObject({ code: "resource_exhausted" });
  });
});
