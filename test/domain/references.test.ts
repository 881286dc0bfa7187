import { describe, expect, it } from "vitest";
import { applyFilters, type ReferenceFilter } from "../../kernel/reference-filters.js";
import {
  isReferenceSyntaxError,
  isWholeReference,
  parseReference,
  parseTemplate,
  type Reference,
  type TemplatePart,
} from "../../kernel/references.js";
import { escapeLiteralText, formatReference } from "../../kernel/reference-format.js";
import type { ReferenceSyntax } from "../../kernel/reference-openings.js";

/** The parts without positions, to compare with the tables. */
function shapes(text: string): Array<string | Omit<Reference, "nameKey">> {
  const parsed = parseTemplate(text);
  expect(parsed.errors).toEqual([]);
  return parsed.parts.map((part: TemplatePart) => {
    if (part.kind === "text") return part.text;
    const { nameKey: _nameKey, ...reference } = part.reference;
    return reference;
  });
}

/** Each part's text, or its placeholder's source. */
function partTexts(parts: TemplatePart[]): string[] {
  return parts.map((part) => (part.kind === "text" ? part.text : part.reference.source));
}

function ref(
  source: string,
  name: string,
  path: string[] = [],
  filters: ReferenceFilter[] = [],
  syntax: ReferenceSyntax = "canonical",
): Omit<Reference, "nameKey"> {
  return { name, path, filters, syntax, source };
}

describe("parseTemplate: valid placeholders", () => {
  const table: Array<[string, Array<string | Omit<Reference, "nameKey">>]> = [
    ["$<secret.GRAFANA_API_KEY>", [ref("$<secret.GRAFANA_API_KEY>", "GRAFANA_API_KEY")]],
    ["$<secret.DB.username>", [ref("$<secret.DB.username>", "DB", ["username"])]],
    ["$<secret.CFG.some.json.key>", [ref("$<secret.CFG.some.json.key>", "CFG", ["some", "json", "key"])]],
    ["$<secret.DB.password | urlencode>", [ref("$<secret.DB.password | urlencode>", "DB", ["password"], ["urlencode"])]],
    ["$<secret.DB|urlencode|base64>", [ref("$<secret.DB|urlencode|base64>", "DB", [], ["urlencode", "base64"])]],
    ["$<secret.DB \t|\t base64 >", [ref("$<secret.DB \t|\t base64 >", "DB", [], ["base64"])]],
    ["$<secret.X >", [ref("$<secret.X >", "X")]],
    ["$<secret._a-1.0.-x_>", [ref("$<secret._a-1.0.-x_>", "_a-1", ["0", "-x_"])]],
    ['$<secret.CFG."key.with dots">', [ref('$<secret.CFG."key.with dots">', "CFG", ["key.with dots"])]],
    ['$<secret.CFG."a\\"b\\\\c\\u00e9\\n"."">', [ref('$<secret.CFG."a\\"b\\\\c\\u00e9\\n"."">', "CFG", ['a"b\\cé\n', ""])]],
    ['$<secret.CFG."> | }}".x>', [ref('$<secret.CFG."> | }}".x>', "CFG", ["> | }}", "x"])]],
    ["${secret.NAME}", [ref("${secret.NAME}", "NAME", [], [], "dollar-brace")]],
    ["${secret.DB.password | urlencode}", [ref("${secret.DB.password | urlencode}", "DB", ["password"], ["urlencode"], "dollar-brace")]],
    ["{{ secrets.NAME }}", [ref("{{ secrets.NAME }}", "NAME", [], [], "mustache")]],
    ["{{secrets.NAME.a|base64}}", [ref("{{secrets.NAME.a|base64}}", "NAME", ["a"], ["base64"], "mustache")]],
    ["{{ \t secrets.N }}", [ref("{{ \t secrets.N }}", "N", [], [], "mustache")]],
    ["{{{ secrets.NAME }}}", [ref("{{{ secrets.NAME }}}", "NAME", [], [], "mustache-triple")]],
    ["{{{secrets.NAME}}}", [ref("{{{secrets.NAME}}}", "NAME", [], [], "mustache-triple")]],
    ["{{& secrets.NAME.x }}", [ref("{{& secrets.NAME.x }}", "NAME", ["x"], [], "mustache-triple")]],
    // A variable followed by a literal brace, as mustache reads it.
    ["{{ secrets.X }}}", [ref("{{ secrets.X }}", "X", [], [], "mustache"), "}"]],
    [
      "url: postgres://$<secret.DB.username>:$<secret.DB.password | urlencode>@db:5432/app",
      [
        "url: postgres://",
        ref("$<secret.DB.username>", "DB", ["username"]),
        ":",
        ref("$<secret.DB.password | urlencode>", "DB", ["password"], ["urlencode"]),
        "@db:5432/app",
      ],
    ],
    [
      "a${secret.A}{{ secrets.B }}$<secret.C>z",
      ["a", ref("${secret.A}", "A", [], [], "dollar-brace"), ref("{{ secrets.B }}", "B", [], [], "mustache"), ref("$<secret.C>", "C"), "z"],
    ],
    ["$<secret.X>>", [ref("$<secret.X>", "X"), ">"]],
    ["", []],
  ];
  it.each(table)("%j", (text, expected) => {
    expect(shapes(text)).toEqual(expected);
  });

  it("keeps the name as written and matches by the lower-cased key", () => {
    const parsed = parseTemplate("$<secret.Db_Main>");
    expect(parsed.parts[0]).toMatchObject({ kind: "reference", reference: { name: "Db_Main", nameKey: "db_main" } });
  });

  it("accepts a name of exactly 128 characters", () => {
    const name = `N${"x".repeat(127)}`;
    expect(shapes(`$<secret.${name}>`)).toEqual([ref(`$<secret.${name}>`, name)]);
  });

  it("gives start and end (just after the placeholder) with 1-based line and column", () => {
    const text = "a: 1\nb: x$<secret.B>y\r\n  c: {{ secrets.C }}";
    const parts = parseTemplate(text).parts.filter((part) => part.kind === "reference");
    expect(parts.map((part) => [part.start, part.end])).toEqual([
      [
        { offset: 9, line: 2, column: 5 },
        { offset: 20, line: 2, column: 16 },
      ],
      [
        { offset: 28, line: 3, column: 6 },
        { offset: 43, line: 3, column: 21 },
      ],
    ]);
  });

  it("counts columns in UTF-16 units", () => {
    const [, part] = parseTemplate("😀é$<secret.X>").parts;
    expect(part).toMatchObject({ start: { offset: 3, line: 1, column: 4 } });
  });
});

describe("parseTemplate: escapes", () => {
  const table: Array<[string, string]> = [
    ["$$<secret.X>", "$<secret.X>"],
    ["$${secret.X}", "${secret.X}"],
    ["\\{{ secrets.X }}", "{{ secrets.X }}"],
    ["\\{{{ secrets.X }}}", "{{{ secrets.X }}}"],
    ["\\{{#secrets.X}}", "{{#secrets.X}}"],
    ["pre $$<secret.X.y | base64> post", "pre $<secret.X.y | base64> post"],
    // Only the dollar just before the opening is the escape.
    ["$$$<secret.X>", "$$<secret.X>"],
    ["\\\\{{ secrets.X }}", "\\{{ secrets.X }}"],
    // A `$$` before anything else is shell text and stays.
    ["echo $$ $$HOME $${HOME} $$<other>", "echo $$ $$HOME $${HOME} $$<other>"],
    ["\\$<x> \\n", "\\$<x> \\n"],
  ];
  it.each(table)("%j reads as literal %j", (text, literal) => {
    expect(parseTemplate(text)).toEqual({ parts: [{ kind: "text", text: literal }], errors: [] });
  });

  it("an escaped placeholder is not a reference, the next one is", () => {
    expect(shapes("$$<secret.A> $<secret.B>")).toEqual(["$<secret.A> ", ref("$<secret.B>", "B")]);
  });

  it("the wrong escape character does not escape: a backslash before $<secret.", () => {
    expect(shapes("\\$<secret.A>")).toEqual(["\\", ref("$<secret.A>", "A")]);
  });

  it("${{ … }} (GitHub Actions and other engines' expressions) is never a reference: left as written", () => {
    for (const text of [
      "${{ secrets.A }}",
      "${{secrets.A}}",
      "${{{ secrets.A }}}",
      "$${{ secrets.A }}",
      'echo "${{ secrets.GITHUB_TOKEN }}" ${{ secrets.A | x }} ${{ secrets. }}',
      "${{ format('{0}', secrets.A) }}",
    ]) {
      expect(parseTemplate(text), text).toEqual({ parts: [{ kind: "text", text }], errors: [] });
      expect(escapeLiteralText(text), text).toBe(text);
    }
    expect(shapes("${{ secrets.A }} {{ secrets.B }}")).toEqual(["${{ secrets.A }} ", ref("{{ secrets.B }}", "B", [], [], "mustache")]);
  });

  it("escapeLiteralText escapes every opening, of every syntax", () => {
    expect(escapeLiteralText("a $<secret.X> ${secret.Y} {{ secrets.Z }} {{{secrets.T}}} {{#secrets.S}} $x")).toBe(
      "a $$<secret.X> $${secret.Y} \\{{ secrets.Z }} \\{{{secrets.T}}} \\{{#secrets.S}} $x",
    );
    expect(escapeLiteralText("$$<secret.X>")).toBe("$$$<secret.X>");
  });
});

describe("parseTemplate: text that only looks like a placeholder stays literal", () => {
  it.each([
    "$<other>",
    "${HOME}",
    "$HOME",
    "$",
    "$$",
    "$<",
    "$<secret",
    "$<secret>",
    "$<Secret.X>",
    "$<secrets.X>",
    "$< secret.X >",
    "${ secret.X }",
    "{{ $labels.instance }}",
    "{{ .Values.x }}",
    "{{ secretsX }}",
    "{{ secrets }}",
    "{{ Secrets.X }}",
    "{{ secret.X }}",
    "{ secrets.X }",
    "{{ #secrets.X }}",
    "{{=<% %>=}}",
    "{{! a comment about secrets.X }}",
    "\\",
  ])("%j", (text) => {
    expect(parseTemplate(text)).toEqual({ parts: [{ kind: "text", text }], errors: [] });
  });
});

describe("parseTemplate: errors", () => {
  const table: Array<[string, string, RegExp]> = [
    ["$<secret.X", "$<secret.X", /unterminated placeholder: expected ">" before the end of the text/],
    ["$<secret.X.y | base64", "$<secret.X.y | base64", /unterminated.*">"/],
    ["${secret.X", "${secret.X", /unterminated.*"}"/],
    ["{{ secrets.X", "{{ secrets.X", /unterminated.*"}}"/],
    ["$<secret.X |", "$<secret.X |", /unterminated/],
    ['$<secret.X."abc>', '$<secret.X."abc>', /unterminated quoted field name/],
    ["$<secret.>", "$<secret.>", /secret name is required/],
    ["$<secret. | base64>", "$<secret. | base64>", /secret name is required/],
    ["$<secret.9x>", "$<secret.9x>", /secret name "9x" must start with a letter or '_'/],
    ["$<secret.a b>", "$<secret.a b>", /secret name "a b" must start with a letter or '_' and hold only letters, digits/],
    ["$<secret.é>", "$<secret.é>", /secret name "é" must/],
    [`$<secret.${"n".repeat(129)}>`, `$<secret.${"n".repeat(129)}>`, /secret name ".*" must be at most 128 characters \(got 129\)/],
    // Blanks end a name only before "|" or the closer.
    ["$<secret.X .y>", "$<secret.X .y>", /secret name "X " must start/],
    ["$<secret.X..y>", "$<secret.X..y>", /empty field name after "\."/],
    ["$<secret.X.>", "$<secret.X.>", /empty field name/],
    ["$<secret.X.a@b>", "$<secret.X.a@", /unexpected "@", expected "\|" or ">" \(a field name with characters other than .* quoted/],
    ["$<secret.X.a b>", "$<secret.X.a b", /unexpected "b"/],
    ['$<secret.X."\\x">', '$<secret.X."\\x"', /quoted field name "\\"\\\\x\\"" is not a valid JSON string/],
    ["$<secret.X | upper>", "$<secret.X | upper>", /unknown filter "upper"; known filters: urlencode, base64/],
    ["$<secret.X | URLENCODE>", "$<secret.X | URLENCODE>", /unknown filter "URLENCODE"/],
    ["$<secret.X | constructor>", "$<secret.X | constructor>", /unknown filter "constructor"/],
    ["$<secret.X | base64 | >", "$<secret.X | base64 | >", /expected a filter name after "\|", found ">"/],
    ["$<secret.X.y}", "$<secret.X.y}", /unexpected "}", expected "\|" or ">"/],
    ["$<secret.X}", "$<secret.X}", /unterminated placeholder: expected ">"/],
    ["{{#secrets.X}}", "{{#secrets.X}}", /mustache section tags \(\{\{#\) cannot address secrets/],
    ["{{^secrets.X}}", "{{^secrets.X}}", /mustache inverted section tags \(\{\{\^\)/],
    ["{{/secrets.X}}", "{{/secrets.X}}", /mustache closing tags \(\{\{\/\)/],
    ["{{>secrets.X}}", "{{>secrets.X}}", /mustache partials \(\{\{>\)/],
    ["{{< secrets.X }}", "{{< secrets.X }}", /mustache parent tags/],
    ["{{! secrets.X }}", "{{! secrets.X }}", /mustache comments \(\{\{!\)/],
    ["{{{ secrets.X }}", "{{{ secrets.X }", /mismatched close: "\{\{\{" must be closed by "\}\}\}"/],
    ["{{ secrets.X }", "{{ secrets.X }", /mismatched close: "\{\{" must be closed by "\}\}"/],
    ["{{& secrets.X }x", "{{& secrets.X }", /mismatched close: "\{\{&" must be closed by "\}\}"/],
  ];
  it.each(table)("%j", (text, source, message) => {
    const parsed = parseTemplate(text);
    expect(parsed.errors).toHaveLength(1);
    const [error] = parsed.errors;
    expect(error?.start).toEqual({ offset: 0, line: 1, column: 1 });
    expect(error?.source).toBe(source);
    expect(error?.message).toMatch(message);
    // The message says which placeholder it is about.
    expect(error?.message.startsWith(JSON.stringify(source.slice(0, 60)).slice(0, -1))).toBe(true);
    // The placeholder's text stays in the parts as text: no reference comes out of it.
    expect(parsed.parts).toEqual([{ kind: "text", text }]);
  });

  it("a placeholder does not span lines", () => {
    const parsed = parseTemplate("$<secret.X\n>");
    expect(parsed.errors.map((error) => [error.source, error.message])).toEqual([
      ["$<secret.X", '"$<secret.X": unterminated placeholder: expected ">" before the end of the line'],
    ]);
  });

  it("collects every error, each with its own line and column, and keeps the valid references", () => {
    const text = [
      "name: $<secret.OK>",
      "user: {{ secrets.OK.user }}",
      "  password: x $<secret.9bad> y {{#secrets.X}}",
      "\turl: ${secret.U | upper} $<secret.OPEN",
      "  next: $<secret.OK2>",
    ].join("\n");
    const parsed = parseTemplate(text);
    expect(parsed.errors.map((error) => [error.start.line, error.start.column, error.start.offset, error.source])).toEqual([
      [3, 15, 61, "$<secret.9bad>"],
      [3, 32, 78, "{{#secrets.X}}"],
      [4, 7, 99, "${secret.U | upper}"],
      [4, 27, 119, "$<secret.OPEN"],
    ]);
    for (const error of parsed.errors) expect(text.slice(error.start.offset).startsWith(error.source)).toBe(true);
    expect(parsed.parts.filter((part) => part.kind === "reference").map((part) => part.reference.source)).toEqual([
      "$<secret.OK>",
      "{{ secrets.OK.user }}",
      "$<secret.OK2>",
    ]);
  });

  it("after an unterminated placeholder, finds the placeholders that follow on the same line", () => {
    const parsed = parseTemplate("$<secret.A.b $<secret.B>");
    expect(parsed.errors.map((error) => error.source)).toEqual(["$<secret.A.b $"]);
    expect(partTexts(parsed.parts)).toEqual(["$<secret.A.b ", "$<secret.B>"]);
  });

  it("a placeholder whose quoted field holds another placeholder is one reference", () => {
    expect(shapes('$<secret.C."$<secret.D>">')).toEqual([ref('$<secret.C."$<secret.D>">', "C", ["$<secret.D>"])]);
  });

  it("finishes on 1 MB of repeated openings, one error each", () => {
    const count = Math.ceil(1_000_000 / "$<secret.".length);
    const parsed = parseTemplate("$<secret.".repeat(count));
    expect(parsed.errors).toHaveLength(count);
    expect(parsed.parts).toEqual([{ kind: "text", text: "$<secret.".repeat(count) }]);
  });

  it.each([
    ["mustache openings", "{{ secrets.", 1, "{{ secrets."],
    ["unterminated quoted fields", '$<secret.a."', 1, '$<secret.a."'],
    ["open paths", "$<secret.a.b", 1, "$<secret.a.b"],
    ["filters without closers", "${secret.a | base64 ", 1, "${secret.a | base64 "],
    ["escaped openings", "$$<secret.", 0, "$<secret."],
  ])("finishes on 1 MB of repeated %s", (_label, unit, errorsPerUnit, literal) => {
    const count = Math.ceil(1_000_000 / unit.length);
    const parsed = parseTemplate(unit.repeat(count));
    expect(parsed.errors).toHaveLength(count * errorsPerUnit);
    expect(parsed.parts).toEqual([{ kind: "text", text: literal.repeat(count) }]);
  });
});

describe("parseReference", () => {
  it("returns the reference when the whole string is one placeholder", () => {
    expect(parseReference("{{{ secrets.Db.password | urlencode }}}")).toEqual({
      name: "Db",
      nameKey: "db",
      path: ["password"],
      filters: ["urlencode"],
      syntax: "mustache-triple",
      source: "{{{ secrets.Db.password | urlencode }}}",
    });
  });

  it.each([" $<secret.X>", "$<secret.X> ", "$<secret.X>$<secret.Y>", "x", "", "$$<secret.X>"])(
    "refuses %j: not exactly one placeholder",
    (text) => {
      const result = parseReference(text);
      expect(isReferenceSyntaxError(result)).toBe(true);
      expect(result).toMatchObject({
        message: expect.stringMatching(/expected exactly one placeholder such as \$<secret\.NAME>, with no text around it/),
        start: { offset: 0, line: 1, column: 1 },
        source: text,
      });
    },
  );

  it("returns the placeholder's own error when it is malformed", () => {
    const result = parseReference("$<secret.X | upper>");
    expect(isReferenceSyntaxError(result)).toBe(true);
    expect(result).toMatchObject({ message: expect.stringMatching(/unknown filter "upper"/), source: "$<secret.X | upper>" });
  });
});

describe("isWholeReference", () => {
  it.each([
    ["$<secret.X>", true],
    ["{{ secrets.X.y }}", true],
    ["$<secret.X> ", false],
    ["$<secret.X>$<secret.Y>", false],
    ["plain", false],
    ["", false],
    ["$<secret.9>", false],
  ])("%j → %s", (text, whole) => {
    expect(isWholeReference(parseTemplate(text))).toBe(whole);
  });
});

describe("formatReference", () => {
  it.each([
    [{ name: "X", path: [], filters: [] }, "$<secret.X>"],
    [{ name: "DB", path: ["password"], filters: ["urlencode", "base64"] }, "$<secret.DB.password | urlencode | base64>"],
    [{ name: "CFG", path: ["a-b_1", "key.with dots", "", 'q"\n'], filters: [] }, '$<secret.CFG.a-b_1."key.with dots"."".\"q\\"\\n\">'],
  ] as Array<[Pick<Reference, "name" | "path" | "filters">, string]>)("%j → %s", (reference, text) => {
    expect(formatReference(reference)).toBe(text);
  });
});

describe("applyFilters", () => {
  it("urlencode percent-encodes the UTF-8 bytes of every reserved character", () => {
    expect(applyFilters("p@ss:w/rd?#&=+ %é", ["urlencode"])).toBe("p%40ss%3Aw%2Frd%3F%23%26%3D%2B%20%25%C3%A9");
    expect(applyFilters("AZaz09-_.!~*'()", ["urlencode"])).toBe("AZaz09-_.!~*'()");
  });

  it("base64 is standard base64 of the UTF-8 bytes", () => {
    expect(applyFilters("é>?", ["base64"])).toBe("w6k+Pw==");
    expect(applyFilters("", ["base64"])).toBe("");
  });

  it("applies filters in order", () => {
    expect(applyFilters("é>?", ["base64", "urlencode"])).toBe("w6k%2BPw%3D%3D");
    expect(applyFilters("é>?", ["urlencode", "base64"])).toBe(Buffer.from("%C3%A9%3E%3F").toString("base64"));
    expect(applyFilters("same", [])).toBe("same");
  });

  it("encodes a lone surrogate as U+FFFD in both filters instead of throwing", () => {
    expect(applyFilters("a\ud800", ["urlencode"])).toBe("a%EF%BF%BD");
    expect(applyFilters("a\ud800", ["base64"])).toBe(Buffer.from("a\uFFFD").toString("base64"));
  });
});
