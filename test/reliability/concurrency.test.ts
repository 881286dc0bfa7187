/**
 * Concurrency: racing writers on one secret, and DeleteSecret racing
 * SetConsumerReferences. The data directory is on a memory-backed volume
 * where one exists: this suite is about ordering, not durability, and
 * fsyncs would only slow the races down.
 * RELIABILITY_HEAVY=1 raises the writers to 300 and the delete races to 5,000.
 */
import { Code } from "@connectrpc/connect";
import { existsSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Role, SecretType } from "../../gen/secrets/v1/types_pb.js";
import { statusOf, type CallStatus } from "../support/call-status.js";
import { connectClients, startTestService, type ConnectClients, type TestService } from "../support/service.js";
import { checkStoreIntegrity, queryStore } from "./support/store-integrity.js";

const HEAVY = process.env.RELIABILITY_HEAVY === "1";
const WRITERS = HEAVY ? 300 : 100;
const DELETE_RACES = HEAVY ? 5000 : 1000;
const RACES_AT_ONCE = 25;

let svc: TestService;
let admin: ConnectClients;
let workload: ConnectClients;

beforeAll(async () => {
  const base = existsSync("/dev/shm") ? "/dev/shm" : tmpdir();
  svc = await startTestService({
    dataDir: await mkdtemp(join(base, "secrets-concurrency-")),
    args: ["--write-rate-limit", "0", "--resolve-rate-limit", "0", "--read-rate-limit", "0", "--log-level", "warn"],
  });
  admin = connectClients(svc.address, svc.adminToken);
  const { tokenSecret } = await admin.admin.createApiToken({ displayName: "races", role: Role.WORKLOAD, allowedSecretPatterns: ["*"] });
  workload = connectClients(svc.address, tokenSecret);
});
afterAll(async () => svc?.cleanup());

const tokenValue = (value: string) => ({ kind: { case: "token" as const, value } });

async function createToken(name: string) {
  await admin.secrets.createSecret({ name, type: SecretType.TOKEN, value: tokenValue(`${name}-initial`) });
}

async function versionsOf(name: string): Promise<number[]> {
  return (await admin.secrets.listSecretVersions({ name, pageSize: 1000 })).versions.map((v) => Number(v.version)).sort((a, b) => a - b);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** Whether the resolved value is the one sent (compared here, so no value reaches a failure message). */
async function resolvesTo(name: string, value: string): Promise<{ version: number; same: boolean }> {
  const [resolved] = (await workload.resolver.resolveSecrets({ references: [`$<secret.${name}>`] })).values;
  return { version: Number(resolved!.version), same: resolved!.value === value };
}

describe(`${WRITERS} concurrent UpdateSecretValue calls on one secret`, () => {
  it("with one expected_version: exactly one wins, the rest are ABORTED", async () => {
    await createToken("CAS_BURST");
    const statuses = await Promise.all(
      range(1, WRITERS).map((i) =>
        statusOf(admin.secrets.updateSecretValue({ name: "CAS_BURST", value: tokenValue(`burst-${i}`), expectedVersion: 1n })),
      ),
    );
    const winners = statuses.flatMap((status, i) => (status === "OK" ? [i + 1] : []));
    const others = new Set(statuses.filter((status) => status !== "OK"));
    console.log(
      `concurrency: check-and-set burst: ${WRITERS} writers at expected_version 1, ${winners.length} succeeded, ${WRITERS - winners.length} ABORTED`,
    );
    expect(winners).toHaveLength(1);
    expect([...others]).toEqual([Code.Aborted]);
    expect(await versionsOf("CAS_BURST")).toEqual([1, 2]);
    expect(await resolvesTo("CAS_BURST", `burst-${winners[0]}`)).toEqual({ version: 2, same: true });
  });

  it("with check-and-set and retries: every writer lands once, versions strictly sequential, no lost update", {
    timeout: 120_000,
  }, async () => {
    await createToken("CAS_RETRY");
    let aborted = 0;
    let unexpected: CallStatus[] = [];
    const landed = await Promise.all(
      range(1, WRITERS).map(async (i) => {
        for (;;) {
          const current = (await admin.secrets.getSecret({ name: "CAS_RETRY" })).secret!.version;
          try {
            const { secret } = await admin.secrets.updateSecretValue({
              name: "CAS_RETRY",
              value: tokenValue(`retry-${i}`),
              expectedVersion: current,
            });
            // A check-and-set write lands exactly on the version after the one it expected.
            return { writer: i, expected: Number(current), version: Number(secret!.version) };
          } catch (error) {
            const status = await statusOf(Promise.reject(error));
            if (status !== Code.Aborted) {
              unexpected = [...unexpected, status];
              throw error;
            }
            aborted++;
            // Jittered backoff, as a real client would: without it every loser retries in lockstep.
            await sleep(Math.random() * 5 * Math.min(aborted, 10));
          }
        }
      }),
    );
    console.log(
      `concurrency: check-and-set with retry: ${WRITERS} writers, ${WRITERS} successes after ${aborted} ABORTED attempts, ${unexpected.length} other failures`,
    );
    expect(landed.filter((w) => w.version !== w.expected + 1)).toEqual([]);
    expect(landed.map((w) => w.version).sort((a, b) => a - b)).toEqual(range(2, WRITERS + 1));
    expect(await versionsOf("CAS_RETRY")).toEqual(range(1, WRITERS + 1));
    const last = landed.find((w) => w.version === WRITERS + 1)!;
    expect(await resolvesTo("CAS_RETRY", `retry-${last.writer}`)).toEqual({ version: WRITERS + 1, same: true });
  });

  it("without expected_version: every write becomes its own version, 2..N+1", { timeout: 120_000 }, async () => {
    await createToken("NO_CAS");
    const outcomes = await Promise.all(
      range(1, WRITERS).map(async (i) => {
        try {
          const { secret } = await admin.secrets.updateSecretValue({ name: "NO_CAS", value: tokenValue(`plain-${i}`) });
          return { writer: i, version: Number(secret!.version), status: "OK" as CallStatus };
        } catch (error) {
          return { writer: i, version: 0, status: await statusOf(Promise.reject(error)) };
        }
      }),
    );
    const failed = outcomes.filter((o) => o.status !== "OK");
    console.log(
      `concurrency: no check-and-set: ${WRITERS} writers, ${WRITERS - failed.length} succeeded, ${failed.length} failed (${[...new Set(failed.map((f) => Code[f.status as Code]))].join(", ") || "none"})`,
    );
    expect(failed.map((f) => f.status)).toEqual([]);
    expect(outcomes.map((o) => o.version).sort((a, b) => a - b)).toEqual(range(2, WRITERS + 1));
    expect(await versionsOf("NO_CAS")).toEqual(range(1, WRITERS + 1));
    const last = outcomes.find((o) => o.version === WRITERS + 1)!;
    expect(await resolvesTo("NO_CAS", `plain-${last.writer}`)).toEqual({ version: WRITERS + 1, same: true });
  });
});

describe(`${DELETE_RACES} rounds of DeleteSecret racing SetConsumerReferences`, () => {
  it("never leaves a consumer referencing a deleted secret", { timeout: HEAVY ? 900_000 : 180_000 }, async () => {
    const tally = { deleted: 0, referenced: 0, both: 0, neither: 0 };
    const problems: string[] = [];
    const statusCounts = new Map<string, number>();
    const count = (what: string) => statusCounts.set(what, (statusCounts.get(what) ?? 0) + 1);

    async function race(round: number) {
      const name = `RACE_${round}`;
      const consumerId = `svc/race-${round}`;
      await createToken(name);
      // A small random head start for either side, so that each wins some of the races.
      const delete_ = Math.random() * 3;
      const [deleted, referenced] = await Promise.all([
        sleep(delete_).then(() => statusOf(admin.secrets.deleteSecret({ name }))),
        sleep(3 - delete_).then(() => statusOf(workload.resolver.setConsumerReferences({ consumerId, references: [`$<secret.${name}>`] }))),
      ]);
      count(`delete ${deleted === "OK" ? "OK" : Code[deleted]}`);
      count(`set ${referenced === "OK" ? "OK" : Code[referenced]}`);
      if (deleted === "OK" && referenced === "OK") tally.both++;
      else if (deleted === "OK") tally.deleted++;
      else if (referenced === "OK") tally.referenced++;
      else tally.neither++;

      // What the API says afterwards.
      const exists = (await statusOf(admin.secrets.getSecret({ name }))) === "OK";
      if (deleted === "OK" && exists) problems.push(`${name}: delete acknowledged but the secret is still there`);
      if (exists) {
        const consumers = (await admin.secrets.listSecretConsumers({ name })).consumers.map((c) => c.id);
        const expected = referenced === "OK" ? [consumerId] : [];
        if (consumers.join() !== expected.join()) problems.push(`${name}: consumers [${consumers.join()}], expected [${expected.join()}]`);
      } else if (referenced === "OK") {
        problems.push(`${name}: SetConsumerReferences acknowledged, yet the secret it references is gone`);
      }
    }

    for (let start = 1; start <= DELETE_RACES; start += RACES_AT_ONCE)
      await Promise.all(range(start, Math.min(start + RACES_AT_ONCE - 1, DELETE_RACES)).map(race));

    // What the file says: no reference row without its secret.
    const dangling = queryStore<{ consumer_id: string; name_key: string }>(
      svc.dataDir,
      `SELECT r.consumer_id, r.name_key FROM consumer_references r
        WHERE NOT EXISTS (SELECT 1 FROM secrets s WHERE s.tenant_id = r.tenant_id AND s.name_key = r.name_key)`,
    );
    const integrity = checkStoreIntegrity(svc.dataDir);
    console.log(
      `concurrency: ${DELETE_RACES} delete/reference races: ${tally.deleted} delete won, ${tally.referenced} reference won, ${tally.both} both succeeded, ` +
        `${tally.neither} neither; statuses ${[...statusCounts].map(([k, v]) => `${k}=${v}`).join(" ")}; ${dangling.length} dangling references in the file, ${problems.length} problems`,
    );
    expect(problems).toEqual([]);
    expect(tally.both).toBe(0);
    expect(dangling).toEqual([]);
    expect(integrity).toEqual({ integrity: "ok", foreignKeyViolations: [] });
    // Both sides must actually win sometimes, or the race was not a race.
    expect(tally.deleted).toBeGreaterThan(0);
    expect(tally.referenced).toBeGreaterThan(0);
  });
});
