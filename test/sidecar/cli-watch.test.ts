/**
 * watch mode through the real CLI: a value update re-renders the file and
 * signals the workload; a service restart loses nothing (a change made while
 * the sidecar was disconnected is caught from the new stream's snapshot);
 * SIGTERM ends it cleanly. No value appears in the sidecar's output.
 */
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { SecretType } from "../../gen/secrets/v1/types_pb.js";
import { connectClients, startTestService } from "../support/service.js";
import { expectNoValues, spawnSidecar, startSidecarFixture, token, type SidecarFixture } from "./support.js";

const VALUES = ["watch-value-one-111", "watch-value-two-222", "watch-value-three-333"];
let f: SidecarFixture;
let config: string;

beforeAll(async () => {
  f = await startSidecarFixture([{ name: "ROTATING", type: SecretType.TOKEN, value: token(VALUES[0]!) }], ["ROTATING"]);
  config = join(f.dir, "app.yaml");
  await writeFile(config, "kind: service\nname: watcher\n# rotated by the test\ntoken: $<secret.ROTATING>\n");
});

afterAll(async () => {
  await f?.cleanup();
});

const renderedToken = async (out: string) => {
  try {
    return parse(await readFile(join(out, "app.yaml"), "utf8")).token as string;
  } catch {
    return undefined;
  }
};

describe("watch", () => {
  it("re-renders and signals the workload on a change, survives a restart, and stops on SIGTERM", async () => {
    const out = join(f.dir, "out");
    const port = f.svc.address.split(":")[1]!;
    const run = spawnSidecar([
      "watch", config, "-o", out, ...f.connectionArgs(), "--debounce-ms", "20", "--reload-jitter-ms", "50",
      "--", process.execPath, "-e",
      `process.on("SIGHUP", () => console.log("workload reloaded")); process.on("SIGTERM", () => { console.log("workload stopping"); process.exit(0); }); console.log("workload started"); setInterval(() => {}, 1000);`,
    ]);
    await expect.poll(() => renderedToken(out), { timeout: 20_000 }).toBe(VALUES[0]);
    await expect.poll(() => run.output(), { timeout: 10_000 }).toContain("workload started");

    // A change while connected: re-rendered and the workload told.
    await f.admin.secrets.updateSecretValue({ name: "ROTATING", value: token(VALUES[1]!) });
    await expect.poll(() => renderedToken(out), { timeout: 10_000 }).toBe(VALUES[1]);
    await expect.poll(() => run.output(), { timeout: 10_000 }).toContain("workload reloaded");

    // The service goes away; meanwhile (through another instance on the same data) the value changes.
    await f.svc.stop();
    const elsewhere = await startTestService({ dataDir: f.svc.dataDir });
    await connectClients(elsewhere.address, elsewhere.adminToken).secrets.updateSecretValue({ name: "ROTATING", value: token(VALUES[2]!) });
    await elsewhere.stop();
    expect(await renderedToken(out)).toBe(VALUES[1]); // the last good render stays through the outage
    f.svc = await startTestService({ dataDir: f.svc.dataDir, args: ["--listen", `127.0.0.1:${port}`] });

    await expect.poll(() => renderedToken(out), { timeout: 20_000 }).toBe(VALUES[2]);
    await expect.poll(() => run.output().split("workload reloaded").length - 1, { timeout: 10_000 }).toBe(2);

    run.child.kill("SIGTERM");
    const { code } = await run.exited;
    expect(code).toBe(0);
    expect(run.output()).toContain("workload stopping");
    expectNoValues(run.output(), VALUES);
  });

  it("runs --on-change without a workload and exits cleanly on SIGTERM", async () => {
    const out = join(f.dir, "out-cmd");
    const marker = join(f.dir, "changed.log");
    const run = spawnSidecar(["watch", config, "-o", out, ...f.connectionArgs(), "--debounce-ms", "20", "--on-change", `echo changed >> ${marker}`]);
    const current = (await renderedToken(join(f.dir, "out"))) ?? VALUES[2];
    await expect.poll(() => renderedToken(out), { timeout: 20_000 }).toBe(current);
    await expect.poll(() => run.output(), { timeout: 10_000 }).toContain("watching 1 secret");
    await f.admin.secrets.updateSecretValue({ name: "ROTATING", value: token("watch-value-four-444") });
    await expect.poll(() => readFile(marker, "utf8").catch(() => ""), { timeout: 10_000 }).toBe("changed\n");
    expect(await renderedToken(out)).toBe("watch-value-four-444");
    run.child.kill("SIGTERM");
    expect((await run.exited).code).toBe(0);
    expectNoValues(run.output(), [...VALUES, "watch-value-four-444"]);
  });
});
