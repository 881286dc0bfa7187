/** `update NAME`: a new value, stored as a new version; the type decides which value is read. */
import type { Command } from "commander";
import { positiveInt } from "../../../kernel/int-flags.js";
import { connect } from "../../command-context.js";
import { CliError, EXIT } from "../../exit-codes.js";
import { domainTypeOf, readSecretValue } from "../../value-input.js";
import type { CliCommand } from "../cli-command.js";
import { printSecret, VALUE_SOURCES_HELP } from "./secret-view.js";

export const updateSecretCommand: CliCommand = {
  path: ["update"],
  define: (command) =>
    command
      .description("store a new value as a new version (from stdin, --from-file or a hidden prompt)")
      .argument("<name>", "the secret")
      .option(
        "--username <username>",
        "new username of a username-password secret (default: keep the stored one; the password is the value read)",
      )
      .option("-f, --from-file <path>", "read the value (or password) from this file")
      .option("--expected-version <n>", "update only if this is still the current version", positiveInt)
      .addHelpText("after", VALUE_SOURCES_HELP)
      .action(async (name: string, options: { username?: string; fromFile?: string; expectedVersion?: number }, command: Command) => {
        const clients = await connect(command);
        // The type is fixed at creation: ask the service which value to read.
        const { secret: current } = await clients.secrets.getSecret({ name });
        if (!current) throw new CliError(EXIT.failure, "the service returned no secret");
        const type = domainTypeOf(current.type);
        const value = await readSecretValue(type, current.name, { ...options, keepStoredUsername: true }, process);
        const keepUsername = type === "USERNAME_PASSWORD" && options.username === undefined;
        const { secret } = await clients.secrets.updateSecretValue({
          name,
          value,
          ...(keepUsername && { updateMask: { paths: ["username_password.password"] } }),
          ...(options.expectedVersion !== undefined && { expectedVersion: BigInt(options.expectedVersion) }),
        });
        if (secret) printSecret(command, secret);
      }),
};
