/** `get NAME`: a secret's metadata, never its value. */
import type { Command } from "commander";
import { SecretSchema, SecretState, SecretType } from "../../../gen/secrets/v1/types_pb.js";
import { connect, outputFormat } from "../../command-context.js";
import { CliError, EXIT } from "../../exit-codes.js";
import { formatTime, messageJson, printJson, printLine, renderRecord } from "../../output.js";
import type { CliCommand } from "../cli-command.js";

export const getSecretCommand: CliCommand = {
  path: ["get"],
  define: (command) =>
    command
      .description("show a secret's metadata (never its value)")
      .argument("<name>", "the secret")
      .action(async (name: string, _options: object, command: Command) => {
        const { secret } = await (await connect(command)).secrets.getSecret({ name });
        if (!secret) throw new CliError(EXIT.failure, "the service returned no secret");
        if (outputFormat(command) === "json") return printJson(messageJson(SecretSchema, secret));
        const labels = Object.entries(secret.labels).map(([k, v]) => `${k}=${v}`);
        printLine(
          renderRecord([
            ["name", secret.name],
            ["display name", secret.displayName || "-"],
            ["description", secret.description || "-"],
            ["labels", labels.length > 0 ? labels.join(", ") : "-"],
            ["type", SecretType[secret.type]],
            ["state", SecretState[secret.state]],
            ["version", String(secret.version)],
            ["created", formatTime(secret.createTime)],
            ["updated", formatTime(secret.updateTime)],
            ["last accessed", formatTime(secret.lastAccessTime, "never")],
            ["usage count", String(secret.usageCount)],
            ["archived", formatTime(secret.archiveTime)],
            ["etag", secret.etag],
          ]),
        );
      }),
};
