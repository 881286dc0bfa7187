/** What the secret commands share: the table of secrets, the name check, the consumers of a secret. */
import type { Command } from "commander";
import { SecretSchema, SecretState, SecretType, type Consumer, type Secret } from "../../../gen/secrets/v1/types_pb.js";
import type { FieldViolation } from "../../../kernel/field-violation.js";
import { checkSecretName } from "../../../kernel/names.js";
import type { ServiceClients } from "../../client.js";
import { outputFormat } from "../../command-context.js";
import { CliError, EXIT } from "../../exit-codes.js";
import { formatTime, messageJson, printJson, printLine, renderTable } from "../../output.js";
import { allPages } from "../../paging.js";

export const VALUE_SOURCES_HELP = `
The value is read from --from-file, else from stdin when it is not a terminal
(one final newline is dropped), else from a hidden prompt. It is never taken
from an argument, so it stays out of shell history and process listings.`;

export const SECRET_COLUMNS = ["NAME", "TYPE", "VERSION", "UPDATED", "LAST ACCESSED", "USAGE", "STATE"];

export function secretRow(secret: Secret): string[] {
  return [
    secret.name,
    SecretType[secret.type],
    String(secret.version),
    formatTime(secret.updateTime),
    formatTime(secret.lastAccessTime, "never"),
    String(secret.usageCount),
    SecretState[secret.state],
  ];
}

export function printSecret(command: Command, secret: Secret): void {
  if (outputFormat(command) === "json") printJson(messageJson(SecretSchema, secret));
  else printLine(renderTable(SECRET_COLUMNS, [secretRow(secret)]));
}

export function checkName(name: string): void {
  const violations: FieldViolation[] = [];
  checkSecretName("name", name, violations);
  if (violations.length > 0)
    throw new CliError(
      EXIT.invalid,
      "invalid secret name",
      violations.map((v) => `${v.field}: ${v.description}`),
    );
}

export async function allConsumers(clients: ServiceClients, name: string): Promise<Consumer[]> {
  return allPages(async (pageToken) => {
    const page = await clients.secrets.listSecretConsumers({ name, pageToken });
    return { items: page.consumers, nextPageToken: page.nextPageToken };
  });
}
