/**
 * Test support for the sidecar: a real service on loopback with secrets and a
 * workload token (in a 0600 file), and the real CLI run as a child process
 * (`node bin/secrets-sidecar.js`) with its whole output captured, so tests
 * can check that no value ever appears in it.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "vitest";
import type { MessageInitShape } from "@bufbuild/protobuf";
import { Role, SecretType, type SecretValueSchema } from "../../gen/secrets/v1/types_pb.js";
import { connectClients, startTestService, type ConnectClients, type TestService } from "../support/service.js";

export type ValueInit = MessageInitShape<typeof SecretValueSchema>;

export const token = (t: string): ValueInit => ({ kind: { case: "token", value: t } });
export const userPass = (username: string, password: string): ValueInit => ({
  kind: { case: "usernamePassword", value: { username, password } },
});
export const json = (object: object): ValueInit => ({ kind: { case: "json", value: JSON.stringify(object) } });

export interface SecretSeed {
  name: string;
  type: SecretType;
  value: ValueInit;
}

export interface SidecarFixture {
  svc: TestService;
  admin: ConnectClients;
  /** Scratch directory: configs, output, the token file. */
  dir: string;
  tokenFile: string;
  /** The flags every sidecar run needs to reach the service. */
  connectionArgs(): string[];
  cleanup(): Promise<void>;
}

export async function startSidecarFixture(
  seeds: SecretSeed[],
  allowedPatterns: string[],
  /** For a TLS service: its flags, and the CA the fixture's own client trusts. */
  tls?: { serviceArgs: string[]; ca: Buffer },
): Promise<SidecarFixture> {
  const svc = await startTestService({ args: tls?.serviceArgs ?? [] });
  const admin = connectClients(svc.address, svc.adminToken, tls);
  for (const seed of seeds) await admin.secrets.createSecret(seed);
  const created = await admin.admin.createApiToken({
    displayName: "sidecar test",
    role: Role.WORKLOAD,
    allowedSecretPatterns: allowedPatterns,
  });
  const dir = await mkdtemp(join(tmpdir(), "sidecar-test-"));
  const tokenFile = join(dir, "token");
  await writeFile(tokenFile, `${created.tokenSecret}\n`, { mode: 0o600 });
  const fixture: SidecarFixture = {
    svc,
    admin,
    dir,
    tokenFile,
    connectionArgs: () => [
      "--address",
      fixture.svc.address,
      "--token-file",
      tokenFile,
      "--retries",
      "2",
      "--backoff-base-ms",
      "50",
      "--backoff-cap-ms",
      "400",
    ],
    async cleanup() {
      await fixture.svc.cleanup();
      await rm(dir, { recursive: true, force: true });
    },
  };
  return fixture;
}

const BIN = join(import.meta.dirname, "../../bin/secrets-sidecar.js");

export interface SidecarProcess {
  child: ChildProcess;
  /** stdout and stderr so far, interleaved. */
  output(): string;
  stdout(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function spawnSidecar(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): SidecarProcess {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let all = "";
  let out = "";
  child.stdout!.on("data", (chunk: Buffer) => {
    all += chunk.toString();
    out += chunk.toString();
  });
  child.stderr!.on("data", (chunk: Buffer) => (all += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("close", (code, signal) => resolve({ code, signal })),
  );
  return { child, output: () => all, stdout: () => out, exited };
}

/** Runs the CLI to its end. */
export async function runSidecar(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  const run = spawnSidecar(args, options);
  const { code, signal } = await run.exited;
  return { code, signal, output: run.output(), stdout: run.stdout() };
}

/** No value, nor any of its common encodings, appears in `output`. */
export function expectNoValues(output: string, values: readonly string[]): void {
  for (const value of values) {
    expect(output).not.toContain(value);
    expect(output).not.toContain(Buffer.from(value).toString("base64"));
    expect(output).not.toContain(encodeURIComponent(value));
  }
}
