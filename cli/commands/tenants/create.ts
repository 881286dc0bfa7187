/** `tenants create ID`: a new tenant, its key, and its first admin token (printed once). */
import type { Command } from "commander";
import { ApiTokenSchema, TenantSchema } from "../../../gen/secrets/v1/types_pb.js";
import { connect, outputFormat } from "../../command-context.js";
import { printOneTimeToken } from "../../one-time-secret.js";
import { messageJson, printNotice } from "../../output.js";
import type { CliCommand } from "../cli-command.js";

export const tenantsCreateCommand: CliCommand = {
  path: ["tenants", "create"],
  define: (command) =>
    command
      .description("create a tenant with its own encryption key; its admin token is printed once, to stdout")
      .argument("<tenant-id>", "1-64 lower-case letters, digits and -, starting with a letter")
      .option("-n, --display-name <text>", "display name", "")
      .action(async (tenantId: string, options: { displayName: string }, command: Command) => {
        const response = await (await connect(command)).admin.createTenant({ tenantId, displayName: options.displayName });
        const format = outputFormat(command);
        if (format === "table") printNotice(`created tenant ${response.tenant?.id ?? tenantId}`);
        printOneTimeToken(
          format,
          response.adminTokenSecret,
          {
            tenant: response.tenant ? messageJson(TenantSchema, response.tenant) : {},
            adminToken: response.adminToken ? messageJson(ApiTokenSchema, response.adminToken) : {},
          },
          `the admin token of tenant ${tenantId}`,
        );
      }),
};
