/**
 * Issue 10, item 11: two sidecars writing one output directory (two watches
 * both re-rendering and both running --on-change) are refused: the first holds
 * a lock in the output directory; the second says so and exits. The lock is
 * held by a live process only: one left by a killed sidecar is taken over.
 */
import { lstat, mkdir, readFile, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SecretType } from "../../gen/secrets/v1/types_pb.js";
import { runSidecar, spawnSidecar, startSidecarFixture, token, type SidecarFixture } from "./support.js";

const LOCK = ".secrets-sidecar.lock";
let f: SidecarFixture;
let config: string;

beforeAll(async () => {
  f = await startSidecarFixture([{ name: "LOCKED", type: SecretType.TOKEN, value: token("lock-test-value-Np4") }], ["LOCKED"]);
  config = join(f.dir, "app.yaml");
  await writeFile(config, "kind: service\nname: locked\ntoken: $<secret.LOCKED>\n");
});

afterAll(async () => {
  await f?.cleanup();
});

const watchArgs = (out: string, ...extra: string[]) => ["watch", config, "-o", out, ...f.connectionArgs(), "--debounce-ms", "20", ...extra];

describe("one sidecar per output directory", () => {
  it("a second watch (and a render) on the same output directory is refused while the first runs; free again after it stops", async () => {
    const out = join(f.dir, "out-shared");
    const first = spawnSidecar(watchArgs(out, "--on-change", `echo first >> ${join(f.dir, "first.log")}`));
    await expect.poll(() => first.output(), { timeout: 20_000 }).toContain("watching 1 secret");
    expect((await lstat(join(out, LOCK))).isSocket()).toBe(true);

    const second = await runSidecar(watchArgs(out, "--on-change", "echo second"));
    expect(second.code, second.output).toBe(1);
    expect(second.output).toMatch(/another secrets-sidecar is using .*out-shared/);
    expect(second.output).toContain(LOCK);

    const render = await runSidecar(["render", config, "-o", out, ...f.connectionArgs()]);
    expect(render.code, render.output).toBe(1);
    expect(render.output).toMatch(/another secrets-sidecar is using/);

    // The first goes on working.
    await f.admin.secrets.updateSecretValue({ name: "LOCKED", value: token("lock-test-value-Np5") });
    await expect.poll(() => readFile(join(f.dir, "first.log"), "utf8").catch(() => ""), { timeout: 15_000 }).toBe("first\n");

    first.child.kill("SIGTERM");
    expect((await first.exited).code).toBe(0);
    const after = await runSidecar(["render", config, "-o", out, ...f.connectionArgs()]);
    expect(after.code, after.output).toBe(0);
  });

  it("a lock left by a killed sidecar is taken over", async () => {
    const out = join(f.dir, "out-killed");
    const killed = spawnSidecar(watchArgs(out));
    await expect.poll(() => killed.output(), { timeout: 20_000 }).toContain("watching 1 secret");
    killed.child.kill("SIGKILL");
    await killed.exited;
    expect((await lstat(join(out, LOCK))).isSocket()).toBe(true); // left behind
    const run = await runSidecar(["render", config, "-o", out, ...f.connectionArgs()]);
    expect(run.code, run.output).toBe(0);
  });

  it("something else planted at the lock's path is refused, not followed or removed", async () => {
    const out = join(f.dir, "out-planted");
    await mkdir(out);
    await symlink(join(f.dir, "elsewhere.sock"), join(out, LOCK));
    const run = await runSidecar(["render", config, "-o", out, ...f.connectionArgs()]);
    expect(run.code, run.output).toBe(1);
    expect(run.output).toMatch(/\.secrets-sidecar\.lock .*not a socket/);
    expect((await lstat(join(out, LOCK))).isSymbolicLink()).toBe(true);
  });

  it("works for an output directory whose path is longer than a socket path may be", async () => {
    const out = join(f.dir, "a-rather-long-directory-name-".repeat(4), "out");
    const run = await runSidecar(["render", config, "-o", out, ...f.connectionArgs()]);
    expect(run.code, run.output).toBe(0);
  });
});
