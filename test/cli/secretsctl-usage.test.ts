/**
 * secretsctl's contexts and command line, end to end: login and context
 * selection (config file mode, environment overrides, configuration errors),
 * usage errors with their hint and exit status, and --help on every command.
 */
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cliRunner } from "./run-secretsctl.js";
import { ALL_VALUES, TOKEN_VALUE, adminTokenFile, cli, json, svc, useCliSession, workDir } from "./cli-session.js";

useCliSession({ login: false });

describe("contexts", () => {
  it("login writes a 0600 config holding the token file's path, not the token, and makes the context current", async () => {
    const result = await cli.run(["login", "local", "--address", svc.address, "--token-file", adminTokenFile]);
    expect(result).toMatchObject({ code: 0 });
    const path = join(workDir, "config", "secretsctl", "config.json");
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    const text = await readFile(path, "utf8");
    expect(text).not.toContain(svc.adminToken);
    expect(JSON.parse(text)).toEqual({
      currentContext: "local",
      contexts: { local: { address: svc.address, tokenFile: adminTokenFile, tls: false } },
    });
    const listed = await cli.run(["context", "list", "-o", "json"]);
    expect(json(listed.stdout).currentContext).toBe("local");
  });

  it("login refuses a token file it cannot read", async () => {
    const result = await cli.run(["login", "broken", "--address", svc.address, "--token-file", join(workDir, "missing")]);
    expect(result.code).toBe(10);
    expect(result.stderr).toMatch(/^error: cannot read token file .*missing: ENOENT\n$/);
  });

  it("SECRETS_ADDR overrides the current context, and an explicit --context overrides the environment", async () => {
    const env = { SECRETS_ADDR: "127.0.0.1:1" };
    const overridden = await cli.run(["list"], { env });
    expect(overridden.code).toBe(8);
    expect(overridden.stderr.split("\n")[0]).toMatch(/^error: .*is the service running/);
    const explicit = await cli.run(["--context", "local", "list"], { env });
    expect(explicit.code).toBe(0);
  });

  it("an unknown context and a missing login are configuration errors", async () => {
    expect((await cli.run(["--context", "nope", "list"])).code).toBe(10);
    const bare = cliRunner({ XDG_CONFIG_HOME: join(workDir, "empty-config"), HOME: workDir });
    const result = await bare.run(["list"]);
    expect(result.code).toBe(10);
    expect(result.stderr).toContain("not logged in");
  });
});

describe("usage errors", () => {
  it.each([
    [["create", "X", "--type", "token", "--bogus"], /unknown option '--bogus'/],
    [["create", "X"], /required option '-t, --type <type>' not specified/],
    [["create", "X", "--type", "password"], /argument 'password' is invalid/],
    [["create", "X", "--type", "token", TOKEN_VALUE], /too many arguments/],
    [["--output", "xml", "list"], /argument 'xml' is invalid/],
    [["get"], /missing required argument 'name'/],
    [["nonsense"], /unknown command 'nonsense'/],
    [["audit", "--since", "yesterday"], /expected an ISO 8601 time/],
    [["update", "X", "--expected-version", "0"], /must be a positive integer/],
  ])("%j is a usage error (exit 2) with a hint", async (args, message) => {
    const result = await cli.run(args as string[], { stdin: "" });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(message);
    expect(result.stderr).toContain("(run with --help for usage)");
  });

  it("--help on every command exits 0 and the root help documents the exit statuses", async () => {
    const root = await cli.run(["--help"]);
    expect(root.code).toBe(0);
    expect(root.stdout).toContain("Exit status:");
    expect(root.stdout).toMatch(/^ {2}6 {3}failed precondition/m);
    const commands = [
      ["create"],
      ["update"],
      ["get"],
      ["list"],
      ["versions"],
      ["consumers"],
      ["consumer", "reassign"],
      ["consumer", "delete"],
      ["archive"],
      ["restore"],
      ["delete"],
      ["tokens", "create"],
      ["tokens", "list"],
      ["tokens", "revoke"],
      ["audit"],
      ["tenants", "create"],
      ["keys", "rotate"],
      ["login"],
      ["context", "use"],
    ];
    // Four at a time: each run starts a node process.
    for (let i = 0; i < commands.length; i += 4) {
      const batch = commands.slice(i, i + 4);
      const helps = await Promise.all(batch.map((command) => cli.run([...command, "--help"])));
      batch.forEach((command, j) => {
        expect(helps[j]?.code, command.join(" ")).toBe(0);
        expect(helps[j]?.stdout).toContain(`Usage: secretsctl ${command.join(" ")}`);
      });
    }
  }, 120_000);
});

describe("confidentiality", () => {
  it("no secret value ever appeared in any CLI output", () => {
    const output = cli.allOutput();
    expect(output.length).toBeGreaterThan(1000);
    for (const value of ALL_VALUES) expect(output).not.toContain(value);
  });
});
