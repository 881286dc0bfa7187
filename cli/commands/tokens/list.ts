/** `tokens list`: the tenant's API tokens (metadata only), active ones unless --all. */
import { timestampDate } from "@bufbuild/protobuf/wkt";
import type { Command } from "commander";
import { ApiTokenSchema, Role, type ApiToken } from "../../../gen/secrets/v1/types_pb.js";
import { connect, outputFormat } from "../../command-context.js";
import { formatTime, messageJson, printJson, printLine, renderTable } from "../../output.js";
import { allPages } from "../../paging.js";
import type { CliCommand } from "../cli-command.js";

function tokenState(token: ApiToken, now: Date): string {
  if (token.revokeTime) return "REVOKED";
  if (token.expireTime && timestampDate(token.expireTime) <= now) return "EXPIRED";
  return "ACTIVE";
}

export const tokensListCommand: CliCommand = {
  path: ["tokens", "list"],
  define: (command) =>
    command
      .description("list the tenant's API tokens (metadata only)")
      .option("-a, --all", "also list revoked and expired tokens")
      .action(async (options: { all?: boolean }, command: Command) => {
        const clients = await connect(command);
        const list = await allPages(async (pageToken) => {
          const page = await clients.admin.listApiTokens({ pageToken, includeInactive: options.all ?? false });
          return { items: page.apiTokens, nextPageToken: page.nextPageToken };
        });
        if (outputFormat(command) === "json") return printJson(list.map((t) => messageJson(ApiTokenSchema, t)));
        const now = new Date();
        printLine(
          renderTable(
            ["ID", "NAME", "ROLE", "ALLOWED", "CONSUMERS", "CREATED", "EXPIRES", "STATE"],
            list.map((t) => [
              t.id,
              t.displayName || "-",
              Role[t.role],
              t.allowedSecretPatterns.join(",") || "-",
              t.allowedConsumerPatterns.join(",") || "-",
              formatTime(t.createTime),
              formatTime(t.expireTime, "never"),
              tokenState(t, now),
            ]),
          ),
        );
      }),
};
