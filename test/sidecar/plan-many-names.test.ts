/**
 * Plan on a config with more distinct references than the service lets one
 * token open WatchSecrets streams per second (10 by default) or hold open at
 * once (32): every reference still gets its own verdict — ok, missing, or not
 * granted — and never a rate-limit refusal.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { SecretType } from "../../gen/secrets/v1/types_pb.js";
import { runSidecar, startSidecarFixture, token, type SidecarFixture } from "./support.js";

const GRANTED = Array.from({ length: 40 }, (_, i) => `APP_${String(i).padStart(2, "0")}`);
const UNGRANTED = ["OTHER_A", "OTHER_B", "OTHER_C"];

let f: SidecarFixture;

beforeAll(async () => {
  f = await startSidecarFixture(
    [...GRANTED, ...UNGRANTED].map((name) => ({ name, type: SecretType.TOKEN, value: token(`value-of-${name}`) })),
    ["APP_*"],
  );
});
afterAll(() => f?.cleanup());

it("gives each of 45 distinct references its own verdict under the default stream limits", async () => {
  const names = [...GRANTED, "APP_MISSING", ...UNGRANTED, "OTHER_MISSING"];
  const file = join(f.dir, "many.yaml");
  await writeFile(file, names.map((name, i) => `key_${i}: $<secret.${name}>\n`).join(""));

  const plan = await runSidecar(["plan", file, ...f.connectionArgs()]);

  expect(plan.code, plan.output).toBe(1);
  expect(plan.output).not.toMatch(/ResourceExhausted|rate limit/);
  for (const name of GRANTED) expect(plan.stdout).toContain(`$<secret.${name}> — ok (version 1, active, granted)`);
  expect(plan.stdout).toContain("$<secret.APP_MISSING> — no such secret");
  for (const name of [...UNGRANTED, "OTHER_MISSING"]) expect(plan.stdout).toMatch(new RegExp(`\\$<secret\\.${name}> — not granted`));
  expect(plan.output).not.toContain("value-of-");
});
