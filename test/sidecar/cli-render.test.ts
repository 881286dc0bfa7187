/**
 * The real CLI (`node bin/secrets-sidecar.js`) against the real service on
 * loopback: render (tricky values, mode 0600, usage registered), fail closed
 * (nothing written, every bad reference with its position), usage freed when a
 * reference is removed, and plan. No value ever appears in the CLI's output.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { timestampMs } from "@bufbuild/protobuf/wkt";
import { Role, SecretType } from "../../gen/secrets/v1/types_pb.js";
import { expectNoValues, json, runSidecar, startSidecarFixture, token, userPass, type SidecarFixture } from "./support.js";

const VALUES = {
  api: "glsa_yes: no #1",
  username: "app user",
  password: "p@ss:w/rd? 0123 'q' \"dq\" \\",
  pem: "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n",
  archived: "archived-value-zzz",
};
const SA = { type: "service_account", project_id: "proj-42", private_key: "sa-private-key-material" };
const ALL_VALUES = [...Object.values(VALUES), SA.private_key, SA.project_id];

let f: SidecarFixture;
let configDir: string;
/** Before any render of this file: a last access at or after it is a render's. */
let fixtureStartMs: number;

beforeAll(async () => {
  fixtureStartMs = Date.now();
  f = await startSidecarFixture(
    [
      { name: "GRAFANA_API_KEY", type: SecretType.TOKEN, value: token(VALUES.api) },
      { name: "ORDERS_DB", type: SecretType.USERNAME_PASSWORD, value: userPass(VALUES.username, VALUES.password) },
      { name: "TLS_KEY", type: SecretType.TOKEN, value: token(VALUES.pem) },
      { name: "GCP_SA", type: SecretType.JSON, value: json(SA) },
      { name: "OLD_KEY", type: SecretType.TOKEN, value: token(VALUES.archived) },
      { name: "OTHER_TEAM", type: SecretType.TOKEN, value: token("other-team-value") },
    ],
    // DOES_NOT_EXIST is granted, so that it fails as missing rather than as not granted.
    ["GRAFANA_API_KEY", "ORDERS_DB", "TLS_KEY", "GCP_SA", "OLD_KEY", "DOES_NOT_EXIST"],
  );
  await f.admin.secrets.archiveSecret({ name: "OLD_KEY" });
  configDir = join(f.dir, "configs");
  await mkdir(join(configDir, "integrations"), { recursive: true });
  await writeFile(
    join(configDir, "provider.yaml"),
    "# Grafana provider\nkind: provider\nname: grafana\nsettings:\n  api_key: $<secret.GRAFANA_API_KEY>   # rotated monthly\n  tls_key: ${secret.TLS_KEY}\n",
  );
  await writeFile(
    join(configDir, "integrations", "orders.yaml"),
    [
      "kind: integration",
      "name: orders",
      "database:",
      "  user: '{{ secrets.orders_db.username }}'",
      "  password: $<secret.ORDERS_DB.password>",
      "  url: postgres://$<secret.ORDERS_DB.username | urlencode>:$<secret.ORDERS_DB.password | urlencode>@db:5432/app",
      "gcp: $<secret.GCP_SA>",
      "",
    ].join("\n"),
  );
  await writeFile(join(configDir, ".hidden.yaml"), "skipped: $<secret.NOPE>\n");
});

afterAll(async () => {
  await f?.cleanup();
});

describe("render", () => {
  it("writes each config, values exact, mode 0600, comments kept, and registers the consumers", async () => {
    const out = join(f.dir, "out");
    const run = await runSidecar(["render", configDir, "-o", out, ...f.connectionArgs()]);
    expect(run.code, run.output).toBe(0);
    expectNoValues(run.output, ALL_VALUES);

    const provider = await readFile(join(out, "provider.yaml"), "utf8");
    expect(parse(provider)).toEqual({ kind: "provider", name: "grafana", settings: { api_key: VALUES.api, tls_key: VALUES.pem } });
    expect(provider).toContain("# Grafana provider\n");
    expect(provider).toContain("   # rotated monthly\n");
    const orders = parse(await readFile(join(out, "integrations", "orders.yaml"), "utf8"));
    expect(orders.database).toEqual({
      user: VALUES.username,
      password: VALUES.password,
      url: `postgres://${encodeURIComponent(VALUES.username)}:${encodeURIComponent(VALUES.password)}@db:5432/app`,
    });
    expect(orders.gcp).toEqual(SA);
    for (const file of ["provider.yaml", "integrations/orders.yaml"]) expect((await stat(join(out, file))).mode & 0o777).toBe(0o600);

    const consumers = await f.admin.secrets.listSecretConsumers({ name: "ORDERS_DB" });
    expect(consumers.consumers.map((c) => c.id)).toEqual(["integration/orders"]);
    expect((await f.admin.secrets.getSecret({ name: "GRAFANA_API_KEY" })).secret?.usageCount).toBe(1);
  });

  it("refuses to delete a referenced secret until the reference is removed and the config rendered again", async () => {
    const dir = join(f.dir, "usage");
    await mkdir(dir, { recursive: true });
    const config = join(dir, "svc.yaml");
    const args = ["render", config, "-o", join(dir, "out"), "--consumer-id", "service/usage-test", ...f.connectionArgs()];
    await writeFile(config, "key: $<secret.GRAFANA_API_KEY>\n");
    expect((await runSidecar(args)).code).toBe(0);
    expect((await f.admin.secrets.listSecretConsumers({ name: "GRAFANA_API_KEY" })).consumers.map((c) => c.id)).toContain(
      "service/usage-test",
    );
    const refused = await f.admin.secrets.deleteSecret({ name: "GRAFANA_API_KEY" }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ConnectError);
    expect((refused as ConnectError).code).toBe(Code.FailedPrecondition);
    expect((refused as ConnectError).message).toContain("service/usage-test");

    await writeFile(config, "key: literal now\n");
    expect((await runSidecar(args)).code).toBe(0);
    expect((await f.admin.secrets.listSecretConsumers({ name: "GRAFANA_API_KEY" })).consumers.map((c) => c.id)).not.toContain(
      "service/usage-test",
    );
  });
});

describe("fail closed", () => {
  it("one bad reference among many: no output file, no temp file, every bad reference with file:line:column", async () => {
    const dir = join(f.dir, "bad");
    await mkdir(dir, { recursive: true });
    await writeFile(
      join(dir, "svc.yaml"),
      [
        "kind: service",
        "name: bad",
        "a: $<secret.GRAFANA_API_KEY>",
        "b: $<secret.DOES_NOT_EXIST>",
        "c: x $<secret.OLD_KEY> y",
        "d: $<secret.OTHER_TEAM>",
        "e: $<secret.ORDERS_DB.no_such_field>",
        "f: $<secret.9malformed>",
        "g: $<secret.ORDERS_DB.password>",
        "",
      ].join("\n"),
    );
    const out = join(f.dir, "bad-out");
    await mkdir(out);
    const run = await runSidecar(["render", dir, "-o", out, ...f.connectionArgs()]);
    expect(run.code).toBe(1);
    expect(await readdir(out)).toEqual([]);
    const lines = run.output.split("\n");
    const expectLine = (where: string, reference: string, reason: RegExp) =>
      expect(
        lines.find((l) => l.includes(`svc.yaml:${where} ${reference} — `)),
        run.output,
      ).toMatch(reason);
    expectLine("4:4", "$<secret.DOES_NOT_EXIST>", /no such secret/);
    expectLine("5:6", "$<secret.OLD_KEY>", /archived/);
    expectLine("6:4", "$<secret.OTHER_TEAM>", /not granted/);
    expectLine("7:4", "$<secret.ORDERS_DB.no_such_field>", /no such field/);
    expect(run.output).toMatch(/svc\.yaml:8:4 \$<secret\.9malformed> — .*secret name/);
    expect(run.output).not.toMatch(/svc\.yaml:(3|9):/);
    expectNoValues(run.output, [...ALL_VALUES, "other-team-value"]);
  });

  it("service unreachable: fails after retries, nothing written, each reference listed", async () => {
    const out = join(f.dir, "down-out");
    const run = await runSidecar([
      "render",
      join(configDir, "provider.yaml"),
      "-o",
      out,
      ...f.connectionArgs().map((arg) => (arg === f.svc.address ? "127.0.0.1:1" : arg)),
    ]);
    expect(run.code).toBe(1);
    expect(run.output).toMatch(/provider\.yaml:5:12 \$<secret\.GRAFANA_API_KEY> — Unavailable/);
    expect(run.output).toMatch(/provider\.yaml:6:12 \$\{secret\.TLS_KEY\} — Unavailable/);
    expect(await readdir(out)).toEqual([]); // the directory (made to hold its lock) stays empty
  });
});

describe("plan", () => {
  it("lists every reference with its verdict, never a value, and exits non-zero if any would fail", async () => {
    const good = await runSidecar(["plan", join(configDir, "provider.yaml"), ...f.connectionArgs()]);
    expect(good.code, good.output).toBe(0);
    expect(good.stdout).toMatch(/provider\.yaml:5:12 \$<secret\.GRAFANA_API_KEY> — ok \(version 1, active, granted\)/);

    const bad = await runSidecar(["plan", join(f.dir, "bad"), ...f.connectionArgs()]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/svc\.yaml:4:4 \$<secret\.DOES_NOT_EXIST> — no such secret/);
    expect(bad.stdout).toMatch(/svc\.yaml:5:6 \$<secret\.OLD_KEY> — the secret is archived/);
    expect(bad.stdout).toMatch(/svc\.yaml:6:4 \$<secret\.OTHER_TEAM> — not granted/);
    expectNoValues(good.output + bad.output, [...ALL_VALUES, "other-team-value"]);
  });

  it("resolves nothing: no ResolveSecrets in the audit trail of plan's own token, and the last access stays", async () => {
    // A render resolves TLS_KEY; its last access is written in the background, after the answer.
    const render = await runSidecar(["render", join(configDir, "provider.yaml"), "-o", join(f.dir, "plan-out"), ...f.connectionArgs()]);
    expect(render.code, render.output).toBe(0);
    const lastAccess = async () => (await f.admin.secrets.getSecret({ name: "TLS_KEY" })).secret?.lastAccessTime;
    const lastAccessMs = async () => {
      const at = await lastAccess();
      return at === undefined ? 0 : timestampMs(at);
    };
    await expect.poll(lastAccessMs, { timeout: 10_000 }).toBeGreaterThanOrEqual(fixtureStartMs);
    const accessed = await lastAccess();

    // Plan with a token of its own, so the audit trail tells its calls apart.
    const created = await f.admin.admin.createApiToken({
      displayName: "plan only",
      role: Role.WORKLOAD,
      allowedSecretPatterns: ["GRAFANA_API_KEY", "TLS_KEY"],
    });
    const planTokenFile = join(f.dir, "plan-token");
    await writeFile(planTokenFile, `${created.tokenSecret}\n`, { mode: 0o600 });
    const plan = await runSidecar([
      "plan",
      join(configDir, "provider.yaml"),
      ...f.connectionArgs().map((arg) => (arg === f.tokenFile ? planTokenFile : arg)),
    ]);
    expect(plan.code, plan.output).toBe(0);

    // Its snapshot stream is audited when the service sees it end: once it is there, so would be a resolve before it.
    const actions = async () =>
      (await f.admin.admin.listAuditEvents({ actorTokenId: created.apiToken!.id, pageSize: 100 })).events.map((e) => e.action);
    await expect.poll(actions).toContain("secrets.v1.ResolverService/WatchSecrets");
    expect(await actions()).not.toContain("secrets.v1.ResolverService/ResolveSecrets");
    expect(await lastAccess()).toEqual(accessed);
  });
});
