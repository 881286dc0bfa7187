/** `versions NAME`: a secret's versions, newest first (metadata only). */
import type { Command } from "commander";
import { SecretVersionSchema } from "../../../gen/secrets/v1/types_pb.js";
import { connect, outputFormat } from "../../command-context.js";
import { formatTime, messageJson, printJson, printLine, renderTable } from "../../output.js";
import { allPages } from "../../paging.js";
import type { CliCommand } from "../cli-command.js";

export const secretVersionsCommand: CliCommand = {
  path: ["versions"],
  define: (command) =>
    command
      .description("list a secret's versions, newest first (metadata only)")
      .argument("<name>", "the secret")
      .action(async (name: string, _options: object, command: Command) => {
        const clients = await connect(command);
        const versions = await allPages(async (pageToken) => {
          const page = await clients.secrets.listSecretVersions({ name, pageToken });
          return { items: page.versions, nextPageToken: page.nextPageToken };
        });
        if (outputFormat(command) === "json") return printJson(versions.map((v) => messageJson(SecretVersionSchema, v)));
        printLine(
          renderTable(
            ["VERSION", "CREATED", "CREATED BY", "KEY VERSION", "RETAINED"],
            versions.map((v) => [
              String(v.version),
              formatTime(v.createTime),
              v.createdBy,
              String(v.keyVersion),
              v.valueRetained ? "yes" : "no",
            ]),
          ),
        );
      }),
};
