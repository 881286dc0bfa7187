/**
 * The lexical layer of the reference grammar (see references.ts): where a
 * placeholder opens, in which syntax, what closes it and what escapes it, and
 * the character classes the parser and the formatter share.
 */

export type ReferenceSyntax = "canonical" | "dollar-brace" | "mustache" | "mustache-triple";

/** How a placeholder opens: everything up to and including the keyword's dot. */
export interface Opening {
  syntax: ReferenceSyntax;
  /** Length of the opening text. */
  length: number;
  closer: string;
  /** The character that, written just before the opening, makes it literal. */
  escape: "$" | "\\";
  /** Set for mustache tags that are not variables: why they cannot address secrets. */
  forbidden?: string;
}

const FORBIDDEN_MUSTACHE_TAGS: Record<string, string> = {
  "#": "section tags",
  "^": "inverted section tags",
  "/": "closing tags",
  ">": "partials",
  "<": "parent tags",
  "!": "comments",
};

export function isBlank(char: string | undefined): boolean {
  return char === " " || char === "\t";
}

export function isLineBreak(char: string | undefined): boolean {
  return char === "\n" || char === "\r";
}

/** Letters, digits, '_' and '-': field names that need no quotes, and filter names. */
export function isWordChar(char: string | undefined): boolean {
  if (char === undefined) return false;
  const code = char.charCodeAt(0);
  return (
    (code >= 0x61 && code <= 0x7a) || // a-z
    (code >= 0x41 && code <= 0x5a) || // A-Z
    (code >= 0x30 && code <= 0x39) || // 0-9
    char === "_" ||
    char === "-"
  );
}

export function skipBlanks(text: string, at: number): number {
  while (isBlank(text[at])) at++;
  return at;
}

export function readWord(text: string, at: number): number {
  while (isWordChar(text[at])) at++;
  return at;
}

/** The opening of a placeholder starting exactly at `at`, if there is one. */
export function matchOpening(text: string, at: number): Opening | undefined {
  const first = text[at];
  if (first === "$") {
    const bracket = text[at + 1];
    if ((bracket === "<" || bracket === "{") && text.startsWith("secret.", at + 2)) {
      return bracket === "<"
        ? { syntax: "canonical", length: 9, closer: ">", escape: "$" }
        : { syntax: "dollar-brace", length: 9, closer: "}", escape: "$" };
    }
    return undefined;
  }
  if (first !== "{" || text[at + 1] !== "{") return undefined;
  const sigil = text[at + 2] ?? "";
  const hasSigil = sigil === "{" || sigil === "&" || Object.hasOwn(FORBIDDEN_MUSTACHE_TAGS, sigil);
  const keywordAt = skipBlanks(text, at + 2 + (hasSigil ? 1 : 0));
  if (!text.startsWith("secrets.", keywordAt)) return undefined;
  const length = keywordAt + "secrets.".length - at;
  if (sigil === "{") return { syntax: "mustache-triple", length, closer: "}}}", escape: "\\" };
  if (sigil === "&") return { syntax: "mustache-triple", length, closer: "}}", escape: "\\" };
  if (hasSigil) {
    const opening = `{{${sigil}`;
    const forbidden = `mustache ${FORBIDDEN_MUSTACHE_TAGS[sigil]} (${opening}) cannot address secrets; use a variable such as {{ secrets.NAME }}`;
    return { syntax: "mustache", length, closer: "}}", escape: "\\", forbidden };
  }
  return { syntax: "mustache", length, closer: "}}", escape: "\\" };
}

/** After the run of braces of a `${{` expression that starts at `at`; undefined if none starts there. */
export function skipExpression(text: string, at: number): number | undefined {
  if (text[at] !== "$" || text[at + 1] !== "{" || text[at + 2] !== "{") return undefined;
  let end = at + 3;
  while (text[end] === "{") end++;
  return end;
}
