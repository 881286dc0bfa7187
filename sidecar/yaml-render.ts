/**
 * YAML-aware substitution. Parses a config with the `yaml` package's document
 * API, finds every placeholder in string scalars (with the project's one
 * reference parser), and renders by replacing only the source text of the
 * scalars that change, so comments, key order and layout stay byte for byte.
 */
import { isMap, isSeq, LineCounter, parseAllDocuments, visit, type Document, type Node } from "yaml";
import { ValueKind } from "../gen/secrets/v1/resolver_service_pb.js";
import { isWholeReference, parseTemplate, type Reference, type TemplatePart } from "../kernel/references.js";
import { plainSafeValues, yamlFlowNode, yamlStringScalar } from "./yaml-scalar.js";

export interface SourcePosition {
  line: number;
  column: number;
}

export interface FoundReference {
  reference: Reference;
  position: SourcePosition;
}

/** Something wrong in the config itself (YAML syntax, a malformed placeholder); never carries a value. */
export interface TemplateProblem {
  position: SourcePosition;
  /** The placeholder or construct concerned, as written. */
  text: string;
  message: string;
}

/** One scalar whose source text is replaced on render. */
interface Substitution {
  start: number;
  end: number;
  parts: TemplatePart[];
  /** The original was a plain scalar, so the result may stay plain if unambiguous. */
  plainAllowed: boolean;
}

export interface YamlTemplate {
  source: string;
  references: FoundReference[];
  problems: TemplateProblem[];
  substitutions: Substitution[];
  /** The parsed documents (placeholders unresolved), for the consumer id rule. */
  documents: Document[];
}

export interface ValueForRender {
  kind: ValueKind;
  value: string;
}

export function parseYamlTemplate(source: string): YamlTemplate {
  const lines = new LineCounter();
  const positionAt = (offset: number): SourcePosition => {
    const { line, col } = lines.linePos(offset);
    return { line, column: col };
  };
  const documents = parseAllDocuments(source, { lineCounter: lines, prettyErrors: false });
  const template: YamlTemplate = { source, references: [], problems: [], substitutions: [], documents: [] };
  if (!Array.isArray(documents)) return template; // an empty stream

  for (const document of documents) {
    // The parser's messages stay out: they quote source lines. Its code and position say enough.
    for (const error of document.errors)
      template.problems.push({ position: positionAt(error.pos[0]), text: "", message: `invalid YAML (${error.code})` });
    if (document.errors.length > 0) continue;
    template.documents.push(document);

    visit(document, {
      Map(_key, node) {
        reportQuotableFlowPlaceholder(node, source, positionAt, template.problems);
      },
      Scalar(key, node) {
        if (typeof node.value !== "string" || !node.range) return;
        const parsed = parseTemplate(node.value);
        const [start, end] = node.range;
        const scalarSource = source.slice(start, end);
        // Positions inside the value map onto the source by finding each placeholder's text, in order;
        // where quoting escapes changed it, the scalar's own position stands in.
        let searchFrom = 0;
        const locate = (text: string): SourcePosition => {
          const at = text === "" ? -1 : scalarSource.indexOf(text, searchFrom);
          if (at === -1) return positionAt(start);
          searchFrom = at + text.length;
          return positionAt(start + at);
        };
        for (const error of parsed.errors)
          template.problems.push({ position: locate(error.source), text: error.source, message: error.message });
        const references = parsed.parts.flatMap((part) => (part.kind === "reference" ? [part.reference] : []));
        if (key === "key") {
          if (references.length > 0)
            template.problems.push({
              position: positionAt(start),
              text: references[0]!.source,
              message: "placeholders in mapping keys are not supported; use them in values",
            });
          return;
        }
        searchFrom = 0;
        for (const reference of references) template.references.push({ reference, position: locate(reference.source) });
        const unchanged = references.length === 0 && parsed.parts.map((p) => (p.kind === "text" ? p.text : "")).join("") === node.value;
        if (!unchanged) template.substitutions.push({ start, end, parts: parsed.parts, plainAllowed: node.type === "PLAIN" });
      },
    });
  }
  template.references.sort((a, b) => a.position.line - b.position.line || a.position.column - b.position.column);
  return template;
}

/** `{{ secrets.X }}` written unquoted is read by YAML as a flow mapping: say so instead of leaving it literal. */
function reportQuotableFlowPlaceholder(
  node: Node,
  source: string,
  positionAt: (offset: number) => SourcePosition,
  into: TemplateProblem[],
): void {
  if (!(isMap(node) || isSeq(node)) || !node.flow || !node.range) return;
  const text = source.slice(node.range[0], node.range[1]).trim();
  if (!isWholeReference(parseTemplate(text))) return;
  into.push({
    position: positionAt(node.range[0]),
    text,
    message: `YAML reads this placeholder as a flow mapping: quote it, e.g. "${text}"`,
  });
}

/**
 * The rendered text. `resolvedValue` gives the resolved value of a placeholder by its text;
 * the template must have no problems.
 */
export function renderYamlTemplate(template: YamlTemplate, resolvedValue: (referenceText: string) => ValueForRender): string {
  const substitutions = [...template.substitutions].sort((a, b) => a.start - b.start);
  const scalars = substitutions.map((substitution) => substitutedScalar(substitution, resolvedValue));
  const plainSafe = plainSafeValues(scalars.flatMap((scalar) => (scalar.kind === "string" && scalar.plainAllowed ? [scalar.text] : [])));
  let out = "";
  let copiedUntil = 0;
  for (const [i, substitution] of substitutions.entries()) {
    const original = template.source.slice(substitution.start, substitution.end);
    const scalar = scalars[i]!;
    const rendered = scalar.kind === "flow" ? scalar.text : yamlStringScalar(scalar.text, scalar.plainAllowed, plainSafe);
    out += template.source.slice(copiedUntil, substitution.start) + rendered;
    // A block scalar becomes one line: its header's comment goes after it, and the last line break it took goes
    // back, as it was written (CRLF in a CRLF file).
    const headerComment = /^[|>][^\r\n]*?\s(#[^\r\n]*)/.exec(original)?.[1];
    if (headerComment) out += ` ${headerComment}`;
    out += /\r?\n$/.exec(original)?.[0] ?? "";
    copiedUntil = substitution.end;
  }
  return out + template.source.slice(copiedUntil);
}

/** A substitution's new content: YAML text already (a JSON value as a flow node), or a string still to be written as a scalar. */
type SubstitutedScalar = { kind: "flow"; text: string } | { kind: "string"; text: string; plainAllowed: boolean };

function substitutedScalar(substitution: Substitution, resolvedValue: (referenceText: string) => ValueForRender): SubstitutedScalar {
  const [only] = substitution.parts;
  if (substitution.parts.length === 1 && only?.kind === "reference") {
    const resolved = resolvedValue(only.reference.source);
    if (resolved.kind === ValueKind.JSON) return { kind: "flow", text: yamlFlowNode(resolved.value) };
  }
  const text = substitution.parts.map((part) => (part.kind === "text" ? part.text : resolvedValue(part.reference.source).value)).join("");
  return { kind: "string", text, plainAllowed: substitution.plainAllowed };
}
