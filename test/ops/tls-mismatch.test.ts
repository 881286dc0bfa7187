/**
 * TLS on one side only, in both directions, for the CLI and the sidecar:
 * one plain sentence saying what is wrong and which flag fixes it (never a
 * raw OpenSSL or HTTP/2 error), said once, with the configuration exit status.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeTestCertificates, type TestCertificates } from "../support/certificates.js";
import { startTestService, type TestService } from "../support/service.js";
import { cliRunner, type CliRunner } from "../cli/run-secretsctl.js";
import { runSidecar } from "../sidecar/support.js";

let dir: string;
let certs: TestCertificates;
let tlsService: TestService;
let plainService: TestService;
let cli: CliRunner;
let tokenFile: string;
let config: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "tls-mismatch-"));
  certs = makeTestCertificates(dir);
  tlsService = await startTestService({ args: ["--tls-cert", certs.path("server.crt"), "--tls-key", certs.path("server.key")] });
  plainService = await startTestService();
  // Any token: the calls fail before it is looked at.
  tokenFile = join(dir, "admin.token");
  await writeFile(tokenFile, tlsService.adminToken, { mode: 0o600 });
  config = join(dir, "app.yaml");
  await writeFile(config, "kind: service\nname: tls-mismatch\na: $<secret.A>\nb: $<secret.B>\n");
  cli = cliRunner({ XDG_CONFIG_HOME: join(dir, "config"), HOME: dir });
});

afterAll(async () => {
  await tlsService?.cleanup();
  await plainService?.cleanup();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("secretsctl", () => {
  it("plaintext against a TLS service: says the service expects TLS, and --tls / --ca-file; exit 10", async () => {
    const result = await cli.run(["list"], { env: { SECRETS_ADDR: tlsService.address, SECRETS_TOKEN_FILE: tokenFile } });
    expect(result.code).toBe(10);
    expect(result.stderr).toBe(
      `error: ${tlsService.address} expects TLS and closed this plaintext connection: connect with --tls (or --ca-file FILE for a private CA) when you log in\n`,
    );
  });

  it("TLS against a plaintext service: says it does not speak TLS; exit 10", async () => {
    const env = { SECRETS_ADDR: plainService.address, SECRETS_TOKEN_FILE: tokenFile, SECRETS_CA_FILE: certs.path("ca.crt") };
    const result = await cli.run(["list"], { env });
    expect(result.code).toBe(10);
    expect(result.stderr).toMatch(
      new RegExp(`^error: ${plainService.address} does not speak TLS \\(it answered in plaintext\\): connect without TLS [^\\n]+\\n$`),
    );
  });
});

describe("secrets-sidecar", () => {
  const render = (service: TestService, flags: string[]) =>
    runSidecar([
      "render",
      config,
      "-o",
      join(dir, "out"),
      "--address",
      service.address,
      "--token-file",
      tokenFile,
      "--retries",
      "1",
      "--backoff-base-ms",
      "50",
      ...flags,
    ]);

  it("plaintext against a TLS service: one line, naming --tls and --ca-file", async () => {
    const run = await render(tlsService, []);
    expect(run.code).toBe(1);
    expect(run.output.split("expects TLS").length - 1, run.output).toBe(1);
    expect(run.output).toContain(
      `${tlsService.address} expects TLS and closed this plaintext connection: connect with --tls (or --ca-file FILE for a private CA)`,
    );
  });

  it("TLS against a plaintext service: one line, saying it does not speak TLS", async () => {
    const run = await render(plainService, ["--ca-file", certs.path("ca.crt")]);
    expect(run.code).toBe(1);
    expect(run.output.split("does not speak TLS").length - 1, run.output).toBe(1);
    expect(run.output).not.toMatch(/wrong version number/i);
  });
});
