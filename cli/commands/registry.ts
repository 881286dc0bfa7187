/** Every secretsctl command, in the order `secretsctl --help` lists them. */
import type { Command } from "commander";
import { auditCommand } from "./audit.js";
import { COMMAND_GROUPS, type CliCommand, type CommandGroup } from "./cli-command.js";
import { consumerDeleteCommand } from "./consumer/delete.js";
import { consumerReassignCommand } from "./consumer/reassign.js";
import { contextListCommand } from "./context/list.js";
import { loginCommand } from "./context/login.js";
import { contextUseCommand } from "./context/use.js";
import { importCommand } from "./import.js";
import { keysRotateCommand } from "./keys/rotate.js";
import { archiveSecretCommand } from "./secrets/archive.js";
import { secretConsumersCommand } from "./secrets/consumers.js";
import { createSecretCommand } from "./secrets/create.js";
import { deleteSecretCommand } from "./secrets/delete.js";
import { editSecretCommand } from "./secrets/edit.js";
import { getSecretCommand } from "./secrets/get.js";
import { listSecretsCommand } from "./secrets/list.js";
import { restoreSecretCommand } from "./secrets/restore.js";
import { rollbackSecretCommand } from "./secrets/rollback.js";
import { updateSecretCommand } from "./secrets/update.js";
import { secretVersionsCommand } from "./secrets/versions.js";
import { tenantsCreateCommand } from "./tenants/create.js";
import { tokensCreateCommand } from "./tokens/create.js";
import { tokensListCommand } from "./tokens/list.js";
import { tokensRevokeCommand } from "./tokens/revoke.js";

export const COMMANDS: readonly CliCommand[] = [
  loginCommand,
  contextListCommand,
  contextUseCommand,
  createSecretCommand,
  updateSecretCommand,
  rollbackSecretCommand,
  editSecretCommand,
  getSecretCommand,
  listSecretsCommand,
  secretVersionsCommand,
  secretConsumersCommand,
  consumerReassignCommand,
  consumerDeleteCommand,
  archiveSecretCommand,
  restoreSecretCommand,
  deleteSecretCommand,
  importCommand,
  tokensCreateCommand,
  tokensListCommand,
  tokensRevokeCommand,
  auditCommand,
  tenantsCreateCommand,
  keysRotateCommand,
];

/** Adds every command to `program`; a group is made where its first command is listed. */
export function registerCommands(program: Command): void {
  const groups = new Map<CommandGroup, Command>();
  const groupCommand = (group: CommandGroup): Command => {
    let command = groups.get(group);
    if (!command) {
      command = program.command(group).description(COMMAND_GROUPS[group]);
      groups.set(group, command);
    }
    return command;
  };
  for (const { path, define } of COMMANDS) {
    if (path.length === 1) define(program.command(path[0]));
    else define(groupCommand(path[0]).command(path[1]));
  }
}
