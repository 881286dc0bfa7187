/**
 * YAML-aware substitution: every tricky value comes back exactly when the
 * output is parsed (by the YAML 1.2 and 1.1 schemas), the rest of the file is
 * kept byte for byte, whole-scalar JSON becomes a mapping, and problems carry
 * positions.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import { ValueKind } from "../../gen/secrets/v1/resolver_service_pb.js";
import { parseYamlTemplate, renderYamlTemplate, type ValueForRender } from "../../sidecar/yaml-render.js";
import { plainSafeValues } from "../../sidecar/yaml-scalar.js";
import { readWithPyYaml } from "./pyyaml.js";

const TRICKY_VALUES = [
  "yes",
  "no",
  "on",
  "off",
  "y",
  "n",
  "true",
  "False",
  "null",
  "Null",
  "~",
  "",
  "0123",
  "0o17",
  "0x1F",
  "1e3",
  "1_000",
  ".inf",
  "-.inf",
  ".nan",
  "12:30:45",
  "2001-12-14",
  "a: b #c",
  "a:b",
  "key:",
  "- x",
  "-",
  "?",
  ":",
  "*anchor",
  "&anchor",
  "!tag",
  "!!str x",
  "%directive",
  "@at",
  "`tick",
  "|",
  ">",
  "#not a comment",
  "[1, 2]",
  "{a: 1}",
  "a, b",
  " leading",
  "trailing ",
  "  ",
  "'single'",
  '"double"',
  "it's",
  'say "hi"',
  "back\\slash",
  "C:\\path\\n",
  "tab\there",
  "\ttab-first",
  "line1\nline2",
  "trailing newline\n",
  "\n",
  "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7\n-----END PRIVATE KEY-----\n",
  "$<secret.OTHER>",
  "${secret.OTHER}",
  "{{ secrets.OTHER }}",
  "$$<secret.OTHER>",
  "pässwörd ✓ 密码 🔑",
  "\u00a0nbsp",
  "\u2028sep\u2029",
  "\u0085nel",
  "\u007fdel",
  "\ufeffbom",
  "\u0000nul",
  "\r\ncrlf",
  "---",
  "...",
  "--- x",
  "= ",
  "<<",
  "a #b",
  "a# b",
];

const string = (value: string): ValueForRender => ({ kind: ValueKind.STRING, value });

/** Renders `source` with every placeholder resolved to `value`. */
function renderAll(source: string, resolvedValue: (text: string) => ValueForRender): string {
  const template = parseYamlTemplate(source);
  expect(template.problems).toEqual([]);
  return renderYamlTemplate(template, resolvedValue);
}

const CONTEXTS: [string, (ref: string) => string, (doc: any) => unknown][] = [
  ["plain mapping value", (ref) => `key: ${ref}\n`, (d) => d.key],
  ["double-quoted value", (ref) => `key: "${ref}"\n`, (d) => d.key],
  ["single-quoted value", (ref) => `key: '${ref}'\n`, (d) => d.key],
  ["sequence item with a comment", (ref) => `list:\n  - ${ref} # note\n  - after\n`, (d) => d.list[0]],
  ["flow sequence", (ref) => `list: [a, ${ref}, b]\n`, (d) => d.list[1]],
  ["flow mapping", (ref) => `map: {k: ${ref}, z: 1}\n`, (d) => d.map.k],
  ["block literal", (ref) => `key: |-\n  ${ref}\nnext: 1\n`, (d) => d.key],
  ["nested, end of file without newline", (ref) => `a:\n  b:\n    c: ${ref}`, (d) => d.a.b.c],
];

describe("a substituted value is exactly that string when the output is parsed", () => {
  describe.each(CONTEXTS)("as a %s", (_context, wrap, pick) => {
    it.each(TRICKY_VALUES.map((v) => [JSON.stringify(v), v]))("%s", (_label, value) => {
      const block = wrap("$<secret.X>").includes("|-\n");
      const out = renderAll(wrap("$<secret.X>"), () => string(value));
      for (const version of ["1.2", "1.1"] as const) expect(pick(parse(out, { version }))).toBe(value);
      if (!block) expect(out.split("\n").length).toBe(wrap("x").split("\n").length); // one line stays one line
    });
  });

  it("PyYAML (YAML 1.1, libyaml) reads every value back exactly, in every position", () => {
    const cases = CONTEXTS.flatMap(([context, wrap, pick]) =>
      TRICKY_VALUES.map((value) => ({ context, value, pick, out: renderAll(wrap("$<secret.X>"), () => string(value)) })),
    );
    const read = readWithPyYaml(cases.map((c) => c.out));
    const results = cases.map((c, i) => ({ context: c.context, value: c.value, read: c.pick(read[i]![0]) }));
    expect(results.filter((r) => r.read !== r.value)).toEqual([]);
    expect(results).toHaveLength(CONTEXTS.length * TRICKY_VALUES.length);
  });

  it("many plain values in one file, each read back exactly (plain safety is checked for all at once)", () => {
    const plainish = [...TRICKY_VALUES, "0b1010", "+12", "1:20", "=", "a:b:c", "x.y@z", "no:", "True", "NO", "0.5", "v1.2.3"];
    const source = plainish.map((_, i) => `k${i}: $<secret.V${i}>\n`).join("");
    const out = renderAll(source, (text) => string(plainish[Number(/V(\d+)/.exec(text)![1])]!));
    for (const version of ["1.2", "1.1"] as const) {
      const doc = parse(out, { version });
      expect(plainish.filter((value, i) => doc[`k${i}`] !== value)).toEqual([]);
    }
    expect(out).toContain('k1: "no"\n'); // a YAML 1.1 boolean is quoted
    expect(out).toMatch(/^k\d+: v1\.2\.3$/m); // an unambiguous value stays plain
  });

  it("property: plain safety checked for many values at once equals checking each alone", () => {
    const plainChars = fc.constantFrom(..."aeknoyAENOTY019_./@%+=:~-xXbB");
    const value = fc.oneof(fc.constantFrom(...TRICKY_VALUES), fc.string({ unit: plainChars, minLength: 1, maxLength: 12 }));
    fc.assert(
      fc.property(fc.array(value, { maxLength: 30 }), (values) => {
        const alone = values.filter((v) => plainSafeValues([v]).has(v));
        expect([...plainSafeValues(values)].sort()).toEqual([...new Set(alone)].sort());
      }),
      { numRuns: 300 },
    );
  });

  it("inside longer strings, several per scalar", () => {
    const source = "auth: Bearer $<secret.T>\nurl: https://$<secret.DB.username>:$<secret.DB.password | urlencode>@db:5432/app\n";
    const values: Record<string, string> = {
      "$<secret.T>": "tok en#1",
      "$<secret.DB.username>": "app",
      "$<secret.DB.password | urlencode>": "p%40ss",
    };
    const out = renderAll(source, (text) => string(values[text]!));
    expect(parse(out)).toEqual({ auth: "Bearer tok en#1", url: "https://app:p%40ss@db:5432/app" });
    expect(out).toContain("url: https://app:p%40ss@db:5432/app\n"); // unambiguous: stays plain
  });

  it("property: arbitrary Unicode values round-trip in every context", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), fc.integer({ min: 0, max: CONTEXTS.length - 1 }), (value, context) => {
        const [, wrap, pick] = CONTEXTS[context]!;
        const out = renderAll(wrap("$<secret.X>"), () => string(value));
        expect(pick(parse(out))).toBe(value);
        expect(pick(parse(out, { version: "1.1" }))).toBe(value);
      }),
      { numRuns: 500 },
    );
  });

  it("property: a value with text around the reference round-trips", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme" }), (value) => {
        const out = renderAll("k: pre-$<secret.X>-post\n", () => string(value));
        expect(parse(out).k).toBe(`pre-${value}-post`);
      }),
      { numRuns: 300 },
    );
  });
});

describe("layout", () => {
  const SOURCE = [
    "# Provider config: comments, order and spacing stay.",
    "kind: provider   # trailing comment",
    "name: grafana",
    "",
    "settings:",
    "    url:    https://grafana.example   # odd spacing kept",
    "    api_key: $<secret.GRAFANA_API_KEY>",
    "    flags: [a,   b]",
    "zeta: 1",
    "alpha: 2",
    "",
  ].join("\n");

  it("keeps every byte outside the substituted scalars", () => {
    const out = renderAll(SOURCE, () => string("glsa_x"));
    expect(out).toBe(SOURCE.replace("$<secret.GRAFANA_API_KEY>", "glsa_x"));
  });

  it("keeps the comment on a substituted block scalar's header line", () => {
    const out = renderAll("key: |-  # the key\n  $<secret.X>\nother: 1 # o\n", () => string("v a: l"));
    expect(out).toBe('key: "v a: l" # the key\nother: 1 # o\n');
    expect(parse(out)).toEqual({ key: "v a: l", other: 1 });
  });

  it("leaves a file without placeholders unchanged", () => {
    const plain = "a: 1 # c\nb: [x, y]\n";
    expect(renderAll(plain, () => string("never"))).toBe(plain);
  });

  it("renders every document of a multi-document file", () => {
    const out = renderAll("a: $<secret.A>\n---\n# second\nb: $<secret.B>\n...\n", (text) => string(text.includes("A") ? "one" : "two"));
    expect(parseAllDocuments(out).map((d) => d.toJS())).toEqual([{ a: "one" }, { b: "two" }]);
    expect(out).toContain("---\n# second\n");
  });

  it("keeps anchors and aliases working", () => {
    const out = renderAll("a: &pw $<secret.P>\nb: *pw\n", () => string("yes"));
    expect(parse(out)).toEqual({ a: "yes", b: "yes" });
  });

  it("turns an escaped placeholder into literal text, without expanding it", () => {
    const out = renderAll("literal: $$<secret.X>\nhb: \\{{ secrets.X }}\n", () => string("never"));
    expect(parse(out)).toEqual({ literal: "$<secret.X>", hb: "{{ secrets.X }}" });
  });
});

describe("JSON values", () => {
  const object = { type: "service_account", port: 5432, nested: { key: "yes", list: [1, null, true] }, "odd key: #": "x" };

  it("a whole-scalar reference to a JSON value becomes a mapping, in any quoting", () => {
    for (const source of ["sa: $<secret.SA>\n", 'sa: "{{ secrets.SA }}"\n', "items:\n  - $<secret.SA> # c\n"]) {
      const out = renderAll(source, () => ({ kind: ValueKind.JSON, value: JSON.stringify(object) }));
      const parsed = parse(out);
      expect(parsed.sa ?? parsed.items[0]).toEqual(object);
    }
  });

  it("inside a longer string, JSON stays text", () => {
    const out = renderAll("cfg: 'json=$<secret.SA>'\n", () => ({ kind: ValueKind.JSON, value: '{"a":1}' }));
    expect(parse(out).cfg).toBe('json={"a":1}');
  });
});

describe("finding references and problems", () => {
  it("reports each reference with its line and column in the source", () => {
    const template = parseYamlTemplate('a: 1\nb:\n  - x $<secret.ONE> y ${secret.two}\nc: "q {{ secrets.Three }}"\n');
    expect(template.references.map((r) => [r.reference.source, r.position.line, r.position.column])).toEqual([
      ["$<secret.ONE>", 3, 7],
      ["${secret.two}", 3, 23],
      ["{{ secrets.Three }}", 4, 7],
    ]);
  });

  it("reports malformed placeholders, YAML errors, placeholders in keys and unquoted mustache, with positions", () => {
    const template = parseYamlTemplate('a: $<secret.9bad>\nb: {{ secrets.X }}\n$<secret.K>: v\nc: "{{#secrets.S}}"\n');
    expect(template.problems.map((p) => [p.position.line, p.position.column])).toEqual([
      [1, 4],
      [2, 4],
      [3, 1],
      [4, 5],
    ]);
    expect(template.problems[1]!.message).toContain("quote it");
    expect(template.problems[2]!.message).toContain("keys");

    const broken = parseYamlTemplate("ok: 1\nbad: [unclosed\n");
    expect(broken.problems.length).toBeGreaterThan(0);
    expect(broken.problems[0]!.message).toMatch(/^invalid YAML/);
  });
});
