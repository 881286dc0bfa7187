/**
 * What the secretsctl suites share: the distinctive values every output is
 * searched for at the end, and a service with a CLI session against it.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";
import { Role } from "../../gen/secrets/v1/types_pb.js";
import { connectClients, startTestService, type ConnectClients, type TestService } from "../support/service.js";
import { cliRunner, type CliRunner } from "./run-secretsctl.js";

// Distinctive values, searched for in every output at the end.
export const TOKEN_VALUE = "tokval-7f3a9c1e-first";
export const TOKEN_VALUE_2 = "tokval-0b44d2aa-second";
export const PASSWORD = "pw-Zq8!x/3:secret";
export const JSON_VALUE = JSON.stringify({ type: "service_account", private_key: "json-pk-91c0ffee" });
export const ALL_VALUES = [TOKEN_VALUE, TOKEN_VALUE_2, PASSWORD, "json-pk-91c0ffee"];

export let svc: TestService;
export let clients: ConnectClients;
export let workDir: string;
export let adminTokenFile: string;
export let cli: CliRunner;
export let workload: ConnectClients;

/** What a workload resolves a reference to: checks what the CLI stored, without printing it. */
export async function resolve(reference: string): Promise<string | undefined> {
  const { values } = await workload.resolver.resolveSecrets({ references: [reference] });
  return values[0]?.value;
}

/**
 * A service, a private config directory with the admin token file, and a CLI
 * runner that keeps every output; with `login`, the context "local" is saved
 * and current before the tests run.
 */
export function useCliSession(options: { login: boolean }): void {
  beforeAll(async () => {
    svc = await startTestService();
    clients = connectClients(svc.address, svc.adminToken);
    workDir = await mkdtemp(join(tmpdir(), "secretsctl-test-"));
    adminTokenFile = join(workDir, "admin.token");
    await writeFile(adminTokenFile, `${svc.adminToken}\n`, { mode: 0o600 });
    cli = cliRunner({ XDG_CONFIG_HOME: join(workDir, "config"), HOME: workDir });
    const { tokenSecret } = await clients.admin.createApiToken({ role: Role.WORKLOAD, allowedSecretPatterns: ["*"] });
    workload = connectClients(svc.address, tokenSecret);
    if (!options.login) return;
    const login = await cli.run(["login", "local", "--address", svc.address, "--token-file", adminTokenFile]);
    if (login.code !== 0) throw new Error(`login failed: ${login.stderr}`);
  });

  afterAll(async () => {
    await svc?.cleanup();
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });
}

export const json = (stdout: string): any => JSON.parse(stdout);
