/** Rules for a secret's editable metadata: display name, description, labels. */
import type { FieldViolation } from "../../kernel/field-violation.js";

export const MAX_DISPLAY_NAME_LENGTH = 256;
export const MAX_DESCRIPTION_LENGTH = 2048;
export const MAX_LABELS = 64;
const LABEL_KEY = /^[a-z][a-z0-9_.-]{0,62}$/;
const MAX_LABEL_VALUE_LENGTH = 256;
// Control characters would corrupt log lines and tables where metadata is shown.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is this pattern's job.
const CONTROL = /[\x00-\x1f\x7f]/;

export function checkDisplayName(field: string, text: string, into: FieldViolation[]): void {
  checkText(field, text, MAX_DISPLAY_NAME_LENGTH, into);
}

export function checkDescription(field: string, text: string, into: FieldViolation[]): void {
  // Descriptions may span lines; only other control characters are refused.
  checkText(field, text.replace(/\n/g, " "), MAX_DESCRIPTION_LENGTH, into);
}

function checkText(field: string, text: string, max: number, into: FieldViolation[]): void {
  if (text.length > max) into.push({ field, description: `must be at most ${max} characters`, reason: "TOO_LONG" });
  else if (CONTROL.test(text)) into.push({ field, description: "must not contain control characters", reason: "CONTROL_CHARACTER" });
}

export function checkLabels(field: string, labels: Record<string, string>, into: FieldViolation[]): void {
  const keys = Object.keys(labels);
  if (keys.length > MAX_LABELS) into.push({ field, description: `at most ${MAX_LABELS} labels`, reason: "TOO_MANY_LABELS" });
  for (const key of keys) {
    if (!LABEL_KEY.test(key))
      into.push({
        field: `${field}[${JSON.stringify(key)}]`,
        description: "label key must be 1-63 lower-case letters, digits, '_', '.' or '-', starting with a letter",
        reason: "INVALID_LABEL_KEY",
      });
    checkText(`${field}[${JSON.stringify(key)}]`, labels[key]!, MAX_LABEL_VALUE_LENGTH, into);
  }
}
