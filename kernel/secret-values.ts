/**
 * Secret types and their values: what a valid value of each type is, and the
 * one byte encoding a value is encrypted in.
 */
import { assertNever } from "./assert-never.js";
import { type JsonNode, jsonNodeText, jsonStringValue, jsonTree, selectJsonNode } from "./json-text.js";
import type { FieldViolation } from "./field-violation.js";

export type SecretType = "TOKEN" | "USERNAME_PASSWORD" | "JSON";

export type SecretValue =
  | { type: "TOKEN"; token: string }
  | { type: "USERNAME_PASSWORD"; username: string; password: string }
  /** The JSON object's text exactly as given, never re-serialised: numbers keep their digits. */
  | { type: "JSON"; json: string };

/** Largest encoded value accepted, in bytes. */
export const MAX_VALUE_BYTES = 64 * 1024;

/** A value as it arrives in a request, before it is checked against the secret's type. */
export type SecretValueInput =
  | { kind: "token"; token: string }
  | { kind: "usernamePassword"; username: string; password: string }
  | { kind: "json"; json: string }
  | { kind: "none" };

const INPUT_KIND_OF_TYPE: Record<SecretType, SecretValueInput["kind"]> = {
  TOKEN: "token",
  USERNAME_PASSWORD: "usernamePassword",
  JSON: "json",
};

/**
 * Checks a requested value against the secret's type. Violations name the
 * field and the rule, never the value.
 */
export function parseSecretValue(
  type: SecretType,
  input: SecretValueInput,
  field: string,
  into: FieldViolation[],
): SecretValue | undefined {
  if (input.kind === "none") {
    into.push({ field, description: "a value is required", reason: "VALUE_REQUIRED" });
    return undefined;
  }
  if (input.kind !== INPUT_KIND_OF_TYPE[type]) {
    into.push({
      field,
      description: `a ${type} secret needs a value of kind ${fieldOfType(type)}, not ${snake(input.kind)}`,
      reason: "VALUE_TYPE_MISMATCH",
    });
    return undefined;
  }
  let value: SecretValue | undefined;
  switch (input.kind) {
    case "token":
      if (input.token.length === 0)
        into.push({ field: `${field}.token`, description: "token must not be empty", reason: "VALUE_REQUIRED" });
      else value = { type: "TOKEN", token: input.token };
      break;
    case "usernamePassword": {
      const before = into.length;
      if (input.username.length === 0)
        into.push({ field: `${field}.username_password.username`, description: "username is required", reason: "VALUE_REQUIRED" });
      if (input.password.length === 0)
        into.push({ field: `${field}.username_password.password`, description: "password is required", reason: "VALUE_REQUIRED" });
      if (into.length === before) value = { type: "USERNAME_PASSWORD", username: input.username, password: input.password };
      break;
    }
    case "json": {
      const problem = jsonObjectProblem(input.json);
      if (problem) into.push({ field: `${field}.json`, description: problem, reason: "INVALID_JSON" });
      else value = { type: "JSON", json: input.json };
      break;
    }
    default:
      assertNever(input, "secret value input");
  }
  if (value && encodeSecretValue(value).byteLength > MAX_VALUE_BYTES) {
    into.push({ field, description: `value must be at most ${MAX_VALUE_BYTES} bytes`, reason: "VALUE_TOO_LARGE" });
    return undefined;
  }
  return value;
}

/** Why the text is not a JSON object (never quoting the text), or undefined when it is one. */
function jsonObjectProblem(text: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return "must be valid JSON";
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed))
    return `must be a JSON object, not ${parsed === null ? "null" : Array.isArray(parsed) ? "an array" : typeof parsed}`;
  return undefined;
}

function fieldOfType(type: SecretType): string {
  return snake(INPUT_KIND_OF_TYPE[type]);
}

function snake(kind: string): string {
  return kind.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

// TextEncoder rather than Buffer: the same bytes (lone surrogates become U+FFFD), and the console runs this too.
const utf8 = new TextEncoder();

/** The plaintext bytes that get encrypted. */
export function encodeSecretValue(value: SecretValue): Uint8Array {
  switch (value.type) {
    case "TOKEN":
      return utf8.encode(value.token);
    case "USERNAME_PASSWORD":
      return utf8.encode(JSON.stringify({ username: value.username, password: value.password }));
    case "JSON":
      return utf8.encode(value.json);
  }
}

export function decodeSecretValue(type: SecretType, plaintext: Uint8Array): SecretValue {
  // ignoreBOM: a leading U+FEFF is part of the value, as Buffer kept it.
  const text = new TextDecoder("utf-8", { ignoreBOM: true }).decode(plaintext);
  switch (type) {
    case "TOKEN":
      return { type, token: text };
    case "USERNAME_PASSWORD": {
      const { username, password } = JSON.parse(text) as { username: string; password: string };
      return { type, username, password };
    }
    case "JSON":
      return { type, json: text };
  }
}

/** A value picked out of a secret for a reference: a plain string, or JSON text of an object/array. */
export type SelectedValue = { kind: "STRING" | "JSON"; value: string };

/** Parsed JSON values, so a value several references select from is parsed once (held only while the value is). */
const jsonTrees = new WeakMap<SecretValue, JsonNode>();

function treeOf(value: SecretValue & { type: "JSON" }): JsonNode {
  let tree = jsonTrees.get(value);
  if (tree === undefined) {
    tree = jsonTree(value.json);
    jsonTrees.set(value, tree);
  }
  return tree;
}

/**
 * Picks what a reference's field path selects from a value: no path gives the
 * whole value (a token's string; an object's JSON text); `username`/`password`
 * select from a USERNAME_PASSWORD secret; a JSON path walks nested keys.
 * Returns undefined when the path selects nothing.
 */
export function selectField(value: SecretValue, path: readonly string[]): SelectedValue | undefined {
  switch (value.type) {
    case "TOKEN":
      return path.length === 0 ? { kind: "STRING", value: value.token } : undefined;
    case "USERNAME_PASSWORD":
      if (path.length === 0) return { kind: "JSON", value: JSON.stringify({ username: value.username, password: value.password }) };
      if (path.length === 1 && path[0] === "username") return { kind: "STRING", value: value.username };
      if (path.length === 1 && path[0] === "password") return { kind: "STRING", value: value.password };
      return undefined;
    case "JSON": {
      const node = selectJsonNode(value.json, treeOf(value), path);
      if (!node) return undefined;
      if (node.type === "string") return { kind: "STRING", value: jsonStringValue(value.json, node) };
      if (node.type === "object" || node.type === "array") return { kind: "JSON", value: jsonNodeText(value.json, node) };
      // Numbers, booleans and null are their JSON text, digits as written: what a config expects to see.
      return { kind: "STRING", value: jsonNodeText(value.json, node) };
    }
  }
}
