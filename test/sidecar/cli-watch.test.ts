/**
 * watch mode through the real CLI: a value update re-renders the file and
 * signals the workload; a service restart loses nothing (a change made while
 * the sidecar was disconnected is caught from the new stream's snapshot);
 * SIGTERM ends it cleanly; an edited config is re-rendered and its new
 * references watched. The outage and the recovery are both logged. No value
 * appears in the sidecar's output.
 */
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { SecretType } from "../../gen/secrets/v1/types_pb.js";
import { connectClients, startTestService } from "../support/service.js";
import { expectNoValues, spawnSidecar, startSidecarFixture, token, type SidecarFixture } from "./support.js";

const VALUES = ["watch-value-one-111", "watch-value-two-222", "watch-value-three-333"];
let f: SidecarFixture;
let config: string;

const ADDED_VALUE = "watch-added-value-555";

beforeAll(async () => {
  f = await startSidecarFixture(
    [
      { name: "ROTATING", type: SecretType.TOKEN, value: token(VALUES[0]!) },
      { name: "ADDED_LATER", type: SecretType.TOKEN, value: token(ADDED_VALUE) },
    ],
    ["ROTATING", "ADDED_LATER"],
  );
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
      "watch",
      config,
      "-o",
      out,
      ...f.connectionArgs(),
      "--debounce-ms",
      "20",
      "--reload-jitter-ms",
      "50",
      "--",
      process.execPath,
      "-e",
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
    // The outage is logged, and so is its end.
    expect(run.output()).toMatch(/watch interrupted .*; re-subscribing/);
    expect(run.output()).toMatch(/watch resumed: connected to the secrets service again after \d+(\.\d+)? s/);

    run.child.kill("SIGTERM");
    const { code } = await run.exited;
    expect(code).toBe(0);
    expect(run.output()).toContain("workload stopping");
    expectNoValues(run.output(), VALUES);
  });

  it("runs --on-change without a workload and exits cleanly on SIGTERM", async () => {
    const out = join(f.dir, "out-cmd");
    const marker = join(f.dir, "changed.log");
    const run = spawnSidecar([
      "watch",
      config,
      "-o",
      out,
      ...f.connectionArgs(),
      "--debounce-ms",
      "20",
      "--on-change",
      `echo changed >> ${marker}`,
    ]);
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

  it("re-renders an edited config, registering and watching the secrets it now references", async () => {
    const dir = join(f.dir, "edited");
    await mkdir(dir);
    const edited = join(dir, "app.yaml");
    await writeFile(edited, "kind: service\nname: edited\nplain: nothing to resolve yet\n");
    const out = join(f.dir, "out-edited");
    const run = spawnSidecar(["watch", edited, "-o", out, ...f.connectionArgs(), "--debounce-ms", "20"]);
    await expect.poll(() => readFile(join(out, "app.yaml"), "utf8").catch(() => ""), { timeout: 20_000 }).toContain("nothing to resolve");

    // As an editor or a ConfigMap update does: a new file renamed over the old one.
    await writeFile(`${edited}.new`, "kind: service\nname: edited\nadded: $<secret.ADDED_LATER>\n");
    await rename(`${edited}.new`, edited);
    await expect.poll(async () => parse(await readFile(join(out, "app.yaml"), "utf8")).added, { timeout: 10_000 }).toBe(ADDED_VALUE);
    const consumers = await f.admin.secrets.listSecretConsumers({ name: "ADDED_LATER" });
    expect(consumers.consumers.map((c) => c.id)).toEqual(["service/edited"]);

    // Its new secret is watched now.
    await f.admin.secrets.updateSecretValue({ name: "ADDED_LATER", value: token("watch-added-value-666") });
    await expect
      .poll(async () => parse(await readFile(join(out, "app.yaml"), "utf8")).added, { timeout: 10_000 })
      .toBe("watch-added-value-666");
    run.child.kill("SIGTERM");
    expect((await run.exited).code).toBe(0);
    expectNoValues(run.output(), [ADDED_VALUE, "watch-added-value-666"]);
  });
});
