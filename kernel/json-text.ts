/**
 * JSON read without losing its text: JSON.parse (the one authority on what is
 * valid JSON) rounds numbers through a double, so 9007199254740993 would come
 * back as 9007199254740992 and 1.10 as 1.1. This walks a syntax tree that
 * keeps each value's place in the source instead, so a number is its own
 * digits and an object or array its own text. Only for text JSON.parse has
 * already accepted.
 */
import { parseTree, type Node } from "jsonc-parser";

export type JsonNode = Node;

/** The syntax tree of JSON text that JSON.parse accepts. */
export function jsonTree(text: string): JsonNode {
  const root = parseTree(text, [], { disallowComments: true, allowTrailingComma: false });
  if (!root) throw new Error("not JSON text");
  return root;
}

/** A node's source text: a number's exact digits, an object's or array's text as written. */
export function jsonNodeText(text: string, node: JsonNode): string {
  return text.slice(node.offset, node.offset + node.length);
}

/** A string node's value, decoded by JSON.parse itself. */
export function jsonStringValue(text: string, node: JsonNode): string {
  return JSON.parse(jsonNodeText(text, node)) as string;
}

/**
 * An object's members in JSON.parse's order and with its values: a key given
 * twice keeps its first place and its last value.
 */
export function jsonMembers(text: string, object: JsonNode): Map<string, JsonNode> {
  const members = new Map<string, JsonNode>();
  for (const property of object.children ?? []) {
    const [key, value] = property.children ?? [];
    if (key && value) members.set(jsonStringValue(text, key), value);
  }
  return members;
}

/** The node a path of object keys selects, or undefined. */
export function selectJsonNode(text: string, root: JsonNode, path: readonly string[]): JsonNode | undefined {
  let node: JsonNode | undefined = root;
  for (const key of path) {
    if (node?.type !== "object") return undefined;
    node = jsonMembers(text, node).get(key);
  }
  return node;
}
