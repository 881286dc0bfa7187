/** `tokens create|list|revoke`: the tenant's API tokens. */
import { timestampDate, timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Option, type Command } from "commander";
import { ApiTokenSchema, Role, type ApiToken } from "../../gen/secrets/v1/types_pb.js";
import { connect, outputFormat } from "../command-context.js";
import { collect, parseFutureTime } from "../flag-parsers.js";
import { printOneTimeToken } from "../one-time-secret.js";
import { formatTime, messageJson, printJson, printLine, renderTable } from "../output.js";
import { allPages } from "../paging.js";

const ROLE_FLAG_VALUES = { admin: Role.ADMIN, viewer: Role.VIEWER, workload: Role.WORKLOAD } as const;

function tokenState(token: ApiToken, now: Date): string {
  if (token.revokeTime) return "REVOKED";
  if (token.expireTime && timestampDate(token.expireTime) <= now) return "EXPIRED";
  return "ACTIVE";
}

export function registerTokenCommands(program: Command): void {
  const tokens = program.command("tokens").description("create, list and revoke API tokens");

  tokens
    .command("create")
    .description("create an API token; the token is printed once, to stdout")
    .addOption(new Option("-r, --role <role>", "what the token may do").choices(Object.keys(ROLE_FLAG_VALUES)).makeOptionMandatory())
    .option("-n, --name <text>", "display name", "")
    .option("--allow <pattern>", "for workload tokens: a secret name it may resolve, * matching any run of characters (repeatable)", collect)
    .option("--expires <time>", "expiry: an ISO 8601 time or a duration from now (30d, 12h)", parseFutureTime)
    .action(async (options: { role: keyof typeof ROLE_FLAG_VALUES; name: string; allow?: string[]; expires?: Date }, command: Command) => {
      const response = await (await connect(command)).admin.createApiToken({
        role: ROLE_FLAG_VALUES[options.role],
        displayName: options.name,
        allowedSecretPatterns: options.allow ?? [],
        ...(options.expires && { expireTime: timestampFromDate(options.expires) }),
      });
      const metadata = response.apiToken ? messageJson(ApiTokenSchema, response.apiToken) : {};
      printOneTimeToken(outputFormat(command), response.tokenSecret, { apiToken: metadata }, `the token ${response.apiToken?.id ?? ""}`.trimEnd());
    });

  tokens
    .command("list")
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
          ["ID", "NAME", "ROLE", "ALLOWED", "CREATED", "EXPIRES", "STATE"],
          list.map((t) => [
            t.id,
            t.displayName || "-",
            Role[t.role],
            t.allowedSecretPatterns.join(",") || "-",
            formatTime(t.createTime),
            formatTime(t.expireTime, "never"),
            tokenState(t, now),
          ]),
        ),
      );
    });

  tokens
    .command("revoke")
    .description("revoke an API token at once")
    .argument("<token-id>", "the token's id (from tokens list)")
    .action(async (tokenId: string, _options: object, command: Command) => {
      const { apiToken } = await (await connect(command)).admin.revokeApiToken({ tokenId });
      if (outputFormat(command) === "json") printJson(apiToken ? messageJson(ApiTokenSchema, apiToken) : {});
      else printLine(`revoked token ${tokenId}`);
    });
}
