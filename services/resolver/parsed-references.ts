/**
 * References parsed once: a workload sends the same reference texts on every
 * resolve, so each distinct text is parsed the first time and then looked up.
 * Only well-formed references are remembered (a malformed one costs a parse,
 * as before), frozen since calls share them. Bounded; forgotten whole when full.
 */
import { parseReference, type Reference, type ReferenceSyntaxError } from "../../kernel/references.js";

const MAX_REMEMBERED = 10_000;

export class ParsedReferences {
  private readonly byText = new Map<string, Reference>();

  parse(text: string): Reference | ReferenceSyntaxError {
    const remembered = this.byText.get(text);
    if (remembered) return remembered;
    const result = parseReference(text);
    if (!("nameKey" in result)) return result;
    if (this.byText.size >= MAX_REMEMBERED) this.byText.clear();
    Object.freeze(result.path);
    Object.freeze(result.filters);
    this.byText.set(text, Object.freeze(result));
    return result;
  }
}
