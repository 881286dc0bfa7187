/**
 * Identifier rules: secret names, tenant ids, consumer ids. Every check of an
 * identifier goes through here.
 */
import type { FieldViolation } from "./field-violation.js";

export const MAX_SECRET_NAME_LENGTH = 128;
const SECRET_NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** The problem with a secret name, or undefined when it is valid. */
export function secretNameProblem(name: string): string | undefined {
  if (name.length === 0) return "is required";
  if (name.length > MAX_SECRET_NAME_LENGTH) return `must be at most ${MAX_SECRET_NAME_LENGTH} characters (got ${name.length})`;
  if (!SECRET_NAME.test(name)) return "must start with a letter or '_' and hold only letters, digits, '_' and '-'";
  return undefined;
}

export function isValidSecretName(name: string): boolean {
  return secretNameProblem(name) === undefined;
}

/** Names are unique and matched case-insensitively: this is the key they are stored and compared by. */
export function secretNameKey(name: string): string {
  return name.toLowerCase();
}

export function checkSecretName(field: string, name: string, into: FieldViolation[]): void {
  const problem = secretNameProblem(name);
  if (problem) into.push({ field, description: `secret name ${problem}`, reason: "INVALID_SECRET_NAME" });
}

// Ends with a letter or digit: a tenant id is part of its Vault transit key name, which must end with a word character.
const TENANT_ID = /^[a-z](?:[a-z0-9-]{0,62}[a-z0-9])?$/;

export function checkTenantId(field: string, id: string, into: FieldViolation[]): void {
  if (!TENANT_ID.test(id))
    into.push({
      field,
      description: "tenant id must be 1-64 lower-case letters, digits and '-', starting with a letter and ending with a letter or digit",
      reason: "INVALID_TENANT_ID",
    });
}

export const MAX_CONSUMER_ID_LENGTH = 256;
// Printable ASCII without spaces: ids appear in error messages and audit records.
const CONSUMER_ID = /^[\x21-\x7e]+$/;

export function checkConsumerId(field: string, id: string, into: FieldViolation[]): void {
  if (id.length === 0 || id.length > MAX_CONSUMER_ID_LENGTH || !CONSUMER_ID.test(id))
    into.push({
      field,
      description: `consumer id must be 1-${MAX_CONSUMER_ID_LENGTH} printable ASCII characters without spaces`,
      reason: "INVALID_CONSUMER_ID",
    });
}
