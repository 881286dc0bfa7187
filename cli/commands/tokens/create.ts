/** `tokens create`: a new API token, printed once, to stdout. */
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Option, type Command } from "commander";
import { ApiTokenSchema, Role } from "../../../gen/secrets/v1/types_pb.js";
import { connect, outputFormat } from "../../command-context.js";
import { collect, parseFutureTime } from "../../flag-parsers.js";
import { printOneTimeToken } from "../../one-time-secret.js";
import { messageJson } from "../../output.js";
import type { CliCommand } from "../cli-command.js";

const ROLE_FLAG_VALUES = { admin: Role.ADMIN, viewer: Role.VIEWER, workload: Role.WORKLOAD } as const;

interface CreateTokenOptions {
  role: keyof typeof ROLE_FLAG_VALUES;
  name: string;
  allow?: string[];
  consumers?: string[];
  expires?: Date;
}

export const tokensCreateCommand: CliCommand = {
  path: ["tokens", "create"],
  define: (command) =>
    command
      .description("create an API token; the token is printed once, to stdout")
      .addOption(new Option("-r, --role <role>", "what the token may do").choices(Object.keys(ROLE_FLAG_VALUES)).makeOptionMandatory())
      .option("-n, --name <text>", "display name", "")
      .option(
        "--allow <pattern>",
        "for workload tokens: a secret name it may resolve, * matching any run of characters (repeatable)",
        collect,
      )
      .option(
        "--consumers <pattern>",
        "for workload tokens: a consumer (config) id it may register, * matching any run of characters (repeatable); " +
          "without, it may register any id no other token owns",
        collect,
      )
      .option("--expires <time>", "expiry: an ISO 8601 time or a duration from now (30d, 12h)", parseFutureTime)
      .action(async (options: CreateTokenOptions, command: Command) => {
        const response = await (await connect(command)).admin.createApiToken({
          role: ROLE_FLAG_VALUES[options.role],
          displayName: options.name,
          allowedSecretPatterns: options.allow ?? [],
          allowedConsumerPatterns: options.consumers ?? [],
          ...(options.expires && { expireTime: timestampFromDate(options.expires) }),
        });
        const metadata = response.apiToken ? messageJson(ApiTokenSchema, response.apiToken) : {};
        printOneTimeToken(
          outputFormat(command),
          response.tokenSecret,
          { apiToken: metadata },
          `the token ${response.apiToken?.id ?? ""}`.trimEnd(),
        );
      }),
};
