/**
 * secretsctl over TLS: a context with the service's CA connects; one that
 * does not trust the certificate is refused, with one error line.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeTestCertificates } from "../support/certificates.js";
import { startTestService, type TestService } from "../support/service.js";
import { cliRunner, type CliRunner } from "./run-secretsctl.js";

let svc: TestService;
let dir: string;
let cli: CliRunner;
let tokenFile: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "secretsctl-tls-"));
  const certs = makeTestCertificates(dir);
  svc = await startTestService({ args: ["--tls-cert", certs.path("server.crt"), "--tls-key", certs.path("server.key")] });
  tokenFile = join(dir, "admin.token");
  await writeFile(tokenFile, svc.adminToken, { mode: 0o600 });
  cli = cliRunner({ XDG_CONFIG_HOME: join(dir, "config"), HOME: dir });
});

afterAll(async () => {
  await svc?.cleanup();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("secretsctl over TLS", () => {
  it("a context with the CA file connects", async () => {
    const login = await cli.run(["login", "tls", "--address", svc.address, "--token-file", tokenFile, "--ca-file", join(dir, "ca.crt")]);
    expect(login.code).toBe(0);
    const listed = await cli.run(["list", "-o", "json"]);
    expect(listed).toMatchObject({ code: 0, stderr: "" });
    expect(JSON.parse(listed.stdout)).toEqual([]);
  });

  it("a context that does not trust the certificate is a configuration error; plaintext is refused; one error line each", async () => {
    await cli.run(["login", "untrusted", "--address", svc.address, "--token-file", tokenFile, "--tls"]);
    const untrusted = await cli.run(["list"]);
    expect(untrusted.code).toBe(10);
    expect(untrusted.stderr).toMatch(/^error: TLS: [^\n]+ \(check the context's CA file and that the address matches the certificate\)\n$/);
    await cli.run(["login", "plain", "--address", svc.address, "--token-file", tokenFile]);
    const plain = await cli.run(["list"]);
    expect(plain.code).not.toBe(0);
    expect(plain.stderr).toMatch(/^error: [^\n]+\n$/);
  });
});
