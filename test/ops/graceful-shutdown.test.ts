/**
 * Graceful shutdown over real gRPC: with a unary call in flight and a
 * WatchSecrets stream and a health Watch stream open, shutdown reports
 * NOT_SERVING, ends both streams cleanly, refuses new calls, lets the
 * in-flight call finish OK (its write is kept) without waiting out the grace
 * period, and closes the backends afterwards.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WatchEventType } from "../../gen/secrets/v1/resolver_service_pb.js";
import { Role, SecretType } from "../../gen/secrets/v1/types_pb.js";
import { connectClients, startTestService, type TestService } from "../support/service.js";
import { holdStoreOperation } from "./held-store.js";
import { healthClient, type ServingStatus } from "./plain-grpc-clients.js";

let svc: TestService;
let restarted: TestService | undefined;

beforeAll(async () => {
  svc = await startTestService();
});

afterAll(async () => {
  await restarted?.stop();
  await svc?.cleanup();
});

describe("graceful shutdown", () => {
  it("finishes the call in flight, ends watch streams cleanly, refuses new calls, then closes the backends", async () => {
    const admin = connectClients(svc.address, svc.adminToken);
    const token = await admin.admin.createApiToken({ displayName: "watcher", role: Role.WORKLOAD, allowedSecretPatterns: ["SHUTDOWN_*"] });
    const workload = connectClients(svc.address, token.tokenSecret);

    // An open watch stream, consumed in the background; it must end without an error.
    let subscribed = false;
    const watchEnded = (async () => {
      for await (const event of workload.resolver.watchSecrets({ names: ["SHUTDOWN_WATCHED"] }))
        if (event.type === WatchEventType.SUBSCRIBED) subscribed = true;
      return "ended cleanly";
    })();
    await expect.poll(() => subscribed, { timeout: 5000, interval: 20 }).toBe(true);

    // A load balancer's health Watch: it must hear NOT_SERVING, then see the stream end with OK.
    const health = healthClient(svc.address);
    const statuses: ServingStatus[] = [];
    const healthWatch = health.Watch({ service: "" });
    healthWatch.on("data", (response: { status: ServingStatus }) => statuses.push(response.status));
    const healthWatchEnded = new Promise<string>((resolve) => {
      healthWatch.on("error", (error) => resolve(`error: ${error.message}`));
      healthWatch.on("end", () => resolve("ended cleanly"));
    });
    await expect.poll(() => statuses, { timeout: 5000, interval: 20 }).toEqual(["SERVING"]);

    // A write held in the store while shutdown begins.
    const held = holdStoreOperation(svc.service.store, "createSecret");
    const inFlight = admin.secrets.createSecret({
      name: "SHUTDOWN_IN_FLIGHT",
      type: SecretType.TOKEN,
      value: { kind: { case: "token", value: "in-flight-value" } },
    });
    await held.reached;
    let stopFinished = false;
    const stopped = svc.stop().then(() => (stopFinished = true));

    await expect(watchEnded).resolves.toBe("ended cleanly");
    await expect(healthWatchEnded).resolves.toBe("ended cleanly");
    expect(statuses).toEqual(["SERVING", "NOT_SERVING"]);
    health.close();
    await expect(connectClients(svc.address, svc.adminToken).secrets.listSecrets({}, { timeoutMs: 2000 })).rejects.toThrow();

    // Shutdown waits for the held call, with the backends still open for it.
    expect(stopFinished).toBe(false);
    await expect(svc.service.store.ping()).resolves.toBeUndefined();
    held.release();
    const created = await inFlight;
    expect(created.secret?.name).toBe("SHUTDOWN_IN_FLIGHT");
    await stopped;
    // Nothing was left for the grace period to cut off.
    expect(svc.logs()).not.toContain("grace period over");

    await expect(svc.service.store.ping()).rejects.toThrow();
    await expect(svc.service.cipher.ping()).rejects.toThrow();

    // The write that finished during shutdown was committed.
    restarted = await startTestService({ dataDir: svc.dataDir });
    const after = await connectClients(restarted.address, restarted.adminToken).secrets.getSecret({ name: "SHUTDOWN_IN_FLIGHT" });
    expect(after.secret?.version).toBe(1n);
  });
});
