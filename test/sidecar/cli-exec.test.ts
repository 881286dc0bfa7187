/**
 * exec mode through the real CLI: the workload runs with the rendered paths
 * (and opted-in env values), its exit status and the signals pass through,
 * and --mask-output hides values in its output, also when split across writes.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SecretType } from "../../gen/secrets/v1/types_pb.js";
import { expectNoValues, runSidecar, spawnSidecar, startSidecarFixture, token, type SidecarFixture } from "./support.js";

const VALUE = "exec-secret-value-7f3a";
let f: SidecarFixture;
let config: string;

beforeAll(async () => {
  f = await startSidecarFixture([{ name: "APP_TOKEN", type: SecretType.TOKEN, value: token(VALUE) }], ["APP_TOKEN"]);
  config = join(f.dir, "app.yaml");
  await writeFile(config, "kind: service\nname: exec-app\ntoken: $<secret.APP_TOKEN>\n");
});

afterAll(async () => {
  await f?.cleanup();
});

const execArgs = (...extra: string[]) => ["exec", config, "-o", join(f.dir, "out"), ...f.connectionArgs(), ...extra];

/** A workload written inline: node -e SCRIPT. */
const workload = (script: string) => ["--", process.execPath, "-e", script];

describe("exec", () => {
  it("returns the workload's exit status; the workload finds the rendered file and opted-in env values", async () => {
    const run = await runSidecar(
      execArgs(
        "--env",
        "APP_TOKEN_ENV=$<secret.APP_TOKEN>",
        ...workload(`
          const fs = require("node:fs");
          const text = fs.readFileSync(process.env.SECRETS_SIDECAR_FILES, "utf8");
          const ok = text.includes(process.env.APP_TOKEN_ENV) && process.env.APP_TOKEN_ENV.length > 10;
          process.exit(ok ? 7 : 1);`),
      ),
    );
    expect(run.code, run.output).toBe(7);
    expectNoValues(run.output, [VALUE]);
  });

  it("does not start the workload when the render fails", async () => {
    const bad = join(f.dir, "bad.yaml");
    await writeFile(bad, "token: $<secret.MISSING>\n");
    const run = await runSidecar([
      "exec",
      bad,
      "-o",
      join(f.dir, "out-bad"),
      ...f.connectionArgs(),
      ...workload("console.log('workload-ran')"),
    ]);
    expect(run.code).toBe(1);
    expect(run.output).not.toContain("workload-ran");
    expect(run.output).toMatch(/bad\.yaml:1:8 \$<secret\.MISSING> — /);
  });

  it("forwards SIGTERM to the workload and returns its status", async () => {
    const run = spawnSidecar(
      execArgs(
        ...workload(`
      process.on("SIGTERM", () => { console.log("got SIGTERM"); process.exit(42); });
      console.log("ready"); setInterval(() => {}, 1000);`),
      ),
    );
    await expect.poll(() => run.output(), { timeout: 15_000 }).toContain("ready");
    run.child.kill("SIGTERM");
    const { code } = await run.exited;
    expect(code).toBe(42);
    expect(run.output()).toContain("got SIGTERM");
  });

  it("reports 128 + signal when a signal ends the workload", async () => {
    const run = spawnSidecar(execArgs(...workload(`console.log("ready"); setInterval(() => {}, 1000);`)));
    await expect.poll(() => run.output(), { timeout: 15_000 }).toContain("ready");
    run.child.kill("SIGINT");
    expect((await run.exited).code).toBe(130);
  });

  it("--mask-output hides the value, its encodings, and a value split across two writes", async () => {
    const run = await runSidecar(
      execArgs(
        "--mask-output",
        ...workload(`
          const fs = require("node:fs");
          const value = fs.readFileSync(process.env.SECRETS_SIDECAR_FILES, "utf8").match(/token: (.*)/)[1];
          console.log("plain=" + value);
          console.error("b64=" + Buffer.from(value).toString("base64"));
          console.log("url=" + encodeURIComponent(value) + " json=" + JSON.stringify({ value }));
          process.stdout.write("split=" + value.slice(0, 9));
          setTimeout(() => { process.stdout.write(value.slice(9) + " end\\n"); }, 30);`),
      ),
    );
    expect(run.code, run.output).toBe(0);
    expectNoValues(run.output, [VALUE]);
    expect(run.output).toContain("plain=[[SENSITIVE]]");
    expect(run.output).toContain("b64=[[SENSITIVE]]");
    expect(run.output).toContain("url=[[SENSITIVE]]");
    expect(run.output).toContain('json={"value":"[[SENSITIVE]]"}');
    expect(run.stdout).toContain("split=[[SENSITIVE]] end");
  });
});
