/**
 * What every command needs from the global options: the output format and
 * clients for the selected context.
 */
import type { Command } from "commander";
import { createServiceClients, type ServiceClients } from "./client.js";
import { configPath, loadConfig, resolveConnection } from "./config.js";
import type { OutputFormat } from "./output.js";

interface GlobalOptions {
  context?: string;
  output: OutputFormat;
}

export function outputFormat(command: Command): OutputFormat {
  return command.optsWithGlobals<GlobalOptions>().output;
}

export async function connect(command: Command): Promise<ServiceClients> {
  const config = await loadConfig(configPath());
  return createServiceClients(await resolveConnection(config, command.optsWithGlobals<GlobalOptions>().context, process.env));
}
