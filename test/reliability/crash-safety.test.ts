/**
 * Crash safety: the service (a child process) is killed with SIGKILL at a
 * random moment while concurrent CreateSecret and UpdateSecretValue calls
 * run; after every restart on the same data directory, each acknowledged
 * write is there and resolves to its value, nothing unacknowledged is
 * half-present, and SQLite's own integrity checks pass.
 *
 * Each secret is written by one worker at a time, so after a crash its
 * version is either the last acknowledged one or one more (the in-flight
 * write committed but its answer was lost), and the value resolved is
 * exactly the one acknowledged or the one in flight.
 *
 * Problems are collected as text naming secrets and versions, never values.
 * RELIABILITY_HEAVY=1 runs 100 rounds with more workers.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Role, SecretType } from "../../gen/secrets/v1/types_pb.js";
import { connectClients, type ConnectClients } from "../support/service.js";
import { startChildService, type ChildService } from "./support/child-service.js";
import { checkStoreIntegrity, queryStore } from "./support/store-integrity.js";

const HEAVY = process.env.RELIABILITY_HEAVY === "1";
const ROUNDS = HEAVY ? 100 : 20;
const WORKERS = HEAVY ? 16 : 8;
// Every rate limit off: this checks durability, and its verify pass reads every secret back at once.
const UNLIMITED = ["--write-rate-limit", "0", "--resolve-rate-limit", "0", "--read-rate-limit", "0", "--stream-rate-limit", "0"];
const RESOLVE_BATCH = 50;

/** What the test knows of one secret: its last acknowledged (or verified) version and value. */
interface Known {
  version: number;
  value: string;
}

/** A write whose answer has not arrived (or never will). */
interface InFlight {
  version: number;
  value: string;
}

const known = new Map<string, Known>();
const inFlight = new Map<string, InFlight>();
let valueCounter = 0;
const freshValue = (name: string) => `crash-${name}-${++valueCounter}-${Math.random().toString(36).slice(2)}`;

let dataDir: string;
let running: ChildService | undefined;
afterAll(async () => {
  await running?.kill9();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

const tokenValue = (value: string) => ({ kind: { case: "token" as const, value } });

/** One worker: creates its own secrets and updates the ones it owns, one call at a time, until the server dies. */
async function worker(clients: ConnectClients, round: number, index: number, owned: string[], counts: { acked: number; lost: number }) {
  for (let n = 0; ; n++) {
    const create = owned.length === 0 || Math.random() < 0.35;
    const name = create ? `R${round}_W${index}_${n}` : owned[Math.floor(Math.random() * owned.length)]!;
    const value = freshValue(name);
    const version = create ? 1 : known.get(name)!.version + 1;
    inFlight.set(name, { version, value });
    try {
      const response = create
        ? await clients.secrets.createSecret({ name, type: SecretType.TOKEN, value: tokenValue(value) })
        : await clients.secrets.updateSecretValue({ name, value: tokenValue(value) });
      inFlight.delete(name);
      if (Number(response.secret!.version) !== version)
        throw new Error(`${name}: acknowledged version ${response.secret!.version}, expected ${version}`);
      known.set(name, { version, value });
      if (create) owned.push(name);
      counts.acked++;
    } catch (error) {
      if (error instanceof Error && error.message.includes("acknowledged version")) throw error;
      counts.lost++;
      return; // The server is gone; this write stays in flight.
    }
  }
}

/** Compares the restarted service with what was acknowledged and in flight; returns problems (names and versions only). */
async function verify(clients: ConnectClients, workloadToken: string, address: string): Promise<string[]> {
  const problems: string[] = [];
  const listed = new Set<string>();
  let pageToken = "";
  do {
    const page = await clients.secrets.listSecrets({ pageSize: 1000, pageToken, includeArchived: true });
    for (const secret of page.secrets) listed.add(secret.name);
    pageToken = page.nextPageToken;
  } while (pageToken !== "");

  const expectedNames = new Set([...known.keys(), ...inFlight.keys()]);
  for (const name of listed) if (!expectedNames.has(name)) problems.push(`${name}: present but never written`);

  const workload = connectClients(address, workloadToken);
  const present = [...expectedNames].filter((name) => listed.has(name));
  for (const name of expectedNames)
    if (!listed.has(name) && known.has(name)) problems.push(`${name}: acknowledged at version ${known.get(name)!.version} but missing`);

  for (let i = 0; i < present.length; i += RESOLVE_BATCH) {
    const batch = present.slice(i, i + RESOLVE_BATCH);
    const resolved = await workload.resolver.resolveSecrets({ references: batch.map((name) => `$<secret.${name}>`) });
    batch.forEach((name, j) => {
      const got = resolved.values[j]!;
      const version = Number(got.version);
      const acked = known.get(name);
      const pending = inFlight.get(name);
      if (acked && version === acked.version) {
        if (got.value !== acked.value) problems.push(`${name}: version ${version} resolves to a value other than the acknowledged one`);
      } else if (pending && version === pending.version) {
        if (got.value !== pending.value) problems.push(`${name}: in-flight version ${version} resolves to a value other than the one sent`);
      } else {
        problems.push(`${name}: at version ${version}; acknowledged ${acked?.version ?? "none"}, in flight ${pending?.version ?? "none"}`);
      }
      // From now on the state found is the known state.
      known.set(name, { version, value: got.value });
    });
  }
  for (const name of present) {
    const versions = (await clients.secrets.listSecretVersions({ name, pageSize: 1000 })).versions
      .map((v) => Number(v.version))
      .sort((a, b) => a - b);
    const expected = Array.from({ length: known.get(name)!.version }, (_, k) => k + 1);
    if (versions.join(",") !== expected.join(","))
      problems.push(`${name}: versions [${versions.join(",")}] are not 1..${known.get(name)!.version}`);
  }
  for (const name of expectedNames) if (!listed.has(name)) known.delete(name);
  inFlight.clear();
  return problems;
}

/** The same rule, read straight from the file: every secret row has versions 1..version, the newest with a ciphertext. */
function halfWrittenInFile(dir: string): string[] {
  return queryStore<{ name: string; version: number; n: number; lo: number | null; hi: number | null; sealed: number }>(
    dir,
    `SELECT s.name, s.version, count(v.version) AS n, min(v.version) AS lo, max(v.version) AS hi,
            sum(v.version = s.version AND v.ciphertext IS NOT NULL) AS sealed
       FROM secrets s LEFT JOIN secret_versions v ON v.tenant_id = s.tenant_id AND v.secret_id = s.id
      GROUP BY s.tenant_id, s.id`,
  )
    .filter((row) => row.n !== row.version || row.lo !== 1 || row.hi !== row.version || row.sealed !== 1)
    .map(
      (row) =>
        `${row.name}: row at version ${row.version} with ${row.n} version rows (${row.lo}..${row.hi}), newest sealed: ${row.sealed === 1}`,
    );
}

describe("crash safety under kill -9", () => {
  it(`keeps every acknowledged write through ${ROUNDS} crashes during concurrent creates and updates`, {
    timeout: HEAVY ? 900_000 : 300_000,
  }, async () => {
    dataDir = await mkdtemp(join(tmpdir(), "secrets-crash-"));
    running = await startChildService({ dataDir, args: UNLIMITED });
    const setup = connectClients(running.address, running.adminToken);
    const { tokenSecret: workloadToken } = await setup.admin.createApiToken({
      displayName: "crash-workload",
      role: Role.WORKLOAD,
      allowedSecretPatterns: ["*"],
    });
    const adminToken = running.adminToken;

    const totals = { acked: 0, lost: 0, committedUnacked: 0, problems: 0 };
    const allProblems: string[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const clients = connectClients(running.address, adminToken);
      const owners: string[][] = Array.from({ length: WORKERS }, () => []);
      [...known.keys()].forEach((name, i) => {
        owners[i % WORKERS]!.push(name);
      });
      const counts = { acked: 0, lost: 0 };
      const workers = owners.map((owned, index) => worker(clients, round, index, owned, counts));
      // A random moment: sometimes almost at once, sometimes after hundreds of writes.
      await new Promise((resolve) => setTimeout(resolve, 20 + Math.random() * 400));
      await running.kill9();
      await Promise.all(workers);
      totals.acked += counts.acked;
      totals.lost += counts.lost;

      const integrity = checkStoreIntegrity(dataDir);
      if (integrity.integrity !== "ok") allProblems.push(`round ${round}: integrity_check: ${integrity.integrity}`);
      if (integrity.foreignKeyViolations.length > 0)
        allProblems.push(`round ${round}: ${integrity.foreignKeyViolations.length} foreign key violations`);
      allProblems.push(...halfWrittenInFile(dataDir).map((p) => `round ${round}: ${p}`));

      const pendingBefore = [...inFlight.entries()];
      running = await startChildService({ dataDir, args: UNLIMITED });
      const problems = await verify(connectClients(running.address, adminToken), workloadToken, running.address);
      totals.committedUnacked += pendingBefore.filter(([name, pending]) => known.get(name)?.version === pending.version).length;
      allProblems.push(...problems.map((p) => `round ${round}: ${p}`));
    }
    await running.stop();
    running = undefined;
    totals.problems = allProblems.length;
    console.log(
      `crash safety: ${ROUNDS} kill -9 rounds, ${WORKERS} writers, ${totals.acked} acknowledged writes, ${totals.lost} calls cut off ` +
        `(${totals.committedUnacked} of them committed before the crash), ${known.size} secrets at the end, ${totals.problems} problems`,
    );
    expect(allProblems).toEqual([]);
    expect(totals.acked).toBeGreaterThan(ROUNDS);
  });
});
