/**
 * `secretsctl import FILE`: the console's bulk import from the command line.
 * Invalid lines are named by line and stop the import unless skipped; the
 * plan says create or rotate; the result is one row per secret; no value is
 * ever printed.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Role, SecretType } from "../../gen/secrets/v1/types_pb.js";
import { connectClients, startTestService, type ConnectClients, type TestService } from "../support/service.js";
import { cliRunner, type CliRunner } from "./run-secretsctl.js";

let svc: TestService;
let admin: ConnectClients;
let workDir: string;
let cli: CliRunner;

beforeAll(async () => {
  svc = await startTestService();
  admin = connectClients(svc.address, svc.adminToken);
  workDir = await mkdtemp(join(tmpdir(), "secretsctl-import-"));
  const tokenFile = join(workDir, "admin.token");
  await writeFile(tokenFile, svc.adminToken, { mode: 0o600 });
  cli = cliRunner({ XDG_CONFIG_HOME: join(workDir, "config"), HOME: workDir, SECRETS_ADDR: svc.address, SECRETS_TOKEN_FILE: tokenFile });
});

afterAll(async () => {
  await svc?.cleanup();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

const VALUES = ["imp-a-71c3", "imp b 0d9e # not a comment inside quotes", "imp-rot-55aa", "imp-bad-e1e1"];

describe("secretsctl import", () => {
  it("refuses a file with invalid names, naming each line, and imports nothing", async () => {
    const file = join(workDir, "bad.env");
    await writeFile(file, `GOOD_ONE=${VALUES[3]}\n9BAD=${VALUES[3]}\n`);
    const result = await cli.run(["import", file]);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain("line 2 (9BAD): name must start with a letter or '_'");
    await expect(admin.secrets.getSecret({ name: "GOOD_ONE" })).rejects.toThrow();
  });

  it("plans and then creates new names and rotates existing Token secrets, one result per row", async () => {
    await admin.secrets.createSecret({
      name: "IMP_ROTATE",
      type: SecretType.TOKEN,
      value: { kind: { case: "token", value: "old-value" } },
    });
    const file = join(workDir, "good.env");
    await writeFile(file, `# comment\nexport IMP_A=${VALUES[0]}\nIMP_B="${VALUES[1]}"\nIMP_ROTATE=${VALUES[2]}\n`);
    const plan = await cli.run(["-o", "json", "import", file, "--dry-run"]);
    expect(plan.code).toBe(0);
    expect(JSON.parse(plan.stdout)).toEqual([
      { name: "IMP_A", line: 2, action: "create" },
      { name: "IMP_B", line: 3, action: "create" },
      { name: "IMP_ROTATE", line: 4, action: "rotate" },
    ]);
    const applied = await cli.run(["import", file]);
    expect(applied.code).toBe(0);
    expect(applied.stdout).toMatch(/IMP_ROTATE\s+rotate\s+ok, version 2/);

    const { tokenSecret } = await admin.admin.createApiToken({ role: Role.WORKLOAD, allowedSecretPatterns: ["IMP_*"] });
    const { values } = await connectClients(svc.address, tokenSecret).resolver.resolveSecrets({
      references: ["$<secret.IMP_A>", "$<secret.IMP_B>", "$<secret.IMP_ROTATE>"],
    });
    expect(values.map((v) => v.value)).toEqual(VALUES.slice(0, 3));
    for (const value of VALUES) expect(cli.allOutput()).not.toContain(value);
  });
});
