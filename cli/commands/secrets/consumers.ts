/** `consumers NAME`: the configs that reference a secret. */
import type { Command } from "commander";
import { ConsumerSchema } from "../../../gen/secrets/v1/types_pb.js";
import { connect, outputFormat } from "../../command-context.js";
import { formatTime, messageJson, printJson, printLine, renderTable } from "../../output.js";
import type { CliCommand } from "../cli-command.js";
import { allConsumers } from "./secret-view.js";

export const secretConsumersCommand: CliCommand = {
  path: ["consumers"],
  define: (command) =>
    command
      .description("list the consumers (configs) that reference a secret")
      .argument("<name>", "the secret")
      .action(async (name: string, _options: object, command: Command) => {
        const consumers = await allConsumers(await connect(command), name);
        if (outputFormat(command) === "json") return printJson(consumers.map((c) => messageJson(ConsumerSchema, c)));
        printLine(
          renderTable(
            ["CONSUMER", "REFERENCES", "UPDATED", "OWNER TOKEN"],
            consumers.map((c) => [c.id, c.references.join(" "), formatTime(c.updateTime), c.ownerTokenId || "-"]),
          ),
        );
      }),
};
