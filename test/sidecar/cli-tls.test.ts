/**
 * The sidecar over TLS: with the service's CA file it renders; without it
 * (plaintext, or TLS trusting only the system CAs) it fails closed, writing
 * nothing and printing no value.
 */
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SecretType } from "../../gen/secrets/v1/types_pb.js";
import { makeTestCertificates, type TestCertificates } from "../support/certificates.js";
import { expectNoValues, runSidecar, startSidecarFixture, token, type SidecarFixture } from "./support.js";

const VALUE = "tls-sidecar-Kq7-value";
let certDir: string;
let certs: TestCertificates;
let f: SidecarFixture;
let config: string;

beforeAll(async () => {
  certDir = await mkdtemp(join(tmpdir(), "sidecar-tls-"));
  certs = makeTestCertificates(certDir);
  f = await startSidecarFixture([{ name: "TLS_TOKEN", type: SecretType.TOKEN, value: token(VALUE) }], ["TLS_*"], {
    serviceArgs: ["--tls-cert", certs.path("server.crt"), "--tls-key", certs.path("server.key")],
    ca: certs.pem("ca.crt"),
  });
  config = join(f.dir, "app.yaml");
  await writeFile(config, "kind: service\nname: tls-app\ntoken: $<secret.TLS_TOKEN>\n");
});

afterAll(async () => {
  await f?.cleanup();
  if (certDir) await rm(certDir, { recursive: true, force: true });
});

describe("the sidecar over TLS", () => {
  it("renders with --ca-file", async () => {
    const out = join(f.dir, "with-ca");
    const run = await runSidecar(["render", config, "--output-dir", out, "--ca-file", certs.path("ca.crt"), ...f.connectionArgs()]);
    expect(run.code, run.output).toBe(0);
    expect(await readFile(join(out, "app.yaml"), "utf8")).toContain(`token: ${VALUE}`);
    expectNoValues(run.output, [VALUE]);
  });

  it.each([
    ["plaintext", [] as string[]],
    ["TLS trusting only the system CAs", ["--tls"]],
  ])("fails closed over %s, writing nothing", async (_, flags) => {
    const out = join(f.dir, `without-ca-${flags.length}`);
    const run = await runSidecar(["render", config, "--output-dir", out, ...flags, ...f.connectionArgs(), "--retries", "0"]);
    expect(run.code).toBe(1);
    expect(run.output).toContain("nothing was written");
    expect(existsSync(join(out, "app.yaml"))).toBe(false);
    expectNoValues(run.output, [VALUE]);
  });
});
