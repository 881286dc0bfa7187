/** `context use NAME`: make a saved context the current one. */
import { configPath, loadConfig, saveConfig } from "../../config.js";
import { CliError, EXIT } from "../../exit-codes.js";
import { printLine } from "../../output.js";
import type { CliCommand } from "../cli-command.js";

export const contextUseCommand: CliCommand = {
  path: ["context", "use"],
  define: (command) =>
    command
      .description("make a saved context the current one")
      .argument("<name>", "the context")
      .action(async (name: string) => {
        const path = configPath();
        const config = await loadConfig(path);
        if (!config.contexts[name]) throw new CliError(EXIT.config, `no context named ${name} (see: secretsctl context list)`);
        await saveConfig(path, { ...config, currentContext: name });
        printLine(`current context: ${name}`);
      }),
};
