/**
 * Property-based checks (fast-check), thousands of cases per run: the name
 * rule against an independent statement of it, typed values round-tripping
 * through their encoding, and a JSON secret rendered as a whole YAML scalar
 * coming back as the same mapping. (The reference parser's properties live in
 * test/domain/, string values in YAML in test/sidecar/.)
 * RELIABILITY_HEAVY=1 runs ten times as many cases.
 */
import fc from "fast-check";
import { parse } from "yaml";
import { afterAll, describe, expect, it } from "vitest";
import { ValueKind } from "../../gen/secrets/v1/resolver_service_pb.js";
import type { FieldViolation } from "../../kernel/field-violation.js";
import { MAX_SECRET_NAME_LENGTH, isValidSecretName, secretNameKey } from "../../kernel/names.js";
import {
  MAX_VALUE_BYTES,
  decodeSecretValue,
  encodeSecretValue,
  parseSecretValue,
  type SecretValueInput,
} from "../../kernel/secret-values.js";
import { parseYamlTemplate, renderYamlTemplate } from "../../sidecar/yaml-render.js";

const RUNS = process.env.RELIABILITY_HEAVY === "1" ? 20_000 : 2_000;
let cases = 0;
let failures = 0;
const counted =
  <T extends unknown[]>(check: (...args: T) => void) =>
  (...args: T) => {
    cases++;
    try {
      check(...args);
    } catch (error) {
      failures++; // shrinking runs more failing cases
      throw error;
    }
  };
afterAll(() => console.log(`properties: ${cases} cases over 5 properties (${RUNS} runs each), ${failures} failing cases`));

/** The name rule, stated without a regular expression: 1-128 of [A-Za-z0-9_-], the first a letter or '_'. */
function nameRuleHolds(name: string): boolean {
  const letter = (c: string) => (c >= "A" && c <= "Z") || (c >= "a" && c <= "z");
  const allowed = (c: string) => letter(c) || (c >= "0" && c <= "9") || c === "_" || c === "-";
  const chars = [...name];
  return chars.length >= 1 && chars.length <= 128 && (letter(chars[0]!) || chars[0] === "_") && chars.every(allowed);
}

const NAME_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-".split("");
const nearlyNames = fc
  .array(fc.oneof(fc.constantFrom(...NAME_CHARS), fc.constantFrom(" ", ".", "$", "é", "\n", "\u0000", "ß", "İ", "K")), {
    minLength: 0,
    maxLength: MAX_SECRET_NAME_LENGTH + 3,
  })
  .map((chars) => chars.join(""));
const anyName = fc.oneof(nearlyNames, fc.string({ unit: "binary", maxLength: 140 }), fc.string({ unit: "grapheme-ascii", maxLength: 140 }));

describe("secret names", () => {
  it("are valid exactly when the rule, stated independently, holds", () => {
    fc.assert(
      fc.property(
        anyName,
        counted((name: string) => expect(isValidSecretName(name)).toBe(nameRuleHolds(name))),
      ),
      { numRuns: RUNS },
    );
  });

  it("match case-insensitively: a valid name and any case variant share one key, itself a valid name", () => {
    const validName = nearlyNames.filter(nameRuleHolds);
    fc.assert(
      fc.property(
        validName,
        fc.array(fc.boolean(), { maxLength: 130 }),
        counted((name: string, flips: boolean[]) => {
          const variant = [...name].map((c, i) => (flips[i] ? c.toUpperCase() : c.toLowerCase())).join("");
          expect(secretNameKey(variant)).toBe(secretNameKey(name));
          expect(isValidSecretName(secretNameKey(name))).toBe(true);
          expect(secretNameKey(secretNameKey(name))).toBe(secretNameKey(name));
        }),
      ),
      { numRuns: RUNS },
    );
  });
});

const text = fc.string({ unit: "binary", maxLength: 200 });
const jsonObject = fc.dictionary(fc.string({ unit: "binary", maxLength: 12 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 8 });

describe("typed values", () => {
  it("a valid value of each type survives encode and decode unchanged", () => {
    const input = fc.oneof(
      text.filter((t) => t.length > 0).map((token) => ({ type: "TOKEN" as const, input: { kind: "token" as const, token } })),
      fc
        .tuple(text, text)
        .filter(([u, p]) => u.length > 0 && p.length > 0)
        .map(([username, password]) => ({
          type: "USERNAME_PASSWORD" as const,
          input: { kind: "usernamePassword" as const, username, password },
        })),
      jsonObject.map((object) => ({ type: "JSON" as const, input: { kind: "json" as const, json: JSON.stringify(object) } })),
    );
    fc.assert(
      fc.property(
        input,
        counted(({ type, input }: { type: "TOKEN" | "USERNAME_PASSWORD" | "JSON"; input: SecretValueInput }) => {
          const violations: FieldViolation[] = [];
          const value = parseSecretValue(type, input, "value", violations);
          expect(violations).toEqual([]);
          const decoded = decodeSecretValue(type, encodeSecretValue(value!));
          // JSON text comparison: -0 and 0 are the same JSON number.
          expect(JSON.stringify(decoded)).toBe(JSON.stringify(value));
          // A JSON value is its text, exactly as given.
          if (input.kind === "json") expect(decoded).toEqual({ type: "JSON", json: input.json });
        }),
      ),
      { numRuns: RUNS },
    );
  });

  it("is refused exactly when empty, of the wrong kind, not a JSON object, or too large; never quoting the value", () => {
    const kinds = ["TOKEN", "USERNAME_PASSWORD", "JSON"] as const;
    const big = fc.integer({ min: MAX_VALUE_BYTES - 8, max: MAX_VALUE_BYTES + 8 }).map((n) => "v".repeat(n));
    const input: fc.Arbitrary<SecretValueInput> = fc.oneof(
      fc.oneof(text, big).map((token) => ({ kind: "token" as const, token })),
      fc.tuple(text, text).map(([username, password]) => ({ kind: "usernamePassword" as const, username, password })),
      fc
        .oneof(
          text,
          jsonObject.map((o) => JSON.stringify(o)),
          fc.jsonValue().map((v) => JSON.stringify(v)),
        )
        .map((json) => ({ kind: "json" as const, json })),
      fc.constant({ kind: "none" as const }),
    );
    fc.assert(
      fc.property(
        fc.constantFrom(...kinds),
        input,
        counted((type: (typeof kinds)[number], input: SecretValueInput) => {
          const violations: FieldViolation[] = [];
          const value = parseSecretValue(type, input, "value", violations);
          const kindOfType = { TOKEN: "token", USERNAME_PASSWORD: "usernamePassword", JSON: "json" }[type];
          let acceptable = input.kind === kindOfType;
          if (input.kind === "token") acceptable &&= input.token.length > 0 && Buffer.byteLength(input.token) <= MAX_VALUE_BYTES;
          if (input.kind === "usernamePassword") acceptable &&= input.username.length > 0 && input.password.length > 0;
          if (input.kind === "json") {
            let parsed: unknown;
            try {
              parsed = JSON.parse(input.json);
            } catch {
              parsed = undefined;
            }
            acceptable &&= parsed !== null && typeof parsed === "object" && !Array.isArray(parsed);
          }
          expect(value !== undefined).toBe(acceptable);
          expect(violations.length === 0).toBe(acceptable);
          const secretTexts =
            input.kind === "token"
              ? [input.token]
              : input.kind === "usernamePassword"
                ? [input.username, input.password]
                : input.kind === "json"
                  ? [input.json]
                  : [];
          for (const secretText of secretTexts.filter((t) => t.length >= 6))
            for (const violation of violations) expect(violation.description.includes(secretText)).toBe(false);
        }),
      ),
      { numRuns: RUNS },
    );
  });
});

describe("YAML render", () => {
  const contexts: [string, (yaml: unknown) => unknown][] = [
    ["config: $<secret.J>\n", (doc) => (doc as { config: unknown }).config],
    ["outer:\n  - name: a\n    settings: $<secret.J>\n", (doc) => (doc as { outer: { settings: unknown }[] }).outer[0]!.settings],
    ["{ inline: $<secret.J> }\n", (doc) => (doc as { inline: unknown }).inline],
  ];
  it("a JSON secret as a whole scalar becomes the same mapping, in block and flow context", () => {
    fc.assert(
      fc.property(
        jsonObject,
        fc.integer({ min: 0, max: contexts.length - 1 }),
        counted((object: Record<string, unknown>, context: number) => {
          const [source, pick] = contexts[context]!;
          const template = parseYamlTemplate(source);
          expect(template.problems).toEqual([]);
          const out = renderYamlTemplate(template, () => ({ kind: ValueKind.JSON, value: JSON.stringify(object) }));
          expect(JSON.stringify(pick(parse(out)))).toBe(JSON.stringify(object));
        }),
      ),
      { numRuns: RUNS },
    );
  });
});
