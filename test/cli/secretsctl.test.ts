/**
 * secretsctl end to end: the real CLI as a child process against the real
 * service on loopback: secrets, audit, tenants and keys, JSON output parsed,
 * errors and exit statuses, and a final check that no secret value reached any
 * CLI output. Tokens and consumers: secretsctl-tokens.test.ts; contexts and
 * usage errors: secretsctl-usage.test.ts.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  ALL_VALUES,
  JSON_VALUE,
  PASSWORD,
  TOKEN_VALUE,
  TOKEN_VALUE_2,
  cli,
  clients,
  json,
  resolve,
  useCliSession,
  workDir,
} from "./cli-session.js";

useCliSession({ login: true });

describe("secrets", () => {
  it("create reads a token from stdin and prints metadata only", async () => {
    const result = await cli.run(["create", "API_KEY", "--type", "token", "-o", "json", "--label", "team=core"], {
      stdin: `${TOKEN_VALUE}\n`,
    });
    expect(result.code).toBe(0);
    expect(json(result.stdout)).toMatchObject({
      name: "API_KEY",
      type: "SECRET_TYPE_TOKEN",
      state: "SECRET_STATE_ACTIVE",
      version: "1",
      usageCount: 0,
      labels: { team: "core" },
    });
    // What was stored is exactly the value, without stdin's final newline.
    expect(await resolve("$<secret.API_KEY>")).toBe(TOKEN_VALUE);
  });

  it("create takes a username flag and the password from --from-file", async () => {
    const file = join(workDir, "password.txt");
    await writeFile(file, `${PASSWORD}\n`);
    const result = await cli.run([
      "create",
      "orders-db",
      "--type",
      "username-password",
      "--username",
      "app",
      "--from-file",
      file,
      "-o",
      "json",
    ]);
    expect(result.code).toBe(0);
    expect(json(result.stdout)).toMatchObject({ name: "orders-db", type: "SECRET_TYPE_USERNAME_PASSWORD", version: "1" });
    expect(await resolve("$<secret.orders-db.username>")).toBe("app");
    expect(await resolve("$<secret.orders-db.password>")).toBe(PASSWORD);
  });

  it("create of a username-password secret without --username is a usage error", async () => {
    const result = await cli.run(["create", "no-user", "--type", "username-password"], { stdin: PASSWORD });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("--username");
  });

  it("create validates JSON locally and sends nothing when it is not an object", async () => {
    const bad = await cli.run(["create", "gcp", "--type", "json"], { stdin: '["not", "an object"]' });
    expect(bad.code).toBe(3);
    expect(bad.stderr).toBe("error: the value was refused before sending\n  value.json: must be a JSON object, not an array\n");
    const notJson = await cli.run(["create", "gcp", "--type", "json"], { stdin: "{private_key: json-pk-91c0ffee" });
    expect(notJson.code).toBe(3);
    expect(notJson.stderr).toContain("value.json: must be valid JSON");
    expect((await cli.run(["get", "gcp"])).code).toBe(4);
    const good = await cli.run(["create", "gcp", "--type", "json", "-o", "json"], { stdin: JSON_VALUE });
    expect(good.code).toBe(0);
    expect(json(good.stdout)).toMatchObject({ name: "gcp", type: "SECRET_TYPE_JSON" });
    expect(await resolve("$<secret.gcp.private_key>")).toBe("json-pk-91c0ffee");
  });

  it("an empty value and an invalid name are refused locally", async () => {
    const empty = await cli.run(["create", "EMPTY", "--type", "token"], { stdin: "" });
    expect(empty.code).toBe(3);
    expect(empty.stderr).toContain("value.token: token must not be empty");
    const name = await cli.run(["create", "9lives", "--type", "token"], { stdin: TOKEN_VALUE });
    expect(name.code).toBe(3);
    expect(name.stderr).toMatch(/^error: invalid secret name\n {2}name: secret name must start with a letter/);
  });

  it("create of an existing name shows the service's refusal with a conflict status", async () => {
    const result = await cli.run(["create", "api_key", "--type", "token"], { stdin: TOKEN_VALUE });
    expect(result.code).toBe(5);
    expect(result.stderr.split("\n")[0]).toMatch(/^error: .*api_key/i);
  });

  it("update stores a new version of the secret's own type; --expected-version guards it", async () => {
    const result = await cli.run(["update", "API_KEY", "-o", "json"], { stdin: TOKEN_VALUE_2 });
    expect(result.code).toBe(0);
    expect(json(result.stdout)).toMatchObject({ name: "API_KEY", version: "2" });
    expect(await resolve("$<secret.API_KEY>")).toBe(TOKEN_VALUE_2);
    const stale = await cli.run(["update", "API_KEY", "--expected-version", "1"], { stdin: TOKEN_VALUE });
    expect(stale.code).toBe(5);
    const user = await cli.run(["update", "orders-db", "--username", "app2", "-o", "json"], { stdin: PASSWORD });
    expect(json(user.stdout)).toMatchObject({ version: "2" });
    // Without --username, the stored username is kept (update_mask username_password.password).
    const keptUser = await cli.run(["update", "orders-db", "-o", "json"], { stdin: `${PASSWORD}-3` });
    expect(keptUser.code, keptUser.stderr).toBe(0);
    expect(json(keptUser.stdout)).toMatchObject({ version: "3" });
    expect(await resolve("$<secret.orders-db.username>")).toBe("app2");
    expect(await resolve("$<secret.orders-db.password>")).toBe(`${PASSWORD}-3`);
  });

  it("rollback straight after create says why, once", async () => {
    expect((await cli.run(["create", "ROLL_NEW", "--type", "token"], { stdin: "roll-new-value" })).code).toBe(0);
    const result = await cli.run(["rollback", "ROLL_NEW", "--to-version", "1"]);
    expect(result.code).toBe(3);
    expect(result.stderr).toBe(
      'error: version: secret "ROLL_NEW" has only version 1: update its value first, then roll back to version 1\n',
    );
  });

  it("rollback makes an earlier value current as a new version, printing no value", async () => {
    const first = "rollme-first-Jx4";
    const second = "rollme-second-Pz9";
    expect((await cli.run(["create", "ROLLME", "--type", "token"], { stdin: first })).code).toBe(0);
    expect((await cli.run(["update", "ROLLME"], { stdin: second })).code).toBe(0);
    const result = await cli.run(["rollback", "ROLLME", "--to-version", "1", "--expected-version", "2", "-o", "json"]);
    expect(result.code).toBe(0);
    expect(json(result.stdout)).toMatchObject({ name: "ROLLME", version: "3" });
    expect(await resolve("$<secret.ROLLME>")).toBe(first);
    const stale = await cli.run(["rollback", "ROLLME", "--to-version", "1", "--expected-version", "2"]);
    expect(stale.code).toBe(5);
    for (const output of [result.stdout, result.stderr, stale.stdout, stale.stderr]) {
      expect(output).not.toContain(first);
      expect(output).not.toContain(second);
    }
  });

  it("edit changes display name, description and labels; a stale etag is a conflict", async () => {
    const before = json((await cli.run(["get", "ROLLME", "-o", "json"])).stdout);
    const edited = await cli.run([
      "edit",
      "ROLLME",
      "--description",
      "rolled back once",
      "--label",
      "team=core",
      "--etag",
      before.etag,
      "-o",
      "json",
    ]);
    expect(edited.code).toBe(0);
    expect(json(edited.stdout)).toMatchObject({
      description: "rolled back once",
      labels: { team: "core" },
      displayName: before.displayName ?? "",
    });
    const stale = await cli.run(["edit", "ROLLME", "--clear-labels", "--etag", before.etag]);
    expect(stale.code).toBe(5);
    const cleared = json((await cli.run(["edit", "ROLLME", "--clear-labels", "-o", "json"])).stdout);
    expect(cleared.labels ?? {}).toEqual({});
    expect(cleared.description).toBe("rolled back once");
    expect((await cli.run(["edit", "ROLLME"])).code).toBe(2);
  });

  it("get shows metadata as a record or JSON", async () => {
    const table = await cli.run(["get", "API_KEY"]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^name: +API_KEY$/m);
    expect(table.stdout).toMatch(/^type: +TOKEN$/m);
    expect(table.stdout).toMatch(/^version: +2$/m);
    expect(table.stdout).toMatch(/^last accessed: +\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/m);
    expect(table.stdout).toMatch(/^labels: +team=core$/m);
    const asJson = json((await cli.run(["get", "api_key", "-o", "json"])).stdout);
    expect(asJson).toMatchObject({ name: "API_KEY", version: "2", etag: expect.any(String) });
    const missing = await cli.run(["get", "NOPE"]);
    expect(missing.code).toBe(4);
    expect(missing.stderr.trim().split("\n")).toHaveLength(1);
  });

  it("list prints a table with name, type, version, updated, last accessed, usage count and state", async () => {
    const result = await cli.run(["list"]);
    expect(result.code).toBe(0);
    const [header, ...rows] = result.stdout.trimEnd().split("\n");
    expect(header?.split(/ {2,}/)).toEqual(["NAME", "TYPE", "VERSION", "UPDATED", "LAST ACCESSED", "USAGE", "STATE"]);
    const row = rows.find((r) => r.startsWith("API_KEY "))?.split(/ {2,}/);
    const time = expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(row).toEqual(["API_KEY", "TOKEN", "2", time, time, "0", "ACTIVE"]);
    const listed = json((await cli.run(["list", "-o", "json", "--prefix", "ORDERS"])).stdout);
    expect(listed.map((s: { name: string }) => s.name)).toEqual(["orders-db"]);
    const labelled = json((await cli.run(["list", "-o", "json", "--label", "team=core"])).stdout);
    expect(labelled.map((s: { name: string }) => s.name)).toEqual(["API_KEY"]);
  });

  it("versions lists every version newest first", async () => {
    const result = await cli.run(["versions", "API_KEY", "-o", "json"]);
    expect(result.code).toBe(0);
    expect(json(result.stdout).map((v: { version: string }) => v.version)).toEqual(["2", "1"]);
    const table = await cli.run(["versions", "API_KEY"]);
    expect(table.stdout.split("\n")[0]?.split(/ {2,}/)).toEqual(["VERSION", "CREATED", "CREATED BY", "KEY VERSION", "RETAINED"]);
  });

  it("consumers lists the configs referencing a secret, and list shows the usage count", async () => {
    await clients.resolver.setConsumerReferences({ consumerId: "service/payments", references: ["$<secret.API_KEY>"] });
    await clients.resolver.setConsumerReferences({ consumerId: "integration/grafana", references: ["${secret.api_key}"] });
    const result = await cli.run(["consumers", "API_KEY", "-o", "json"]);
    expect(result.code).toBe(0);
    expect(
      json(result.stdout)
        .map((c: { id: string }) => c.id)
        .sort(),
    ).toEqual(["integration/grafana", "service/payments"]);
    const table = await cli.run(["consumers", "API_KEY"]);
    expect(table.stdout).toMatch(/^service\/payments +\$<secret\.API_KEY> /m);
    const listed = json((await cli.run(["list", "-o", "json"])).stdout);
    expect(listed.find((s: { name: string }) => s.name === "API_KEY").usageCount).toBe(2);
  });

  it("delete without --yes and without a terminal refuses, naming the consumers", async () => {
    const result = await cli.run(["delete", "API_KEY"]);
    expect(result.code).toBe(9);
    expect(result.stderr).toContain("error: not deleting secret API_KEY without confirmation: no terminal to ask on, pass --yes");
    expect(result.stderr).toContain("consumer service/payments references it");
    expect(result.stderr).toContain("consumer integration/grafana references it");
    expect((await cli.run(["get", "API_KEY"])).code).toBe(0);
  });

  it("delete --yes of a secret in use shows the service's refusal with the blocking consumers", async () => {
    const result = await cli.run(["delete", "API_KEY", "--yes"]);
    expect(result.code).toBe(6);
    const [first, ...details] = result.stderr.trimEnd().split("\n");
    expect(first).toMatch(/^error: secret "API_KEY" is referenced by 2 consumer\(s\)/);
    expect(details.sort()).toEqual([
      '  consumer integration/grafana: consumer "integration/grafana" references secret "API_KEY"',
      '  consumer service/payments: consumer "service/payments" references secret "API_KEY"',
    ]);
  });

  it("archive hides a secret from the default list; restore brings it back", async () => {
    const archived = await cli.run(["archive", "gcp", "-o", "json"]);
    expect(json(archived.stdout)).toMatchObject({ name: "gcp", state: "SECRET_STATE_ARCHIVED" });
    const names = async (args: string[]) =>
      json((await cli.run(["list", "-o", "json", ...args])).stdout).map((s: { name: string }) => s.name);
    expect(await names([])).not.toContain("gcp");
    expect(await names(["--archived"])).toContain("gcp");
    const again = await cli.run(["archive", "gcp"]);
    expect(again.code).toBe(6);
    const restored = await cli.run(["restore", "gcp"]);
    expect(restored.code).toBe(0);
    expect(restored.stdout).toMatch(/^gcp +JSON +1 .* ACTIVE$/m);
  });

  it("delete --yes removes a secret no consumer references", async () => {
    await clients.resolver.deleteConsumer({ consumerId: "service/payments" });
    await clients.resolver.deleteConsumer({ consumerId: "integration/grafana" });
    const result = await cli.run(["delete", "API_KEY", "--yes", "-o", "json"]);
    expect(result.code).toBe(0);
    expect(json(result.stdout)).toEqual({ deleted: "API_KEY" });
    expect((await cli.run(["get", "API_KEY"])).code).toBe(4);
  });
});

describe("audit", () => {
  it("lists events oldest first, filtered by secret, action and outcome", async () => {
    const result = await cli.run(["audit", "--secret", "api_key", "-o", "json"]);
    expect(result.code).toBe(0);
    const events = json(result.stdout) as { action: string; outcome: string; time: string }[];
    const actions = events.map((e) => e.action.split("/")[1]);
    expect(actions[0]).toBe("CreateSecret");
    expect(actions).toContain("UpdateSecretValue");
    const succeeded = events.filter((e) => e.outcome === "AUDIT_OUTCOME_SUCCESS").map((e) => e.action.split("/")[1]);
    expect(succeeded.at(-1)).toBe("DeleteSecret");
    // Compared as instants: protobuf JSON drops a zero fraction ("…:40Z" comes before "…:40.034Z").
    const instants = events.map((e) => Date.parse(e.time));
    expect(instants).toEqual([...instants].sort((a, b) => a - b));
    const failedDeletes = json((await cli.run(["audit", "--action", "DeleteSecret", "--outcome", "failed", "-o", "json"])).stdout);
    expect(failedDeletes.length).toBeGreaterThan(0);
    for (const e of failedDeletes)
      expect(e).toMatchObject({
        action: "secrets.v1.SecretsService/DeleteSecret",
        outcome: "AUDIT_OUTCOME_FAILED",
        statusCode: "FAILED_PRECONDITION",
      });
    const table = await cli.run(["audit", "--limit", "3"]);
    expect(table.stdout.trimEnd().split("\n")).toHaveLength(4);
    expect(table.stdout.split("\n")[0]?.split(/ {2,}/)).toEqual([
      "TIME",
      "ACTOR",
      "ACTION",
      "RESOURCES",
      "OUTCOME",
      "STATUS",
      "VERSION",
      "CONSUMER",
    ]);
  });

  it("--follow prints new events as they happen", async () => {
    const running = cli.start(["audit", "--follow", "--interval", "100", "--secret", "FOLLOWED", "-o", "json"]);
    try {
      // Created only once the CLI has listed what exists and follows, so the event must come from following.
      await running.waitForStderr("following new events");
      expect(running.stdout()).toBe("");
      await clients.secrets.createSecret({ name: "FOLLOWED", type: 1, value: { kind: { case: "token", value: TOKEN_VALUE } } });
      await running.waitForStdout("CreateSecret");
      await clients.secrets.archiveSecret({ name: "FOLLOWED" });
      await running.waitForStdout("ArchiveSecret");
      const lines = running
        .stdout()
        .trimEnd()
        .split("\n")
        .map((l) => JSON.parse(l));
      expect(lines.map((e: { action: string }) => e.action.split("/")[1])).toEqual(["CreateSecret", "ArchiveSecret"]);
    } finally {
      running.child.kill("SIGTERM");
    }
  });
});

describe("tenants and keys", () => {
  it("tenants create prints the new tenant's admin token once; it works in the new, empty tenant", async () => {
    const result = await cli.run(["tenants", "create", "acme", "--display-name", "Acme", "-o", "json"]);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain("warning: the admin token of tenant acme is shown only this once");
    const created = json(result.stdout);
    expect(created.tenant).toMatchObject({ id: "acme", displayName: "Acme" });
    const tokenFile = join(workDir, "acme.token");
    await writeFile(tokenFile, created.token);
    const listed = await cli.run(["list", "-o", "json"], { env: { SECRETS_TOKEN_FILE: tokenFile } });
    expect(json(listed.stdout)).toEqual([]);
    const dup = await cli.run(["tenants", "create", "acme"]);
    expect(dup.code).toBe(5);
    const bad = await cli.run(["tenants", "create", "Not_Valid"]);
    expect(bad.code).toBe(3);
    expect(bad.stderr).toContain("tenant id must be");
  });

  it("keys rotate prints plain progress lines without a terminal, and the result", async () => {
    const result = await cli.run(["keys", "rotate"]);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/^rewrapped \d+\/\d+ to key version 2$/m);
    expect(result.stdout).toMatch(
      /^tenant key rotated to version 2; \d+ stored value\(s\) rewrapped\nkey versions in use: 2\.\.2; older versions are retired and open nothing\n$/,
    );
    const again = json((await cli.run(["keys", "rotate", "-o", "json"])).stdout);
    expect(again).toMatchObject({ keyVersion: 3, done: true, minDecryptionVersion: 3, remaining: 0 });
    // Every value written so far (orders-db: 3 versions, gcp: 1, FOLLOWED: 1) was rewrapped.
    expect(again.rewrapped).toBeGreaterThanOrEqual(5);
    const versions = json((await cli.run(["versions", "orders-db", "-o", "json"])).stdout);
    expect(versions.map((v: { keyVersion: number }) => v.keyVersion)).toEqual([3, 3, 3]);
  });
});

describe("confidentiality", () => {
  it("no secret value ever appeared in any CLI output", () => {
    const output = cli.allOutput();
    expect(output.length).toBeGreaterThan(1000);
    for (const value of ALL_VALUES) expect(output).not.toContain(value);
  });
});
