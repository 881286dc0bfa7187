/**
 * Secret references (placeholders) in config text: the one parser of the
 * project. The service validates the references it is given with it; the
 * sidecar finds and replaces the references in YAML scalar values with it.
 * Its lexical layer (openings, escapes, character classes) is in
 * reference-openings.ts; writing references back is reference-format.ts.
 *
 * Grammar, after an opening that ends with the keyword and its dot:
 *
 *   placeholder := opening NAME ("." field)* (ws? "|" ws? filter){0,4} ws? closer
 *   field       := [A-Za-z0-9_-]+ | JSON string (any key, JSON escapes)
 *   filter      := "urlencode" | "base64"
 *   ws          := spaces and tabs
 *
 *   opening / closer:  "$<secret." … ">"         canonical
 *                      "${secret." … "}"         dollar-brace
 *                      "{{" ws? "secrets." … "}}"     mustache
 *                      "{{{" ws? "secrets." … "}}}"   mustache-triple
 *                      "{{&" ws? "secrets." … "}}"    mustache-triple (same meaning: unescaped)
 *
 * Decisions beyond DESIGN.md:
 * - The keyword follows the opening directly: `$< secret.X >` is literal text,
 *   so the escape rule stays one exact string. Whitespace is allowed before the
 *   closer and around `|`; mustache allows whitespace after `{{` as mustache does.
 * - A placeholder never spans a line break; reaching one means it is unterminated.
 * - Escapes: `$` before `$<secret.` / `${secret.` and `\` before a mustache
 *   opening that addresses `secrets.` (the Handlebars convention) make the
 *   opening literal; the escape character is dropped. Anything else, such as a
 *   `$$` in a shell snippet, stays as written. So a literal `$` cannot directly
 *   precede a `$<secret.` reference (nor `\` or `{` a mustache one): write
 *   that reference in the other syntax.
 * - `{{ secrets.X }}}` is a variable followed by a literal `}`, as in mustache.
 * - Mustache tags other than variables (sections, inverted sections, closing
 *   tags, partials, parents, comments) addressing `secrets.` are errors.
 * - `${{ … }}` (GitHub Actions' and other engines' expression syntax) is never
 *   a reference: braces right after a `$` stay literal, whatever follows.
 * - Text of a placeholder with an error stays in the parts as literal text, so
 *   the parts always cover the input; callers must check `errors`.
 */
import { secretNameKey, secretNameProblem } from "./names.js";
import { MAX_FILTERS_PER_REFERENCE, REFERENCE_FILTERS, isReferenceFilter, type ReferenceFilter } from "./reference-filters.js";
import {
  isBlank,
  isLineBreak,
  matchOpening,
  readWord,
  skipBlanks,
  skipExpression,
  type Opening,
  type ReferenceSyntax,
} from "./reference-openings.js";

export interface Reference {
  /** Secret name as written. */
  name: string;
  /** secretNameKey(name): what names are matched by. */
  nameKey: string;
  /** Field path after the name, e.g. ["password"] or ["some", "json", "key"]; [] for none. */
  path: string[];
  /** In order of application. */
  filters: ReferenceFilter[];
  syntax: ReferenceSyntax;
  /** The exact placeholder text as it appeared. */
  source: string;
}

/** offset: 0-based UTF-16 index; line and column: 1-based, column counted in UTF-16 units, lines split at "\n". */
export interface TextPosition {
  offset: number;
  line: number;
  column: number;
}

export type TemplatePart =
  /** Literal text, escapes already removed. */
  | { kind: "text"; text: string }
  /** `end` is the position just after the placeholder. */
  | { kind: "reference"; reference: Reference; start: TextPosition; end: TextPosition };

export interface ReferenceSyntaxError {
  message: string;
  /** Where the placeholder starts. */
  start: TextPosition;
  /** The placeholder text as far as it could be read. */
  source: string;
}

export interface ParsedTemplate {
  parts: TemplatePart[];
  errors: ReferenceSyntaxError[];
}

export function isReferenceSyntaxError(result: Reference | ReferenceSyntaxError): result is ReferenceSyntaxError {
  return "message" in result;
}

/** Quotes config text for a message, shortened: it is placeholder text, never a value. */
function quote(text: string): string {
  return JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}…` : text);
}

function charAt(text: string, at: number): string {
  return String.fromCodePoint(text.codePointAt(at) ?? 0);
}

/** A placeholder read in full (`closed`), possibly with a problem that does not break its structure. */
type PlaceholderScan =
  | { closed: true; end: number; name: string; path: string[]; filters: ReferenceFilter[]; problem?: string }
  | { closed: false; end: number; problem: string };

/**
 * Reads one placeholder whose opening starts at `start`. A problem that leaves
 * the structure readable (a bad name, an unknown filter, an empty field) is
 * kept while reading on to the closer; any other stops the scan where it is.
 */
function scanPlaceholder(text: string, start: number, opening: Opening): PlaceholderScan {
  const closer = opening.closer;
  let problem = opening.forbidden;
  const note = (found: string) => {
    problem ??= found;
  };
  const fail = (message: string, end: number): PlaceholderScan => ({ closed: false, end, problem: message });
  const unterminated = (at: number) =>
    fail(`unterminated placeholder: expected ${quote(closer)} before the end of the ${at < text.length ? "line" : "text"}`, at);

  // The name runs to the first delimiter, so that a name with wrong characters is reported as a name.
  let at = start + opening.length;
  const nameStart = at;
  while (at < text.length && text[at] !== "." && text[at] !== "|" && text[at] !== closer[0] && !isLineBreak(text[at])) at++;
  if (at >= text.length || isLineBreak(text[at])) return unterminated(at);
  let nameEnd = at;
  if (text[at] !== ".") while (nameEnd > nameStart && isBlank(text[nameEnd - 1])) nameEnd--;
  const name = text.slice(nameStart, nameEnd);
  const nameProblem = secretNameProblem(name);
  if (nameProblem) note(name.length === 0 ? `secret name ${nameProblem}` : `secret name ${quote(name)} ${nameProblem}`);

  const path: string[] = [];
  while (text[at] === ".") {
    at++;
    if (text[at] === '"') {
      const quoted = readQuotedField(text, at);
      if (quoted.field === undefined) return fail(quoted.problem, quoted.end);
      path.push(quoted.field);
      at = quoted.end;
      continue;
    }
    const fieldEnd = readWord(text, at);
    if (fieldEnd === at) {
      const next = text[at];
      if (next !== "." && next !== "|" && next !== closer[0] && !isBlank(next)) break; // reported below as unexpected
      note('empty field name after "."');
    }
    path.push(text.slice(at, fieldEnd));
    at = fieldEnd;
  }

  const filters: ReferenceFilter[] = [];
  let filterCount = 0;
  at = skipBlanks(text, at);
  while (text[at] === "|") {
    if (++filterCount === MAX_FILTERS_PER_REFERENCE + 1) note(`at most ${MAX_FILTERS_PER_REFERENCE} filters per reference`);
    at = skipBlanks(text, at + 1);
    const filterEnd = readWord(text, at);
    const filter = text.slice(at, filterEnd);
    if (filter.length === 0) {
      if (at >= text.length || isLineBreak(text[at])) return unterminated(at);
      const found = charAt(text, at);
      return fail(`expected a filter name after "|", found ${quote(found)}`, at + found.length);
    }
    if (isReferenceFilter(filter)) filters.push(filter);
    else note(`unknown filter ${quote(filter)}; known filters: ${REFERENCE_FILTERS.join(", ")}`);
    at = skipBlanks(text, filterEnd);
  }

  if (text.startsWith(closer, at)) {
    return { closed: true, end: at + closer.length, name, path, filters, problem };
  }
  if (at >= text.length || isLineBreak(text[at])) return unterminated(at);
  if (text[at] === "}" && opening.syntax.startsWith("mustache")) {
    const openingText = text.slice(start, start + opening.length - "secrets.".length).trimEnd();
    return fail(`mismatched close: ${quote(openingText)} must be closed by ${quote(closer)}`, at + 1);
  }
  const unexpected = charAt(text, at);
  const hint =
    filters.length === 0 ? ` (a field name with characters other than letters, digits, '_' and '-' is written quoted: ."…")` : "";
  return fail(`unexpected ${quote(unexpected)}, expected "|" or ${quote(closer)}${hint}`, at + unexpected.length);
}

/** A JSON string starting at `at` (on the opening quote), decoded. */
function readQuotedField(text: string, at: number): { field: string; end: number } | { field: undefined; end: number; problem: string } {
  let end = at + 1;
  while (end < text.length && text[end] !== '"' && !isLineBreak(text[end]))
    end += text[end] === "\\" && !isLineBreak(text[end + 1]) ? 2 : 1;
  if (end >= text.length || text[end] !== '"') return { field: undefined, end, problem: "unterminated quoted field name" };
  end++;
  const raw = text.slice(at, end);
  try {
    return { field: JSON.parse(raw) as string, end };
  } catch {
    return { field: undefined, end, problem: `quoted field name ${quote(raw)} is not a valid JSON string` };
  }
}

/** Maps offsets to line and column. */
function positionsOf(text: string): (offset: number) => TextPosition {
  const lineStarts = [0];
  for (let at = text.indexOf("\n"); at !== -1; at = text.indexOf("\n", at + 1)) lineStarts.push(at + 1);
  return (offset) => {
    let low = 0;
    let high = lineStarts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if ((lineStarts[middle] ?? 0) <= offset) low = middle;
      else high = middle - 1;
    }
    return { offset, line: low + 1, column: offset - (lineStarts[low] ?? 0) + 1 };
  };
}

/** Finds every placeholder in `text`. Never throws; every malformed placeholder is one error. */
export function parseTemplate(text: string): ParsedTemplate {
  const positionAt = positionsOf(text);
  const parts: TemplatePart[] = [];
  const errors: ReferenceSyntaxError[] = [];
  let literal: string[] = [];
  let literalFrom = 0; // start of the literal run not yet copied into `literal`

  const flushLiteral = (until: number) => {
    literal.push(text.slice(literalFrom, until));
    const joined = literal.join("");
    literal = [];
    if (joined.length > 0) parts.push({ kind: "text", text: joined });
  };

  let at = 0;
  while (at < text.length) {
    const char = text[at];
    if (char !== "$" && char !== "{" && char !== "\\") {
      at++;
      continue;
    }
    const expressionEnd = skipExpression(text, at);
    if (expressionEnd !== undefined) {
      at = expressionEnd;
      continue;
    }
    const escaped = char === "{" ? undefined : matchOpening(text, at + 1);
    if (escaped !== undefined && escaped.escape === char) {
      literal.push(text.slice(literalFrom, at));
      literalFrom = at + 1; // drop the escape character, keep the opening as literal text
      at += 1 + escaped.length;
      continue;
    }
    const opening = matchOpening(text, at);
    if (opening === undefined) {
      at++;
      continue;
    }
    const scan = scanPlaceholder(text, at, opening);
    const source = text.slice(at, scan.end);
    if (scan.closed && scan.problem === undefined) {
      flushLiteral(at);
      const reference: Reference = {
        name: scan.name,
        nameKey: secretNameKey(scan.name),
        path: scan.path,
        filters: scan.filters,
        syntax: opening.syntax,
        source,
      };
      parts.push({ kind: "reference", reference, start: positionAt(at), end: positionAt(scan.end) });
      literalFrom = scan.end;
      at = scan.end;
      continue;
    }
    errors.push({ message: `${quote(source)}: ${scan.problem}`, start: positionAt(at), source });
    // A placeholder read to its closer is skipped whole; otherwise look for placeholders again after the opening.
    at = scan.closed ? scan.end : at + opening.length;
  }
  flushLiteral(text.length);
  return { parts, errors };
}

/** Exactly one reference part and no text part. */
export function isWholeReference(parsed: ParsedTemplate): boolean {
  return parsed.errors.length === 0 && parsed.parts.length === 1 && parsed.parts[0]?.kind === "reference";
}

/** Parses a string that must be exactly one placeholder, with no text around it. */
export function parseReference(text: string): Reference | ReferenceSyntaxError {
  const parsed = parseTemplate(text);
  const firstError = parsed.errors[0];
  if (firstError !== undefined) return firstError;
  const [part] = parsed.parts;
  if (isWholeReference(parsed) && part?.kind === "reference") return part.reference;
  return {
    message: `${quote(text)}: expected exactly one placeholder such as $<secret.NAME>, with no text around it`,
    start: { offset: 0, line: 1, column: 1 },
    source: text,
  };
}
