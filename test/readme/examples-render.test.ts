/**
 * examples/ can be rendered as the README says: the demo set-up (the build of
 * deploy/demo-setup.ts, the one docker compose runs) creates the secrets the
 * example configs reference and a workload token for them; the sidecar then
 * renders every example config.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect, it } from "vitest";
import { runSidecar } from "../sidecar/support.js";
import { startTestService, type TestService } from "../support/service.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
let svc: TestService;
let dir: string;

beforeAll(async () => {
  svc = await startTestService();
  dir = await mkdtemp(join(tmpdir(), "examples-render-"));
});

afterAll(async () => {
  await svc?.cleanup();
  if (dir) await rm(dir, { recursive: true, force: true });
});

it("renders examples/sidecar/configs after the demo set-up", async () => {
  const tokenFile = join(dir, "examples.token");
  const env = {
    PATH: process.env.PATH,
    SECRETS_ADDRESS: svc.address,
    ADMIN_TOKEN_FILE: join(svc.dataDir, "bootstrap-admin.token"),
    WORKLOAD_TOKEN_FILE: tokenFile,
  };
  await promisify(execFile)(process.execPath, [join(ROOT, "dist/demo-setup.mjs")], { env, timeout: 60_000 });
  const out = join(dir, "rendered");
  const run = await runSidecar([
    "render",
    join(ROOT, "examples/sidecar/configs"),
    "-o",
    out,
    "--address",
    svc.address,
    "--token-file",
    tokenFile,
  ]);
  expect(run.code, run.output).toBe(0);
  const inputs = (await readdir(join(ROOT, "examples/sidecar/configs"), { recursive: true })).filter((f) => /\.ya?ml$/.test(f)).sort();
  const rendered = (await readdir(out, { recursive: true })).filter((f) => /\.ya?ml$/.test(f)).sort();
  expect(rendered).toEqual(inputs);
});
