/**
 * Reading secrets to import in bulk: `KEY=VALUE` lines (a `.env` file) or a
 * flat JSON object. Every name is checked with the name rule; problems name
 * the line and the rule, never a value. Shared by the console and
 * `secretsctl import`.
 */
import { secretNameKey, secretNameProblem } from "./names.js";

export interface ImportEntry {
  /** 1-based line of the input it came from (1 for JSON). */
  line: number;
  name: string;
  value: string;
}

export interface ImportProblem {
  line: number;
  /** The name, when one was read. */
  name?: string;
  message: string;
}

export interface ParsedImport {
  entries: ImportEntry[];
  problems: ImportProblem[];
}

export function parseImport(text: string): ParsedImport {
  const parsed = text.trimStart().startsWith("{") ? parseJsonObject(text) : parseEnvLines(text);
  return rejectDuplicates(parsed);
}

function parseEnvLines(text: string): ParsedImport {
  const entries: ImportEntry[] = [];
  const problems: ImportProblem[] = [];
  const lines = text.split(/\r?\n/);
  for (let index = 0; index < lines.length; index++) {
    const line = index + 1;
    const trimmed = lines[index]!.trim();
    if (trimmed === "" || trimmed.startsWith("#")) continue;
    const statement = trimmed.replace(/^export\s+/, "");
    const eq = statement.indexOf("=");
    if (eq <= 0) {
      problems.push({ line, message: "expected NAME=VALUE" });
      continue;
    }
    const name = statement.slice(0, eq).trim();
    let rawValue = statement.slice(eq + 1).trim();
    // A quoted value may span lines (a PEM key): its lines are value, never read as NAME=VALUE.
    const quote = rawValue[0];
    if ((quote === '"' || quote === "'") && unquote(rawValue) === undefined) {
      const close = lines.findIndex((next, i) => i > index && next.trimEnd().endsWith(quote));
      if (close < 0) {
        problems.push({ line, name, message: "the value's closing quote is missing" });
        continue;
      }
      rawValue = [rawValue, ...lines.slice(index + 1, close + 1).map((next) => next.trimEnd())].join("\n");
      index = close;
    }
    entries.push({ line, name, value: unquote(rawValue)! });
  }
  return checkNames({ entries, problems });
}

/** `"a\nb"` (escapes), `'literal'`, or a bare value (a ` #` starts a comment). */
function unquote(value: string): string | undefined {
  const quote = value[0];
  if (quote === '"' || quote === "'") {
    const end = value.lastIndexOf(quote);
    if (end === 0) return undefined;
    const inner = value.slice(1, end);
    return quote === "'" ? inner : inner.replace(/\\([nrt"\\])/g, (_, c: string) => ({ n: "\n", r: "\r", t: "\t" })[c] ?? c);
  }
  const comment = value.search(/\s#/);
  return (comment < 0 ? value : value.slice(0, comment)).trim();
}

function parseJsonObject(text: string): ParsedImport {
  let object: unknown;
  try {
    object = JSON.parse(text);
  } catch {
    return { entries: [], problems: [{ line: 1, message: "the text starts with { but is not valid JSON" }] };
  }
  if (object === null || typeof object !== "object" || Array.isArray(object))
    return { entries: [], problems: [{ line: 1, message: "expected a JSON object of names to values" }] };
  const entries: ImportEntry[] = [];
  const problems: ImportProblem[] = [];
  for (const [name, value] of Object.entries(object)) {
    if (typeof value === "string" || typeof value === "number" || typeof value === "boolean")
      entries.push({ line: 1, name, value: String(value) });
    else problems.push({ line: 1, name, message: "a flat JSON object is expected: this value is not a string, number or boolean" });
  }
  return checkNames({ entries, problems });
}

function checkNames({ entries, problems }: ParsedImport): ParsedImport {
  const valid: ImportEntry[] = [];
  for (const entry of entries) {
    const problem = secretNameProblem(entry.name);
    if (problem) problems.push({ line: entry.line, name: entry.name, message: `name ${problem}` });
    else if (entry.value === "") problems.push({ line: entry.line, name: entry.name, message: "the value is empty" });
    else valid.push(entry);
  }
  return { entries: valid, problems };
}

function rejectDuplicates({ entries, problems }: ParsedImport): ParsedImport {
  const seen = new Map<string, number>();
  const unique: ImportEntry[] = [];
  for (const entry of entries) {
    const first = seen.get(secretNameKey(entry.name));
    if (first !== undefined)
      problems.push({ line: entry.line, name: entry.name, message: `the same name (ignoring case) is on line ${first}` });
    else {
      seen.set(secretNameKey(entry.name), entry.line);
      unique.push(entry);
    }
  }
  return { entries: unique, problems: problems.sort((a, b) => a.line - b.line) };
}
