import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { applyFilters, REFERENCE_FILTERS } from "../../kernel/reference-filters.js";
import { parseReference, parseTemplate, type Reference, type TemplatePart, type TextPosition } from "../../kernel/references.js";
import { escapeLiteralText, formatReference } from "../../kernel/reference-format.js";
import type { ReferenceSyntax } from "../../kernel/reference-openings.js";

const RUNS = { numRuns: 3000 };

const secretName = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_-]{0,127}$/);

/** One UTF-16 unit or code point, biased towards the characters the grammar cares about, lone surrogates included. */
const anyChar = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      "$",
      "<",
      ">",
      "{",
      "}",
      ".",
      '"',
      "\\",
      "|",
      " ",
      "\t",
      "\n",
      "\r",
      "&",
      "#",
      "!",
      "^",
      "/",
      "x",
      "9",
      "_",
      "é",
    ),
  },
  { weight: 2, arbitrary: fc.string({ unit: "binary", minLength: 1, maxLength: 1 }) },
  { weight: 1, arbitrary: fc.integer({ min: 0xd800, max: 0xdfff }).map((code) => String.fromCharCode(code)) },
);
const anyText = (maxLength: number) => fc.string({ unit: anyChar, maxLength });

const field = fc.oneof(fc.stringMatching(/^[A-Za-z0-9_-]{1,12}$/), anyText(10), fc.string({ unit: "binary", maxLength: 10 }));

const reference = fc.record({
  name: secretName,
  path: fc.array(field, { maxLength: 5 }),
  filters: fc.array(fc.constantFrom(...REFERENCE_FILTERS), { maxLength: 4 }),
});

const blanks = fc.stringMatching(/^[ \t]{0,2}$/);

/** The source text of `ref` written in one of the syntaxes, and the syntax it parses as. */
const placeholder = fc
  .tuple(reference, fc.constantFrom("canonical", "dollar-brace", "mustache", "mustache-triple", "mustache-ampersand"), blanks)
  .map(([ref, form, pad]) => {
    const body = formatReference(ref).slice("$<secret.".length, -">".length);
    const written: Record<typeof form, [string, ReferenceSyntax]> = {
      canonical: [`$<secret.${body}${pad}>`, "canonical"],
      "dollar-brace": [`\${secret.${body}${pad}}`, "dollar-brace"],
      mustache: [`{{${pad}secrets.${body}${pad}}}`, "mustache"],
      "mustache-triple": [`{{{${pad}secrets.${body}${pad}}}}`, "mustache-triple"],
      "mustache-ampersand": [`{{&${pad}secrets.${body}${pad}}}`, "mustache-triple"],
    };
    const [source, syntax] = written[form];
    return { ref, source, syntax };
  });

const tokens = fc.constantFrom(
  "$",
  "$$",
  "\\",
  "{",
  "{{",
  "{{{",
  "}}",
  "}}}",
  ">",
  "secret.",
  "secrets.",
  "$<secret.",
  "${secret.",
  "{{ secrets.",
  "{{{secrets.",
  "{{& secrets.",
  "{{#secrets.",
  "{{! secrets.",
  '."',
  " | base64",
  " | upper",
);

/** Strings that contain placeholders, their pieces, escapes and noise, next to each other. */
const templateLike = fc
  .array(
    fc.oneof(
      anyText(8),
      tokens,
      placeholder.map((generated) => generated.source),
    ),
    { maxLength: 12 },
  )
  .map((pieces) => pieces.join(""));

function expectedPosition(text: string, offset: number): TextPosition {
  const before = text.slice(0, offset);
  return { offset, line: before.split("\n").length, column: offset - (before.lastIndexOf("\n") + 1) + 1 };
}

function reconstruct(parts: TemplatePart[]): string {
  return parts.map((part) => (part.kind === "text" ? part.text : part.reference.source)).join("");
}

// Written independently of the parser, as an oracle: a dollar before a dollar opening, a backslash before a mustache one.
const ESCAPE = /\$\$[<{]secret\.|\\\{\{[{&#^/><!]?[ \t]*secrets\./;

describe("reference properties", () => {
  it("parseReference(formatReference(r)) gives r back, for any valid name, any field keys and filters", () => {
    fc.assert(
      fc.property(reference, (ref) => {
        const source = formatReference(ref);
        const expected: Reference = { ...ref, nameKey: ref.name.toLowerCase(), syntax: "canonical", source };
        expect(parseReference(source)).toEqual(expected);
      }),
      RUNS,
    );
  });

  it("every syntax reads the same name, path and filters", () => {
    fc.assert(
      fc.property(placeholder, ({ ref, source, syntax }) => {
        expect(parseReference(source)).toEqual({ ...ref, nameKey: ref.name.toLowerCase(), syntax, source });
      }),
      RUNS,
    );
  });

  it("parseTemplate(escapeLiteralText(s)) is exactly s, as literal text", () => {
    fc.assert(
      fc.property(fc.oneof(templateLike, fc.string({ unit: "binary" })), (text) => {
        const parsed = parseTemplate(escapeLiteralText(text));
        expect(parsed).toEqual({ parts: text.length > 0 ? [{ kind: "text", text }] : [], errors: [] });
      }),
      RUNS,
    );
  });

  it("a template built from escaped texts and placeholders parses back into exactly those", () => {
    const segment = fc.tuple(anyText(8), placeholder);
    fc.assert(
      fc.property(fc.array(segment, { maxLength: 5 }), anyText(8), (segments, tail) => {
        const expected: Array<string | Omit<Reference, "nameKey">> = [];
        let template = "";
        for (const [rawText, { ref, source, syntax }] of segments) {
          // A literal escape character (or, before mustache, a brace or a `$`) right before an opening of that family
          // would join it; such text is written with the other syntax, so it is left out here.
          const text = syntax === "canonical" || syntax === "dollar-brace" ? rawText.replace(/\$+$/, "") : rawText.replace(/[\\{$]+$/, "");
          template += escapeLiteralText(text) + source;
          if (text.length > 0) expected.push(text);
          expected.push({ ...ref, syntax, source });
        }
        template += escapeLiteralText(tail);
        if (tail.length > 0) expected.push(tail);
        const parsed = parseTemplate(template);
        expect(parsed.errors).toEqual([]);
        const actual = parsed.parts.map((part) => {
          if (part.kind === "text") return part.text;
          const { nameKey: _nameKey, ...rest } = part.reference;
          return rest;
        });
        // Adjacent texts merge, so compare with the expected texts merged the same way.
        const merged = expected.reduce<typeof expected>((list, item) => {
          const last = list[list.length - 1];
          if (typeof item === "string" && typeof last === "string") list[list.length - 1] = last + item;
          else list.push(item);
          return list;
        }, []);
        expect(actual).toEqual(merged);
      }),
      RUNS,
    );
  });

  it("parseTemplate never throws, and its parts and errors are consistent with the input", () => {
    fc.assert(
      fc.property(fc.oneof(templateLike, fc.string({ unit: "binary" }), anyText(40)), (text) => {
        const { parts, errors } = parseTemplate(text);
        for (const [index, part] of parts.entries()) {
          if (part.kind === "text") {
            expect(part.text).not.toBe("");
            expect(parts[index + 1]?.kind).not.toBe("text");
            continue;
          }
          expect(text.slice(part.start.offset, part.end.offset)).toBe(part.reference.source);
          expect(part.start).toEqual(expectedPosition(text, part.start.offset));
          expect(part.end).toEqual(expectedPosition(text, part.end.offset));
          expect(parseReference(part.reference.source)).toEqual(part.reference);
        }
        for (const error of errors) {
          expect(error.source).not.toBe("");
          expect(text.startsWith(error.source, error.start.offset)).toBe(true);
          expect(error.start).toEqual(expectedPosition(text, error.start.offset));
        }
      }),
      RUNS,
    );
  });

  it("without escapes, the parts' texts and sources are the input", () => {
    fc.assert(
      fc.property(templateLike, (text) => {
        fc.pre(!ESCAPE.test(text));
        expect(reconstruct(parseTemplate(text).parts)).toBe(text);
      }),
      RUNS,
    );
  });

  it("urlencode leaves only unreserved characters and percent-escapes, and decodes back", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (value) => {
        const encoded = applyFilters(value, ["urlencode"]);
        expect(encoded).toMatch(/^(?:[A-Za-z0-9\-_.!~*'()]|%[0-9A-F]{2})*$/);
        expect(decodeURIComponent(encoded)).toBe(value);
      }),
      RUNS,
    );
  });

  it("base64 is the standard base64 of the UTF-8 bytes and decodes back", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (value) => {
        const encoded = applyFilters(value, ["base64"]);
        expect(encoded).toMatch(/^[A-Za-z0-9+/]*={0,2}$/);
        expect(encoded.length % 4).toBe(0);
        expect(Buffer.from(encoded, "base64").toString("utf8")).toBe(value);
      }),
      RUNS,
    );
  });
});
