/** `rollback NAME --to-version N`: an earlier version's value made current again, as a new version. */
import type { Command } from "commander";
import { positiveInt } from "../../../kernel/int-flags.js";
import { connect } from "../../command-context.js";
import type { CliCommand } from "../cli-command.js";
import { printSecret } from "./secret-view.js";

export const rollbackSecretCommand: CliCommand = {
  path: ["rollback"],
  define: (command) =>
    command
      .description("make an earlier version's value current again, as a new version (the value is never shown)")
      .argument("<name>", "the secret")
      .requiredOption("--to-version <n>", "the earlier version (see `versions`; its value must still be retained)", positiveInt)
      .option("--expected-version <n>", "roll back only if this is still the current version", positiveInt)
      .action(async (name: string, options: { toVersion: number; expectedVersion?: number }, command: Command) => {
        const { secret } = await (await connect(command)).secrets.rollbackSecret({
          name,
          version: BigInt(options.toVersion),
          ...(options.expectedVersion !== undefined && { expectedVersion: BigInt(options.expectedVersion) }),
        });
        if (secret) printSecret(command, secret);
      }),
};
