/** Writing references and literal text so that the parser (references.ts) reads back exactly what was meant. */
import type { Reference } from "./references.js";
import { matchOpening, readWord, skipExpression } from "./reference-openings.js";

function formatField(field: string): string {
  return field.length > 0 && readWord(field, 0) === field.length ? field : JSON.stringify(field);
}

/** The canonical form `$<secret.NAME.path | filter>`. The name must be valid (secretNameProblem). */
export function formatReference(ref: Pick<Reference, "name" | "path" | "filters">): string {
  const path = ref.path.map((field) => `.${formatField(field)}`).join("");
  const filters = ref.filters.map((filter) => ` | ${filter}`).join("");
  return `$<secret.${ref.name}${path}${filters}>`;
}

/** Text that parseTemplate reads back as exactly `text`, all literal. */
export function escapeLiteralText(text: string): string {
  const pieces: string[] = [];
  let copiedUntil = 0;
  let at = 0;
  while (at < text.length) {
    const expressionEnd = skipExpression(text, at);
    if (expressionEnd !== undefined) {
      at = expressionEnd;
      continue;
    }
    const opening = matchOpening(text, at);
    if (opening === undefined) {
      at++;
      continue;
    }
    pieces.push(text.slice(copiedUntil, at), opening.escape);
    copiedUntil = at;
    at += opening.length; // the opening is copied as it is; nothing inside it can open another
  }
  pieces.push(text.slice(copiedUntil));
  return pieces.join("");
}
