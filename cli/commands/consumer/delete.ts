/** `consumer delete ID`: forget a consumer and its references (its owner may register it again). */
import type { Command } from "commander";
import { connect, outputFormat } from "../../command-context.js";
import { printJson, printLine } from "../../output.js";
import type { CliCommand } from "../cli-command.js";

export const consumerDeleteCommand: CliCommand = {
  path: ["consumer", "delete"],
  define: (command) =>
    command
      .description("forget a consumer and its references, whoever owns it")
      .argument("<consumer-id>", "the consumer (config) id, e.g. service/payments")
      .action(async (consumerId: string, _options: object, command: Command) => {
        await (await connect(command)).resolver.deleteConsumer({ consumerId });
        if (outputFormat(command) === "json") printJson({});
        else printLine(`deleted consumer ${consumerId}`);
      }),
};
