/** `edit NAME`: display name, description or labels (the name and type are fixed). */
import type { Command } from "commander";
import { connect } from "../../command-context.js";
import { CliError, EXIT } from "../../exit-codes.js";
import { collectLabel } from "../../flag-parsers.js";
import type { CliCommand } from "../cli-command.js";
import { printSecret } from "./secret-view.js";

interface EditOptions {
  displayName?: string;
  description?: string;
  label?: Record<string, string>;
  clearLabels?: boolean;
  etag?: string;
}

export const editSecretCommand: CliCommand = {
  path: ["edit"],
  define: (command) =>
    command
      .description("change a secret's display name, description or labels (name and type are fixed)")
      .argument("<name>", "the secret")
      .option("--display-name <text>", "the new display name")
      .option("--description <text>", "the new description")
      .option("-l, --label <key=value>", "the new labels, replacing all of them (repeatable)", collectLabel)
      .option("--clear-labels", "remove every label")
      .option("--etag <etag>", "change only if the secret still has this etag (from `get -o json`)")
      .action(async (name: string, options: EditOptions, command: Command) => {
        const paths = [
          ...(options.displayName !== undefined ? ["display_name"] : []),
          ...(options.description !== undefined ? ["description"] : []),
          ...(options.label !== undefined || options.clearLabels ? ["labels"] : []),
        ];
        if (paths.length === 0)
          throw new CliError(EXIT.usage, "nothing to change: give --display-name, --description, --label or --clear-labels");
        if (options.label !== undefined && options.clearLabels)
          throw new CliError(EXIT.usage, "--label and --clear-labels contradict each other");
        const { secret } = await (await connect(command)).secrets.updateSecretMetadata({
          name,
          displayName: options.displayName ?? "",
          description: options.description ?? "",
          labels: options.label ?? {},
          updateMask: { paths },
          etag: options.etag ?? "",
        });
        if (secret) printSecret(command, secret);
      }),
};
