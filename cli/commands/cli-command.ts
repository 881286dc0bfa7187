/**
 * One secretsctl command per file, as Vault keeps one API path per file: each
 * file exports a `CliCommand` holding its name, arguments, options, help and
 * action; `registry.ts` lists them in help order.
 */
import type { Command } from "commander";

/** The commands that only group others (`tokens create`), with their help line. */
export const COMMAND_GROUPS = {
  context: "list and switch contexts",
  tokens: "create, list and revoke API tokens",
  tenants: "create tenants (platform admins only)",
  keys: "manage the tenant's encryption key",
  consumer: "reassign or delete a registered consumer (config)",
} as const;

export type CommandGroup = keyof typeof COMMAND_GROUPS;

export interface CliCommand {
  /** `["create"]` for a top-level command, `["tokens", "create"]` for one in a group. */
  readonly path: readonly [name: string] | readonly [group: CommandGroup, name: string];
  /** Adds the description, arguments, options, help text and action to the command made for `path`. */
  readonly define: (command: Command) => void;
}
