/**
 * The README's "Try it" block, run as written (extracted from README.md, so
 * the documented commands cannot drift from the code) by bash, against a test
 * service: only its address and data directory are swapped in. It must leave
 * nothing in the repository, and what its comments promise must be printed.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startTestService, type TestService } from "../support/service.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** The first ```sh block after the "### Try it" heading. */
async function tryItBlock(): Promise<string> {
  const readme = await readFile(join(ROOT, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("### Try it"));
  const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1];
  if (!block) throw new Error("README.md has no ```sh block under ### Try it");
  return block;
}

/** Replaces `from` (which must occur) everywhere. */
function swap(text: string, from: string, to: string): string {
  expect(text, `the README block no longer contains ${from}`).toContain(from);
  return text.replaceAll(from, to);
}

let svc: TestService;
let scratch: string;

beforeAll(async () => {
  svc = await startTestService();
  scratch = await mkdtemp(join(tmpdir(), "readme-walk-through-"));
});

afterAll(async () => {
  await svc?.cleanup();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

it("runs the README's walk-through as written, in a scratch directory", async () => {
  const block = await tryItBlock();
  let script = swap(block, "127.0.0.1:50051", svc.address);
  script = swap(script, '"$repo/data/', `"${svc.dataDir}/`);
  const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
    execFile(
      "bash",
      ["-e", "-c", script],
      // mktemp -d lands under TMPDIR; the CLI's contexts under XDG_CONFIG_HOME; the sidecar, which the
      // README runs with its default address (127.0.0.1:50051), takes the test service's from SECRETS_ADDRESS.
      {
        cwd: ROOT,
        env: {
          PATH: process.env.PATH,
          HOME: scratch,
          TMPDIR: scratch,
          XDG_CONFIG_HOME: join(scratch, "config"),
          SECRETS_ADDRESS: svc.address,
        },
        timeout: 120_000,
      },
      (error, out, err) => resolve({ code: typeof error?.code === "number" ? error.code : error ? -1 : 0, stdout: out, stderr: err }),
    ),
  );
  // The block ends with a delete the service refuses (FAILED_PRECONDITION: exit 6); every command before it succeeded (bash -e).
  expect(code, `${stdout}\n${stderr}`).toBe(6);
  expect(stderr).toContain("referenced by 1 consumer(s): service/app");
  // What the comments say each command prints.
  const comment = (command: string) =>
    new RegExp(`^${command.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\s+# (.*)$`, "m").exec(block)?.[1] ?? "";
  for (const promised of comment("cat rendered/app.yaml").split(" … ")) expect(stdout).toContain(promised);
  expect(comment("secretsctl consumers ORDERS_DB")).toContain("service/app");
  expect(stdout).toContain("service/app");
  // Nothing written into the repository.
  for (const left of ["workload.token", "app.yaml", "rendered"]) expect(existsSync(join(ROOT, left)), left).toBe(false);
});
