/**
 * grpc.health.v1 over real gRPC with a plain grpc-js client: SERVING per API
 * service and overall while the backends answer, NOT_FOUND for an unknown
 * service, NOT_SERVING once the store is unreachable, and a Watch stream
 * hearing of the change.
 */
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestService, type TestService } from "../support/service.js";
import { checkHealth, healthClient, type HealthClient, type ServingStatus } from "./plain-grpc-clients.js";

const API_SERVICES = ["secrets.v1.SecretsService", "secrets.v1.ResolverService", "secrets.v1.AdminService"];

let svc: TestService;
let client: HealthClient;

beforeAll(async () => {
  svc = await startTestService();
  client = healthClient(svc.address);
});

afterAll(async () => {
  client?.close();
  await svc?.cleanup();
});

describe("gRPC health checking", () => {
  it.each(["", ...API_SERVICES])("answers SERVING for %j while the backends answer", async (service) => {
    expect(await checkHealth(client, service)).toBe("SERVING");
  });

  it("answers NOT_FOUND for a service it does not have", async () => {
    const error = await checkHealth(client, "secrets.v1.NoSuchService").catch((e: grpc.ServiceError) => e);
    expect((error as grpc.ServiceError).code).toBe(grpc.status.NOT_FOUND);
  });

  // Last: it takes the store away for good.
  it("turns NOT_SERVING once the store is unreachable, and a Watch stream sees it", async () => {
    const seen: ServingStatus[] = [];
    const watch = client.Watch({ service: "secrets.v1.ResolverService" });
    const watchEnded = new Promise<void>((resolve) => watch.on("error", () => resolve()).on("end", () => resolve()));
    watch.on("data", (response: { status: ServingStatus }) => seen.push(response.status));
    await expect.poll(() => seen, { timeout: 5000, interval: 20 }).toEqual(["SERVING"]);

    await svc.service.store.close();
    expect(await svc.service.health.probe()).toBe(false);

    for (const service of ["", ...API_SERVICES]) expect(await checkHealth(client, service)).toBe("NOT_SERVING");
    await expect.poll(() => seen, { timeout: 5000, interval: 20 }).toEqual(["SERVING", "NOT_SERVING"]);
    watch.cancel();
    await watchEnded;
  });
});
