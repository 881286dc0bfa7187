/** `list`: the tenant's secrets, filtered by name prefix and labels. */
import type { Command } from "commander";
import { SecretSchema } from "../../../gen/secrets/v1/types_pb.js";
import { connect, outputFormat } from "../../command-context.js";
import { collectLabel } from "../../flag-parsers.js";
import { messageJson, printJson, printLine, renderTable } from "../../output.js";
import { allPages } from "../../paging.js";
import type { CliCommand } from "../cli-command.js";
import { SECRET_COLUMNS, secretRow } from "./secret-view.js";

export const listSecretsCommand: CliCommand = {
  path: ["list"],
  define: (command) =>
    command
      .description("list secrets: name, type, version, updated, last accessed, usage count, state")
      .option("--prefix <prefix>", "only names starting with this (case-insensitive)")
      .option("-l, --label <key=value>", "only secrets with this label (repeatable)", collectLabel)
      .option("-a, --archived", "also list archived secrets")
      .action(async (options: { prefix?: string; label?: Record<string, string>; archived?: boolean }, command: Command) => {
        const clients = await connect(command);
        const secrets = await allPages(async (pageToken) => {
          const page = await clients.secrets.listSecrets({
            pageToken,
            namePrefix: options.prefix ?? "",
            labels: options.label ?? {},
            includeArchived: options.archived ?? false,
          });
          return { items: page.secrets, nextPageToken: page.nextPageToken };
        });
        if (outputFormat(command) === "json") printJson(secrets.map((s) => messageJson(SecretSchema, s)));
        else printLine(renderTable(SECRET_COLUMNS, secrets.map(secretRow)));
      }),
};
