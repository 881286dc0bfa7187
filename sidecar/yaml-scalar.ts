/**
 * YAML text for a substituted value: a string scalar that any YAML parser
 * (1.1 or 1.2) reads back as exactly that string, on one line, so it can stand
 * wherever the original scalar stood; and a JSON object or array as a one-line
 * flow collection, so a whole-scalar JSON reference becomes a mapping in place.
 */
import { parse } from "yaml";
import { jsonMembers, jsonNodeText, jsonStringValue, jsonTree, type JsonNode } from "../kernel/json-text.js";

const NAMED_ESCAPES: Record<string, string> = {
  "\\": "\\\\",
  '"': '\\"',
  "\0": "\\0",
  "\x07": "\\a",
  "\b": "\\b",
  "\t": "\\t",
  "\n": "\\n",
  "\v": "\\v",
  "\f": "\\f",
  "\r": "\\r",
  "\x1b": "\\e",
  "\u2028": "\\L",
  "\u2029": "\\P",
};

function hex(code: number, digits: number): string {
  return code.toString(16).toUpperCase().padStart(digits, "0");
}

/** True for characters YAML does not allow raw in a stream (c-printable), which must be escaped. */
function needsEscape(code: number): boolean {
  return (
    code < 0x20 ||
    (code >= 0x7f && code <= 0x9f) ||
    (code >= 0xd800 && code <= 0xdfff) || // a lone surrogate: no UTF-8 form exists
    code === 0xfeff ||
    code === 0xfffe ||
    code === 0xffff
  );
}

/** A double-quoted scalar on one line; every character that is not plainly printable is escaped. */
export function yamlDoubleQuoted(value: string): string {
  let out = '"';
  for (const char of value) {
    const named = NAMED_ESCAPES[char];
    if (named !== undefined) {
      out += named;
      continue;
    }
    const code = char.codePointAt(0)!;
    if (!needsEscape(code)) out += char;
    else out += code <= 0xff ? `\\x${hex(code, 2)}` : `\\u${hex(code, 4)}`;
  }
  return `${out}"`;
}

/** Characters that never need quoting in a plain scalar, in block or flow context, when not first. */
const PLAIN_SAFE = /^[A-Za-z0-9_./][A-Za-z0-9_./@%+=:~-]*$/;

/** Whether `value` written plain is read back as that string by both the YAML 1.1 and 1.2 schemas. */
function isPlainSafe(value: string): boolean {
  return plainReadsBack([value], () => "k");
}

/** Whether each value, written plain as the value of its own key in one mapping, is read back as that string under both schemas. */
function plainReadsBack(values: readonly string[], keyOf: (index: number) => string): boolean {
  const text = values.map((value, i) => `${keyOf(i)}: ${value}\n`).join("");
  for (const version of ["1.1", "1.2"] as const) {
    let parsed: unknown;
    try {
      parsed = parse(text, { version });
    } catch {
      return false;
    }
    if (typeof parsed !== "object" || parsed === null) return false;
    if (!values.every((value, i) => (parsed as Record<string, unknown>)[keyOf(i)] === value)) return false;
  }
  return true;
}

/**
 * Of `values`, those that may be written plain. PLAIN_SAFE values hold no space, quote, comment,
 * flow or block indicator, so each is one plain scalar alone on its line whatever the other lines
 * hold: one mapping checks them all at once (two parses instead of two per value); when that
 * mapping does not read back, each value is checked alone.
 */
export function plainSafeValues(values: Iterable<string>): Set<string> {
  const candidates = [...new Set(values)].filter((value) => PLAIN_SAFE.test(value) && !value.endsWith(":"));
  if (candidates.length === 0 || plainReadsBack(candidates, (i) => `k${i}`)) return new Set(candidates);
  return new Set(candidates.filter(isPlainSafe));
}

/** A string scalar: plain where the original was plain and the value is unambiguous (in `plainSafe`), else double-quoted. */
export function yamlStringScalar(value: string, plainAllowed: boolean, plainSafe: ReadonlySet<string>): string {
  return plainAllowed && plainSafe.has(value) ? value : yamlDoubleQuoted(value);
}

/** JSON text as a one-line YAML flow node; numbers keep their digits as written (never rounded through a double). */
export function yamlFlowNode(jsonText: string): string {
  const node = (json: JsonNode): string => {
    switch (json.type) {
      case "string":
        return yamlDoubleQuoted(jsonStringValue(jsonText, json));
      case "array":
        return `[${(json.children ?? []).map(node).join(", ")}]`;
      case "object":
        return `{${[...jsonMembers(jsonText, json)].map(([key, item]) => `${yamlDoubleQuoted(key)}: ${node(item)}`).join(", ")}}`;
      default:
        return jsonNodeText(jsonText, json);
    }
  };
  return node(jsonTree(jsonText));
}
