/**
 * The optional Connect-protocol endpoint: the same handlers answer plain
 * JSON over HTTP/1.1 (what `curl` and browsers speak), with the same
 * authentication, errors and audit as the gRPC port.
 */
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ResolverService, WatchEventType } from "../../gen/secrets/v1/resolver_service_pb.js";
import { Role } from "../../gen/secrets/v1/types_pb.js";
import { parseServiceConfig } from "../../services/config.js";
import { connectClients, startTestService, type TestService } from "../support/service.js";

let svc: TestService;
let base: string;

beforeAll(async () => {
  svc = await startTestService({ args: ["--connect-listen", "127.0.0.1:0"] });
  base = `http://127.0.0.1:${svc.service.connectPort}`;
});

afterAll(async () => {
  await svc?.cleanup();
});

function post(path: string, body: unknown, token?: string) {
  return fetch(`${base}/${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token && { authorization: `Bearer ${token}` }) },
    body: JSON.stringify(body),
  });
}

describe("the Connect-protocol endpoint", () => {
  it("is on by default on loopback, and '' turns it off", async () => {
    expect(parseServiceConfig([], {}).connectListen).toBe("127.0.0.1:8080");
    const plain = await startTestService({ args: ["--connect-listen", ""] });
    try {
      expect(plain.service.connectPort).toBeUndefined();
    } finally {
      await plain.cleanup();
    }
  });

  it("serves unary calls as JSON over HTTP/1.1", async () => {
    const created = await post(
      "secrets.v1.SecretsService/CreateSecret",
      { name: "CURL_TOKEN", type: "SECRET_TYPE_TOKEN", value: { token: "curl-value-1" } },
      svc.adminToken,
    );
    expect(created.status).toBe(200);
    const body = (await created.json()) as { secret: { name: string; version: string } };
    expect(body.secret).toMatchObject({ name: "CURL_TOKEN", version: "1" });
    expect(JSON.stringify(body)).not.toContain("curl-value-1");

    // Visible through the gRPC port too: one service, two transports.
    const viaGrpc = await connectClients(svc.address, svc.adminToken).secrets.getSecret({ name: "curl_token" });
    expect(viaGrpc.secret?.name).toBe("CURL_TOKEN");
  });

  it("answers errors with the Connect error JSON, code and details", async () => {
    const unauthenticated = await post("secrets.v1.SecretsService/ListSecrets", {});
    expect(unauthenticated.status).toBe(401);
    expect(await unauthenticated.json()).toMatchObject({ code: "unauthenticated" });

    const invalid = await post(
      "secrets.v1.SecretsService/CreateSecret",
      { name: "9bad", type: "SECRET_TYPE_TOKEN", value: { token: "x" } },
      svc.adminToken,
    );
    expect(invalid.status).toBe(400);
    const error = (await invalid.json()) as { code: string; message: string; details: { type: string }[] };
    expect(error.code).toBe("invalid_argument");
    expect(error.message).toContain("name");
    expect(error.details.map((d) => d.type)).toEqual(["google.rpc.ErrorInfo", "google.rpc.BadRequest"]);
  });

  it("streams WatchSecrets to a Connect-protocol client", async () => {
    const admin = connectClients(svc.address, svc.adminToken);
    const { tokenSecret } = await admin.admin.createApiToken({ displayName: "w", role: Role.WORKLOAD, allowedSecretPatterns: ["CURL_*"] });
    const transport = createConnectTransport({
      baseUrl: base,
      httpVersion: "1.1",
      interceptors: [(next) => (req) => (req.header.set("authorization", `Bearer ${tokenSecret}`), next(req))],
    });
    const resolver = createClient(ResolverService, transport);
    const abort = new AbortController();
    const types: WatchEventType[] = [];
    const watching = (async () => {
      for await (const event of resolver.watchSecrets({ names: ["CURL_TOKEN"] }, { signal: abort.signal })) {
        types.push(event.type);
        if (types.length === 1)
          await admin.secrets.updateSecretValue({ name: "CURL_TOKEN", value: { kind: { case: "token", value: "curl-value-2" } } });
        if (types.length === 2) break;
      }
    })();
    await watching;
    abort.abort();
    expect(types).toEqual([WatchEventType.SUBSCRIBED, WatchEventType.VALUE_UPDATED]);
    const resolved = await resolver.resolveSecrets({ references: ["$<secret.CURL_TOKEN>"] });
    expect(resolved.values[0]?.value).toBe("curl-value-2");
  });
});
