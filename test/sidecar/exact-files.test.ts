/**
 * Issue 10, items 3-5: files come back as they were but for the values.
 * - A CRLF file keeps CRLF after a block scalar is rewritten.
 * - Input that is not UTF-8 is refused with the file and position; nothing is written.
 * - `${{ secrets.X }}` (GitHub Actions' expressions) is never our reference: left as written.
 * The rendered files are read back with PyYAML (YAML 1.1) as well as the `yaml` package.
 */
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { SecretType } from "../../gen/secrets/v1/types_pb.js";
import { ValueKind } from "../../gen/secrets/v1/resolver_service_pb.js";
import { parseYamlTemplate, renderYamlTemplate } from "../../sidecar/yaml-render.js";
import { decodeUtf8 } from "../../sidecar/utf8-text.js";
import { readWithPyYaml } from "./pyyaml.js";
import { expectNoValues, runSidecar, startSidecarFixture, token, type SidecarFixture } from "./support.js";

const VALUE = "one it's";

function render(source: string): string {
  const template = parseYamlTemplate(source);
  expect(template.problems).toEqual([]);
  return renderYamlTemplate(template, () => ({ kind: ValueKind.STRING, value: VALUE }));
}

/** The one document of `text`, read by PyYAML and by `yaml` (1.1 and 1.2), which must agree. */
function readBack(text: string): unknown {
  const [[fromPy]] = readWithPyYaml([text]) as [[unknown]];
  expect(parse(text, { version: "1.1" })).toEqual(fromPy);
  expect(parse(text, { version: "1.2" })).toEqual(fromPy);
  return fromPy;
}

describe("CRLF files keep their line endings", () => {
  it("after a block literal, a folded block with a header comment, and a plain scalar are rewritten", () => {
    const source = [
      "kind: service",
      "lit: |",
      "  $<secret.X>",
      "  two",
      "folded: >-  # folded note",
      "  $<secret.X>",
      "plain: $<secret.X>",
      "last: 1 # end",
      "",
    ].join("\r\n");
    const out = render(source);
    expect(out.replace(/\r\n/g, "")).not.toMatch(/[\r\n]/); // every line break is CRLF, none bare
    expect(out).toContain("# folded note\r\n");
    expect(out.endsWith("last: 1 # end\r\n")).toBe(true);
    expect(readBack(out)).toEqual({ kind: "service", lit: `${VALUE}\ntwo\n`, folded: VALUE, plain: VALUE, last: 1 });
  });

  it("a block scalar that ends the file without a line break stays without one", () => {
    const out = render("a: 1\r\nlit: |-\r\n  $<secret.X>");
    expect(out).toBe(`a: 1\r\nlit: "one it's"`);
  });
});

describe("${{ … }} is left as written", () => {
  const WORKFLOW = [
    "name: deploy",
    '"on": push',
    "jobs:",
    "  deploy:",
    "    runs-on: ubuntu-latest",
    "    env:",
    "      GH_TOKEN: ${{ secrets.GITHUB_TOKEN }}",
    '      QUOTED: "${{ secrets.DEPLOY_KEY }}"',
    "      OURS: $<secret.X>",
    "    steps:",
    '      - run: echo "${{ secrets.DEPLOY_KEY }}" | ./deploy --token ${{secrets.API}} --ours {{ secrets.X }}',
    "",
  ].join("\n");

  it("is not a reference, not an error; ours beside it are still found and rendered", () => {
    const template = parseYamlTemplate(WORKFLOW);
    expect(template.problems).toEqual([]);
    expect(template.references.map((found) => found.reference.source)).toEqual(["$<secret.X>", "{{ secrets.X }}"]);
    const out = render(WORKFLOW);
    const doc = readBack(out) as { jobs: { deploy: { env: Record<string, string>; steps: { run: string }[] } } };
    expect(doc.jobs.deploy.env).toEqual({ GH_TOKEN: "${{ secrets.GITHUB_TOKEN }}", QUOTED: "${{ secrets.DEPLOY_KEY }}", OURS: VALUE });
    expect(doc.jobs.deploy.steps[0]!.run).toBe(`echo "\${{ secrets.DEPLOY_KEY }}" | ./deploy --token \${{secrets.API}} --ours ${VALUE}`);
    const expressionLines = (text: string) => text.split("\n").filter((line) => line.includes("${{") && !line.includes("--ours"));
    expect(expressionLines(out)).toEqual(expressionLines(WORKFLOW)); // byte for byte
  });
});

describe("UTF-8 input", () => {
  const bytes = (...parts: (string | number[])[]) =>
    Buffer.concat(parts.map((p) => (typeof p === "string" ? Buffer.from(p) : Buffer.from(p))));

  it("reads valid UTF-8 (a genuine U+FFFD and a BOM included) unchanged", () => {
    expect(decodeUtf8(bytes("\ufeffa: \ufffd ✓\n"), "f.yaml")).toBe("\ufeffa: \ufffd ✓\n");
  });

  it.each([
    [
      "Latin-1 after a genuine U+FFFD and a multi-byte character",
      bytes("a: \ufffd\nb: é", [0xe9]),
      "f.yaml:2:5 — not valid UTF-8 (byte 0xE9 at byte offset 12)",
    ],
    ["an overlong encoding", bytes("x", [0xc0, 0x80]), "f.yaml:1:2 — not valid UTF-8 (byte 0xC0 at byte offset 1)"],
    ["an encoded surrogate", bytes("\n\n", [0xed, 0xa0, 0x80]), "f.yaml:3:1 — not valid UTF-8 (byte 0xED at byte offset 2)"],
    ["a sequence cut at the end", bytes("ab", [0xe2, 0x9c]), "f.yaml:1:3 — not valid UTF-8 (byte 0xE2 at byte offset 2)"],
  ])("refuses %s, naming line, column and byte", (_case, input, message) => {
    expect(() => decodeUtf8(input, "f.yaml")).toThrow(message);
  });
});

describe("through the CLI", () => {
  let f: SidecarFixture;
  const SECRET_VALUE = "exact-files-value-Rt5";

  beforeAll(async () => {
    f = await startSidecarFixture(
      [
        { name: "X", type: SecretType.TOKEN, value: token(SECRET_VALUE) },
        { name: "GITHUB_TOKEN", type: SecretType.TOKEN, value: token("granted-but-not-ours-Gh2") },
      ],
      ["X", "GITHUB_TOKEN"],
    );
  });

  afterAll(async () => {
    await f?.cleanup();
  });

  it("refuses a file that is not UTF-8 with the file and position, writing nothing", async () => {
    const dir = join(f.dir, "latin1");
    await mkdir(dir);
    await writeFile(join(dir, "good.yaml"), "kind: service\nname: good\ntoken: $<secret.X>\n");
    // "café" in Latin-1: 0xE9 is not UTF-8.
    await writeFile(
      join(dir, "latin1.yaml"),
      Buffer.concat([Buffer.from("kind: service\nname: latin\n# caf"), Buffer.from([0xe9]), Buffer.from(" note\ntoken: $<secret.X>\n")]),
    );
    const out = join(f.dir, "latin1-out");
    const run = await runSidecar(["render", dir, "-o", out, ...f.connectionArgs()]);
    expect(run.code, run.output).toBe(1);
    expect(run.output).toMatch(/latin1\.yaml:3:6 — not valid UTF-8 \(byte 0xE9 at byte offset 31\)/);
    expect(await readdir(out).catch(() => [])).toEqual([]);

    const plan = await runSidecar(["plan", dir, ...f.connectionArgs()]);
    expect(plan.code).toBe(1);
    expect(plan.output).toMatch(/latin1\.yaml:3:6 — not valid UTF-8/);
  });

  it("renders a workflow whose token grants the name: ${{ secrets.GITHUB_TOKEN }} is kept, ours resolved", async () => {
    const workflow = join(f.dir, "workflow.yml");
    await writeFile(workflow, '"on": push\r\nenv:\r\n  TOKEN: ${{ secrets.GITHUB_TOKEN }}\r\n  OURS: |\r\n    $<secret.X>\r\nlast: 1\r\n');
    const out = join(f.dir, "workflow-out");
    const run = await runSidecar(["render", workflow, "-o", out, ...f.connectionArgs()]);
    expect(run.code, run.output).toBe(0);
    const text = await readFile(join(out, "workflow.yml"), "utf8");
    expect(text.replace(/\r\n/g, "")).not.toMatch(/[\r\n]/);
    expect(readBack(text)).toEqual({ on: "push", env: { TOKEN: "${{ secrets.GITHUB_TOKEN }}", OURS: `${SECRET_VALUE}\n` }, last: 1 });
    expectNoValues(run.output, [SECRET_VALUE]);
  });
});
