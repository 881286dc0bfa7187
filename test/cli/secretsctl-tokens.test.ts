/**
 * secretsctl tokens and consumers end to end, against the real service on
 * loopback: tokens created (shown once), listed, limited to consumer ids and
 * revoked; a squatted consumer id reassigned and deleted; and no secret value
 * in any CLI output.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Role, SecretType } from "../../gen/secrets/v1/types_pb.js";
import { connectClients } from "../support/service.js";
import { ALL_VALUES, TOKEN_VALUE, cli, clients, json, svc, useCliSession, workDir } from "./cli-session.js";

useCliSession({ login: true });

describe("tokens", () => {
  let viewerId = "";
  let viewerTokenFile = "";

  it("tokens create prints the token alone on stdout, once, with a warning on stderr", async () => {
    const result = await cli.run(["tokens", "create", "--role", "viewer", "--name", "dashboards"]);
    expect(result.code).toBe(0);
    const token = result.stdout.trim();
    expect(result.stdout).toBe(`${token}\n`);
    expect(result.stderr).toMatch(/^warning: the token \S+ is shown only this once/);
    viewerTokenFile = join(workDir, "viewer.token");
    await writeFile(viewerTokenFile, token);
    const listed = json((await cli.run(["tokens", "list", "-o", "json"])).stdout);
    const viewer = listed.find((t: { displayName: string }) => t.displayName === "dashboards");
    expect(viewer).toMatchObject({ role: "ROLE_VIEWER" });
    expect(JSON.stringify(listed)).not.toContain(token);
    viewerId = viewer.id;
  });

  it("a viewer token may list but not create (permission denied)", async () => {
    const env = { SECRETS_TOKEN_FILE: viewerTokenFile };
    expect((await cli.run(["list"], { env })).code).toBe(0);
    const denied = await cli.run(["create", "X", "--type", "token"], { env, stdin: TOKEN_VALUE });
    expect(denied.code).toBe(7);
    expect(denied.stderr.split("\n")[0]).toMatch(/^error: /);
  });

  it("tokens create with --output json carries the metadata and the token; service field violations are shown", async () => {
    const result = await cli.run(["tokens", "create", "--role", "workload", "--allow", "orders-*", "--expires", "30d", "-o", "json"]);
    expect(result.code).toBe(0);
    const created = json(result.stdout);
    expect(created.apiToken).toMatchObject({ role: "ROLE_WORKLOAD", allowedSecretPatterns: ["orders-*"] });
    expect(typeof created.token).toBe("string");
    const refused = await cli.run(["tokens", "create", "--role", "workload"]);
    expect(refused.code).toBe(3);
    // The one field violation is the message: said once.
    expect(refused.stderr).toMatch(/^error: allowed_secret_patterns: [^\n]+\n$/);
  });

  it("tokens create --consumers limits the consumer ids; consumer reassign and delete fix a squatted id", async () => {
    const created = json(
      (await cli.run(["tokens", "create", "--role", "workload", "--allow", "WEB_*", "--consumers", "service/web*", "-o", "json"])).stdout,
    );
    expect(created.apiToken.allowedConsumerPatterns).toEqual(["service/web*"]);
    for (const name of ["WEB_KEY", "ZZ_KEY"])
      await clients.secrets.createSecret({ name, type: SecretType.TOKEN, value: { kind: { case: "token", value: TOKEN_VALUE } } });
    const real = connectClients(svc.address, created.token);
    const squatter = (await clients.admin.createApiToken({ role: Role.WORKLOAD, allowedSecretPatterns: ["*_KEY"] })).apiToken!.id;
    // Holding a reference the real token is not granted: it may not take the consumer over by itself.
    await clients.resolver.setConsumerReferences({ consumerId: "service/webshop", references: ["$<secret.WEB_KEY>", "$<secret.ZZ_KEY>"] });
    const reassigned = await cli.run(["consumer", "reassign", "service/webshop", "--to-token", squatter]);
    expect(reassigned).toMatchObject({ code: 0, stdout: `consumer service/webshop now belongs to token ${squatter}\n` });
    const table = await cli.run(["consumers", "WEB_KEY"]);
    expect(table.stdout).toMatch(new RegExp(`^service/webshop .* ${squatter}$`, "m"));
    await expect(real.resolver.setConsumerReferences({ consumerId: "service/webshop", references: [] })).rejects.toThrow(
      `consumer reassign service/webshop --to-token ${created.apiToken.id}`,
    );
    expect((await cli.run(["consumer", "delete", "service/webshop"])).code).toBe(0);
    await real.resolver.setConsumerReferences({ consumerId: "service/webshop", references: ["$<secret.WEB_KEY>"] });
    expect((await cli.run(["consumers", "WEB_KEY"])).stdout).toMatch(new RegExp(`^service/webshop .* ${created.apiToken.id}$`, "m"));
    expect((await cli.run(["consumer", "reassign", "service/none", "--to-token", squatter])).code).toBe(4);
  });

  it("tokens revoke revokes at once; tokens list --all shows it revoked", async () => {
    const result = await cli.run(["tokens", "revoke", viewerId]);
    expect(result).toMatchObject({ code: 0, stdout: `revoked token ${viewerId}\n` });
    const rejected = await cli.run(["list"], { env: { SECRETS_TOKEN_FILE: viewerTokenFile } });
    expect(rejected.code).toBe(7);
    expect(rejected.stderr).toMatch(/^error: .*\(check the token file of the context\)\n$/);
    const active = json((await cli.run(["tokens", "list", "-o", "json"])).stdout).map((t: { id: string }) => t.id);
    expect(active).not.toContain(viewerId);
    const all = await cli.run(["tokens", "list", "--all"]);
    expect(all.stdout).toMatch(new RegExp(`^${viewerId} +dashboards +VIEWER .* REVOKED$`, "m"));
    expect((await cli.run(["tokens", "revoke", "no-such-token"])).code).toBe(4);
  });
});

describe("confidentiality", () => {
  it("no secret value ever appeared in any CLI output", () => {
    const output = cli.allOutput();
    expect(output.length).toBeGreaterThan(200);
    for (const value of ALL_VALUES) expect(output).not.toContain(value);
  });
});
