/**
 * Values come back exactly, end to end, each program in its own process:
 * `secretsctl create` sends them, the service stores them, the sidecar
 * renders them, and a YAML 1.1 reader nobody here wrote (PyYAML, Debian's
 * python3-yaml) reads the rendered file. A JSON secret keeps its text (64-bit
 * ids and longer integers intact), a selected field keeps its number text,
 * and a leading U+FEFF survives every protobuf decode on the way.
 */
import { execFile } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliRunner, type CliRunner } from "../cli/run-secretsctl.js";
import { readWithPyYaml } from "../sidecar/pyyaml.js";
import { runSidecar, startSidecarFixture, type SidecarFixture } from "../sidecar/support.js";

const JSON_TEXT =
  '{"id": 9007199254740993, "big": 18446744073709551617, "ratio": 1.10, "bom": "\ufeffx", "nested": {"n": 1e400, "list": [1, 2.50]}}';
const BOM_TOKEN = "\ufeffbom-token";

let fixture: SidecarFixture;
let cli: CliRunner;

beforeAll(async () => {
  fixture = await startSidecarFixture([], ["EXACT_*"]);
  const adminTokenFile = join(fixture.dir, "admin.token");
  await writeFile(adminTokenFile, fixture.svc.adminToken, { mode: 0o600 });
  cli = cliRunner({ XDG_CONFIG_HOME: fixture.dir, SECRETS_ADDR: fixture.svc.address, SECRETS_TOKEN_FILE: adminTokenFile });
  for (const [name, type, value] of [
    ["EXACT_JSON", "json", JSON_TEXT],
    ["EXACT_BOM", "token", BOM_TOKEN],
  ]) {
    const created = await cli.run(["create", name!, "--type", type!], { stdin: value! });
    expect(created.stderr).toBe("");
    expect(created.code).toBe(0);
  }
});

afterAll(async () => {
  await fixture?.cleanup();
});

/** The rendered file as PyYAML reads it, as JSON text printed by Python (whose ints are exact): compared as text. */
async function pyYamlJsonText(path: string): Promise<string> {
  const script = "import json, sys, yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1], encoding='utf-8')), ensure_ascii=True))";
  return (await promisify(execFile)("python3", ["-c", script, path])).stdout.trim();
}

describe("exact values through CLI, service and sidecar", () => {
  it("renders selected fields with their exact text, and a leading U+FEFF kept", async () => {
    await writeFile(
      join(fixture.dir, "exact.yaml"),
      [
        "id: $<secret.EXACT_JSON.id>",
        "big: $<secret.EXACT_JSON.big>",
        "ratio: $<secret.EXACT_JSON.ratio>",
        "huge: $<secret.EXACT_JSON.nested.n>",
        "bom_field: $<secret.EXACT_JSON.bom>",
        "token: $<secret.EXACT_BOM>",
        "",
      ].join("\n"),
    );
    const result = await runSidecar([
      "render",
      join(fixture.dir, "exact.yaml"),
      "-o",
      join(fixture.dir, "out"),
      ...fixture.connectionArgs(),
    ]);
    expect(result.code, result.output).toBe(0);
    expect(readWithPyYaml([await readFile(join(fixture.dir, "out/exact.yaml"), "utf8")])).toEqual([
      [
        {
          id: "9007199254740993",
          big: "18446744073709551617",
          ratio: "1.10",
          huge: "1e400",
          bom_field: "\ufeffx",
          token: BOM_TOKEN,
        },
      ],
    ]);
  });

  it("renders a whole JSON secret as a mapping whose numbers keep their digits", async () => {
    await writeFile(join(fixture.dir, "whole.yaml"), "whole: $<secret.EXACT_JSON>\nlist: $<secret.EXACT_JSON.nested.list>\n");
    const result = await runSidecar([
      "render",
      join(fixture.dir, "whole.yaml"),
      "-o",
      join(fixture.dir, "out"),
      ...fixture.connectionArgs(),
    ]);
    expect(result.code, result.output).toBe(0);
    const rendered = await readFile(join(fixture.dir, "out/whole.yaml"), "utf8");
    for (const digits of ["9007199254740993", "18446744073709551617", "1.10", "1e400", "2.50"]) expect(rendered).toContain(digits);
    // Compared as text: a JSON reader in this process would round the integers again.
    const read = await pyYamlJsonText(join(fixture.dir, "out/whole.yaml"));
    expect(read).toContain('"id": 9007199254740993, "big": 18446744073709551617');
    expect(read).toContain('"bom": "\\ufeffx"');
  });
});
