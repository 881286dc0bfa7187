/**
 * Faults around the service (a child process): a read-only or full data
 * directory, a missing or wrong master key, the store locked by another
 * process. Each must give a clear error at start (non-zero exit, one
 * readable fatal line) or UNAVAILABLE per call, never corruption: the store
 * passes SQLite's integrity checks afterwards, and once the fault is gone
 * the data resolves again.
 */
import Database from "better-sqlite3";
import { Code } from "@connectrpc/connect";
import { execFileSync } from "node:child_process";
import { chmodSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Role, SecretType } from "../../gen/secrets/v1/types_pb.js";
import { GENERATED_MASTER_KEY_FILE } from "../../services/adapters/local-keyring/master-key.js";
import { statusOf } from "../support/call-status.js";
import { connectClients } from "../support/service.js";
import {
  runChildServiceToExit,
  startChildService,
  type ChildExit,
  type ChildService,
  type ChildServiceOptions,
} from "./support/child-service.js";
import { checkStoreIntegrity, storePath } from "./support/store-integrity.js";

const VALUE = "fault-value-kept";
const tally = { cases: 0, refusedAtStart: 0, unavailableCalls: 0, skipped: [] as string[] };

const dirs: string[] = [];
const children: ChildService[] = [];
afterAll(async () => {
  for (const child of children) await child.kill9();
  for (const dir of dirs) {
    try {
      execFileSync("umount", [dir], { stdio: "ignore" });
    } catch {
      // Not a mount point.
    }
    await rm(dir, { recursive: true, force: true });
  }
  console.log(
    `faults: ${tally.cases} fault cases, ${tally.refusedAtStart} refused at start with one fatal line, ${tally.unavailableCalls} calls answered UNAVAILABLE` +
      (tally.skipped.length ? `; skipped: ${tally.skipped.join("; ")}` : ""),
  );
});

async function freshDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "secrets-fault-"));
  dirs.push(dir);
  return dir;
}

async function start(options: ChildServiceOptions): Promise<ChildService> {
  const child = await startChildService(options);
  children.push(child);
  return child;
}

/** Starts on `dataDir`, writes one secret and a workload token, stops; returns the workload token. */
async function seed(options: ChildServiceOptions): Promise<string> {
  const svc = await start(options);
  const admin = connectClients(svc.address, svc.adminToken);
  await admin.secrets.createSecret({ name: "KEPT", type: SecretType.TOKEN, value: { kind: { case: "token", value: VALUE } } });
  const { tokenSecret } = await admin.admin.createApiToken({ displayName: "faults", role: Role.WORKLOAD, allowedSecretPatterns: ["*"] });
  await svc.stop();
  return tokenSecret;
}

/** The service is up on the data directory and KEPT resolves to its value; the store passes its checks. */
async function expectDataIntact(options: ChildServiceOptions, workloadToken: string): Promise<void> {
  const svc = await start(options);
  const [resolved] = (await connectClients(svc.address, workloadToken).resolver.resolveSecrets({ references: ["$<secret.KEPT>"] })).values;
  expect(resolved?.value === VALUE).toBe(true);
  await svc.stop();
  expect(checkStoreIntegrity(options.dataDir)).toEqual({ integrity: "ok", foreignKeyViolations: [] });
}

/** A start refused: non-zero exit and exactly one fatal line, one readable sentence, no stack, no value. */
function expectRefusedAtStart(exit: ChildExit, mentions: RegExp): void {
  const fatal = exit.output
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as { level: number; msg: string })
    .filter((entry) => entry.level >= 60);
  expect(exit.code).not.toBe(0);
  expect(exit.signal).toBeNull();
  expect(fatal).toHaveLength(1);
  expect(fatal[0]!.msg).toMatch(/^cannot start: /);
  expect(fatal[0]!.msg).toMatch(mentions);
  expect(fatal[0]!.msg).not.toMatch(/\n|\s+at .*:\d+:\d+/);
  expect(exit.output).not.toContain(VALUE);
  tally.refusedAtStart++;
}

describe("faults", { timeout: 120_000 }, () => {
  it("a read-only data directory: refused at start, nothing damaged", async () => {
    tally.cases++;
    const dataDir = await freshDir();
    const options = { dataDir };
    const token = await seed(options);

    // Root ignores mode bits, but not the immutable attribute; an unprivileged run uses the mode bits.
    const paths = [dataDir, ...readdirSync(dataDir).map((file) => join(dataDir, file))];
    const readOnly = (on: boolean) => {
      if (process.getuid?.() === 0) for (const path of paths) execFileSync("chattr", [on ? "+i" : "-i", path]);
      else for (const path of paths) chmodSync(path, on ? 0o500 : 0o700);
    };
    readOnly(true);
    try {
      expectRefusedAtStart(await runChildServiceToExit(options), /metadata store|read-only|EACCES|EPERM|permission/i);
    } finally {
      readOnly(false);
    }
    await expectDataIntact(options, token);
  });

  it("a full disk: writes fail with UNAVAILABLE, reads go on, all acknowledged data resolves once space is back", async (context) => {
    tally.cases++;
    const dataDir = await freshDir();
    try {
      execFileSync("mount", ["-t", "tmpfs", "-o", "size=1m,mode=0700", "tmpfs", dataDir], { stdio: "pipe" });
    } catch (error) {
      tally.skipped.push(`full disk (cannot mount a 1 MiB tmpfs: ${String((error as Error).message).split("\n")[0]})`);
      context.skip();
    }
    const options = { dataDir, args: ["--write-rate-limit", "0"] };
    const token = await seed(options);
    const svc = await start(options);
    const admin = connectClients(svc.address, svc.adminToken);
    // Take every byte left.
    const filler = join(dataDir, "filler");
    try {
      writeFileSync(filler, Buffer.alloc(1024 * 1024));
    } catch {
      // ENOSPC: the file holds what fit.
    }
    const statuses = [];
    const acknowledged: string[] = [];
    for (let i = 0; i < 40; i++) {
      const name = `FULL_${i}`;
      const status = await statusOf(
        admin.secrets.createSecret({ name, type: SecretType.TOKEN, value: { kind: { case: "token", value: `${"x".repeat(4000)}${i}` } } }),
      );
      statuses.push(status);
      if (status === "OK") acknowledged.push(name);
    }
    const unavailable = statuses.filter((s) => s === Code.Unavailable).length;
    tally.unavailableCalls += unavailable;
    expect(statuses.filter((s) => s !== "OK" && s !== Code.Unavailable)).toEqual([]);
    expect(unavailable).toBeGreaterThan(0);
    expect(await statusOf(admin.secrets.getSecret({ name: "KEPT" }))).toBe("OK");

    rmSync(filler);
    expect(
      await statusOf(
        admin.secrets.createSecret({ name: "AFTER_FULL", type: SecretType.TOKEN, value: { kind: { case: "token", value: "after" } } }),
      ),
    ).toBe("OK");
    acknowledged.push("AFTER_FULL");
    const names = (await admin.secrets.listSecrets({ pageSize: 1000 })).secrets.map((s) => s.name);
    expect(acknowledged.filter((name) => !names.includes(name))).toEqual([]);
    await svc.stop();
    await expectDataIntact(options, token);
  });

  it("the master key file gone while the keyring exists: refused at start; restoring the key brings the data back", async () => {
    tally.cases++;
    const dataDir = await freshDir();
    const token = await seed({ dataDir });
    const keyFile = join(dataDir, GENERATED_MASTER_KEY_FILE);
    const saved = join(dataDir, "..", `${GENERATED_MASTER_KEY_FILE}.saved-${process.pid}`);
    renameSync(keyFile, saved);
    dirs.push(saved);
    expectRefusedAtStart(await runChildServiceToExit({ dataDir }), /master key/i);
    // A key generated by the refused start must not stand in for the real one.
    rmSync(keyFile, { force: true });
    renameSync(saved, keyFile);
    await expectDataIntact({ dataDir }, token);
  });

  it("SECRETS_MASTER_KEY missing or wrong: refused at start; the right key brings the data back", async () => {
    tally.cases += 2;
    const dataDir = await freshDir();
    const right = { SECRETS_MASTER_KEY: Buffer.alloc(32, 7).toString("base64") };
    const token = await seed({ dataDir, env: right });
    expectRefusedAtStart(
      await runChildServiceToExit({ dataDir, env: { SECRETS_MASTER_KEY: Buffer.alloc(32, 8).toString("base64") } }),
      /master key/i,
    );
    expectRefusedAtStart(await runChildServiceToExit({ dataDir }), /master key/i);
    rmSync(join(dataDir, GENERATED_MASTER_KEY_FILE), { force: true });
    await expectDataIntact({ dataDir, env: right }, token);
  });

  it("the store locked by another process: writes answer UNAVAILABLE, and succeed once the lock is gone", async () => {
    tally.cases++;
    const dataDir = await freshDir();
    const token = await seed({ dataDir, args: ["--write-rate-limit", "0"] });
    const svc = await start({ dataDir, args: ["--write-rate-limit", "0"] });
    const admin = connectClients(svc.address, svc.adminToken);
    const locker = new Database(storePath(dataDir));
    locker.exec("BEGIN EXCLUSIVE");
    try {
      // One call: better-sqlite3 waits out the busy timeout synchronously, holding up the whole process.
      const status = await statusOf(admin.secrets.updateSecretValue({ name: "KEPT", value: { kind: { case: "token", value: "locked" } } }));
      if (status === Code.Unavailable) tally.unavailableCalls++;
      expect(status).toBe(Code.Unavailable);
    } finally {
      locker.exec("ROLLBACK");
      locker.close();
    }
    expect(await statusOf(admin.secrets.updateSecretValue({ name: "KEPT", value: { kind: { case: "token", value: VALUE } } }))).toBe("OK");
    expect((await admin.secrets.getSecret({ name: "KEPT" })).secret?.version).toBe(2n);
    await svc.stop();
    await expectDataIntact({ dataDir }, token);
  });
});
