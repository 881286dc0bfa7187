/** `archive NAME`: soft removal; an archived secret cannot be resolved and is hidden from the default list. */
import type { Command } from "commander";
import { connect } from "../../command-context.js";
import type { CliCommand } from "../cli-command.js";
import { printSecret } from "./secret-view.js";

export const archiveSecretCommand: CliCommand = {
  path: ["archive"],
  define: (command) =>
    command
      .description("archive a secret: it can no longer be resolved and is hidden from the default list")
      .argument("<name>", "the secret")
      .action(async (name: string, _options: object, command: Command) => {
        const { secret } = await (await connect(command)).secrets.archiveSecret({ name });
        if (secret) printSecret(command, secret);
      }),
};
