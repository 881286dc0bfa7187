/**
 * `delete NAME`: the secret and all its versions, for good. The service refuses
 * while any consumer references it; without --yes the consumers are shown and
 * confirmation is asked on the terminal.
 */
import type { Command } from "commander";
import type { ServiceClients } from "../../client.js";
import { connect, outputFormat } from "../../command-context.js";
import { CliError, EXIT } from "../../exit-codes.js";
import { printJson, printLine } from "../../output.js";
import { confirm } from "../../prompt.js";
import type { CliCommand } from "../cli-command.js";
import { allConsumers } from "./secret-view.js";

export const deleteSecretCommand: CliCommand = {
  path: ["delete"],
  define: (command) =>
    command
      .description("delete a secret and all its versions for good (refused while any consumer references it)")
      .argument("<name>", "the secret")
      .option("-y, --yes", "do not ask for confirmation")
      .addHelpText(
        "after",
        "\nWithout --yes, the consumers referencing the secret are shown and confirmation is asked\non the terminal; with no terminal and no --yes, nothing is deleted.",
      )
      .action(async (name: string, options: { yes?: boolean }, command: Command) => {
        const clients = await connect(command);
        if (!options.yes) await confirmDelete(clients, name);
        await clients.secrets.deleteSecret({ name });
        if (outputFormat(command) === "json") printJson({ deleted: name });
        else printLine(`deleted secret ${name}`);
      }),
};

async function confirmDelete(clients: ServiceClients, name: string): Promise<void> {
  const consumers = await allConsumers(clients, name);
  const inUse =
    consumers.length > 0
      ? ` It is referenced by ${consumers.length} consumer(s): ${consumers.map((c) => c.id).join(", ")}; the service refuses to delete it while they do.`
      : "";
  if (!process.stdin.isTTY)
    throw new CliError(
      EXIT.notConfirmed,
      `not deleting secret ${name} without confirmation: no terminal to ask on, pass --yes`,
      consumers.map((c) => `consumer ${c.id} references it`),
    );
  if (!(await confirm(`Delete secret ${name} and all its versions permanently?${inUse}`, process.stdin, process.stderr)))
    throw new CliError(EXIT.notConfirmed, `secret ${name} not deleted`);
}
