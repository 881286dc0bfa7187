/** `consumer reassign ID --to-token TOKEN_ID`: give a consumer to another token (a squatted id, a replaced token). */
import type { Command } from "commander";
import { ConsumerSchema } from "../../../gen/secrets/v1/types_pb.js";
import { connect, outputFormat } from "../../command-context.js";
import { messageJson, printJson, printLine } from "../../output.js";
import type { CliCommand } from "../cli-command.js";

export const consumerReassignCommand: CliCommand = {
  path: ["consumer", "reassign"],
  define: (command) =>
    command
      .description("give a consumer to another API token, which then alone may change it")
      .argument("<consumer-id>", "the consumer (config) id, e.g. service/payments")
      .requiredOption("--to-token <token-id>", "the token that is to own it (from tokens list)")
      .action(async (consumerId: string, options: { toToken: string }, command: Command) => {
        const { consumer } = await (await connect(command)).admin.reassignConsumer({ consumerId, ownerTokenId: options.toToken });
        if (outputFormat(command) === "json") printJson(consumer ? messageJson(ConsumerSchema, consumer) : {});
        else printLine(`consumer ${consumerId} now belongs to token ${consumer?.ownerTokenId ?? options.toToken}`);
      }),
};
