/**
 * The consumer id a config is registered under with the service, so usage
 * counts name the config that holds a reference. The rule, in order:
 *
 * 1. `--consumer-id ID` when exactly one file is rendered;
 * 2. `<kind>/<name>` from the first document that has a string `kind` and a
 *    string `name` (or `metadata.name`, Kubernetes style) at its top level;
 * 3. `file/<path>`: the file's path relative to the input directory (or its
 *    name when given directly), without the .yaml/.yml extension.
 *
 * `--consumer-prefix P` puts `P/` before a derived id (2 and 3), e.g. a
 * cluster or namespace. The id must be 1-256 printable ASCII characters
 * without spaces (the service's rule, imported from the domain).
 */
import type { Document } from "yaml";
import { checkConsumerId } from "../kernel/names.js";
import type { FieldViolation } from "../kernel/field-violation.js";

export interface ConsumerIdOptions {
  consumerId?: string;
  consumerPrefix?: string;
  /** How many files are rendered: an explicit id names one config only. */
  fileCount: number;
}

function stringAt(document: Document, path: string[]): string | undefined {
  const value: unknown = document.getIn(path);
  return typeof value === "string" && value.length > 0 ? value : undefined;
}

function idFromDocuments(documents: readonly Document[]): string | undefined {
  for (const document of documents) {
    const kind = stringAt(document, ["kind"]);
    const name = stringAt(document, ["name"]) ?? stringAt(document, ["metadata", "name"]);
    if (kind !== undefined && name !== undefined) return `${kind}/${name}`;
  }
  return undefined;
}

/** The consumer id of one config; throws with the reason when the rule gives an invalid id. */
export function consumerIdFor(relativePath: string, documents: readonly Document[], options: ConsumerIdOptions): string {
  let id: string;
  if (options.consumerId !== undefined) {
    if (options.fileCount !== 1)
      throw new Error("--consumer-id names one config; with several files, ids are derived (see --consumer-prefix)");
    id = options.consumerId;
  } else {
    const derived =
      idFromDocuments(documents) ??
      `file/${relativePath
        .split("\\")
        .join("/")
        .replace(/\.ya?ml$/i, "")}`;
    id = options.consumerPrefix ? `${options.consumerPrefix}/${derived}` : derived;
  }
  const violations: FieldViolation[] = [];
  checkConsumerId("consumer_id", id, violations);
  if (violations.length > 0)
    throw new Error(
      `${relativePath}: consumer id ${JSON.stringify(id)} is invalid: ${violations[0]!.description}; set one with --consumer-id`,
    );
  return id;
}
