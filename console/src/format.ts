/** How times, types and states read on screen. */
import { timestampDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import { SecretState, SecretType } from "../../gen/secrets/v1/types_pb.js";
import { isValidSecretName } from "../../kernel/names.js";

export const TYPE_WORDS: Record<SecretType, string> = {
  [SecretType.UNSPECIFIED]: "unknown",
  [SecretType.TOKEN]: "Token",
  [SecretType.USERNAME_PASSWORD]: "Username and password",
  [SecretType.JSON]: "JSON",
};

export const STATE_WORDS: Record<SecretState, string> = {
  [SecretState.UNSPECIFIED]: "unknown",
  [SecretState.ACTIVE]: "Active",
  [SecretState.ARCHIVED]: "Archived",
};

export function formatTime(timestamp: Timestamp | undefined, never = "never"): string {
  if (!timestamp) return never;
  return timestampDate(timestamp).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

/** `team=payments` lines to a label map, and back. */
export function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const trimmed = line.trim();
    if (trimmed === "") continue;
    const eq = trimmed.indexOf("=");
    if (eq < 0) labels[trimmed] = "";
    else labels[trimmed.slice(0, eq).trim()] = trimmed.slice(eq + 1).trim();
  }
  return labels;
}

export function formatLabels(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(([key, value]) => `${key}=${value}`)
    .join("\n");
}

/** A link to a secret for an audit resource that is a secret name (token ids and key versions are not). */
export function secretHrefIfName(resource: string): string | undefined {
  return isValidSecretName(resource) && !/^tok_|^key-version:/.test(resource) ? `#/secrets/${encodeURIComponent(resource)}` : undefined;
}
