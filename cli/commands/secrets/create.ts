/** `create NAME`: a new secret, its value from stdin, --from-file or a hidden prompt (never an argument). */
import { Option, type Command } from "commander";
import { SecretType } from "../../../gen/secrets/v1/types_pb.js";
import { connect } from "../../command-context.js";
import { collectLabel } from "../../flag-parsers.js";
import { readSecretValue, TYPE_FLAG_VALUES, type TypeFlag } from "../../value-input.js";
import type { CliCommand } from "../cli-command.js";
import { checkName, printSecret, VALUE_SOURCES_HELP } from "./secret-view.js";

interface CreateOptions {
  type: TypeFlag;
  username?: string;
  fromFile?: string;
  displayName?: string;
  description?: string;
  label?: Record<string, string>;
}

export const createSecretCommand: CliCommand = {
  path: ["create"],
  define: (command) =>
    command
      .description("create a secret (its value from stdin, --from-file or a hidden prompt)")
      .argument("<name>", "the name used in references: letters, digits, _ and -, starting with a letter or _")
      .addOption(
        new Option("-t, --type <type>", "the secret's type, fixed at creation")
          .choices(Object.keys(TYPE_FLAG_VALUES))
          .makeOptionMandatory(),
      )
      .option("--username <username>", "username of a username-password secret (the password is the value read)")
      .option("-f, --from-file <path>", "read the value (or password) from this file")
      .option("--display-name <text>", "human-facing name")
      .option("--description <text>", "description")
      .option("-l, --label <key=value>", "a label (repeatable)", collectLabel)
      .addHelpText("after", VALUE_SOURCES_HELP)
      .action(async (name: string, options: CreateOptions, command: Command) => {
        checkName(name);
        const type = TYPE_FLAG_VALUES[options.type];
        const clients = await connect(command); // a missing context fails before anyone types a value
        const value = await readSecretValue(type, name, options, process);
        const { secret } = await clients.secrets.createSecret({
          name,
          type: SecretType[type],
          value,
          displayName: options.displayName ?? "",
          description: options.description ?? "",
          labels: options.label ?? {},
        });
        if (secret) printSecret(command, secret);
      }),
};
