/**
 * Issue 10, item 8: a fault on this host (a mistyped token file, an empty one,
 * a missing CA file) is reported once, as local, with the flag that fixes it,
 * not once per reference as an error "from the secrets service". A token of a
 * role that may not resolve (admin, viewer) gets a hint that rendering needs a
 * workload token, in render and in plan.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Role, SecretType } from "../../gen/secrets/v1/types_pb.js";
import { runSidecar, startSidecarFixture, token, type SidecarFixture } from "./support.js";

let f: SidecarFixture;
let config: string;

beforeAll(async () => {
  f = await startSidecarFixture(
    [
      { name: "GRAFANA_API_KEY", type: SecretType.TOKEN, value: token("local-faults-value-1") },
      { name: "OTHER", type: SecretType.TOKEN, value: token("local-faults-value-2") },
    ],
    ["GRAFANA_API_KEY", "OTHER"],
  );
  config = join(f.dir, "app.yaml");
  await writeFile(
    config,
    "kind: service\nname: app\na: $<secret.GRAFANA_API_KEY>\nb: $<secret.OTHER>\nc: $<secret.GRAFANA_API_KEY | base64>\n",
  );
});

afterAll(async () => {
  await f?.cleanup();
});

/** The connection flags with the token file (and optionally more) replaced. */
const withTokenFile = (path: string, ...extra: string[]) => [
  ...f.connectionArgs().map((arg) => (arg === f.tokenFile ? path : arg)),
  ...extra,
];

const occurrences = (text: string, part: string) => text.split(part).length - 1;

describe("local faults are reported once, as local, with the flag to fix them", () => {
  it.each([
    [
      "a missing token file",
      () => withTokenFile(join(f.dir, "mistyped.token")),
      /cannot read the token file .*mistyped\.token \(ENOENT: no such file\).*--token-file/,
    ],
    ["an empty token file", () => withTokenFile(join(f.dir, "empty.token")), /the token file .*empty\.token is empty.*--token-file/],
    ["a token file that is a directory", () => withTokenFile(f.dir), /cannot read the token file .* \(EISDIR: .*\).*--token-file/],
    [
      "a missing CA file",
      () => [...f.connectionArgs(), "--ca-file", join(f.dir, "missing-ca.pem")],
      /cannot read the CA file .*missing-ca\.pem \(ENOENT: no such file\).*--ca-file/,
    ],
  ])("%s: render and plan", async (_case, args, message) => {
    await writeFile(join(f.dir, "empty.token"), "\n");
    const render = await runSidecar(["render", config, "-o", join(f.dir, "out"), ...args()]);
    expect(render.code, render.output).toBe(1);
    expect(render.output).toMatch(message);
    expect(occurrences(render.output, "cannot read the") + occurrences(render.output, "is empty")).toBe(1);
    expect(render.output).not.toContain("from the secrets service");
    expect(render.output).not.toMatch(/app\.yaml:\d+:\d+/); // not one line per reference

    const plan = await runSidecar(["plan", config, ...args()]);
    expect(plan.code, plan.output).toBe(1);
    expect(plan.output).toMatch(message);
    expect(plan.output).not.toContain("from the secrets service");
    expect(plan.output).not.toMatch(/app\.yaml:\d+:\d+/);
  });
});

describe("a token of a role that may not resolve", () => {
  it.each([
    ["admin", Role.ADMIN],
    ["viewer", Role.VIEWER],
  ])("%s: render and plan fail with a hint that rendering needs a workload token", async (name, role) => {
    const created = await f.admin.admin.createApiToken({ displayName: `${name} for the sidecar`, role });
    const path = join(f.dir, `${name}.token`);
    await writeFile(path, created.tokenSecret, { mode: 0o600 });
    const render = await runSidecar(["render", config, "-o", join(f.dir, "out"), ...withTokenFile(path)]);
    expect(render.code, render.output).toBe(1);
    expect(occurrences(render.output, "needs a workload token")).toBe(1);
    expect(render.output).toMatch(/hint: rendering needs a workload token \(ROLE_WORKLOAD\)/);

    // WatchSecrets (what plan checks names with) is open to these roles: plan must still say the token cannot render.
    const plan = await runSidecar(["plan", config, ...withTokenFile(path)]);
    expect(plan.code, plan.output).toBe(1);
    expect(plan.stdout).toContain(`plan: this is a ROLE_${name.toUpperCase()} token; rendering needs a workload token (ROLE_WORKLOAD)`);
  });
});
