/**
 * Finding 11: idle and half-open HTTP/2 connections stayed forever, calls
 * with a bogus token ran unlimited, and their log lines lacked the peer.
 * Now idle connections are closed, failed authentications are limited per
 * peer address, and every call's log line names the peer.
 */
import { Code } from "@connectrpc/connect";
import { connect } from "node:http2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { statusOf } from "../support/call-status.js";
import { connectClients, startTestService, type TestService } from "../support/service.js";

let svc: TestService;

beforeAll(async () => {
  svc = await startTestService({ args: ["--auth-failures-per-peer", "2", "--connection-idle-ms", "500"] });
});
afterAll(async () => {
  await svc?.cleanup();
});

describe("callers that do not authenticate", () => {
  it("are limited per peer address: a burst of bogus tokens meets RESOURCE_EXHAUSTED", async () => {
    const bogus = connectClients(svc.address, "sst_bogus");
    const statuses = [];
    for (let i = 0; i < 20; i++) statuses.push(await statusOf(bogus.secrets.listSecrets({})));
    expect(statuses[0]).toBe(Code.Unauthenticated);
    expect(statuses).toContain(Code.ResourceExhausted);
  });

  it("are logged with their peer address", async () => {
    await statusOf(connectClients(svc.address).secrets.listSecrets({}));
    const failed = svc
      .logs()
      .split("\n")
      .filter((line) => line.includes('"msg":"call"') && line.includes("UNAUTHENTICATED"));
    expect(failed.length).toBeGreaterThan(0);
    for (const line of failed) expect(JSON.parse(line).peer).toMatch(/^127\.0\.0\.1:\d+$/);
  });

  it("cannot hold an idle HTTP/2 connection open", async () => {
    const session = connect(`http://${svc.address}`);
    await new Promise<void>((resolve, reject) => {
      session.once("connect", () => resolve());
      session.once("error", reject);
    });
    // No request is made: the server closes the connection once it has been idle for --connection-idle-ms.
    await new Promise<void>((resolve) => session.once("close", () => resolve()));
    expect(session.closed || session.destroyed).toBe(true);
  });
});
