/** `restore NAME`: an archived secret made resolvable and listed again. */
import type { Command } from "commander";
import { connect } from "../../command-context.js";
import type { CliCommand } from "../cli-command.js";
import { printSecret } from "./secret-view.js";

export const restoreSecretCommand: CliCommand = {
  path: ["restore"],
  define: (command) =>
    command
      .description("restore an archived secret")
      .argument("<name>", "the secret")
      .action(async (name: string, _options: object, command: Command) => {
        const { secret } = await (await connect(command)).secrets.restoreSecret({ name });
        if (secret) printSecret(command, secret);
      }),
};
