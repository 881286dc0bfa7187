/** `tokens revoke ID`: the token stops working at once, open streams included. */
import type { Command } from "commander";
import { ApiTokenSchema } from "../../../gen/secrets/v1/types_pb.js";
import { connect, outputFormat } from "../../command-context.js";
import { messageJson, printJson, printLine } from "../../output.js";
import type { CliCommand } from "../cli-command.js";

export const tokensRevokeCommand: CliCommand = {
  path: ["tokens", "revoke"],
  define: (command) =>
    command
      .description("revoke an API token at once")
      .argument("<token-id>", "the token's id (from tokens list)")
      .action(async (tokenId: string, _options: object, command: Command) => {
        const { apiToken } = await (await connect(command)).admin.revokeApiToken({ tokenId });
        if (outputFormat(command) === "json") printJson(apiToken ? messageJson(ApiTokenSchema, apiToken) : {});
        else printLine(`revoked token ${tokenId}`);
      }),
};
