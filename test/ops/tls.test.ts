/**
 * TLS and mTLS on the gRPC port, with a throwaway CA and certificates made by
 * the openssl command: a client trusting the CA works, a plaintext client
 * fails; with a client CA, only a client presenting a certificate from that
 * CA gets through; a client CA without a server certificate does not start.
 */
import { createClient, type Interceptor } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SecretsService } from "../../gen/secrets/v1/secrets_service_pb.js";
import { makeTestCertificates, type TestCertificates } from "../support/certificates.js";
import { connectClients, startTestService, type TestService } from "../support/service.js";

let dir: string;
let certs: TestCertificates;

/** A ListSecrets call over TLS with the given client certificate (or none); resolves with its outcome. */
async function listOverTls(svc: TestService, clientCert?: "client" | "rogue-client"): Promise<"ok" | string> {
  const auth: Interceptor = (next) => (req) => {
    req.header.set("authorization", `Bearer ${svc.adminToken}`);
    return next(req);
  };
  const transport = createGrpcTransport({
    baseUrl: `https://localhost:${svc.service.port}`,
    interceptors: [auth],
    nodeOptions: {
      ca: certs.pem("ca.crt"),
      ...(clientCert && { cert: certs.pem(`${clientCert}.crt`), key: certs.pem(`${clientCert}.key`) }),
    },
  });
  try {
    await createClient(SecretsService, transport).listSecrets({}, { timeoutMs: 5000 });
    return "ok";
  } catch (error) {
    return String(error);
  }
}

/** ListSecrets calls the service handled (each logs one line), to show a refused client never reached a handler. */
function listCallsLogged(svc: TestService): number {
  return svc.logs().split("secrets.v1.SecretsService/ListSecrets").length - 1;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "secrets-tls-"));
  certs = makeTestCertificates(dir);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("TLS", () => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await startTestService({ args: ["--tls-cert", join(dir, "server.crt"), "--tls-key", join(dir, "server.key")] });
  });
  afterAll(async () => {
    await svc?.cleanup();
  });

  it("serves a client that trusts the CA", async () => {
    const before = listCallsLogged(svc);
    expect(await listOverTls(svc)).toBe("ok");
    expect(listCallsLogged(svc)).toBe(before + 1);
  });

  it("refuses a plaintext client", async () => {
    const plain = connectClients(svc.address, svc.adminToken);
    const before = listCallsLogged(svc);
    await expect(plain.secrets.listSecrets({}, { timeoutMs: 5000 })).rejects.toThrow();
    expect(listCallsLogged(svc)).toBe(before);
  });
});

describe("mTLS", () => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await startTestService({
      args: ["--tls-cert", join(dir, "server.crt"), "--tls-key", join(dir, "server.key"), "--tls-client-ca", join(dir, "ca.crt")],
    });
  });
  afterAll(async () => {
    await svc?.cleanup();
  });

  it("serves a client presenting a certificate from the client CA", async () => {
    expect(await listOverTls(svc, "client")).toBe("ok");
  });

  it("refuses a client without a certificate", async () => {
    const before = listCallsLogged(svc);
    expect(await listOverTls(svc)).toMatch(/certificate required|canceled|unavailable/i);
    expect(listCallsLogged(svc)).toBe(before);
  });

  it("refuses a client whose certificate comes from another CA", async () => {
    const before = listCallsLogged(svc);
    expect(await listOverTls(svc, "rogue-client")).not.toBe("ok");
    expect(listCallsLogged(svc)).toBe(before);
  });
});

describe("TLS configuration", () => {
  it("refuses to start with a client CA but no server certificate", async () => {
    await expect(startTestService({ dataDir: join(dir, "no-cert"), args: ["--tls-client-ca", join(dir, "ca.crt")] })).rejects.toThrow(
      /--tls-client-ca needs --tls-cert/,
    );
  });
});
